// `npm run bench -- ingest`: 1M metric points (10 keys x 100k steps) logged by the Python SDK from a real python3
// process (tests/python/log_rate.py) into a project, ingested by the tracking service while the script runs (a
// pass every 250 ms, as a watched job is) and after it exits, until the series are queryable through the
// `runs.series` code path. Figure: points/s from spawning python to queryable, against the ceiling measured in
// the same run: bare better-sqlite3 inserting the same 1M points as rows (step, time, value, key_id) with one
// prepared statement in one transaction.
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { silentLogger } from '../../main/core/logger';
import { openDatabase } from '../../main/services/store/open-database';
import { projectMigrations } from '../../main/services/store/project-migrations';
import { Ingester } from '../../main/services/tracking/ingest';
import { readSeries } from '../../main/services/tracking/run-queries';
import { listRunIds } from '../../main/services/tracking/spool-reader';
import { figure, median, repoRoot, summary } from './lib';

const steps = 100_000;
const keys = 10;
const points = steps * keys;
const trials = 3;
const pollMs = 250;

interface Trial {
  readonly rate: number;
  readonly pythonSeconds: number;
  readonly tailSeconds: number;
}

function runPython(project: string): Promise<{ runDir: string; seconds: number }> {
  const started = performance.now();
  const child = spawn('python3', [path.join(repoRoot, 'tests', 'python', 'log_rate.py'), '--project', project, '--steps', String(steps), '--keys', String(keys)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) return reject(new Error(`log_rate.py exited ${code}`));
      const report = JSON.parse(out.trim().split('\n').pop()!) as { run_dir: string };
      resolve({ runDir: report.run_dir, seconds: (performance.now() - started) / 1000 });
    });
  });
}

async function sdkTrial(): Promise<Trial> {
  const project = mkdtempSync(path.join(os.tmpdir(), 'orrery-bench-ingest-'));
  try {
    const trackingDir = path.join(project, '.orrery', 'tracking');
    mkdirSync(trackingDir, { recursive: true });
    const db = openDatabase(path.join(project, '.orrery', 'project.db'), { migrations: projectMigrations, kind: 'project', logger: silentLogger });
    try {
      const ingester = new Ingester({ db, trackingDir, logger: silentLogger, now: () => Date.now(), isAlive: () => true });
      (globalThis as { gc?: () => void }).gc?.();
      const started = performance.now();
      const python = runPython(project);
      let exited = false;
      void python.then(() => (exited = true));
      // While the script runs: a pass over every run folder each 250 ms (the folder name is not known yet).
      while (!exited) {
        // The job service's unwatch ingests at once when the process exits: so does this loop.
        await Promise.race([new Promise((resolve) => setTimeout(resolve, pollMs)), python]);
        if (exited) break;
        for (const id of await listRunIds(trackingDir)) await ingester.ingest(id);
      }
      const { runDir, seconds: pythonSeconds } = await python;
      const exitedAt = performance.now();
      const runId = path.basename(runDir);
      for (let pass = 0; pass < 100; pass++) if (!(await ingester.ingest(runId))?.more) break;
      const names = Array.from({ length: keys }, (_, k) => `metric_${k}`);
      const series = readSeries(db, ingester.series, { runIds: [runId], keys: names, x: 'step', maxPoints: 2000, method: 'minmax' });
      const total = series.reduce((n, s) => n + s.points, 0);
      const ended = performance.now();
      if (total !== points) throw new Error(`ingest: ${total} points queryable, expected ${points}`);
      return { rate: points / ((ended - started) / 1000), pythonSeconds, tailSeconds: (ended - exitedAt) / 1000 };
    } finally {
      db.close();
    }
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
}

function baselineTrial(): number {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'orrery-bench-ingest-raw-'));
  const db = new Database(path.join(dir, 'raw.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec('CREATE TABLE rows (step REAL NOT NULL, time REAL NOT NULL, value REAL, key_id INTEGER NOT NULL)');
    const insert = db.prepare('INSERT INTO rows (step, time, value, key_id) VALUES (?, ?, ?, ?)');
    const t0 = Date.now() / 1000;
    (globalThis as { gc?: () => void }).gc?.();
    const started = performance.now();
    db.transaction(() => {
      for (let i = 0; i < steps; i++) for (let k = 0; k < keys; k++) insert.run(i, t0 + i * 1e-5, i * 0.001, k);
    })();
    const seconds = (performance.now() - started) / 1000;
    if ((db.prepare('SELECT count(*) FROM rows').pluck().get() as number) !== points) throw new Error('baseline: not every row was committed');
    return points / seconds;
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const sdk: Trial[] = [];
  const baseline: number[] = [];
  for (let i = 0; i < trials; i++) {
    // Alternate so that drift of the machine hits both sides alike.
    sdk.push(await sdkTrial());
    baseline.push(baselineTrial());
  }
  const rate = median(sdk.map((t) => t.rate));
  const baselineRate = median(baseline);
  console.log(`ingest: ${points} points (${keys} keys x ${steps} steps) from python3 + the SDK, ${trials} trials each, medians`);
  figure('SDK -> spool -> store -> queryable', rate, 'points/s');
  figure('  python process (spawn to exit)', median(sdk.map((t) => t.pythonSeconds)), 's');
  figure('  after exit until queryable', median(sdk.map((t) => t.tailSeconds)), 's');
  figure('baseline (bare better-sqlite3 rows)', baselineRate, 'points/s');
  figure('trials', sdk.map((t) => Math.round(t.rate)).join(', '), 'points/s');
  figure('baseline trials', baseline.map((v) => Math.round(v)).join(', '), 'points/s');
  figure('ratio (goal >= 0.5, and >= 500k points/s)', rate / baselineRate);
  summary('ingest', { ratio: rate / baselineRate, points_per_s: rate, baseline_points_per_s: baselineRate });
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
