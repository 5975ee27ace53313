// A notebook's kernel in a Docker sandbox, in Chromium against the web host: switch the kernel to Sandbox, a cell
// that calls the host on 127.0.0.1 gets a network error (and the host's listener sees no connection), a file
// written to /output is collected and downloadable from the audit log, and once Orrery stops no container of it is
// left. The first run may build the base image (debootstrap, a minute or two); later runs reuse it.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from '@playwright/test';
import { expect, processesUsingHome, projectPath, runCommand, test } from './fixtures';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Docker answers (else the test is skipped here, and fails under CI). */
function dockerUp(): boolean {
  try {
    execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    if (process.env.CI) throw new Error('Docker is required under CI: start dockerd (scripts/services.sh start).');
    return false;
  }
}

/** Orrery containers of the given owner pids (`docker ps -a` by label). */
function containersOf(pids: readonly number[]): string[] {
  return pids.flatMap((pid) =>
    execFileSync('docker', ['ps', '-a', '-q', '--filter', 'label=orrery.sandbox', '--filter', `label=orrery.pid=${pid}`], { encoding: 'utf8' }).split('\n').filter(Boolean),
  );
}

/** The cell at `index` in the shown notebook. */
function cell(page: Page, index: number): Locator {
  return page.locator('.notebook-view:not([hidden]) [data-testid="notebook-cell"]').nth(index);
}

async function runIn(page: Page, target: Locator, lines: readonly string[]): Promise<void> {
  await target.click();
  await expect(target.locator('.monaco-editor')).toHaveClass(/\bfocused\b/);
  await page.keyboard.insertText(lines.join('\n'));
  await page.keyboard.press('Shift+Enter');
}

test.describe('a notebook kernel in a Docker sandbox', () => {
  test.skip(!dockerUp(), 'Docker is not running here');
  test.setTimeout(420_000);

  test('no network from the kernel, /output collected, nothing left after Orrery stops', async ({ page, orrery }) => {
    await page.setViewportSize({ width: 1440, height: 900 });
    let connections = 0;
    const listener = net.createServer((socket) => {
      connections += 1;
      socket.end('HTTP/1.0 200 OK\r\n\r\nreached the host\n');
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const port = (listener.address() as net.AddressInfo).port;
    try {
      await page.goto(orrery.url);
      await projectPath(page, orrery.projectsDir);
      const owners = processesUsingHome(orrery.home);

      await page.getByRole('button', { name: 'Notebooks', exact: true }).click();
      const area = page.getByRole('region', { name: 'Notebooks' });
      await area.getByRole('button', { name: 'New Notebook' }).click();
      await area.getByLabel('New notebook name').fill('sandboxed');
      await area.getByLabel('New notebook name').press('Enter');
      await expect(area.getByRole('tab', { name: /sandboxed\.ipynb/ })).toBeVisible();
      const picker = area.getByLabel('Kernel environment');
      const sandboxOption = picker.locator('option', { hasText: 'Sandbox — base image' });
      await expect(sandboxOption).toBeEnabled({ timeout: 30_000 });
      await picker.selectOption((await sandboxOption.getAttribute('value')) ?? '');

      // The first run starts the kernel in a container (building the base image first if it is not here yet).
      const call = cell(page, 0);
      await runIn(page, call, ['import urllib.request', `urllib.request.urlopen("http://127.0.0.1:${port}", timeout=5)`]);
      await expect(call.getByTestId('cell-outputs')).toContainText('URLError', { timeout: 300_000 });
      await expect(area.getByTestId('kernel-status')).toHaveText('idle');
      await expect(area.getByTestId('kernel-status')).toHaveAttribute('title', /sandbox: orrery\/base/);
      expect(connections).toBe(0);

      const write = cell(page, 1);
      await runIn(page, write, ['with open("/output/result.txt", "w") as f:', '    f.write("made in the sandbox\\n")', 'print("written")']);
      await expect(write.getByTestId('cell-outputs')).toContainText('written', { timeout: 30_000 });

      // Shutting the kernel down removes its container and collects /output into the audit log.
      await runCommand(page, 'shut down kernel', 'Shut Down Kernel');
      await page.getByRole('button', { name: 'Sandbox', exact: true }).click();
      const sandbox = page.getByRole('region', { name: 'Sandbox area' });
      await expect(sandbox.getByTestId('sandbox-docker-status')).toContainText('Docker');
      const row = sandbox.getByTestId('sandbox-session').filter({ hasText: 'ipykernel' }).first();
      await expect(row).toContainText('kernel');
      const artifact = row.getByTestId('sandbox-artifact');
      await expect(artifact).toContainText('result.txt', { timeout: 30_000 });
      const href = await artifact.getAttribute('href');
      expect(href).toMatch(/^\/artifacts\/[0-9a-f]{64}\?name=result\.txt$/);
      // The page's token cookie authorizes the download.
      const download = await page.request.get(new URL(href!, orrery.origin).toString());
      expect(await download.text()).toBe('made in the sandbox\n');

      await sandbox.getByRole('button', { name: 'Refresh' }).click();
      await expect(sandbox.getByTestId('sandbox-image').first()).toBeVisible();
      mkdirSync(path.join(repoRoot, 'docs'), { recursive: true });
      await page.screenshot({ path: path.join(repoRoot, 'docs', 'screenshot-sandbox.png') });

      // Orrery stops: no container of it is left.
      expect(owners.length).toBeGreaterThan(0);
      await orrery.kill();
      expect(containersOf(owners)).toEqual([]);
    } finally {
      listener.close();
    }
  });
});
