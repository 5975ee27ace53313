// The training loop end to end in Chromium against `orrery serve`: from the sample project, the PyTorch template
// runs as a job in a venv (Debian's torch through system site packages), its loss curve grows live, a second job is
// cancelled, two finished runs are compared, and a run's logs and checkpoint are there.
import { execFileSync } from 'node:child_process';
import { expect, openWithVenv, queueTemplateJob, runCommand, screenshot, test } from './fixtures';

test.describe('training jobs and experiments in Chromium', () => {
  test.setTimeout(420_000);

  test('PyTorch template job → live loss curve → cancel a second job → compare two finished runs → logs and checkpoint', async ({ page, orrery }, testInfo) => {
    await page.setViewportSize({ width: 1400, height: 900 });
    // A venv made behind Orrery's back is found by a discovery pass.
    const { venv } = await openWithVenv(page, orrery);

    await page.getByRole('button', { name: 'Jobs', exact: true }).click();
    const area = page.getByRole('region', { name: 'Jobs area' });
    await area.getByRole('combobox', { name: 'Jobs that may run at once' }).selectOption('2');

    // 1. The template job: its loss curve grows while it runs.
    const first = await queueTemplateJob(page, venv, 'mlp-lr-0.01', { Epochs: '300', 'Learning rate': '0.01' });
    await expect(first.getByTestId('job-state')).toHaveText('running', { timeout: 60_000 });
    await screenshot(page, testInfo, '01-job-running');
    await area.getByRole('button', { name: 'Open run' }).click();
    await expect(page.getByTestId('run-title')).toHaveText('mlp-lr-0.01', { timeout: 30_000 });
    const plot = page.getByRole('figure', { name: 'Chart of batch/loss' }).getByTestId('chart-plot');
    await expect(plot).toHaveAttribute('data-x-domain', /^0 – [\d,]+$/, { timeout: 60_000 });
    const lastStep = async () => Number((await plot.getAttribute('data-x-domain'))?.split(' – ')[1]?.replaceAll(',', ''));
    const seen = await lastStep();
    await expect.poll(lastStep, { timeout: 60_000 }).toBeGreaterThan(seen + 20);
    await screenshot(page, testInfo, '02-loss-growing-live');

    // 2. A second, long job runs beside it and is cancelled: its whole process tree goes.
    await page.getByRole('button', { name: 'Jobs', exact: true }).click();
    const second = await queueTemplateJob(page, venv, 'long-one', { Epochs: '100000' });
    await expect(second.getByTestId('job-state')).toHaveText('running', { timeout: 60_000 });
    await second.click();
    await area.getByRole('button', { name: 'Cancel' }).click();
    await expect(second.getByTestId('job-state')).toHaveText('cancelled', { timeout: 30_000 });

    // 3. A third, short job with another learning rate; then both finish.
    const third = await queueTemplateJob(page, venv, 'mlp-lr-0.05', { Epochs: '5', 'Learning rate': '0.05' });
    await expect(third.getByTestId('job-state')).toHaveText('succeeded', { timeout: 180_000 });
    await expect(first.getByTestId('job-state')).toHaveText('succeeded', { timeout: 180_000 });

    // 4. The first job's log holds every epoch; its stderr is there too.
    await first.click();
    await expect(area.getByTestId('job-log-stdout')).toContainText('epoch 300/300', { timeout: 15_000 });
    await screenshot(page, testInfo, '03-job-log');

    // 5. Compare the two finished runs: one curve per run, only the params that differ.
    await runCommand(page, 'show runs', 'Show Runs');
    const table = page.getByRole('grid', { name: 'Runs' });
    await expect(table.getByRole('row').filter({ hasText: 'long-one' }).locator('.run-status')).toHaveText('killed', { timeout: 30_000 });
    await page.getByRole('checkbox', { name: 'Select mlp-lr-0.01' }).check();
    await page.getByRole('checkbox', { name: 'Select mlp-lr-0.05' }).check();
    await page.getByRole('button', { name: 'Compare (2)' }).click();
    await expect(page.getByRole('heading', { name: 'Compare 2 runs' })).toBeVisible();
    await page.getByRole('checkbox', { name: 'epoch/val/loss', exact: true }).check();
    await expect(page.getByRole('figure', { name: 'Chart of epoch/val/loss' }).locator('path.chart-line')).toHaveCount(4);
    const params = page.getByRole('table', { name: 'Compared params' });
    await expect(params.getByRole('rowheader', { name: 'lr', exact: true })).toBeVisible();
    await expect(params.getByRole('rowheader', { name: 'epochs', exact: true })).toBeVisible();
    await expect(params.getByRole('rowheader', { name: 'batch_size', exact: true })).toHaveCount(0);
    await screenshot(page, testInfo, '04-compare');

    // 6. The run page lists its checkpoints and its logs as artifacts.
    await runCommand(page, 'show runs', 'Show Runs');
    await table.getByRole('button', { name: 'mlp-lr-0.01' }).click();
    const artifacts = page.getByRole('list', { name: 'Artifacts' });
    await expect(artifacts).toContainText('.pt');
    await expect(artifacts).toContainText('stdout');
    await screenshot(page, testInfo, '05-run-artifacts');
    // The checkpoint downloads from the run page, and torch loads what came down.
    const download = page.waitForEvent('download');
    await artifacts.getByRole('link', { name: /\.pt$/ }).first().click();
    const saved = await (await download).path();
    execFileSync('/usr/bin/python3', ['-c', 'import sys, torch; state = torch.load(sys.argv[1]); assert "model" in state and "epoch" in state', saved]);
    // The run's job opens from its lineage, with its log.
    await page.getByRole('table', { name: 'Lineage' }).getByRole('button').first().click();
    await expect(area.getByTestId('job-name')).toHaveText('mlp-lr-0.01');
    await expect(area.getByTestId('job-log-stdout')).toContainText('epoch 300/300', { timeout: 15_000 });
  });
});
