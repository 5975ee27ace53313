import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, projectPath, runCommand, screenshot, test } from './fixtures';

const systemPython = '/usr/bin/python3';

/** Builds orrery-tiny 0.1.0 as a wheel from a local folder (pip wheel, no index: nothing comes from PyPI). */
function buildTinyWheel(): { wheel: string; dir: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'orrery-e2e-wheel-'));
  const src = path.join(dir, 'src');
  mkdirSync(path.join(src, 'orrery_tiny'), { recursive: true });
  writeFileSync(path.join(src, 'orrery_tiny', '__init__.py'), 'VALUE = 42\n');
  writeFileSync(path.join(src, 'setup.py'), "from setuptools import setup\nsetup(name='orrery-tiny', version='0.1.0', packages=['orrery_tiny'])\n");
  execFileSync(systemPython, ['-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '--no-index', '--disable-pip-version-check', '-w', path.join(dir, 'dist'), src], {
    stdio: 'pipe',
    timeout: 60_000,
  });
  return { wheel: path.join(dir, 'dist', 'orrery_tiny-0.1.0-py3-none-any.whl'), dir };
}

/** An sdist whose setup.py fails on purpose: installing it is a pip failure. */
function buildBrokenSdist(dir: string): string {
  const root = path.join(dir, 'orrery_broken-0.1.0');
  mkdirSync(root, { recursive: true });
  writeFileSync(path.join(root, 'setup.py'), "raise SystemExit('orrery-broken: this package fails to build on purpose')\n");
  writeFileSync(path.join(root, 'PKG-INFO'), 'Metadata-Version: 2.1\nName: orrery-broken\nVersion: 0.1.0\n');
  const sdist = path.join(dir, 'orrery_broken-0.1.0.tar.gz');
  execFileSync('tar', ['-czf', sdist, '-C', dir, 'orrery_broken-0.1.0'], { stdio: 'pipe' });
  return sdist;
}


test.describe('environments in Chromium against the web host', () => {
  test.setTimeout(180_000);

  test('system, pyenv and project venv listed → venv is the project env → install a local wheel → snapshots, diff, export', async ({ page, orrery }, testInfo) => {
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.goto(orrery.url);
    const project = await projectPath(page, orrery.projectsDir);
    const venv = path.join(project, '.venv');
    execFileSync(systemPython, ['-m', 'venv', '--system-site-packages', venv], { stdio: 'pipe', timeout: 120_000 });
    const { wheel, dir } = buildTinyWheel();
    try {
      // Discovery streams into the list: Debian's python, pyenv's and the venv just made in the project.
      await runCommand(page, 'open environments', 'Open Environments');
      const list = page.getByRole('list', { name: 'Environments found' });
      await page.getByRole('button', { name: 'Refresh environments' }).click();
      const venvRow = list.getByRole('button', { name: /^\.venv\b.* — venv 3\.11\.2/ });
      await expect(venvRow).toBeVisible({ timeout: 30_000 });
      await expect(list.getByRole('button', { name: /— system 3\.11\.2/ }).first()).toBeVisible();
      await expect(list.getByRole('button', { name: /— pyenv 3\.11\.7/ }).first()).toBeVisible();
      // System site packages: Debian's ipykernel shows through.
      await expect(venvRow).toContainText('ipykernel');
      await expect(venvRow).not.toContainText('no ipykernel');
      await screenshot(page, testInfo, '01-envs-listed');

      // The pass ends (env.get of an env found by a pass still running answers not_found: see the report).
      await expect(page.locator('.env-discovering')).toHaveText(/^\d+ found$/, { timeout: 60_000 });

      // The venv becomes the project's env; the status bar says so.
      await venvRow.click();
      await expect(page.getByTestId('env-selected-name')).toHaveText(/^\.venv/);
      await page.getByRole('button', { name: 'Use for this project' }).click();
      await expect(page.getByTestId('status-env')).toHaveText('Python 3.11.2 · .venv');
      await expect(list.getByRole('button', { name: /^\.venv\b.* — venv 3\.11\.2, project environment/ })).toBeVisible();
      await expect(page.getByRole('button', { name: 'Stop using for this project' })).toBeVisible();
      await screenshot(page, testInfo, '02-venv-is-project-env');

      // Install the local wheel: pip's output streams into the log while it runs.
      const packages = page.getByRole('table', { name: 'Installed packages' });
      await expect(packages.getByRole('row').nth(1)).toBeVisible();
      await expect(packages).not.toContainText('orrery-tiny');
      await page.getByRole('combobox', { name: 'Install from' }).selectOption({ label: 'Wheel or sdist file' });
      await page.getByRole('textbox', { name: /Package to install/ }).fill(wheel);
      await page.getByRole('button', { name: 'Install', exact: true }).click();
      const log = page.getByRole('log', { name: /^Install into \.venv.* log$/ });
      await expect(log).toContainText(/Processing .*orrery_tiny-0\.1\.0-py3-none-any\.whl/, { timeout: 60_000 });
      await expect(log).toContainText(/Successfully installed orrery-tiny-0\.1\.0/, { timeout: 60_000 });
      await expect(page.getByRole('status').filter({ hasText: 'Done: Install into .venv' })).toBeVisible();
      await expect(packages.getByRole('row', { name: /orrery-tiny 0\.1\.0/ })).toBeVisible();
      await screenshot(page, testInfo, '03-wheel-installed');

      // The filter narrows the table to it.
      await page.getByRole('textbox', { name: 'Filter packages' }).fill('orrery');
      await expect(packages.getByRole('row')).toHaveCount(2);
      await screenshot(page, testInfo, '04-filtered');

      // Snapshot with it, uninstall it, snapshot without it.
      const snapshots = page.getByRole('table', { name: 'Snapshots' });
      await page.getByRole('textbox', { name: 'Snapshot note' }).fill('with tiny');
      await page.getByRole('button', { name: 'Snapshot', exact: true }).click();
      await expect(snapshots.getByRole('row', { name: /with tiny/ })).toBeVisible();
      await packages.getByRole('checkbox', { name: 'Select orrery-tiny' }).check();
      await page.getByRole('button', { name: /Uninstall selected \(1\)/ }).click();
      await expect(page.getByRole('log', { name: /^Uninstall from \.venv.* log$/ })).toContainText(/Successfully uninstalled orrery-tiny-0\.1\.0/, { timeout: 60_000 });
      await expect(packages.getByRole('row', { name: /orrery-tiny/ })).toHaveCount(0);
      await screenshot(page, testInfo, '05-uninstalled');
      await page.getByRole('textbox', { name: 'Snapshot note' }).fill('without tiny');
      await page.getByRole('button', { name: 'Snapshot', exact: true }).click();
      await expect(snapshots.getByRole('row')).toHaveCount(3);
      await screenshot(page, testInfo, '06-two-snapshots');

      // The diff of the two says orrery-tiny was removed, and nothing else changed.
      for (const checkbox of await snapshots.getByRole('checkbox').all()) await checkbox.check();
      await page.getByRole('button', { name: 'Diff selected' }).click();
      const differences = page.getByRole('table', { name: 'Differences' });
      await expect(differences.getByRole('row')).toHaveCount(2);
      // pip freeze pins a package installed from a file by its URL (PEP 610): that is what the snapshot holds.
      await expect(differences.getByRole('row', { name: /^removed orrery-tiny .*orrery_tiny-0\.1\.0-py3-none-any\.whl/ })).toBeVisible();
      await expect(page.getByRole('region', { name: 'Snapshot diff' })).toContainText('0 added, 1 removed, 0 changed');
      await screenshot(page, testInfo, '07-diff');

      // Export the older snapshot as requirements.txt: the text holds the pin.
      await snapshots.getByRole('row', { name: /with tiny/ }).getByRole('button', { name: 'Export as requirements.txt' }).click();
      const exported = page.getByRole('textbox', { name: 'requirements.txt text' });
      await expect(exported).toHaveValue(/^orrery-tiny @ file:\/\/.*orrery_tiny-0\.1\.0-py3-none-any\.whl$/m);
      // The snapshot pins every package of the env (how many depends on the system Python's packages).
      const pinned = (await exported.inputValue()).split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#')).length;
      await expect(page.getByRole('button', { name: 'Copy' })).toBeVisible();
      await expect(page.getByRole('button', { name: 'Download' })).toBeVisible();
      await exported.scrollIntoViewIfNeeded();
      await screenshot(page, testInfo, '08-export-requirements');

      // Recreate the snapshot with the wheel in a new venv (system site packages: the other pins are already there).
      await snapshots.getByRole('row', { name: /with tiny/ }).getByRole('button', { name: 'Recreate…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Recreate environment' });
      await expect(dialog).toContainText(`the ${pinned} packages`);
      await dialog.getByRole('combobox', { name: 'Base Python' }).selectOption({ label: `3.11.2 — ${systemPython}` });
      await dialog.getByRole('textbox', { name: 'Location' }).fill(`${project}/.venv-restored`);
      await dialog.getByRole('checkbox', { name: /System site packages/ }).check();
      await dialog.getByRole('button', { name: 'Recreate', exact: true }).click();
      await expect(dialog.getByRole('log')).toContainText(/orrery_tiny-0\.1\.0-py3-none-any\.whl/, { timeout: 120_000 });
      await screenshot(page, testInfo, '09-recreating');
      await expect(dialog).toBeHidden({ timeout: 120_000 });
      await expect(page.getByTestId('env-selected-name')).toHaveText(/^\.venv-restored/);
      await expect(page.getByTestId('status-env')).toHaveText('Python 3.11.2 · .venv-restored');
      await page.getByRole('textbox', { name: 'Filter packages' }).fill('orrery');
      await expect(packages.getByRole('row', { name: /orrery-tiny 0\.1\.0/ })).toBeVisible();
      await screenshot(page, testInfo, '10-recreated');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('create a venv from the dialog → it is selected and the project env → the status bar picker switches → a pip failure says the env was restored', async ({ page, orrery }, testInfo) => {
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.goto(orrery.url);
    const project = await projectPath(page, orrery.projectsDir);
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'orrery-e2e-broken-'));
    try {
      await runCommand(page, 'create environment', 'Create Environment…');
      const dialog = page.getByRole('dialog', { name: 'Create environment' });
      await expect(dialog.getByRole('radio', { name: /^venv/ })).toBeChecked();
      // conda and uv are not on this machine: offered, but off, with the reason.
      await expect(dialog.getByRole('radio', { name: /^conda/ })).toBeDisabled();
      await expect(dialog.getByText(/uv is not installed/)).toBeVisible();
      await expect(dialog.getByRole('textbox', { name: 'Location' })).toHaveValue(`${project}/.venv`);
      await dialog.getByRole('combobox', { name: 'Base Python' }).selectOption({ label: `3.11.2 — ${systemPython}` });
      await dialog.getByRole('textbox', { name: 'Location' }).fill(`${project}/.venv-two`);
      await dialog.getByRole('checkbox', { name: /System site packages/ }).check();
      await screenshot(page, testInfo, '01-create-dialog');
      await dialog.getByRole('button', { name: 'Create', exact: true }).click();
      await expect(dialog.getByRole('progressbar')).toBeAttached();
      await screenshot(page, testInfo, '02-creating');
      await expect(dialog).toBeHidden({ timeout: 120_000 });

      // The new env is selected, marked as the project's, and named in the status bar.
      await expect(page.getByTestId('env-selected-name')).toHaveText(/^\.venv-two/);
      await expect(page.getByRole('list', { name: 'Environments found' }).getByRole('button', { name: /^\.venv-two\b.* — venv 3\.11\.2, project environment/ })).toBeVisible();
      await expect(page.getByTestId('status-env')).toHaveText('Python 3.11.2 · .venv-two');
      await screenshot(page, testInfo, '03-created');

      // The status bar's picker: no environment, then the new venv again, from the keyboard.
      await page.getByTestId('status-env').click();
      const picker = page.getByRole('dialog', { name: 'Select project environment' });
      const query = picker.getByRole('combobox', { name: 'Project environment' });
      await expect(query).toBeFocused();
      await query.fill('no environment');
      await expect(picker.getByRole('option').first()).toContainText('No environment');
      await query.press('Enter');
      await expect(picker).toBeHidden();
      await expect(page.getByTestId('status-env')).toHaveText('no environment');
      // (The palette's own options: the area's selects have options too.)
      await page.keyboard.press('Control+Shift+P');
      const palette = page.getByRole('dialog', { name: 'Command palette' });
      await palette.getByRole('combobox', { name: 'Type a command' }).fill('select project environment');
      await expect(palette.getByRole('option').first()).toContainText('Select Project Environment…');
      await palette.getByRole('combobox', { name: 'Type a command' }).press('Enter');
      await expect(query).toBeFocused();
      await query.fill('venv-two');
      await expect(picker.getByRole('option').first()).toContainText('.venv-two');
      await screenshot(page, testInfo, '04-picker');
      await query.press('Enter');
      await expect(page.getByTestId('status-env')).toHaveText('Python 3.11.2 · .venv-two');

      // A pip failure: the message is shown and the env is as it was.
      const packages = page.getByRole('table', { name: 'Installed packages' });
      await expect(packages.getByRole('row').nth(1)).toBeVisible();
      const before = await packages.getByRole('row').count();
      await page.getByRole('combobox', { name: 'Install from' }).selectOption({ label: 'Wheel or sdist file' });
      await page.getByRole('textbox', { name: /Package to install/ }).fill(buildBrokenSdist(scratch));
      await page.getByRole('button', { name: 'Install', exact: true }).click();
      const failure = page.getByRole('region', { name: /^Install into \.venv-two.* output$/ }).getByRole('alert');
      await expect(failure).toBeVisible({ timeout: 60_000 });
      await expect(failure).toContainText('(process_failed)');
      await expect(page.getByText(/restored|put back as it was/i).first()).toBeVisible();
      await expect(page.getByRole('log', { name: /^Install into \.venv-two.* log$/ })).toContainText('orrery-broken: this package fails to build on purpose');
      await expect(packages.getByRole('row')).toHaveCount(before);
      await expect(packages).not.toContainText('orrery-broken');
      await screenshot(page, testInfo, '05-pip-failure');

      // A bad interpreter path is refused with the host's message.
      await page.getByRole('button', { name: 'Add interpreter…' }).click();
      await page.getByRole('textbox', { name: 'Interpreter or env folder' }).fill(`${project}/no-such-python`);
      await page.getByRole('textbox', { name: 'Interpreter or env folder' }).press('Enter');
      await expect(page.locator('.env-add-form').getByRole('alert')).toContainText('(not_found)');
      await screenshot(page, testInfo, '06-bad-interpreter');

      // The env folder deleted while listed: after a refresh it is greyed, says why, and keeps its place.
      rmSync(path.join(project, '.venv-two'), { recursive: true, force: true });
      await page.getByRole('button', { name: 'Refresh environments' }).click();
      const gone = page.getByRole('list', { name: 'Environments found' }).getByRole('button', { name: /^\.venv-two\b.*, missing$/ });
      await expect(gone).toBeVisible();
      await expect(gone).toContainText(/Missing: .*\.venv-two\/bin\/python no longer exists/);
      await expect(page.getByRole('region', { name: /^Environment \.venv-two/ }).getByRole('alert')).toContainText('no longer exists');
      await expect(page.getByRole('table', { name: 'Installed packages' })).toHaveCount(0);
      await expect(page.getByTestId('status-env')).toHaveClass(/is-missing/);
      await screenshot(page, testInfo, '07-env-folder-deleted');

      // Cancel while a venv is being made (ensurepip takes seconds): the task says so and no env appears.
      await page.getByRole('button', { name: 'Create environment…' }).click();
      const again = page.getByRole('dialog', { name: 'Create environment' });
      await again.getByRole('textbox', { name: 'Location' }).fill(`${project}/.venv-cancelled`);
      await again.getByRole('button', { name: 'Create', exact: true }).click();
      await again.getByRole('region', { name: /output$/ }).getByRole('button', { name: 'Cancel' }).click();
      await expect(again.getByRole('status')).toHaveText(/^Cancelled: Create venv/, { timeout: 30_000 });
      await expect(again.getByRole('alert')).toContainText('(cancelled)');
      await screenshot(page, testInfo, '08-create-cancelled');
      await again.getByRole('button', { name: 'Close', exact: true }).click();
      await expect(again).toBeHidden();
      await expect(page.getByRole('list', { name: 'Environments found' }).getByRole('button', { name: /venv-cancelled/ })).toHaveCount(0);
      await expect(page.getByTestId('status-env')).toHaveText('Python 3.11.2 · .venv-two');
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
