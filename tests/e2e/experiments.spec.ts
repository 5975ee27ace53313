import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, projectPath, runCommand, screenshot, test } from './fixtures';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Three runs through the real SDK: two learning rates, one run whose loss goes NaN, a checkpoint, a warning. */
const trainingScript = String.raw`
import math, os, random, tempfile
import orrery

def train(name, lr, batch, optimizer, nan_from=None, steps=300):
    run = orrery.init(name=name, params={"lr": lr, "batch": batch, "optimizer": optimizer, "epochs": 3}, tags=["e2e"])
    rng = random.Random(batch + int(lr * 1000))
    for step in range(steps):
        loss = 2.0 * math.exp(-lr * step / 3) + abs(rng.gauss(0, 0.08)) + 0.1
        if nan_from is not None and step >= nan_from:
            loss = float("nan")
        run.log({"loss": loss, "accuracy": 1 - loss / 3, "sys/cpu": 20 + (step % 7)}, step=step)
    checkpoint = os.path.join(tempfile.mkdtemp(), "model.ckpt")
    with open(checkpoint, "wb") as f:
        f.write(b"x" * 2048)
    run.save_checkpoint(checkpoint)
    run.finish()

train("baseline", 0.01, 32, "adam")
train("fast-lr", 0.1, 32, "adam")
train("diverged", 0.5, 64, "sgd", nan_from=250)
print("ok")
`;


/** A run that logs a point every 50 ms until the file `stop` appears beside the script. */
const liveScript = String.raw`
import os, time
import orrery

run = orrery.init(name="live", params={"lr": 0.2}, tags=["live"])
step = 0
stop = os.path.join(os.path.dirname(os.path.abspath(__file__)), "stop")
while not os.path.exists(stop) and step < 2400:
    run.log({"loss": 1.0 / (1 + step)}, step=step)
    run.flush()
    step += 1
    time.sleep(0.05)
run.finish()
`;

/** Runs the training script with the SDK from resources/python, recording into `project`. */
function recordRuns(project: string): void {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'orrery-e2e-runs-'));
  try {
    const script = path.join(dir, 'train.py');
    writeFileSync(script, trainingScript);
    const out = execFileSync('python3', [script], {
      cwd: dir,
      env: { ...process.env, PYTHONPATH: path.join(repoRoot, 'resources', 'python'), ORRERY_PROJECT: project },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(out.trim()).toBe('ok');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test.describe('experiments in Chromium against the web host', () => {
  test.setTimeout(120_000);

  test('runs from the SDK → table, filter, run page with charts → compare two with only differing params', async ({ page, orrery }, testInfo) => {
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.goto(orrery.url);
    const project = await projectPath(page, orrery.projectsDir);
    recordRuns(project);

    await runCommand(page, 'open experiments', 'Open Experiments');
    const table = page.getByRole('grid', { name: 'Runs' });
    // The service ingests the new run folders while the project is open; run.changed refreshes the table.
    await expect(page.getByTestId('runs-count')).toHaveText('3 runs', { timeout: 30_000 });
    await expect(table.getByRole('button', { name: 'baseline' })).toBeVisible();
    await expect(table.getByRole('row').filter({ hasText: 'diverged' }).locator('.run-status')).toHaveText('finished');
    await screenshot(page, testInfo, '01-runs');

    // The filter box takes runs.list's query language; the server's message shows for a bad query.
    const filter = page.getByRole('textbox', { name: 'Filter runs' });
    await filter.fill('params.lr > 0.05 and params.optimizer = adam');
    await filter.press('Enter');
    await expect(page.getByTestId('runs-count')).toHaveText('1 run');
    await expect(table.getByRole('button', { name: 'fast-lr' })).toBeVisible();
    await filter.fill('params.lr >');
    await filter.press('Enter');
    await expect(page.getByRole('alert').filter({ hasText: /position/i })).toBeVisible();
    await expect(page.getByTestId('runs-count')).toHaveText('1 run');
    await filter.fill('');
    await filter.press('Enter');
    await expect(page.getByTestId('runs-count')).toHaveText('3 runs');

    // Free-text search over name, id and tags.
    const search = page.getByRole('searchbox', { name: 'Search runs' });
    await search.fill('fast');
    await expect(page.getByTestId('runs-count')).toHaveText('1 run');
    await search.fill('');
    await expect(page.getByTestId('runs-count')).toHaveText('3 runs');

    // Columns: every param and metric key can be shown or hidden.
    await page.getByRole('button', { name: 'Columns' }).click();
    const menu = page.getByRole('dialog', { name: 'Choose columns' });
    await menu.getByRole('checkbox', { name: 'epochs' }).uncheck();
    await expect(table.getByRole('columnheader', { name: 'Sort by epochs' })).toHaveCount(0);
    await menu.getByRole('checkbox', { name: 'epochs' }).check();
    await expect(table.getByRole('button', { name: 'Sort by epochs' })).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(menu).toBeHidden();

    // Sorting by a param column: lr descending puts diverged (0.5) first.
    await table.getByRole('button', { name: 'Sort by lr' }).click();
    await expect(table.getByRole('row').nth(1)).toContainText('diverged');

    // Keyboard: arrows move, Space ticks the run for compare, Space again unticks it.
    await table.focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Space');
    await expect(page.getByRole('checkbox', { name: 'Select fast-lr' })).toBeChecked();
    await page.keyboard.press('Space');
    await expect(page.getByRole('checkbox', { name: 'Select fast-lr' })).not.toBeChecked();

    // The run page: charts of its metrics and system metrics, params, the checkpoint, the NaN note.
    await table.getByRole('button', { name: 'diverged' }).click();
    await expect(page.getByTestId('run-title')).toHaveText('diverged');
    const loss = page.getByRole('figure', { name: 'Chart of loss' });
    await expect(loss.locator('path.chart-line').first()).toHaveAttribute('d', /^M[\d.-]+,[\d.-]+(L[\d.-]+,[\d.-]+){100,}$/);
    await expect(loss.getByTestId('chart-note')).toContainText('50 non-finite points');
    await expect(page.getByRole('figure', { name: 'Chart of sys/cpu' })).toBeVisible();
    await expect(page.getByRole('list', { name: 'Artifacts' })).toContainText('model.ckpt');
    await expect(page.getByRole('table', { name: 'Params' })).toContainText('sgd');
    await screenshot(page, testInfo, '02-run');

    // Drag across the loss chart to zoom (runs.series re-asked with a range), double-click to reset.
    const plot = loss.getByTestId('chart-plot');
    const fullRange = await plot.getAttribute('data-x-domain');
    expect(fullRange).toBe('0 – 249');
    const bounds = await plot.boundingBox();
    if (!bounds) throw new Error('the loss chart has no box');
    await page.mouse.move(bounds.x + 100, bounds.y + 60);
    await page.mouse.down();
    await page.mouse.move(bounds.x + 200, bounds.y + 60, { steps: 5 });
    await page.mouse.up();
    await expect(loss.getByRole('button', { name: 'Reset zoom' })).toBeVisible();
    await expect(plot).not.toHaveAttribute('data-x-domain', '0 – 249');
    await plot.dblclick({ position: { x: 150, y: 60 } });
    await expect(loss.getByRole('button', { name: 'Reset zoom' })).toBeHidden();
    await expect(plot).toHaveAttribute('data-x-domain', '0 – 249');

    // Shared controls: x as seconds since the start, log scale y (a positive loss hides nothing).
    await page.getByRole('combobox', { name: 'X axis' }).selectOption('relative');
    await expect(plot).toHaveAttribute('data-x-domain', /^-?[\d.]+s – [\d.]+s$/);
    await page.getByRole('checkbox', { name: 'Log scale y' }).check();
    await expect(loss.locator('path.chart-line').first()).toHaveAttribute('d', /^M/);
    await expect(loss.getByTestId('chart-note')).not.toContainText('log scale');
    await screenshot(page, testInfo, '02-run-log-relative');
    await page.getByRole('checkbox', { name: 'Log scale y' }).uncheck();
    await page.getByRole('combobox', { name: 'X axis' }).selectOption('step');

    // Tags are editable: the new tag is saved through runs.update and survives a reload of the page.
    await page.getByRole('textbox', { name: 'Add a tag' }).fill('unstable');
    await page.getByRole('textbox', { name: 'Add a tag' }).press('Enter');
    await expect(page.getByRole('button', { name: 'Remove tag unstable' })).toBeVisible();
    await page.getByRole('button', { name: '← Runs' }).click();
    await expect(table.getByRole('row').filter({ hasText: 'diverged' })).toContainText('unstable', { timeout: 5_000 });

    // Select two runs and compare them: one curve per run, params that differ only.
    await page.getByRole('checkbox', { name: 'Select baseline' }).check();
    await page.getByRole('checkbox', { name: 'Select fast-lr' }).check();
    await page.getByRole('button', { name: 'Compare (2)' }).click();
    await expect(page.getByRole('heading', { name: 'Compare 2 runs' })).toBeVisible();
    const curves = page.getByRole('figure', { name: 'Chart of loss' }).locator('path.chart-line');
    await expect(curves).toHaveCount(4); // a smoothed line over a faint raw one, per run
    const params = page.getByRole('table', { name: 'Compared params' });
    await expect(params.getByRole('rowheader', { name: 'lr' })).toBeVisible();
    await expect(params.getByRole('rowheader', { name: 'batch' })).toHaveCount(0);
    await page.getByRole('checkbox', { name: 'Only params that differ' }).uncheck();
    await expect(params.getByRole('rowheader', { name: 'batch' })).toBeVisible();
    await page.getByRole('checkbox', { name: 'Only params that differ' }).check();
    await expect(page.getByRole('img', { name: 'Parallel coordinates' }).locator('path')).toHaveCount(2);
    await screenshot(page, testInfo, '03-compare');

    // CSV export through runs.export: the web host downloads the text.
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const file = await (await download).path();
    const csv = readFileSync(file, 'utf8');
    expect(csv.split('\n')[0]).toContain('run_id');
    expect(csv).toContain('fast-lr');
  });

  test('a running run: its page follows the points as they arrive, then shows it finished', async ({ page, orrery }) => {
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.goto(orrery.url);
    const project = await projectPath(page, orrery.projectsDir);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'orrery-e2e-live-'));
    writeFileSync(path.join(dir, 'live.py'), liveScript);
    const child = spawn('python3', [path.join(dir, 'live.py')], {
      cwd: dir,
      env: { ...process.env, PYTHONPATH: path.join(repoRoot, 'resources', 'python'), ORRERY_PROJECT: project },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await runCommand(page, 'open experiments', 'Open Experiments');
      const table = page.getByRole('grid', { name: 'Runs' });
      await expect(table.getByRole('row').filter({ hasText: 'live' }).locator('.run-status')).toHaveText('running', { timeout: 30_000 });
      await table.getByRole('button', { name: 'live' }).click();
      const plot = page.getByRole('figure', { name: 'Chart of loss' }).getByTestId('chart-plot');
      await expect(plot).toHaveAttribute('data-x-domain', /^0 – \d+$/, { timeout: 15_000 });
      const lastStep = async () => Number((await plot.getAttribute('data-x-domain'))?.split(' – ')[1]);
      const first = await lastStep();
      // run.metrics events refresh the series while the page stays open: the x range grows.
      await expect.poll(lastStep, { timeout: 15_000 }).toBeGreaterThan(first + 10);
      writeFileSync(path.join(dir, 'stop'), '');
      expect(await exited).toBe(0);
      await expect(page.locator('.run-page-head .run-status')).toHaveText('finished', { timeout: 15_000 });
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
