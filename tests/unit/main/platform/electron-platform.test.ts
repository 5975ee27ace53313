import path from 'node:path';
import type { BaseWindow } from 'electron';
import { describe, expect, it } from 'vitest';
import { createElectronPlatform, resolveElectronUserHome, type FolderDialog, type KeychainStorage } from '../../../../main/platform/electron-platform';
import { FakeApp, fakeDialog } from './fake-electron';

describe('createElectronPlatform', () => {
  it('offers a native folder picker that can create a folder, modal to the window', async () => {
    const dialog = fakeDialog({ canceled: false, filePaths: ['/home/me/projects/new'] });
    const window = { id: 1 } as unknown as BaseWindow;
    const platform = createElectronPlatform({ dialog: dialog as unknown as FolderDialog, parentWindow: () => window });
    expect(platform.canPickFolder).toBe(true);
    expect(await platform.pickFolder('Open a project')).toBe('/home/me/projects/new');
    expect(dialog.calls).toEqual([[window, { title: 'Open a project', properties: ['openDirectory', 'createDirectory'] }]]);
  });

  it('without a window, opens a free-standing dialog with a default title', async () => {
    const dialog = fakeDialog({ canceled: false, filePaths: ['/x'] });
    const platform = createElectronPlatform({ dialog: dialog as unknown as FolderDialog, parentWindow: () => null });
    await platform.pickFolder(undefined);
    expect(dialog.calls).toEqual([[{ title: 'Choose a folder', properties: ['openDirectory', 'createDirectory'] }]]);
  });

  it('answers null when the user cancels or picks nothing', async () => {
    for (const result of [{ canceled: true, filePaths: ['/ignored'] }, { canceled: false, filePaths: [] }]) {
      const platform = createElectronPlatform({ dialog: fakeDialog(result) as unknown as FolderDialog, parentWindow: () => null });
      expect(await platform.pickFolder('x')).toBeNull();
    }
  });
});

/** Electron's safeStorage stand-in (no Electron binary can run here): reports a backend, reverses the bytes. */
function fakeKeychain(available: boolean, backend: ReturnType<KeychainStorage['getSelectedStorageBackend']>): KeychainStorage {
  return {
    isEncryptionAvailable: () => available,
    getSelectedStorageBackend: () => backend,
    encryptString: (plain) => Buffer.from(plain, 'utf8').reverse(),
    decryptString: (cipher) => Buffer.from(cipher).reverse().toString('utf8'),
  };
}

describe('createElectronPlatform safeStorage', () => {
  const dialog = fakeDialog({ canceled: true, filePaths: [] }) as unknown as FolderDialog;

  it('is absent when the shell hands none in', () => {
    expect(createElectronPlatform({ dialog, parentWindow: () => null }).safeStorage).toBeUndefined();
  });

  it('hands encryption to Electron’s safeStorage', () => {
    const platform = createElectronPlatform({ dialog, parentWindow: () => null, safeStorage: fakeKeychain(true, 'gnome_libsecret'), os: 'linux' });
    const storage = platform.safeStorage!;
    expect(storage.isEncryptionAvailable()).toBe(true);
    const cipher = storage.encryptString('sk-abc');
    expect(cipher.toString()).toBe('cba-ks');
    expect(storage.decryptString(cipher)).toBe('sk-abc');
  });

  it('reports no encryption on Linux when Electron fell back to its hard-coded basic_text password, or has none', () => {
    expect(createElectronPlatform({ dialog, parentWindow: () => null, safeStorage: fakeKeychain(true, 'basic_text'), os: 'linux' }).safeStorage!.isEncryptionAvailable()).toBe(false);
    expect(createElectronPlatform({ dialog, parentWindow: () => null, safeStorage: fakeKeychain(false, 'kwallet5'), os: 'linux' }).safeStorage!.isEncryptionAvailable()).toBe(false);
    // The backend is a Linux notion: elsewhere only availability counts.
    expect(createElectronPlatform({ dialog, parentWindow: () => null, safeStorage: fakeKeychain(true, 'unknown'), os: 'darwin' }).safeStorage!.isEncryptionAvailable()).toBe(true);
  });
});

describe('resolveElectronUserHome', () => {
  it('is ORRERY_HOME (absolute) when set, else Electron’s userData folder', () => {
    const app = new FakeApp('/home/me/.config/Orrery');
    expect(resolveElectronUserHome(app, { ORRERY_HOME: 'relative/home' })).toBe(path.resolve('relative/home'));
    expect(resolveElectronUserHome(app, {})).toBe('/home/me/.config/Orrery');
  });
});
