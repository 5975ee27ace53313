import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { expect, sampleProject, sampleVenv, screenshot, test } from './fixtures';

/** The cell at `index` in the shown notebook. */
function cell(page: Page, index: number): Locator {
  return page.locator('.notebook-view:not([hidden]) [data-testid="notebook-cell"]').nth(index);
}

/** Puts code into a cell's Monaco editor (inserted as text: no auto-closing or auto-indent on the way). */
async function typeInto(page: Page, target: Locator, lines: readonly string[]): Promise<void> {
  await target.click();
  await expect(target.locator('.monaco-editor')).toHaveClass(/\bfocused\b/);
  await page.keyboard.insertText(lines.join('\n'));
}

/** The cells of the shown notebook. */
function cells(page: Page): Locator {
  return page.locator('.notebook-view:not([hidden]) [data-testid="notebook-cell"]');
}

/** Runs `lines` in the last cell when it is empty (Shift+Enter on the last cell adds one), else in a new one below it. */
async function runNewCell(page: Page, lines: readonly string[]): Promise<Locator> {
  await scrollToEnd(page);
  const count = await cells(page).count();
  const last = cells(page).nth(count - 1);
  let target = last;
  const text = await last.locator('.cell-static, .view-lines').first().innerText();
  if (text.trim() !== '') {
    await last.click();
    await page.keyboard.press('Escape');
    await page.keyboard.press('b');
    target = cells(page).nth(count);
  }
  await typeInto(page, target, lines);
  await page.keyboard.press('Shift+Enter');
  // The cell, by its source (its index moves as cells are added).
  return cells(page).filter({ hasText: lines[0]! });
}

/** Runs a palette command (the palette's own options: the kernel picker's <option>s are options too). */
async function paletteRun(page: Page, query: string, title: string): Promise<void> {
  await page.keyboard.press('Control+Shift+P');
  const input = page.getByRole('combobox', { name: 'Type a command' });
  await expect(input).toBeFocused();
  await input.fill(query);
  await expect(page.locator('.palette').getByRole('option').first()).toContainText(title);
  await input.press('Enter');
  await expect(input).toBeHidden();
}

/**
 * Collects the page's Content-Security-Policy violations: Monaco, its worker, KaTeX's fonts, images and output frames
 * must cause none. A blocked inline event handler is left out: that is the CSP stopping the test's own hostile
 * `<img onerror>` payload (the sanitizer removes it from what is shown; the block is the second layer working).
 */
function cspViolations(page: Page): string[] {
  const found: string[] = [];
  page.on('console', (message) => {
    const text = message.text();
    if (/Content Security Policy/i.test(text) && !/inline event handler/i.test(text)) found.push(text);
  });
  return found;
}

/** Scrolls the (virtualized) cell list to its end, so the last cells exist in the page. */
async function scrollToEnd(page: Page): Promise<void> {
  await page.locator('.notebook-view:not([hidden]) .notebook-cells').evaluate((el) => {
    el.scrollTop = el.scrollHeight;
  });
  await page.waitForTimeout(100);
}

test.describe('notebooks on a real kernel in Chromium', () => {
  test.setTimeout(240_000);

  test('venv kernel → prefix, plot, input, interrupt, restart, save, close while printing, reopen', async ({ page, orrery }, testInfo) => {
    await page.setViewportSize({ width: 1400, height: 900 });
    const violations = cspViolations(page);
    const { project, venv } = sampleVenv(orrery);

    await page.goto(orrery.url);
    await expect(page.getByTestId('status-project')).toContainText(orrery.projectsDir);
    await page.getByRole('button', { name: 'Notebooks', exact: true }).click();
    const area = page.getByRole('region', { name: 'Notebooks' });
    await expect(area.getByRole('button', { name: 'New Notebook' })).toBeVisible();
    await screenshot(page, testInfo, '01-notebooks-area');

    // A new notebook, its kernel in the venv this test made.
    await area.getByRole('button', { name: 'New Notebook' }).click();
    await area.getByLabel('New notebook name').fill('e2e-run');
    await area.getByLabel('New notebook name').press('Enter');
    await expect(area.getByRole('tab', { name: /e2e-run\.ipynb/ })).toBeVisible();
    const picker = area.getByLabel('Kernel environment');
    const venvOption = picker.locator(`option[data-prefix="${venv}"]`);
    await expect(async () => {
      await area.getByRole('button', { name: 'Refresh environments' }).click();
      await expect(venvOption).toHaveCount(1, { timeout: 3_000 });
    }).toPass({ timeout: 60_000 });
    await picker.selectOption((await venvOption.getAttribute('value')) ?? '');
    await screenshot(page, testInfo, '02-new-notebook-venv-picked');

    // sys.prefix is the venv's.
    const first = cell(page, 0);
    await typeInto(page, first, ['import sys; print(sys.prefix)']);
    await page.keyboard.press('Shift+Enter');
    await expect(first.getByTestId('cell-outputs')).toContainText(venv, { timeout: 60_000 });
    await expect(first.locator('.cell-prompt')).toHaveText('[1]');
    await expect(area.getByTestId('kernel-status')).toHaveText('idle');
    await screenshot(page, testInfo, '03-sys-prefix');

    // A matplotlib plot comes back as an image.
    const plot = await runNewCell(page, ['import matplotlib.pyplot as plt', 'plt.plot([1, 2, 3], [1, 4, 9]); plt.title("squares"); plt.show()']);
    const image = plot.locator('img.output-image');
    await expect(image).toBeVisible({ timeout: 60_000 });
    expect(await image.getAttribute('src')).toMatch(/^data:image\/png;base64,iVBOR/);
    expect(await image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(100);
    await screenshot(page, testInfo, '04-plot');

    // input(): the prompt shows in the cell, the answer reaches the kernel.
    const asking = await runNewCell(page, ["name = input('Your name? ')", "print('Hello,', name)"]);
    const answer = asking.getByLabel('Input for the running cell');
    await expect(answer).toBeVisible({ timeout: 30_000 });
    await expect(asking.locator('.cell-input-prompt')).toHaveText('Your name?');
    await screenshot(page, testInfo, '05-input-prompt');
    await answer.fill('Ada');
    await answer.press('Enter');
    await expect(asking.getByTestId('cell-outputs')).toContainText('Hello, Ada');

    // An endless loop, interrupted.
    const loop = await runNewCell(page, ['while True: pass']);
    await expect(loop.locator('.cell-prompt')).toHaveText('[*]');
    await expect(area.getByTestId('kernel-status')).toHaveText('busy');
    await screenshot(page, testInfo, '06-busy');
    await area.getByRole('button', { name: 'Interrupt' }).click();
    await expect(loop.getByTestId('cell-outputs')).toContainText('KeyboardInterrupt', { timeout: 30_000 });
    await expect(area.getByTestId('kernel-status')).toHaveText('idle');
    await screenshot(page, testInfo, '07-interrupted');

    // Restart: the kernel's state is gone.
    await area.getByRole('button', { name: 'Restart', exact: true }).click();
    await expect(area.getByTestId('kernel-status')).toHaveText('idle', { timeout: 60_000 });
    const after = await runNewCell(page, ["print('name' in globals())"]);
    await expect(after.getByTestId('cell-outputs')).toContainText('False', { timeout: 60_000 });
    await expect(after.locator('.cell-prompt')).toHaveText('[1]');
    await screenshot(page, testInfo, '08-restarted');

    // Save (Ctrl+S): the file on disk holds the outputs.
    await page.keyboard.press('Control+s');
    await expect(area.getByTestId('save-state')).toHaveText('saved');
    const file = path.join(project, 'e2e-run.ipynb');
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { cells: Array<{ outputs?: Array<Record<string, unknown>> }> };
    const texts = JSON.stringify(saved.cells.map((c) => c.outputs ?? []));
    expect(texts).toContain(venv);
    expect(texts).toContain('image/png');
    expect(texts).toContain('Hello, Ada');
    expect(texts).toContain('KeyboardInterrupt');

    // Close the tab while a cell prints for 5 s; reopen: every line is there.
    const slow = await runNewCell(page, ['import time', 'for i in range(5): print("tick", i, flush=True); time.sleep(1)']);
    await expect(slow.getByTestId('cell-outputs')).toContainText('tick 0', { timeout: 30_000 });
    await screenshot(page, testInfo, '09-printing');
    await area.getByRole('button', { name: 'Close e2e-run.ipynb' }).click();
    await expect(area.getByRole('tab', { name: /e2e-run\.ipynb/ })).toHaveCount(0);
    await page.waitForTimeout(6_000);
    await area.getByRole('button', { name: 'e2e-run.ipynb', exact: true }).click();
    await expect(cell(page, 0).getByTestId('cell-outputs')).toContainText(venv);
    await scrollToEnd(page);
    const reopened = cells(page).filter({ hasText: 'range(5)' });
    await expect(reopened.getByTestId('cell-outputs')).toContainText('tick 4');
    for (let i = 0; i < 5; i++) await expect(reopened.getByTestId('cell-outputs')).toContainText(`tick ${i}`);
    await screenshot(page, testInfo, '10-reopened');

    // The kept outputs are saved (autosave) into the file.
    await expect(area.getByTestId('save-state')).toHaveText('saved', { timeout: 15_000 });
    await expect.poll(() => readFileSync(file, 'utf8').includes('tick 4'), { timeout: 10_000 }).toBe(true);

    // The kernel is shut down from the palette; the fixture then checks nothing is left running.
    await paletteRun(page, 'shut down kernel', 'Shut Down Kernel');
    expect(violations).toEqual([]);
    await expect(area.getByTestId('kernel-status')).toHaveText(/shutdown|dead/);
  });

  test('the first edit on a fresh page: a plain editor takes the typing at once, then Monaco with the same text and cursor', async ({ page, orrery }) => {
    // Monaco's bundle is held back until the typing is done, so the plain editor is what takes it.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/monaco.js', async (route) => {
      const response = await route.fetch();
      await held;
      await route.fulfill({ response });
    });
    await page.goto(orrery.url);
    await page.getByRole('button', { name: 'Notebooks', exact: true }).click();
    const area = page.getByRole('region', { name: 'Notebooks' });
    await area.getByRole('button', { name: 'New Notebook' }).click();
    await area.getByLabel('New notebook name').fill('first-edit');
    await area.getByLabel('New notebook name').press('Enter');
    await expect(area.getByRole('tab', { name: /first-edit\.ipynb/ })).toBeVisible();
    await cell(page, 0).click();
    const plain = cell(page, 0).getByTestId('cell-editor-plain');
    await expect(plain).toBeFocused();
    await page.keyboard.type('x = 4');
    await page.keyboard.press('Enter');
    await page.keyboard.type('y = x');
    release();
    const monaco = cell(page, 0).locator('.monaco-editor');
    await expect(monaco).toHaveClass(/\bfocused\b/);
    await expect(plain).toHaveCount(0);
    // Typing goes on where it stopped.
    await page.keyboard.type(' * 2');
    await expect(cell(page, 0).locator('.view-lines')).toHaveText(/x\s=\s4\s*y\s=\sx\s\*\s2/);
    await page.keyboard.press('Shift+Enter');
    await expect(area.getByTestId('save-state')).not.toHaveText('error');
  });

  test('a big notebook draws its first cells from a small answer, fetches the rest in pages, and a save keeps every cell', async ({ page, orrery }) => {
    const file = path.join(sampleProject(orrery.projectsDir), 'big.ipynb');
    const text = (i: number) => Array.from({ length: 40 }, (_, line) => `cell ${i} line ${line}\n`);
    const source = Array.from({ length: 600 }, (_, i) => ({
      id: `big${i}`, cell_type: 'code', metadata: {}, execution_count: i + 1, source: `print(${i})`,
      outputs: [{ output_type: 'stream', name: 'stdout', text: text(i) }],
    }));
    writeFileSync(file, `${JSON.stringify({ cells: source, metadata: {}, nbformat: 4, nbformat_minor: 5 }, null, 1)}\n`);
    // What crosses the WebSocket: the answer to notebook.open holds the first cells only, notebook.cells the rest.
    const answers: Array<{ cells: number; totalCells: number }> = [];
    page.on('websocket', (socket) => socket.on('framereceived', ({ payload }) => {
      if (typeof payload !== 'string' || !payload.includes('"totalCells"')) return;
      const value = (JSON.parse(payload) as { value?: { notebook?: { cells: unknown[] }; cells?: unknown[]; totalCells: number } }).value;
      if (value) answers.push({ cells: (value.notebook?.cells ?? value.cells ?? []).length, totalCells: value.totalCells });
    }));
    await page.goto(orrery.url);
    await page.getByRole('button', { name: 'Notebooks', exact: true }).click();
    const area = page.getByRole('region', { name: 'Notebooks' });
    await area.getByRole('button', { name: 'big.ipynb', exact: true }).click();
    await expect(cell(page, 0)).toContainText('print(0)');
    await expect(area.getByTestId('notebook-loading')).toHaveCount(0, { timeout: 30_000 });
    expect(answers[0]).toEqual({ cells: 40, totalCells: 600 });
    expect(answers.slice(1).map((a) => a.cells)).toEqual([100, 100, 100, 100, 100, 60]);
    // The list measures cells as they come into view, so the end moves a little while scrolling there.
    await expect(async () => {
      await scrollToEnd(page);
      await expect(cells(page).last()).toContainText('cell 599 line 39', { timeout: 500 });
    }).toPass({ timeout: 15_000 });
    // An edit to the first cell and a save: the file has all 600 cells, only the first one changed.
    const first = page.locator('.notebook-view:not([hidden]) [data-cell-key="big0"]');
    await expect(async () => {
      await page.locator('.notebook-view:not([hidden]) .notebook-cells').evaluate((el) => void (el.scrollTop = 0));
      await expect(first).toBeVisible({ timeout: 500 });
    }).toPass({ timeout: 15_000 });
    await first.locator('.cell-static').click();
    await expect(first.locator('.monaco-editor')).toHaveClass(/\bfocused\b/);
    await page.keyboard.press('Control+End');
    await page.keyboard.insertText(' # edited');
    await page.keyboard.press('Control+s');
    await expect(area.getByTestId('save-state')).toHaveText('saved');
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { cells: Array<{ id: string; source: unknown }> };
    expect(saved.cells).toHaveLength(600);
    expect(saved.cells[0]!.source).toEqual(['print(0) # edited']);
    expect(saved.cells.slice(1)).toEqual(source.slice(1));
  });

  test('markdown, LaTeX and rich outputs render; HTML is sanitized and isolated', async ({ page, orrery }, testInfo) => {
    await page.setViewportSize({ width: 1400, height: 900 });
    const violations = cspViolations(page);
    await page.goto(orrery.url);
    await expect(page.getByTestId('status-project')).toContainText(orrery.projectsDir);
    await page.getByRole('button', { name: 'Notebooks', exact: true }).click();
    const area = page.getByRole('region', { name: 'Notebooks' });
    await area.getByRole('button', { name: 'New Notebook' }).click();
    await area.getByLabel('New notebook name').fill('rich');
    await area.getByLabel('New notebook name').press('Enter');
    await expect(area.getByRole('tab', { name: /rich\.ipynb/ })).toBeVisible();

    // A markdown cell with math.
    await cell(page, 0).click();
    await page.keyboard.press('Escape');
    await page.keyboard.press('m');
    await page.keyboard.press('Enter');
    await expect(cell(page, 0).locator('.monaco-editor')).toHaveClass(/\bfocused\b/);
    await page.keyboard.insertText('# Heading\n\nEuler: $e^{i\\pi} + 1 = 0$');
    await page.keyboard.press('Shift+Enter');
    const markdown = cell(page, 0).locator('.cell-markdown');
    await expect(markdown.locator('h1')).toHaveText('Heading');
    await expect(markdown.locator('.katex')).toBeVisible();

    // HTML (a script tag stripped), LaTeX, JSON and a 50 MB text output.
    const rich = cell(page, 1);
    await typeInto(page, rich, [
      'from IPython.display import HTML, Latex, JSON, display',
      'display(HTML("<b id=bold>bold</b><script>document.title=\'pwned\'</script><img src=x onerror=alert(1)>"))',
      'display(Latex(r"$\\frac{a}{b}$")); display(JSON({"k": [1, 2]}))',
      'import sys; sys.stdout.write(("z" * 99 + "\\n") * 500000)',
    ]);
    await page.keyboard.press('Shift+Enter');
    const frame = rich.locator('iframe.output-html');
    await expect(frame).toBeVisible({ timeout: 60_000 });
    expect(await frame.getAttribute('sandbox')).toBe('allow-same-origin');
    await expect(rich.frameLocator('iframe.output-html').locator('#bold')).toHaveText('bold');
    expect(await rich.frameLocator('iframe.output-html').locator('script').count()).toBe(0);
    expect(await page.title()).not.toBe('pwned');
    await expect(rich.locator('.output-latex .katex')).toBeVisible();
    await expect(rich.locator('.output-json')).toContainText('"k"');
    await expect(rich.locator('.output-truncated')).toContainText('truncated — ', { timeout: 60_000 });
    await screenshot(page, testInfo, 'rich-outputs');
    await paletteRun(page, 'shut down kernel', 'Shut Down Kernel');
    expect(violations).toEqual([]);
  });
});
