// `npm run bench -- dashboard`: the Experiments area of Chromium against `orrery serve`, on a project holding
// 10,000 runs of which 100 carry 4 metrics × 100,000 points each (written as tracking spool files,
// docs/tracking-spool.md, then ingested when the project opens).
// table_ms: click on Experiments → the first row of the runs table drawn (runs.list's first page over the
// WebSocket, the virtualized table). compare_ms: click on Compare with the 100 heavy runs ticked → every curve of
// the 4 charts drawn (runs.series downsampled to about a point per 2 pixels; recharts axes, SVG paths);
// series_call_ms: the slowest of its 4 runs.series calls, as the page measured it. scroll: the runs table
// scrolled to its end, 3,000 px a frame (pages fetched as they appear); the p95 frame gap.
// The baseline, the same charts fed the raw points, is `npm run bench -- recharts-naive`.
// ORRERY_BENCH_RUNS, ORRERY_BENCH_POINTS and ORRERY_BENCH_TABLE_RUNS scale it down on a small machine.
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Page } from 'playwright-core';
import { launchChromium, scrollFrameGaps } from './browser';
import { trainingCurve } from './curves';
import { figure, median, percentile, serveOrrery, stopProcess, summary } from './lib';

const repeats = 5;
const heavyRuns = Number(process.env.ORRERY_BENCH_RUNS ?? 100);
const pointsPerMetric = Number(process.env.ORRERY_BENCH_POINTS ?? 100_000);
const tableRuns = Number(process.env.ORRERY_BENCH_TABLE_RUNS ?? 10_000);
const metricKeys = ['loss', 'accuracy', 'grad_norm', 'lr'] as const;
const goals = { compareMs: 1000, tableMs: 300 };

/** One metrics frame of the spool: key length, count, padded key, then steps, times and values as float64. */
function metricFrame(key: string, steps: Float64Array, times: Float64Array, values: Float64Array): Buffer {
  const keyBytes = Buffer.from(key, 'utf8');
  const padded = Math.ceil(keyBytes.length / 8) * 8;
  const head = Buffer.alloc(8 + padded);
  head.writeUInt32LE(keyBytes.length, 0);
  head.writeUInt32LE(steps.length, 4);
  keyBytes.copy(head, 8);
  return Buffer.concat([head, Buffer.from(steps.buffer), Buffer.from(times.buffer), Buffer.from(values.buffer)]);
}

/** A run's series of one key: steps 0..n-1, a point every 10 ms from `start`, a training-like curve. */
function curve(key: string, run: number, n: number, start: number): { steps: Float64Array; times: Float64Array; values: Float64Array } {
  const steps = Float64Array.from({ length: n }, (_, i) => i);
  const times = Float64Array.from({ length: n }, (_, i) => start + i * 0.01);
  return { steps, times, values: trainingCurve(key, run, n) };
}

/** Writes one run folder: run.json, start/finish events, and (heavy runs) the metrics file. */
function writeRun(project: string, index: number, heavy: boolean): void {
  const id = `bench${String(index).padStart(6, '0')}`;
  const dir = path.join(project, '.orrery', 'tracking', id);
  mkdirSync(dir, { recursive: true });
  const created = 1_763_000_000 + index;
  const params = { lr: 10 ** -(1 + (index % 4)), batch: 2 ** (4 + (index % 4)), optimizer: index % 2 === 0 ? 'adam' : 'sgd', seed: index };
  const run = { version: 1, id, name: `run-${index}`, created_at: created, params, tags: heavy ? ['heavy'] : ['light'], source: 'sdk', job_id: null, pid: 1, host: null, argv: ['train.py'], cwd: project, git_commit: null, python: '3.11' };
  writeFileSync(path.join(dir, 'run.json'), JSON.stringify(run));
  const writer = `1-${index.toString(16).padStart(8, '0')}`;
  const events = [{ t: 'start', time: created, pid: 1 }, { t: 'finish', status: 'finished', time: created + 60, exit_code: 0 }];
  writeFileSync(path.join(dir, `events.${writer}.jsonl`), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  const fd = openSync(path.join(dir, `metrics.${writer}.bin`), 'w');
  try {
    writeSync(fd, Buffer.from('ORRMET1\n', 'latin1'));
    for (const key of heavy ? metricKeys : (['loss'] as const)) {
      const c = curve(key, index, heavy ? pointsPerMetric : 1, created);
      writeSync(fd, metricFrame(key, c.steps, c.times, c.values));
    }
  } finally {
    closeSync(fd);
  }
}


const firstRow = '[data-testid="runs-table"] [aria-rowindex="2"] .run-status';

/** A fresh page: click on Experiments → the first row drawn. */
async function tableOnce(page: Page, url: string, timeout = 30_000): Promise<number> {
  await page.goto(url, { timeout });
  const button = page.getByRole('button', { name: 'Experiments', exact: true });
  await button.waitFor({ state: 'visible', timeout });
  await page.getByText('connected', { exact: true }).waitFor({ timeout });
  const t0 = performance.now();
  await button.click();
  await page.locator(firstRow).waitFor({ state: 'visible', timeout });
  return performance.now() - t0;
}

/** Ticks the heavy runs (filter `tags ~ "heavy"`, the header checkbox), then times Compare → every curve drawn. */
async function compareOnce(page: Page, first: boolean): Promise<{ ms: number; callMs: number }> {
  if (first) {
    const filter = page.getByRole('textbox', { name: 'Filter runs' });
    await filter.fill('tags ~ "heavy"');
    await filter.press('Enter');
    await page.getByTestId('runs-count').filter({ hasText: `${heavyRuns.toLocaleString('en-US')} run` }).waitFor({ timeout: 30_000 });
    await page.getByRole('checkbox', { name: 'Select the loaded runs (100 at most)' }).check();
  }
  const expected = Math.min(heavyRuns, 100) * metricKeys.length * 2; // a smoothed line over a raw one, per run
  const t0 = performance.now();
  await page.getByRole('button', { name: /^Compare \(\d+\)$/ }).click();
  await page.waitForFunction((n) => document.querySelectorAll('.compare-view path.chart-line').length >= n, expected, { timeout: 120_000, polling: 'raf' });
  const ms = performance.now() - t0;
  // The slowest of the 4 runs.series calls this Compare made (the page measures each).
  const callMs = await page.evaluate((n) => {
    const entries = (globalThis as unknown as Window).performance.getEntriesByName('orrery:runs.series', 'measure');
    return Math.max(...entries.slice(-n).map((e) => e.duration));
  }, metricKeys.length);
  await page.getByRole('button', { name: '← Runs' }).click();
  return { ms, callMs };
}

async function main(): Promise<void> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'orrery-bench-dashboard-'));
  const browser = await launchChromium();
  let host = await serveOrrery(home, 'bench-dashboard-token');
  try {
    // The first start makes the sample project; its runs are written while the host is down, then ingested on open.
    const project = path.join(home, 'projects', readdirSync(path.join(home, 'projects'))[0]!);
    await stopProcess(host.child);
    const tWrite = performance.now();
    for (let i = 0; i < tableRuns; i++) writeRun(project, i, i < heavyRuns);
    const writeMs = performance.now() - tWrite;
    const tIngest = performance.now();
    host = await serveOrrery(home, 'bench-dashboard-token');
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const warm = await context.newPage();
    // The host ingests every run folder as the project opens: the first page waits for that.
    await tableOnce(warm, host.url, 600_000);
    await warm.getByTestId('runs-count').filter({ hasText: `${tableRuns.toLocaleString('en-US')} run` }).waitFor({ timeout: 600_000 });
    const ingestMs = performance.now() - tIngest;
    await warm.close();

    const tables: number[] = [];
    const compares: number[] = [];
    const seriesCalls: number[] = [];
    let frames: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const page = await context.newPage();
      tables.push(await tableOnce(page, host.url));
      if (i === 0) frames = await scrollFrameGaps(page, '[data-testid="runs-table"]', 3000);
      await page.close();
    }
    const page = await context.newPage();
    await tableOnce(page, host.url);
    for (let i = 0; i < repeats; i++) {
      const compare = await compareOnce(page, i === 0);
      compares.push(compare.ms);
      seriesCalls.push(compare.callMs);
    }
    await page.close();

    const points = heavyRuns * metricKeys.length * pointsPerMetric;
    console.log(`dashboard: ${tableRuns.toLocaleString('en-US')} runs, ${heavyRuns} × ${metricKeys.length} metrics × ${pointsPerMetric.toLocaleString('en-US')} points (${(points / 1e6).toFixed(1)} M points), Chromium against orrery serve`);
    tables.forEach((ms, i) => figure(`run ${i + 1}: table first screen / compare`, `${ms.toFixed(0)} / ${compares[i]!.toFixed(0)}`, 'ms'));
    const tableMs = median(tables);
    const compareMs = median(compares);
    const p95 = frames.length > 0 ? percentile(frames, 95) : -1;
    figure('spool written (Node)', writeMs / 1000, 's');
    figure('host start → every run listed (ingest)', ingestMs / 1000, 's');
    figure('median Experiments → first row (the figure)', tableMs, 'ms');
    figure('median Compare → every curve drawn (the figure)', compareMs, 'ms');
    figure('  of which the slowest runs.series call', median(seriesCalls), 'ms');
    figure('table scroll to the end: frames, p95 gap', `${frames.length}, ${p95.toFixed(1)}`, 'ms');
    figure('goals: table / compare', `${goals.tableMs} / ${goals.compareMs}`, 'ms');
    summary('dashboard', {
      table_ms: tableMs,
      compare_ms: compareMs,
      series_call_ms: median(seriesCalls),
      table_goal_ms: goals.tableMs,
      compare_goal_ms: goals.compareMs,
      table_ratio: tableMs / goals.tableMs,
      compare_ratio: compareMs / goals.compareMs,
      scroll_p95_frame_ms: p95,
      ingest_s: ingestMs / 1000,
      runs: tableRuns,
      heavy_runs: heavyRuns,
      points_per_metric: pointsPerMetric,
    });
  } finally {
    await browser.close();
    await stopProcess(host.child);
    rmSync(home, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
