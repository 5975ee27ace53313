import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callChannel, callNames, eventChannels } from '../../../../app/contract';
import { silentLogger } from '../../../../main/core/logger';
import { acceptedDevUrl, configureSqliteBinding, runElectronApp, type ElectronAppHandle, type ElectronModules } from '../../../../main/platform/electron-app';
import {
  FakeApp,
  FakeBrowserWindow,
  FakeIpcMain,
  FakeSession,
  FakeUtilityProcessModule,
  FakeWebContents,
  fakeDialog,
  fakeFrame,
  fakeScreen,
  fakeShell,
  waitFor,
  ipcEvent,
} from './fake-electron';

const root = path.resolve(__dirname, '..', '..', '..', '..');
const mainDir = path.join(root, 'out', 'main');
const indexPath = path.join(root, 'out', 'renderer', 'index.html');

/** Every Electron module the app uses, faked; the core behind them is the real one. */
function fakeElectron(home: string) {
  const fakes = {
    app: new FakeApp(path.join(home, 'electron-default-user-data')),
    BrowserWindow: FakeBrowserWindow,
    ipcMain: new FakeIpcMain(),
    dialog: fakeDialog({ canceled: false, filePaths: [path.join(home, 'picked')] }),
    shell: fakeShell(),
    session: { defaultSession: new FakeSession() },
    screen: fakeScreen([{ x: 0, y: 0, width: 1920, height: 1080 }]),
    utilityProcess: new FakeUtilityProcessModule(),
  };
  return { fakes, modules: fakes as unknown as ElectronModules };
}

let home: string;
let fake: ReturnType<typeof fakeElectron>;
let handle: ElectronAppHandle | null;

beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'orrery-electron-app-'));
  FakeBrowserWindow.instances.length = 0;
  fake = fakeElectron(home);
  handle = null;
});

afterEach(async () => {
  await handle?.shutdown();
  for (const { child } of fake.fakes.utilityProcess.forks) expect(child.process.exitCode !== null || child.process.signalCode !== null).toBe(true);
  await rm(home, { recursive: true, force: true });
});

async function start(env: NodeJS.ProcessEnv = {}): Promise<ElectronAppHandle> {
  // HOME is the test's folder too: its shells read no start-up file of the machine's user.
  const running = runElectronApp({ electron: fake.modules, env: { ...process.env, HOME: home, ORRERY_HOME: home, ...env }, mainDir });
  fake.fakes.app.becomeReady();
  const started = await running;
  if (!started) throw new Error('the app did not start');
  handle = started;
  return started;
}

const trusted = () => ipcEvent(FakeBrowserWindow.instances[0]!.webContents, fakeFrame(pathToFileURL(indexPath).href));

async function call(name: string, input?: unknown): Promise<{ ok: boolean; value?: unknown; error?: { code: string } }> {
  return (await fake.fakes.ipcMain.invoke(callChannel(name as never), trusted(), input)) as never;
}

describe('runElectronApp', () => {
  it('names the app, follows ORRERY_HOME for Electron’s own data, and takes the single-instance lock', async () => {
    await start();
    expect(fake.fakes.app.name).toBe('Orrery');
    expect(fake.fakes.app.getPath('userData')).toBe(home);
    expect(fake.fakes.app.calls).toContain('requestSingleInstanceLock');
  });

  it('binds every call, opens one secure window on out/renderer/index.html, with the start-up project open', async () => {
    await start();
    expect([...fake.fakes.ipcMain.handlers.keys()].sort()).toEqual(callNames.map(callChannel).sort());
    expect(FakeBrowserWindow.instances).toHaveLength(1);
    const window = FakeBrowserWindow.instances[0]!;
    expect(window.loaded).toEqual([{ file: indexPath }]);
    expect(window.options.webPreferences).toMatchObject({ preload: path.join(root, 'out', 'preload', 'index.cjs'), sandbox: true, contextIsolation: true, nodeIntegration: false });
    const info = await call('app.info');
    expect(info).toMatchObject({ ok: true, value: { host: 'electron', version: '9.9.9-test', userHome: home, canPickFolder: true } });
    const current = await call('project.current');
    expect(current.ok).toBe(true);
    expect((current.value as { path: string } | null)?.path.startsWith(home)).toBe(true);
  });

  it('refuses calls from a page that is not the app', async () => {
    await start();
    const stranger = ipcEvent(FakeBrowserWindow.instances[0]!.webContents, fakeFrame('https://evil.example/'));
    expect(await fake.fakes.ipcMain.invoke(callChannel('app.info'), stranger, undefined)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('app.pickFolder opens the native folder dialog, modal to the main window, able to create a folder', async () => {
    await start();
    const answer = await call('app.pickFolder', { title: 'New project' });
    expect(answer).toEqual({ ok: true, value: { path: path.join(home, 'picked') } });
    expect(fake.fakes.dialog.calls).toHaveLength(1);
    const [parent, options] = fake.fakes.dialog.calls[0]!;
    expect(parent).toBe(FakeBrowserWindow.instances[0]);
    expect(options).toEqual({ title: 'New project', properties: ['openDirectory', 'createDirectory'] });
  });

  it('a terminal runs in the utility process and its output reaches the subscribed window', async () => {
    await start();
    const created = await call('terminal.create', { cols: 80, rows: 24 });
    expect(created.ok).toBe(true);
    const id = (created.value as { id: string }).id;
    expect(fake.fakes.utilityProcess.forks).toHaveLength(1);
    expect(fake.fakes.utilityProcess.forks[0]!.modulePath).toBe(path.join(mainDir, 'pty-host.cjs'));
    fake.fakes.ipcMain.emit(eventChannels.subscribe, trusted(), { event: 'terminal.data', id });
    expect(await call('terminal.write', { id, data: 'echo orrery-$((6*7))\n' })).toMatchObject({ ok: true });
    const contents = FakeBrowserWindow.instances[0]!.webContents;
    const text = () => contents.sent.map((message) => (message.args[0] as { payload: { data: string } }).payload.data).join('');
    await waitFor('orrery-42 in the window', () => text().includes('orrery-42'));
  });

  it('a second instance brings the window back (restored, shown, focused)', async () => {
    await start();
    const window = FakeBrowserWindow.instances[0]!;
    window.minimize();
    fake.fakes.app.emit('second-instance', {}, ['orrery'], home);
    expect(window.calls.slice(-3)).toEqual(['restore', 'show', 'focus']);
  });

  it('guards every WebContents created later (window.open denied, no link opened twice)', async () => {
    await start();
    const contents = new FakeWebContents();
    fake.fakes.app.emit('web-contents-created', {}, contents);
    expect(contents.windowOpenHandler!({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    expect(contents.navigate('https://example.com/').defaultPrevented).toBe(true);
    expect(fake.fakes.shell.opened).toEqual([]);
  });

  it('quitting saves the window state, unbinds IPC and disposes the core (terminals killed) before the app exits', async () => {
    await start();
    await call('terminal.create', {});
    await waitFor('pty host', () => fake.fakes.utilityProcess.forks.length === 1);
    fake.fakes.app.quit();
    expect(fake.fakes.app.quitted).toBe(false);
    await waitFor('quit after shutdown', () => fake.fakes.app.quitted);
    expect(fake.fakes.app.quitCount).toBe(2);
    expect(fake.fakes.ipcMain.handlers.size).toBe(0);
    const child = fake.fakes.utilityProcess.forks[0]!.child.process;
    expect(child.exitCode !== null || child.signalCode !== null).toBe(true);
    const state = JSON.parse(await readFile(path.join(home, 'window-state.json'), 'utf8'));
    expect(state).toMatchObject({ width: 1280, height: 800, maximized: false });
  });

  it('closing the last window quits the app (Linux, Windows)', async () => {
    if (process.platform === 'darwin') return;
    await start();
    FakeBrowserWindow.instances[0]!.close();
    // Electron emits this once the last window is gone.
    fake.fakes.app.emit('window-all-closed');
    await waitFor('quit', () => fake.fakes.app.quitted);
    expect(handle?.window()).toBeNull();
  });

  it('when another instance holds the lock, quits at once and builds nothing', async () => {
    fake.fakes.app.hasLock = false;
    const result = await runElectronApp({ electron: fake.modules, env: { ORRERY_HOME: home }, mainDir, logger: silentLogger });
    expect(result).toBeNull();
    expect(fake.fakes.app.quitted).toBe(true);
    expect(FakeBrowserWindow.instances).toHaveLength(0);
    expect(fake.fakes.ipcMain.handlers.size).toBe(0);
  });
});

describe('configureSqliteBinding', () => {
  it('points better-sqlite3 at out/native/electron/better_sqlite3.node when it exists', () => {
    const env: NodeJS.ProcessEnv = {};
    const expected = path.join('/app', 'out', 'native', 'electron', 'better_sqlite3.node');
    expect(configureSqliteBinding(env, path.join('/app', 'out', 'main'), (file) => file === expected)).toBe(expected);
    expect(env.ORRERY_SQLITE_BINDING).toBe(expected);
  });

  it('inside a packaged app looks beside the asar archive (app.asar.unpacked)', () => {
    const env: NodeJS.ProcessEnv = {};
    const mainInAsar = path.join('/opt', 'Orrery', 'resources', 'app.asar', 'out', 'main');
    const seen: string[] = [];
    configureSqliteBinding(env, mainInAsar, (file) => (seen.push(file), true));
    expect(seen).toEqual([path.join('/opt', 'Orrery', 'resources', 'app.asar.unpacked', 'out', 'native', 'electron', 'better_sqlite3.node')]);
  });

  it('leaves a binding given by the user alone, and sets nothing when there is no build', () => {
    const given: NodeJS.ProcessEnv = { ORRERY_SQLITE_BINDING: '/custom.node' };
    expect(configureSqliteBinding(given, '/app/out/main', () => true)).toBe('/custom.node');
    const none: NodeJS.ProcessEnv = {};
    expect(configureSqliteBinding(none, '/app/out/main', () => false)).toBeNull();
    expect(none.ORRERY_SQLITE_BINDING).toBeUndefined();
    expect(existsSync('/app/out/main')).toBe(false);
  });
});

describe('acceptedDevUrl', () => {
  it('accepts a loopback http(s) dev server in an unpackaged app only', () => {
    expect(acceptedDevUrl('http://127.0.0.1:5173', false)).toBe('http://127.0.0.1:5173/');
    expect(acceptedDevUrl('http://localhost:5173/', false)).toBe('http://localhost:5173/');
    expect(acceptedDevUrl('http://[::1]:5173/', false)).toBe('http://[::1]:5173/');
    expect(acceptedDevUrl('http://127.0.0.1:5173', true)).toBeUndefined();
    expect(acceptedDevUrl('https://evil.example/', false)).toBeUndefined();
    expect(acceptedDevUrl('file:///etc/passwd', false)).toBeUndefined();
    expect(acceptedDevUrl('nonsense', false)).toBeUndefined();
    expect(acceptedDevUrl(undefined, false)).toBeUndefined();
  });
});
