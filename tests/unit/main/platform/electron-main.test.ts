import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FakeApp } from './fake-electron';

// The entry imports `electron` directly: replace the module at that seam. This app does not get the
// single-instance lock, so the entry must quit before building anything.
vi.mock('electron', async () => {
  const fakes = await import('./fake-electron');
  const app = new fakes.FakeApp(path.join(os.tmpdir(), 'orrery-never-used'));
  app.hasLock = false;
  return {
    app,
    BrowserWindow: fakes.FakeBrowserWindow,
    ipcMain: new fakes.FakeIpcMain(),
    dialog: fakes.fakeDialog({ canceled: true, filePaths: [] }),
    shell: fakes.fakeShell(),
    session: { defaultSession: new fakes.FakeSession() },
    screen: fakes.fakeScreen([]),
    utilityProcess: new fakes.FakeUtilityProcessModule(),
    // Like Linux without a keyring: provider keys go to the key file.
    safeStorage: { isEncryptionAvailable: () => false, encryptString: () => Buffer.alloc(0), decryptString: () => '' },
  };
});

describe('main/electron-main.ts', () => {
  const before = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };
  let home = '';

  afterEach(async () => {
    // The entry quits on SIGINT/SIGTERM; take those listeners off this test process again.
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      for (const listener of process.listeners(signal)) if (!before[signal].includes(listener)) process.removeListener(signal, listener);
    }
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('runs the app with the electron module: a second instance asks for the lock, quits, and opens nothing', async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'orrery-entry-'));
    vi.stubEnv('ORRERY_HOME', home);
    await import('../../../../main/electron-main');
    const electron = (await import('electron')) as unknown as { app: FakeApp; ipcMain: { handlers: Map<string, unknown> } };
    const { FakeBrowserWindow } = await import('./fake-electron');
    await vi.waitFor(() => expect(electron.app.quitted).toBe(true));
    expect(electron.app.calls).toEqual(['requestSingleInstanceLock']);
    expect(electron.app.name).toBe('Orrery');
    expect(electron.app.getPath('userData')).toBe(home);
    expect(electron.ipcMain.handlers.size).toBe(0);
    expect(FakeBrowserWindow.instances).toHaveLength(0);
    expect(process.listeners('SIGTERM').length).toBe(before.SIGTERM.length + 1);
    vi.unstubAllEnvs();
  });
});
