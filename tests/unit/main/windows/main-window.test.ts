import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../main/core/logger';
import { createMainWindow, type MainWindowLike, type MainWindowOptions } from '../../../../main/windows/main-window';
import { defaultWindowState } from '../../../../main/windows/window-state';
import { FakeBrowserWindow, FakeSession, fakeScreen, fakeShell } from '../platform/fake-electron';

let dir: string;
const indexPath = '/opt/orrery/out/renderer/index.html';
const preloadPath = '/opt/orrery/out/preload/index.cjs';
const display = { x: 0, y: 0, width: 1920, height: 1080 };

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'orrery-window-'));
  FakeBrowserWindow.instances.length = 0;
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function open(extra: { devUrl?: string; displays?: (typeof display)[] } = {}) {
  const session = new FakeSession();
  const shell = fakeShell();
  const options = {
    BrowserWindow: FakeBrowserWindow,
    shell,
    session,
    state: { file: path.join(dir, 'window-state.json'), screen: fakeScreen(extra.displays ?? [display]), debounceMs: 10 },
    preloadPath,
    indexPath,
    devUrl: extra.devUrl,
    logger: silentLogger,
  } as unknown as MainWindowOptions<MainWindowLike>;
  const opened = await createMainWindow(options);
  const window = opened.window as unknown as FakeBrowserWindow;
  return { opened, window, session, shell };
}

describe('createMainWindow', () => {
  it('gives the renderer sandboxed, isolated web preferences with no Node, no webview and no spellcheck', async () => {
    const { window } = await open();
    const prefs = window.options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({
      preload: preloadPath,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    });
    expect(window.options.show).toBe(false);
  });

  it('loads out/renderer/index.html, shows once ready, and guards the contents', async () => {
    const { window, opened, shell } = await open();
    expect(window.loaded).toEqual([{ file: indexPath }]);
    expect(opened.appUrl).toBe(pathToFileURL(indexPath).href);
    expect(window.visible).toBe(false);
    window.emit('ready-to-show');
    expect(window.visible).toBe(true);
    expect(window.webContents.windowOpenHandler!({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    expect(window.webContents.navigate('https://example.com/x').defaultPrevented).toBe(true);
    expect(window.webContents.navigate(`${opened.appUrl}#/jobs`).defaultPrevented).toBe(false);
    expect(shell.opened).toEqual(['https://example.com/', 'https://example.com/x']);
  });

  it('loads the dev server when ORRERY_DEV_URL is given, and trusts that origin only', async () => {
    const { window, opened } = await open({ devUrl: 'http://127.0.0.1:5173/' });
    expect(window.loaded).toEqual([{ url: 'http://127.0.0.1:5173/' }]);
    expect(window.webContents.navigate('http://127.0.0.1:5173/#/x').defaultPrevented).toBe(false);
    expect(window.webContents.navigate(pathToFileURL(indexPath).href).defaultPrevented).toBe(true);
    expect(opened.appUrl).toBe('http://127.0.0.1:5173/');
  });

  it('denies every permission request and check except clipboard-sanitized-write', async () => {
    const { session } = await open();
    expect(session.request('clipboard-sanitized-write')).toBe(true);
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'pointerLock']) {
      expect(session.request(permission), permission).toBe(false);
      expect(session.permissionCheckHandler!(null, permission), permission).toBe(false);
    }
    expect(session.permissionCheckHandler!(null, 'clipboard-sanitized-write')).toBe(true);
  });

  it('puts its CSP on responses, replacing one a server sent in any letter case', async () => {
    const { session } = await open();
    let headers: Record<string, string | string[]> | undefined;
    session.headersListener!(
      { url: 'http://127.0.0.1:5173/', responseHeaders: { 'content-security-policy': ["script-src 'unsafe-eval'"], 'Content-Type': ['text/html'] } },
      (response) => (headers = response.responseHeaders),
    );
    expect(headers?.['content-security-policy']).toBeUndefined();
    expect(headers?.['Content-Type']).toEqual(['text/html']);
    const policy = (headers?.['Content-Security-Policy'] as string[])[0]!;
    expect(policy).toContain("script-src 'self'");
    expect(policy).not.toContain('unsafe-eval');
  });
});

describe('window state', () => {
  it('opens centred at the default size the first time', async () => {
    const { window } = await open();
    expect(window.options).toMatchObject({ center: true, width: defaultWindowState.width, height: defaultWindowState.height });
    expect(window.options.x).toBeUndefined();
    expect(window.calls).not.toContain('maximize');
  });

  it('saves bounds and maximized after changes, and the next window opens there', async () => {
    const first = await open();
    first.window.setBounds({ x: 200, y: 150, width: 1000, height: 700 });
    first.window.maximize();
    await first.opened.state.flush();
    const saved = JSON.parse(await readFile(path.join(dir, 'window-state.json'), 'utf8'));
    expect(saved).toEqual({ x: 200, y: 150, width: 1000, height: 700, maximized: true });
    first.window.close();

    const second = await open();
    expect(second.window.options).toMatchObject({ x: 200, y: 150, width: 1000, height: 700 });
    expect(second.window.options.center).toBeUndefined();
    expect(second.window.calls).toContain('maximize');
  });

  it('saves on close, when the window can still be read', async () => {
    const { window } = await open();
    window.setBounds({ x: 300, y: 200, width: 900, height: 640 });
    window.close();
    const file = path.join(dir, 'window-state.json');
    // The close handler starts the write; a later open reads it (bounded wait for the rename).
    let text = '';
    for (let attempt = 0; attempt < 100 && !text; attempt += 1) {
      text = await readFile(file, 'utf8').catch(() => '');
      if (!text) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(JSON.parse(text)).toEqual({ x: 300, y: 200, width: 900, height: 640, maximized: false });
  });

  it('falls back to the defaults when the saved place is on no current display (monitor unplugged)', async () => {
    await writeFile(path.join(dir, 'window-state.json'), JSON.stringify({ x: 2500, y: 100, width: 1000, height: 700, maximized: false }));
    const onOneScreen = await open({ displays: [display] });
    expect(onOneScreen.window.options).toMatchObject({ center: true, width: defaultWindowState.width });
    const onTwoScreens = await open({ displays: [display, { x: 1920, y: 0, width: 1920, height: 1080 }] });
    expect(onTwoScreens.window.options).toMatchObject({ x: 2500, y: 100, width: 1000, height: 700 });
  });

  it('falls back to the defaults when the file is corrupt or out of range', async () => {
    const file = path.join(dir, 'window-state.json');
    await writeFile(file, '{"x": 10, "y": 1');
    expect((await open()).window.options).toMatchObject({ center: true });
    await writeFile(file, JSON.stringify({ x: 10, y: 10, width: 5, height: 5, maximized: false }));
    expect((await open()).window.options).toMatchObject({ center: true, width: defaultWindowState.width });
  });
});
