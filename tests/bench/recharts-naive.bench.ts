// `npm run bench -- recharts-naive`: the compare view drawn the naive way — recharts, one <Line> per run and
// series, fed the raw points — against the compare view's own chart (renderer/features/experiments/metric-chart.tsx:
// recharts axes, one SVG path per series) fed what runs.series sends (min/max downsampling to about a point per
// 2 pixels, main/services/tracking/downsample.ts), in the same Chromium, in the same run.
// 100 runs × 4 metrics × 100,000 points, as in the dashboard benchmark. downsampled_ms: render → every curve
// drawn, the downsampling done in the page included. raw_ms: the naive chart with every point; a render that has
// not finished after the cap counts as the cap (raw_capped=true). raw_small_ms: the naive chart with 1,000 points a
// series, for a measured ratio when the full one does not finish. ORRERY_BENCH_RUNS and ORRERY_BENCH_POINTS scale it.
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Browser } from 'playwright-core';
import { launchChromium } from './browser';
import { figure, median, repoRoot, summary } from './lib';

const repeats = 3;
const runs = Number(process.env.ORRERY_BENCH_RUNS ?? 100);
const points = Number(process.env.ORRERY_BENCH_POINTS ?? 100_000);
const smallPoints = 1_000;
const capMs = Number(process.env.ORRERY_BENCH_CAP_MS ?? 120_000);

/** The page: draws 4 charts of `runs` runs, raw or downsampled, the way the compare view does (420 px wide). */
const pageEntry = String.raw`
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { Line, LineChart, XAxis, YAxis } from 'recharts';
import { MetricChart } from './renderer/features/experiments/metric-chart';
import { defaultChartSettings, pointsForWidth, runColor } from './renderer/features/experiments/chart-math';
import { downsample } from './main/services/tracking/downsample';
import { trainingCurve } from './tests/bench/curves';

const keys = ['loss', 'accuracy', 'grad_norm', 'lr'];
const width = 420;

function curve(key, run, n) {
  return { x: Float64Array.from({ length: n }, (_, i) => i), y: trainingCurve(key, run, n) };
}

window.prepare = (runs, points) => {
  window.data = keys.map((key) => Array.from({ length: runs }, (_, run) => curve(key, run, points)));
};

window.draw = (mode, runs) => {
  const t0 = performance.now();
  const maxPoints = pointsForWidth((width - 70) * (runs > 20 ? 0.5 : 1));
  const charts = keys.map((key, k) => {
    if (mode === 'raw') {
      const naive = window.data[k].map((c, run) =>
        createElement(Line, { key: run, data: Array.from(c.x, (x, i) => ({ x, y: c.y[i] })), dataKey: 'y', stroke: runColor(run), dot: false, isAnimationActive: false }),
      );
      return createElement('div', { key }, createElement(LineChart, { width, height: 180 }, createElement(XAxis, { dataKey: 'x', type: 'number' }), createElement(YAxis, {}), naive));
    }
    const lines = window.data[k].map((c, run) => {
      const drawn = downsample(c.x, c.y, { maxPoints, method: 'minmax' });
      const series = { runId: 'r' + run, key, x: Array.from(drawn.x), y: Array.from(drawn.y), points: c.x.length, nonFinite: 0 };
      return { runId: series.runId, name: series.runId, color: runColor(run), series };
    });
    return createElement('div', { key }, createElement(MetricChart, { lines, settings: defaultChartSettings, width, height: 180, zoom: null, onZoom: () => undefined }));
  });
  const host = document.getElementById('root');
  host.innerHTML = '';
  const root = createRoot(host);
  root.render(createElement('div', { style: { display: 'grid', gridTemplateColumns: 'repeat(3, 440px)' } }, charts));
  // The compare view draws a smoothed path over a raw one per run; the naive chart one recharts curve per run.
  const expected = mode === 'raw' ? runs * keys.length : runs * keys.length * 2;
  const selector = mode === 'raw' ? 'path.recharts-line-curve' : 'path.chart-line';
  return new Promise((resolve) => {
    const check = () => {
      if (document.querySelectorAll(selector).length >= expected) {
        const ms = performance.now() - t0;
        root.unmount();
        resolve(ms);
      } else requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  });
};
`;

/** Bundles the page with the repository's esbuild (loaded at run time: esbuild cannot be bundled into this file). */
async function bundle(): Promise<string> {
  const esbuild = createRequire(path.join(repoRoot, 'package.json'))('esbuild') as typeof import('esbuild');
  const result = await esbuild.build({
    stdin: { contents: pageEntry, resolveDir: repoRoot, loader: 'tsx', sourcefile: 'recharts-naive-page.tsx' },
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
    jsx: 'automatic',
    minify: true,
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
  });
  return result.outputFiles[0]!.text;
}

/** Renders once in a fresh page; null when it did not finish within the cap. */
async function drawOnce(browser: Browser, script: string, mode: 'raw' | 'downsampled', n: number): Promise<number | null> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  try {
    await page.setContent('<!doctype html><html><body><div id="root"></div></body></html>');
    await page.addScriptTag({ content: script });
    const t0 = performance.now();
    try {
      await page.evaluate(([r, p]) => (window as unknown as { prepare: (r: number, p: number) => void }).prepare(r, p), [runs, n] as const);
      const drawing = page.evaluate(([m, r]) => (window as unknown as { draw: (m: string, r: number) => Promise<number> }).draw(m, r), [mode, runs] as const);
      const capped = new Promise<null>((resolve) => setTimeout(() => resolve(null), capMs));
      const ms = await Promise.race([drawing, capped]);
      if (ms === null) console.log(`  ${mode} with ${n} points a series: not drawn after ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      return ms;
    } catch (error) {
      // Raw points can exhaust the page's memory: Chromium kills the tab. That is a chart that never draws.
      if (mode !== 'raw' || !/crash/i.test(String(error))) throw error;
      console.log(`  ${mode} with ${n} points a series: the page crashed after ${((performance.now() - t0) / 1000).toFixed(0)} s (counted as the cap)`);
      return null;
    }
  } finally {
    // A page still drawing does not answer; closing it without waiting frees the browser for the next one.
    void page.close({ runBeforeUnload: false }).catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const script = await bundle();
  const browser = await launchChromium();
  try {
    const downsampled: number[] = [];
    for (let i = 0; i < repeats; i++) downsampled.push((await drawOnce(browser, script, 'downsampled', points)) ?? capMs);
    const small: number[] = [];
    for (let i = 0; i < repeats; i++) small.push((await drawOnce(browser, script, 'raw', smallPoints)) ?? capMs);
    const raw = await drawOnce(browser, script, 'raw', points);
    const rawMs = raw ?? capMs;
    const downsampledMs = median(downsampled);
    const smallMs = median(small);
    console.log(`recharts-naive: ${runs} runs × 4 metrics × ${points.toLocaleString('en-US')} points, 4 charts of 420 px in Chromium`);
    figure('median downsampled (what the compare view draws)', downsampledMs, 'ms');
    figure(`median raw, ${smallPoints.toLocaleString('en-US')} points a series`, smallMs, 'ms');
    figure(`raw, ${points.toLocaleString('en-US')} points a series${raw === null ? ' (capped)' : ''}`, rawMs, 'ms');
    figure('ratio raw / downsampled', rawMs / downsampledMs);
    summary('recharts-naive', {
      downsampled_ms: downsampledMs,
      raw_small_ms: smallMs,
      raw_ms: rawMs,
      raw_capped: raw === null,
      ratio: rawMs / downsampledMs,
      small_ratio: smallMs / downsampledMs,
      runs,
      points_per_metric: points,
    });
  } finally {
    await browser.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
