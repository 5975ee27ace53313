// `npm run bench -- store`: committed rows/s of 1M metric-shaped rows through the store's write path
// (openDatabase + project migrations + MetricWriter) against the ceiling measured in the same run: bare
// better-sqlite3, the same schema, one prepared single-row INSERT, one transaction.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { silentLogger } from '../../main/core/logger';
import { createRun, MetricWriter, openDatabase, projectMigrations, projectSchemaV1, type MetricPoint } from '../../main/services/store';
import { figure, median, summary } from './lib';

const rows = 1_000_000;
const trials = 3;
const keys = ['loss', 'accuracy', 'learning_rate', 'grad_norm'];
const runId = 'run_bench';

function makePoints(): MetricPoint[] {
  const start = Date.now() / 1000;
  const points = new Array<MetricPoint>(rows);
  for (let i = 0; i < rows; i++) {
    points[i] = { key: keys[i % keys.length]!, step: Math.floor(i / keys.length), time: start + i * 0.001, value: Math.exp(-i / rows) + (i % 7) * 1e-3 };
  }
  return points;
}

function countRows(db: Database.Database): number {
  return (db.prepare('SELECT count(*) AS n FROM metrics').get() as { n: number }).n;
}

function storeTrial(dir: string, points: readonly MetricPoint[]): number {
  const db = openDatabase(path.join(dir, 'store.db'), { migrations: projectMigrations, kind: 'project', logger: silentLogger });
  try {
    createRun(db, { id: runId, name: 'bench', createdAt: Date.now() });
    const writer = new MetricWriter(db, runId);
    const started = performance.now();
    writer.write(points);
    const seconds = (performance.now() - started) / 1000;
    if (countRows(db) !== rows) throw new Error('store: not every row was committed');
    return rows / seconds;
  } finally {
    db.close();
  }
}

function baselineTrial(dir: string, points: readonly MetricPoint[]): number {
  const db = new Database(path.join(dir, 'baseline.db'));
  try {
    db.exec(projectSchemaV1);
    createRun(db, { id: runId, name: 'bench', createdAt: Date.now() });
    const keyIds = new Map<string, number>();
    for (const key of keys) {
      keyIds.set(key, Number(db.prepare('INSERT INTO metric_keys (run_id, key) VALUES (?, ?)').run(runId, key).lastInsertRowid));
    }
    const insert = db.prepare('INSERT INTO metrics (key_id, step, time, value) VALUES (?, ?, ?, ?)');
    const started = performance.now();
    db.transaction(() => {
      for (const point of points) insert.run(keyIds.get(point.key), point.step, point.time, point.value);
    })();
    const seconds = (performance.now() - started) / 1000;
    if (countRows(db) !== rows) throw new Error('baseline: not every row was committed');
    return rows / seconds;
  } finally {
    db.close();
  }
}

function trial(kind: 'store' | 'baseline', points: readonly MetricPoint[]): number {
  const dir = mkdtempSync(path.join(os.tmpdir(), `orrery-bench-${kind}-`));
  try {
    (globalThis as { gc?: () => void }).gc?.();
    return kind === 'store' ? storeTrial(dir, points) : baselineTrial(dir, points);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const points = makePoints();
const store: number[] = [];
const baseline: number[] = [];
for (let i = 0; i < trials; i++) {
  // Alternate so that drift of the machine (page cache, CPU heat) hits both sides alike.
  store.push(trial('store', points));
  baseline.push(trial('baseline', points));
}
const storeRate = median(store);
const baselineRate = median(baseline);
console.log(`store: ${rows} metric rows, ${trials} trials each, medians`);
figure('store write path (MetricWriter)', storeRate, 'rows/s');
figure('baseline (bare better-sqlite3)', baselineRate, 'rows/s');
figure('store trials', store.map((v) => Math.round(v)).join(', '), 'rows/s');
figure('baseline trials', baseline.map((v) => Math.round(v)).join(', '), 'rows/s');
figure('ratio (goal >= 0.7)', storeRate / baselineRate);
summary('store', { ratio: storeRate / baselineRate, rows_per_s: storeRate, baseline_rows_per_s: baselineRate });
