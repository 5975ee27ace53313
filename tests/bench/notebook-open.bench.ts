// `npm run bench -- notebook-open`: a 2,000-cell, ~20 MB notebook (code, markdown, base64 PNG images, long text
// outputs) opened in the Notebooks area of Chromium against `orrery serve`.
// open_ms: click on the file in the list → the first cell drawn (notebook.open with firstCells over the WebSocket:
// main reads and validates the whole file and answers its first cells; the document model, the virtualized list).
// interactive_ms: the same click → a click on the second cell gives it an editor that has the focus and takes typing
// (a plain text area until Monaco's bundle is loaded; Monaco then takes over the text, cursor and focus);
// monaco_ms: the same click → Monaco in place and focused (loading its bundle on a fresh page); loaded_ms: the same
// click → every cell fetched (the rest comes in pages of notebook.cells while the first cells are already usable).
// save_ms: once every cell is in, Ctrl+S after an edit → the toolbar says "saved" (a patch with the edited cell over
// the wire, applied to the version main kept from the open, the whole result validated against the nbformat
// schema, serialized from cached per-cell bytes, written).
// scroll: the cell list scrolled to the end, 600 px a frame; the p95 frame gap.
// Baseline in the same run: JSON.parse + JSON.stringify of the same file in Node (the floor of any reader/writer).
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { crc32, deflateSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { launchChromium, scrollFrameGaps } from './browser';
import { figure, median, percentile, serveOrrery, stopProcess, summary } from './lib';

const runs = 5;
const cellCount = 2_000;
const goals = { openMs: 1000, saveMs: 300 };

/** A real PNG of noise (incompressible, so its base64 is about 4/3 of width × height × 3 bytes). */
function noisePng(width: number, height: number, seed: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const raw = Buffer.alloc((width * 3 + 1) * height);
  let state = seed || 1;
  for (let i = 0; i < raw.length; i++) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    raw[i] = i % (width * 3 + 1) === 0 ? 0 : state >> 16;
  }
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** The benchmark notebook: every 4th cell markdown, every 4th a plot, every 4th a long text output. */
function bigNotebook(): string {
  const cells: unknown[] = [];
  const image = (i: number) => noisePng(96, 72, i).toString('base64');
  for (let i = 0; i < cellCount; i++) {
    const id = `cell${i}`;
    const source = [`# step ${i}\n`, `values = [x * ${i} for x in range(100)]\n`, `print(sum(values))`];
    if (i % 4 === 0) {
      cells.push({ id, cell_type: 'markdown', metadata: {}, source: [`## Section ${i}\n`, `Some text with math $x_${i}^2$ and **bold** words.`] });
    } else if (i % 4 === 1) {
      cells.push({ id, cell_type: 'code', metadata: {}, execution_count: i, source, outputs: [{ output_type: 'display_data', metadata: {}, data: { 'image/png': image(i), 'text/plain': ['<Figure size 640x480 with 1 Axes>'] } }] });
    } else if (i % 4 === 2) {
      const text = Array.from({ length: 170 }, (_, line) => `line ${line} of cell ${i}: ${'lorem ipsum '.repeat(6)}\n`);
      cells.push({ id, cell_type: 'code', metadata: {}, execution_count: i, source, outputs: [{ output_type: 'stream', name: 'stdout', text }] });
    } else {
      cells.push({ id, cell_type: 'code', metadata: {}, execution_count: i, source, outputs: [{ output_type: 'execute_result', execution_count: i, metadata: {}, data: { 'text/plain': [String(i * 4950)] } }] });
    }
  }
  const notebook = { cells, metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' }, language_info: { name: 'python' } }, nbformat: 4, nbformat_minor: 5 };
  return JSON.stringify(notebook, null, 1) + '\n';
}


interface OpenRun {
  readonly openMs: number;
  readonly interactiveMs: number;
  /** The same click → Monaco has replaced the plain editor and has the focus. */
  readonly monacoMs: number;
  /** The same click → every cell fetched (the first ones come with notebook.open, the rest in pages after). */
  readonly loadedMs: number;
  /** Of which notebook.open itself (host reads and validates the file, the answer crosses the WebSocket). */
  readonly callMs: number;
}

/** The last duration the page measured under `name` (see notebooks-slice.ts and notebook-session.ts). */
async function pageMeasure(page: Page, name: string): Promise<number> {
  return page.evaluate((entry) => {
    const list = (globalThis as unknown as Window).performance.getEntriesByName(entry, 'measure');
    return list.length > 0 ? list[list.length - 1]!.duration : -1;
  }, name);
}

/** One fresh page: Notebooks area shown, then the timed click on the file. */
async function openOnce(page: Page, url: string, file: string): Promise<OpenRun> {
  await page.goto(url);
  await page.getByRole('button', { name: 'Notebooks', exact: true }).click();
  const entry = page.getByRole('button', { name: file, exact: true });
  await entry.waitFor({ state: 'visible', timeout: 30_000 });
  const t0 = performance.now();
  await entry.click();
  const first = page.locator('[data-testid="notebook-cell"][data-cell-key="cell0"]');
  await first.waitFor({ state: 'visible', timeout: 60_000 });
  const tOpen = performance.now();
  await page.locator('[data-testid="notebook-cell"][data-cell-key="cell1"] .cell-static').click();
  // Interactive: an editor of the cell has the focus and takes typing (the plain one until Monaco's bundle is in).
  await page.locator('[data-cell-key="cell1"] .monaco-editor.focused, [data-cell-key="cell1"] textarea.cell-editor-plain:focus').waitFor({ state: 'visible', timeout: 60_000 });
  const tInteractive = performance.now();
  await page.locator('[data-cell-key="cell1"] .monaco-editor.focused').waitFor({ state: 'visible', timeout: 60_000 });
  const tMonaco = performance.now();
  // Every cell fetched (the toolbar's "loading cells n / total" gone): the save below measures the save alone.
  await page.getByTestId('notebook-loading').waitFor({ state: 'detached', timeout: 60_000 });
  const tLoaded = performance.now();
  return { openMs: tOpen - t0, interactiveMs: tInteractive - t0, monacoMs: tMonaco - t0, loadedMs: tLoaded - t0, callMs: await pageMeasure(page, 'orrery:notebook.open') };
}

async function saveOnce(page: Page, round: number): Promise<{ totalMs: number; callMs: number }> {
  await page.keyboard.type(`#${round}`);
  const state = page.getByTestId('save-state');
  await state.filter({ hasText: 'unsaved' }).waitFor({ timeout: 10_000 });
  const t0 = performance.now();
  await page.keyboard.press('Control+s');
  try {
    await state.filter({ hasText: /^saved$/ }).waitFor({ timeout: 60_000 });
  } catch (error) {
    const banner = await page.locator('.notebook-banner').allTextContents();
    throw new Error(`the save did not finish: ${banner.join(' | ') || String(error)}`);
  }
  return { totalMs: performance.now() - t0, callMs: await pageMeasure(page, 'orrery:notebook.save') };
}

function baseline(file: string): { parseMs: number; stringifyMs: number } {
  const text = readFileSync(file, 'utf8');
  const t0 = performance.now();
  const doc = JSON.parse(text) as unknown;
  const t1 = performance.now();
  JSON.stringify(doc, null, 1);
  return { parseMs: t1 - t0, stringifyMs: performance.now() - t1 };
}

async function main(): Promise<void> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'orrery-bench-notebook-'));
  const browser = await launchChromium();
  const { child, url } = await serveOrrery(home, 'bench-notebook-token');
  try {
    const project = path.join(home, 'projects', readdirSync(path.join(home, 'projects'))[0]!);
    const file = path.join(project, 'big.ipynb');
    writeFileSync(file, bigNotebook());
    const bytes = statSync(file).size;
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const opens: OpenRun[] = [];
    const saves: number[] = [];
    const saveCalls: number[] = [];
    let frames: number[] = [];
    for (let i = 0; i < runs; i++) {
      const page = await context.newPage();
      opens.push(await openOnce(page, url, 'big.ipynb'));
      const save = await saveOnce(page, i);
      saves.push(save.totalMs);
      saveCalls.push(save.callMs);
      if (i === runs - 1) frames = await scrollFrameGaps(page, '.notebook-view:not([hidden]) .notebook-cells', 600);
      await page.close();
    }
    const floors = Array.from({ length: runs }, () => baseline(file));

    console.log(`notebook-open: ${cellCount} cells, ${(bytes / 1e6).toFixed(1)} MB, opened in Chromium against orrery serve`);
    opens.forEach((run, i) => figure(`run ${i + 1}: open / interactive / Monaco / all cells / save`, `${run.openMs.toFixed(0)} / ${run.interactiveMs.toFixed(0)} / ${run.monacoMs.toFixed(0)} / ${run.loadedMs.toFixed(0)} / ${saves[i]!.toFixed(0)}`, 'ms'));
    const openCallMs = median(opens.map((r) => r.callMs));
    const saveCallMs = median(saveCalls);
    const openMs = median(opens.map((r) => r.openMs));
    const interactiveMs = median(opens.map((r) => r.interactiveMs));
    const monacoMs = median(opens.map((r) => r.monacoMs));
    const loadedMs = median(opens.map((r) => r.loadedMs));
    const saveMs = median(saves);
    const parseMs = median(floors.map((f) => f.parseMs));
    const stringifyMs = median(floors.map((f) => f.stringifyMs));
    const p95 = frames.length > 0 ? percentile(frames, 95) : -1;
    figure('median open → first cell drawn (the figure)', openMs, 'ms');
    figure('  of which the notebook.open call', openCallMs, 'ms');
    figure('median open → a cell editor focused (interactive)', interactiveMs, 'ms');
    figure('median open → Monaco in place, focused', monacoMs, 'ms');
    figure('median open → all cells fetched', loadedMs, 'ms');
    figure('median save (Ctrl+S → saved)', saveMs, 'ms');
    figure('  of which the notebook.save call', saveCallMs, 'ms');
    figure('scroll to the end: frames, p95 gap', `${frames.length}, ${p95.toFixed(1)}`, 'ms');
    figure('baseline: JSON.parse in Node', parseMs, 'ms');
    figure('baseline: JSON.stringify in Node', stringifyMs, 'ms');
    figure('goals: open / save', `${goals.openMs} / ${goals.saveMs}`, 'ms');
    summary('notebook-open', {
      open_ms: openMs,
      interactive_ms: interactiveMs,
      monaco_ms: monacoMs,
      loaded_ms: loadedMs,
      save_ms: saveMs,
      open_call_ms: openCallMs,
      save_call_ms: saveCallMs,
      open_goal_ms: goals.openMs,
      save_goal_ms: goals.saveMs,
      open_ratio: openMs / goals.openMs,
      save_ratio: saveMs / goals.saveMs,
      scroll_p95_frame_ms: p95,
      baseline_parse_ms: parseMs,
      baseline_stringify_ms: stringifyMs,
      cells: cellCount,
      mb: bytes / 1e6,
    });
  } finally {
    await browser.close();
    await stopProcess(child);
    rmSync(home, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
