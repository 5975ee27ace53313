// The Electron window, driven by Playwright's _electron. It runs wherever the Electron binary is installed
// (a normal `npm install` with network); on machines installed with ELECTRON_SKIP_BINARY_DOWNLOAD it is skipped.
import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { callNames, type OrreryBridge } from '../../../app/contract';
import { expectNothingLeftRunning, screenshot } from '../fixtures';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The Electron executable that `npm install` downloaded (what node_modules/electron/index.js would answer), if any. */
function electronBinary(): string | null {
  const pathFile = path.join(repoRoot, 'node_modules', 'electron', 'path.txt');
  if (!existsSync(pathFile)) return null;
  const relative = readFileSync(pathFile, 'utf8').trim();
  const base = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? path.join(repoRoot, 'node_modules', 'electron', 'dist');
  const binary = path.join(base, relative);
  return existsSync(binary) ? binary : null;
}

const binary = electronBinary();
const hasDisplay = process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);

type WithBridge = { orrery: OrreryBridge };

test.describe('Electron window', () => {
  test.skip(!binary, 'Electron binary is not installed on this machine (ELECTRON_SKIP_BINARY_DOWNLOAD); this suite runs where it exists');
  test.skip(binary !== null && !hasDisplay, 'No display for the Electron window: run this suite under xvfb-run (or with DISPLAY set)');

  let app: ElectronApplication;
  let page: Page;
  let home: string;
  let projectsDir: string;

  test.beforeAll(() => {
    execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'ensure-build.mjs')], { cwd: repoRoot, stdio: 'inherit' });
    // better-sqlite3 for Electron's ABI (downloads Electron's headers once; a no-op when current).
    execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'electron-native.mjs')], { cwd: repoRoot, stdio: 'inherit' });
  });

  test.beforeEach(async () => {
    home = mkdtempSync(path.join(os.tmpdir(), 'orrery-electron-e2e-'));
    projectsDir = path.join(home, 'projects');
    mkdirSync(projectsDir);
    // Chromium refuses to run as root without its own sandbox off (CI containers); the renderer stays sandbox: true.
    const asRoot = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
    app = await electron.launch({
      executablePath: binary!,
      args: [...asRoot, path.join(repoRoot, 'out', 'main', 'electron-main.cjs')],
      cwd: repoRoot,
      env: { ...process.env, ORRERY_HOME: home, ORRERY_PROJECTS_DIR: projectsDir, ORRERY_LOG_LEVEL: 'warn' } as Record<string, string>,
    });
    page = await app.firstWindow();
  });

  test.afterEach(async () => {
    await app.close();
    // Quitting disposes the core: the utility pty host and its shells must be gone too.
    await expectNothingLeftRunning(home, 'the app quit');
  });

  test('opens the sample project; window.orrery has one function per call; the page has no Node', async ({}, testInfo) => {
    await expect(page.getByTestId('status-project')).toContainText(projectsDir);
    await screenshot(page, testInfo, 'electron-sample-open');

    const keys = await page.evaluate(() => Object.keys((window as unknown as WithBridge).orrery).sort());
    expect(keys).toEqual([...callNames, 'subscribe'].sort());
    const globals = await page.evaluate(() => ({
      require: typeof (globalThis as Record<string, unknown>).require,
      process: typeof (globalThis as Record<string, unknown>).process,
    }));
    expect(globals).toEqual({ require: 'undefined', process: 'undefined' });
    const info = await page.evaluate(() => (window as unknown as WithBridge).orrery['app.info']({}));
    expect(info).toMatchObject({ ok: true, value: { host: 'electron', canPickFolder: true, userHome: home } });

  });

  test('window.open is denied and eval is blocked by the CSP', async () => {
    await expect(page.getByTestId('status-project')).toContainText(projectsDir);
    expect(await page.evaluate(() => window.open('https://example.com/') === null)).toBe(true);
    expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);
    const evalAllowed = await page.evaluate(() => {
      try {
        return new Function('return 1')() === 1;
      } catch {
        return false;
      }
    });
    expect(evalAllowed).toBe(false);
  });

  test('a terminal made through window.orrery runs in the utility process and streams its output', async () => {
    const output = await page.evaluate(async () => {
      const orrery = (window as unknown as WithBridge).orrery;
      const created = await orrery['terminal.create']({ cols: 80, rows: 24 });
      if (!created.ok) throw new Error(created.error.message);
      const { id } = created.value as { id: string };
      let text = '';
      return await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no orrery-42 in: ${text}`)), 15_000);
        const stop = orrery.subscribe('terminal.data', id, (payload) => {
          text += payload.data;
          if (!text.includes('orrery-42')) return;
          clearTimeout(timer);
          stop();
          resolve(text);
        });
        void orrery['terminal.write']({ id, data: 'echo orrery-$((6*7))\n' });
      });
    });
    expect(output).toContain('orrery-42');
    const utilities = await app.evaluate(({ app: electronApp }) => electronApp.getAppMetrics().map((metric) => metric.serviceName ?? ''));
    expect(utilities).toContain('Orrery terminals');
  });
});
