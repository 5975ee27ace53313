// From a trained model to a device and a stakeholder's screen, in Chromium against `orrery serve`: a finished run of
// the PyTorch template (tiny, through the real SDK) is registered → exported to ONNX with parity shown → benchmarked
// (histogram drawn) → packaged for linux-x64 → deployed over SSH to a real loopback sshd (verified and self-tested
// there, switched atomically) → served with `orrery model serve` → a prediction from its demo page.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSshd, type SshdFixture } from '../fixtures/sshd/sshd';
import { expect, projectPath, screenshot, test, type OrreryHost } from './fixtures';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cliBundle = path.join(repoRoot, 'out', 'main', 'cli.cjs');

function cliEnv(orrery: OrreryHost, project: string): NodeJS.ProcessEnv {
  return { ...process.env, ORRERY_HOME: orrery.home, ORRERY_PROJECT: project, ORRERY_LOG_LEVEL: 'warn' };
}

/** The CLI on the host's ORRERY_HOME and the project (the same store the web host has open). */
function cli(orrery: OrreryHost, project: string, ...args: string[]): string {
  return execFileSync(process.execPath, [cliBundle, ...args], { cwd: project, env: cliEnv(orrery, project), encoding: 'utf8', timeout: 60_000 });
}

/** A tiny finished run of the PyTorch template, logged by the real SDK; answers its run id. */
function templateRun(orrery: OrreryHost, project: string): string {
  // A module name the wizard takes (module:Name); the template itself, unchanged.
  const template = path.join(project, 'template_classifier.py');
  copyFileSync(path.join(repoRoot, 'resources', 'templates', 'pytorch-classifier', 'train.py'), template);
  execFileSync('/usr/bin/python3', [template, '--model', 'mlp', '--epochs', '2', '--samples', '300', '--device', 'cpu', '--hidden', '16'], {
    cwd: project,
    env: { ...cliEnv(orrery, project), PYTHONPATH: path.join(repoRoot, 'resources', 'python'), PYTHONDONTWRITEBYTECODE: '1' },
    timeout: 90_000,
    stdio: 'ignore',
  });
  const runs = JSON.parse(cli(orrery, project, 'runs', 'list', '--json')) as { runs: { id: string; status: string }[] };
  const finished = runs.runs.find((run) => run.status === 'finished');
  if (!finished) throw new Error(`no finished run: ${JSON.stringify(runs)}`);
  return finished.id;
}

/** `orrery model serve REF --port 0`: answers the demo URL (with its token) once it listens. */
function serve(orrery: OrreryHost, project: string, ref: string): Promise<{ child: ChildProcess; demo: string }> {
  const child = spawn(process.execPath, [cliBundle, 'model', 'serve', ref, '--port', '0', '--token', 'e2e-demo-token'], { cwd: project, env: cliEnv(orrery, project), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`model serve printed no demo URL in 30 s:\n${output}`)), 30_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /demo\s+(http\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({ child, demo: match[1] });
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.once('exit', (code) => reject(new Error(`model serve exited (${code}):\n${output}`)));
  });
}

test.describe('deploy in Chromium', () => {
  test.setTimeout(150_000);
  let sshd: SshdFixture | null = null;
  let server: ChildProcess | null = null;
  test.afterEach(async () => {
    server?.kill('SIGTERM');
    await sshd?.stop();
  });

  test('template run → ONNX with parity → benchmark → package → deploy over SSH → serve → demo prediction', async ({ page, orrery }, testInfo) => {
    await page.setViewportSize({ width: 1500, height: 1000 });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.stack ?? String(error)));
    await page.goto(orrery.url);
    const project = await projectPath(page, orrery.projectsDir);
    sshd = await startSshd();
    const remoteRoot = path.join(sshd.dir, 'models');

    // 0. A finished template run, registered from its checkpoint (lineage from the run); the system Python exports.
    const runId = templateRun(orrery, project);
    cli(orrery, project, 'model', 'register', 'classifier', '--run', runId);
    cli(orrery, project, 'env', 'use', '/usr/bin/python3');

    await page.getByRole('button', { name: 'Models', exact: true }).click();
    const area = page.getByRole('region', { name: 'Models area' });
    await expect(area.getByRole('navigation', { name: 'Models' })).toContainText('classifier');
    await expect(area.getByRole('region', { name: 'Version facts' }).getByRole('heading', { name: 'classifier v1' })).toBeVisible();

    // 1. Export to ONNX through the template's factory: parity shown.
    await area.getByRole('tab', { name: 'Export' }).click();
    const exporter = area.getByRole('region', { name: 'Export to ONNX' });
    await exporter.getByLabel(/Model class/).fill('template_classifier:make_model');
    await exporter.getByLabel('Samples').fill('8');
    await exporter.getByRole('button', { name: 'Export' }).click();
    await expect(exporter.getByRole('table', { name: 'Exports' })).toContainText(/passed|max abs/, { timeout: 60_000 });
    await screenshot(page, testInfo, '01-export-parity');

    // 2. A short benchmark of the export: the latency histogram drawn.
    await area.getByRole('tab', { name: 'Benchmark' }).click();
    const bench = area.getByRole('region', { name: 'Latency benchmark' });
    await bench.getByLabel('Iterations').fill('30');
    await bench.getByLabel('Warm-up').fill('3');
    // The button waits for the export's inspection (slow when the machine is busy).
    await expect(bench.getByRole('button', { name: 'Run benchmark' })).toBeEnabled({ timeout: 60_000 });
    await bench.getByRole('button', { name: 'Run benchmark' }).click();
    await expect(bench.getByTestId('latency-histogram').locator('.recharts-bar-rectangle').first()).toBeVisible({ timeout: 60_000 });

    // 3. The edge package for linux-x64.
    await area.getByRole('tab', { name: 'Package' }).click();
    const packager = area.getByRole('region', { name: 'Edge package' });
    await packager.getByRole('button', { name: 'Build package' }).click();
    await expect(packager.getByRole('table', { name: 'Packages' })).toContainText('classifier-v1-linux-x64.tar.gz', { timeout: 60_000 });

    // 4. A device (the loopback sshd) and the deploy: every step on the device, then `current` switched.
    await area.getByRole('tab', { name: 'Deploy' }).click();
    const deploy = area.getByRole('region', { name: 'Deploy' });
    await deploy.getByText('Add a device').click();
    const form = deploy.getByRole('form', { name: 'Add a device' });
    await form.getByLabel('Device name', { exact: true }).fill('edge-box');
    await form.getByLabel('Host', { exact: true }).fill(sshd.host);
    await form.getByLabel('Port', { exact: true }).fill(String(sshd.port));
    await form.getByLabel('User', { exact: true }).fill(sshd.username);
    await form.getByLabel('Key file', { exact: true }).fill(sshd.keyPath);
    await form.getByLabel('known_hosts', { exact: true }).fill(sshd.knownHostsPath);
    await form.getByLabel('Models folder on the device', { exact: true }).fill(remoteRoot);
    await form.getByRole('button', { name: 'Add device' }).click();
    await expect(deploy.getByRole('table', { name: 'Devices' })).toContainText('edge-box');
    await deploy.getByRole('button', { name: 'Test edge-box' }).click();
    await expect(deploy.getByRole('table', { name: 'Devices' })).toContainText(sshd.hostKeyFingerprint);
    await deploy.getByRole('button', { name: 'Deploy v1' }).click();
    const deployments = deploy.getByRole('table', { name: 'Deployments' });
    await expect(deployments.locator('tbody tr').first()).toContainText('ok', { timeout: 60_000 });
    await expect(deployments).toContainText('edge-box');
    expect(readlinkSync(path.join(remoteRoot, 'classifier', 'current'))).toMatch(/^versions\/classifier-v1\.dep_/);
    await expect(form).toBeHidden();
    await deployments.locator('summary', { hasText: 'log' }).first().click();
    await expect(deployments.locator('pre').first()).toBeVisible();
    await expect(deployments.locator('pre').first()).toContainText('[self-test] running the self-test on the device');
    await expect(deployments.locator('pre').first()).toContainText('"ok":true');
    // The active version on the device answers its own self-test.
    expect(execFileSync('sh', [path.join(remoteRoot, 'classifier', 'current', 'bin', 'run'), 'self-test'], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } })).toContain('"ok":true');
    await page.screenshot({ path: path.join(repoRoot, 'docs', 'screenshot-deploy.png') });
    await screenshot(page, testInfo, '02-deployed');

    // 5. Served: the demo page answers a prediction with its latency.
    const served = await serve(orrery, project, 'classifier@1');
    server = served.child;
    const demo = await page.context().newPage();
    await demo.goto(served.demo);
    await demo.getByRole('button', { name: 'Predict' }).click();
    await expect(demo.locator('#result')).toContainText(/\d/, { timeout: 20_000 });
    await expect(demo.locator('#latency')).toContainText(/ms/);
    await screenshot(demo, testInfo, '03-demo-prediction');
    expect(pageErrors).toEqual([]);
  });
});
