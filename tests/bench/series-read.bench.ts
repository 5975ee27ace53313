// `npm run bench -- series-read`: a 1M-point series read from the store (SeriesStore: chunks of packed float64
// columns) and downsampled to 2,000 points (min/max per bucket, and LTTB), as `runs.series` does; median of 25
// reads. Baseline measured in the same run: the same 1M points read as rows from a `metrics`-style table
// (key_id, step, time, value; index on key_id, step) with better-sqlite3, without any downsampling.
// Also: the first page of `runs.list` over 10,000 runs, unfiltered and with a filter + sort on params/metrics.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { silentLogger } from '../../main/core/logger';
import { openDatabase } from '../../main/services/store/open-database';
import { projectMigrations } from '../../main/services/store/project-migrations';
import { createRun } from '../../main/services/store/runs';
import { KeyNames, listRuns, readSeries } from '../../main/services/tracking/run-queries';
import { SeriesStore } from '../../main/services/tracking/series-store';
import { figure, median, percentile, summary } from './lib';

const points = 1_000_000;
const reads = 25;
const runId = 'bench';

function makeSeries() {
  const t0 = Date.now() / 1000;
  const steps = new Float64Array(points);
  const times = new Float64Array(points);
  const values = new Float64Array(points);
  for (let i = 0; i < points; i++) {
    steps[i] = i;
    times[i] = t0 + i * 0.01;
    values[i] = Math.exp(-i / points) + Math.sin(i / 50) * 0.01 + (i % 9973 === 0 ? 1 : 0);
  }
  return { steps, times, values };
}

function timeReads(fn: () => number): number[] {
  const out: number[] = [];
  fn(); // warm the page cache and the JIT
  for (let i = 0; i < reads; i++) {
    const started = performance.now();
    const n = fn();
    out.push(performance.now() - started);
    if (n <= 0) throw new Error('read returned nothing');
  }
  return out;
}

/** 10,000 runs with params, tags and three metric summaries; answers the times of two first-page listings. */
function listFigures(db: Database.Database): { plain: number[]; filtered: number[] } {
  const insertRun = db.prepare("INSERT INTO runs (id, name, status, created_at, params, tags) VALUES (?, ?, 'finished', ?, ?, ?)");
  const insertKey = db.prepare('INSERT INTO metric_keys (run_id, key, count, last_step, last_value) VALUES (?, ?, 100, 99, ?)');
  db.transaction(() => {
    for (let i = 0; i < 10_000; i++) {
      const id = `run${String(i).padStart(5, '0')}`;
      insertRun.run(id, `run ${i}`, Date.now() - i * 1000, JSON.stringify({ lr: (i % 100) / 1000, batch: 32 << i % 4, opt: i % 2 ? 'adam' : 'sgd' }), JSON.stringify(i % 10 ? ['sweep'] : ['baseline']));
      for (const key of ['loss', 'acc', 'val_loss']) insertKey.run(id, key, (i % 997) / 997);
    }
  })();
  const keyNames = new KeyNames();
  const page = (query?: string) => () => {
    const result = listRuns(db, { offset: 0, limit: 50, ...(query ? { query, sort: { by: 'metrics.loss', dir: 'asc' as const } } : {}) }, keyNames);
    return result.runs.length;
  };
  return { plain: timeReads(page()), filtered: timeReads(page('params.lr > 0.01 and metrics.loss < 0.5 and tags ~ "sweep" and status = finished')) };
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'orrery-bench-series-'));
try {
  const series = makeSeries();
  const db = openDatabase(path.join(dir, 'project.db'), { migrations: projectMigrations, kind: 'project', logger: silentLogger });
  createRun(db, { id: runId, name: 'bench', createdAt: Date.now() });
  const store = new SeriesStore(db);
  db.transaction(() => store.append(runId, 'loss', series.steps, series.times, series.values))();
  const read = (method: 'minmax' | 'lttb') => () => {
    const [result] = readSeries(db, store, { runIds: [runId], keys: ['loss'], x: 'step', maxPoints: 2000, method });
    if (result!.points !== points || result!.x.length > 2000) throw new Error(`read ${result!.points} points, drew ${result!.x.length}`);
    return result!.x.length;
  };
  const minmax = timeReads(read('minmax'));
  const lttb = timeReads(read('lttb'));
  const { plain, filtered } = listFigures(db);
  db.close();

  const raw = new Database(path.join(dir, 'rows.db'));
  raw.pragma('journal_mode = WAL');
  raw.exec('CREATE TABLE metrics (key_id INTEGER NOT NULL, step INTEGER NOT NULL, time REAL NOT NULL, value REAL); CREATE INDEX metrics_by_key_step ON metrics (key_id, step);');
  const insert = raw.prepare('INSERT INTO metrics (key_id, step, time, value) VALUES (1, ?, ?, ?)');
  raw.transaction(() => {
    for (let i = 0; i < points; i++) insert.run(series.steps[i], series.times[i], series.values[i]);
  })();
  const select = raw.prepare('SELECT step, time, value FROM metrics WHERE key_id = 1 ORDER BY step').raw();
  const rows = timeReads(() => select.all().length);
  raw.close();

  const minmaxMs = median(minmax);
  const rowsMs = median(rows);
  console.log(`series-read: one ${points}-point series read and downsampled to 2,000 points, ${reads} reads each, medians`);
  figure('store read + min/max downsample (goal <= 50)', minmaxMs, 'ms');
  figure('  p90', percentile(minmax, 90), 'ms');
  figure('store read + LTTB downsample', median(lttb), 'ms');
  figure('baseline: 1M rows from a metrics table', rowsMs, 'ms');
  figure('ratio (baseline / store)', rowsMs / minmaxMs);
  figure('runs.list first page of 10,000 runs', median(plain), 'ms');
  figure('  with filter + sort on params/metrics', median(filtered), 'ms');
  summary('series-read', { median_ms: minmaxMs, lttb_ms: median(lttb), baseline_rows_ms: rowsMs, ratio: rowsMs / minmaxMs, list_10k_ms: median(plain), list_10k_filtered_ms: median(filtered) });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
