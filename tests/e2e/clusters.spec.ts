// Jobs on a cluster engine end to end in Chromium against `orrery serve`: the loopback Slurm cluster
// (scripts/slurm-cluster.sh, started by `bash scripts/services.sh start`) is added as a cluster profile and tested,
// the PyTorch template runs on it through sbatch with its loss curve growing live, a second cluster job is
// cancelled (scancel), a 6-trial sweep runs as a Slurm array, and its trials are compared in Experiments.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, openWithVenv, queueTemplateJob, screenshot, test } from './fixtures';

const docsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs');

test.describe('cluster jobs in Chromium', () => {
  test.setTimeout(540_000);

  test('add the loopback Slurm cluster → template job on it with a live loss curve → cancel a second → 6-trial sweep → compare', async ({ page, orrery }, testInfo) => {
    await page.setViewportSize({ width: 1400, height: 900 });
    const { venv } = await openWithVenv(page, orrery);

    // 1. The cluster profile: Slurm on this machine (sbatch on loopback), tested with sinfo.
    await page.getByRole('button', { name: 'Jobs', exact: true }).click();
    const area = page.getByRole('region', { name: 'Jobs area' });
    await area.getByRole('tab', { name: 'Clusters' }).click();
    const form = area.getByRole('form', { name: 'Add a cluster' });
    await form.getByLabel('Cluster name').fill('loopback');
    await form.getByLabel('Default partition').fill('debug');
    await form.getByRole('button', { name: 'Add cluster' }).click();
    const profile = area.getByRole('listitem', { name: 'Cluster loopback' });
    await expect(profile.getByTestId('cluster-test-result')).toContainText(/slurm.*1 partition \(debug\*\)/, { timeout: 30_000 });
    await screenshot(page, testInfo, '01-cluster-added');

    // 2. The template on the cluster: it runs under Slurm and its loss curve grows live.
    // Torch needs more than the cluster's default memory per CPU (Slurm kills a job over its --mem here).
    const first = await queueTemplateJob(page, venv, 'slurm-mlp', { Epochs: '100', 'Learning rate': '0.01' }, { target: 'loopback (Slurm)', resources: { CPUs: '1', 'Memory (MiB)': '2000', 'Time limit (minutes)': '30' } });
    await expect(first.getByTestId('job-where')).toContainText('loopback (Slurm)');
    await expect(first.getByTestId('job-state')).toHaveText('running', { timeout: 90_000 });
    await expect(first.getByTestId('job-where')).toContainText(/· \d+ · RUNNING/);
    await first.click();
    await expect(area.getByTestId('job-engine')).toContainText(/Slurm job \d+/);
    await screenshot(page, testInfo, '02-cluster-job-running');
    await area.getByRole('button', { name: 'Open run' }).click();
    await expect(page.getByTestId('run-title')).toHaveText('slurm-mlp', { timeout: 30_000 });
    const plot = page.getByRole('figure', { name: 'Chart of batch/loss' }).getByTestId('chart-plot');
    await expect(plot).toHaveAttribute('data-x-domain', /^0 – [\d,]+$/, { timeout: 90_000 });
    const lastStep = async () => Number((await plot.getAttribute('data-x-domain'))?.split(' – ')[1]?.replaceAll(',', ''));
    const seen = await lastStep();
    await expect.poll(lastStep, { timeout: 90_000 }).toBeGreaterThan(seen + 20);
    await screenshot(page, testInfo, '03-cluster-loss-live');

    // 3. A second cluster job is cancelled through scancel.
    await page.getByRole('button', { name: 'Jobs', exact: true }).click();
    const second = await queueTemplateJob(page, venv, 'slurm-long', { Epochs: '100000' }, { target: 'loopback (Slurm)', resources: { CPUs: '1', 'Memory (MiB)': '2000' } });
    await expect(second.getByTestId('job-state')).toHaveText(/queued|running/, { timeout: 60_000 });
    await second.click();
    await area.getByRole('button', { name: 'Cancel' }).click();
    await expect(second.getByTestId('job-state')).toHaveText('cancelled', { timeout: 60_000 });
    await expect(area.getByTestId('job-runs-on')).toHaveText('loopback (Slurm)');
    await expect(second.getByTestId('job-where')).toContainText('loopback (Slurm)');

    // The Jobs area with both cluster jobs, the first one's log streaming in: the picture for the docs.
    await first.click();
    await expect(area.getByTestId('job-log-stdout')).toContainText('epoch', { timeout: 60_000 });
    await page.screenshot({ path: path.join(docsDir, 'screenshot-clusters.png') });

    // 4. A 6-trial sweep over the learning rate, fanned out as a Slurm array on the cluster.
    await area.getByRole('tab', { name: 'Sweeps' }).click();
    await area.getByRole('button', { name: 'New sweep…' }).click();
    const sweepForm = area.getByRole('form', { name: 'New sweep' });
    await sweepForm.getByLabel('Sweep spec').fill(
      ['name: lr-grid', 'script: templates/pytorch-classifier/train.py', 'args: [--epochs, "3", --samples, "2000"]', 'params:', '  lr: [0.001, 0.003, 0.01, 0.03, 0.1, 0.3]', 'pass_params: args', 'metric: epoch/val/loss', 'goal: minimize', 'resources:', '  cpus: 1', '  memoryMb: 1500', ''].join('\n'),
    );
    const sweepEnv = sweepForm.getByLabel('Environment');
    await sweepEnv.selectOption((await sweepEnv.locator(`option[data-prefix="${venv}"]`).getAttribute('value')) ?? '');
    await sweepForm.getByLabel('Run trials on').selectOption({ label: 'loopback (Slurm array)' });
    await sweepForm.getByRole('button', { name: 'Start sweep' }).click();
    const sweep = area.getByRole('listitem', { name: 'Sweep lr-grid' });
    await expect(sweep).toContainText('6 trials on loopback (Slurm)', { timeout: 30_000 });
    await expect(sweep).toContainText('array');
    await expect(sweep).toContainText('6 succeeded', { timeout: 300_000 });
    await sweep.getByRole('button', { name: /lr-grid/ }).click();
    await expect(sweep.getByTestId('sweep-trial')).toHaveCount(6);
    await expect(sweep.getByTestId('sweep-trial').first()).toContainText('succeeded');
    await screenshot(page, testInfo, '04-sweep-trials');

    // 5. The trials compared in Experiments: one curve per trial, lr the param that differs.
    await sweep.getByRole('button', { name: 'Compare trials' }).click();
    await expect(page.getByRole('heading', { name: 'Compare 6 runs' })).toBeVisible({ timeout: 30_000 });
    await page.getByRole('checkbox', { name: 'epoch/val/loss', exact: true }).check();
    await expect(page.getByRole('figure', { name: 'Chart of epoch/val/loss' }).locator('path.chart-line').first()).toBeVisible();
    await expect(page.getByRole('table', { name: 'Compared params' }).getByRole('rowheader', { name: 'lr', exact: true })).toBeVisible();
    await screenshot(page, testInfo, '05-sweep-compared');

    // The first job finishes under Slurm.
    await page.getByRole('button', { name: 'Jobs', exact: true }).click();
    await area.getByRole('tab', { name: 'Jobs' }).click();
    await expect(first.getByTestId('job-state')).toHaveText('succeeded', { timeout: 180_000 });
    // A job leaves squeue only once its processes are gone (COMPLETING until then): the host's check for processes
    // left running must not race the last batch shells. Only this test's jobs (their batch script is in its home) count.
    const ours = () => execFileSync('squeue', ['-h', '-o', '%o']).toString().split('\n').filter((script) => script.startsWith(orrery.home)).length;
    await expect.poll(ours, { timeout: 60_000 }).toBe(0);
  });
});
