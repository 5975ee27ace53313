// `npm run bench -- start`: web host process start → shell interactive in Chromium (the command palette opens).
// Chromium is launched once beforehand and a blank page is ready: browser launch is NOT part of the figure.
// Per run: t0 = spawn of `orrery serve`; navigate as soon as the URL line is printed; press Ctrl+Shift+P
// (again every 100 ms until the shell answers); stop when the palette's input is visible.
// Fresh-home runs create the sample project on the way (what a new user sees); warm-home runs reopen it.
// Baseline measured in the same run: a bare `node -e` process printing a line (the floor of any process start).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Browser } from 'playwright-core';
import { launchChromium } from './browser';
import { figure, median, repoRoot, summary } from './lib';

const runs = 5;
const goalSeconds = 1.5;
const cli = path.join(repoRoot, 'out', 'main', 'cli.cjs');

interface Run {
  readonly urlSeconds: number;
  readonly paletteSeconds: number;
  /** Milliseconds from navigation start, as the page saw them: HTML answered, app.js loaded, DOM ready (script run), key handler installed. */
  readonly page: { readonly html: number; readonly script: number; readonly domReady: number; readonly keysReady: number };
}

function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms: ${buffered}`)), timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const match = pattern.exec(buffered);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code}) before printing: ${buffered}`));
    });
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function oneRun(browser: Browser, home: string): Promise<Run> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const t0 = performance.now();
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--token', 'bench-start-token'], {
    env: { ...process.env, ORRERY_HOME: home, ORRERY_PROJECTS_DIR: path.join(home, 'projects'), ORRERY_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const match = await waitForLine(child, /Orrery is serving at (http:\/\/\S+)/, 30_000);
    const tUrl = performance.now();
    await page.goto(match[1]!, { waitUntil: 'commit' });
    // Press as soon as the shell is painted (as a user would), again every 50 ms until its key handler answers.
    await page.locator('.activity-bar').waitFor({ state: 'visible', timeout: 30_000 });
    const input = page.locator('.palette-input');
    for (let attempt = 0; ; attempt++) {
      if (attempt >= 200) throw new Error('the palette did not open within 200 presses');
      await page.keyboard.press('Control+Shift+P');
      try {
        await input.waitFor({ state: 'visible', timeout: 50 });
        break;
      } catch {
        // the shell has painted but its key handler is not installed yet; press again
      }
    }
    const tPalette = performance.now();
    const timing = await page.evaluate(() => {
      // The page's own clock (this function runs in Chromium, not in Node).
      const pagePerformance = (globalThis as unknown as Window).performance;
      const nav = pagePerformance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
      const script = pagePerformance.getEntriesByType('resource').find((entry) => entry.name.includes('/assets/app.js')) as PerformanceResourceTiming | undefined;
      const keysReady = pagePerformance.getEntriesByName('orrery:keys-ready')[0]?.startTime ?? -1;
      return {
        html: nav ? nav.responseEnd - nav.startTime : -1,
        script: script ? script.responseEnd - script.startTime : -1,
        domReady: nav ? nav.domContentLoadedEventEnd - nav.startTime : -1,
        keysReady,
      };
    });
    return { urlSeconds: (tUrl - t0) / 1000, paletteSeconds: (tPalette - t0) / 1000, page: timing };
  } finally {
    await context.close();
    await stop(child);
  }
}

async function nodeFloor(): Promise<number> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['-e', 'console.log("ready")'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await waitForLine(child, /ready/, 10_000);
  const seconds = (performance.now() - t0) / 1000;
  await stop(child);
  return seconds;
}

function print(label: string, list: readonly Run[]): void {
  list.forEach((run, i) => {
    const { html, script, domReady, keysReady } = run.page;
    const detail = `s (URL printed at ${run.urlSeconds.toFixed(3)} s; page ms: HTML ${html.toFixed(0)}, app.js ${script.toFixed(0)}, DOM ready ${domReady.toFixed(0)}, keys ready ${keysReady.toFixed(0)})`;
    figure(`${label} run ${i + 1}: start → palette`, run.paletteSeconds, detail);
  });
}

async function main(): Promise<void> {
  const browser = await launchChromium();
  const root = mkdtempSync(path.join(os.tmpdir(), 'orrery-bench-start-'));
  try {
    const fresh: Run[] = [];
    for (let i = 0; i < runs; i++) {
      const home = path.join(root, `fresh-${i}`);
      mkdirSync(home);
      fresh.push(await oneRun(browser, home));
    }
    const warmHome = path.join(root, 'warm');
    mkdirSync(warmHome);
    await oneRun(browser, warmHome); // creates the sample; not counted
    const warm: Run[] = [];
    for (let i = 0; i < runs; i++) warm.push(await oneRun(browser, warmHome));
    const floors: number[] = [];
    for (let i = 0; i < runs; i++) floors.push(await nodeFloor());

    console.log('start: web host spawn → command palette visible in Chromium (browser launched beforehand, not counted)');
    print('fresh home (sample created)', fresh);
    print('warm home (sample reopened)', warm);
    const figureSeconds = median(fresh.map((r) => r.paletteSeconds));
    const urlMedian = median(fresh.map((r) => r.urlSeconds));
    const shellMedian = median(fresh.map((r) => r.paletteSeconds - r.urlSeconds));
    const warmMedian = median(warm.map((r) => r.paletteSeconds));
    const floor = median(floors);
    figure('median, fresh home (the figure)', figureSeconds, 's');
    figure('  of which process start → URL printed', urlMedian, 's');
    figure('  of which URL → palette open', shellMedian, 's');
    figure('first start (run 1, fresh home, cold caches)', fresh[0]!.paletteSeconds, 's');
    figure('median, warm home', warmMedian, 's');
    figure('  warm: process start → URL printed', median(warm.map((r) => r.urlSeconds)), 's');
    figure('baseline: bare node process → first line', floor, 's');
    figure('goal', goalSeconds, 's');
    figure('ratio (median / goal, ≤ 1 meets it)', figureSeconds / goalSeconds);
    summary('start', {
      median_s: figureSeconds,
      goal_s: goalSeconds,
      ratio: figureSeconds / goalSeconds,
      url_printed_median_s: urlMedian,
      url_to_palette_median_s: shellMedian,
      first_start_s: fresh[0]!.paletteSeconds,
      warm_median_s: warmMedian,
      baseline_node_s: floor,
    });
  } finally {
    await browser.close();
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
