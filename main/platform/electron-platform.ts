import path from 'node:path';
import type { App, BaseWindow, Dialog, OpenDialogOptions, SafeStorage } from 'electron';
import type { PlatformAdapter } from '../core/platform';

/** The part of Electron's dialog the platform uses (a fake in tests). */
export type FolderDialog = Pick<Dialog, 'showOpenDialog'>;

/** The part of Electron's safeStorage the platform uses (a fake in tests). */
export type KeychainStorage = Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString' | 'getSelectedStorageBackend'>;

/**
 * The Electron platform: a native open-folder dialog (able to create a folder), attached to the
 * main window when there is one so it is modal to it; and safeStorage (the OS keychain) for provider keys.
 */
export function createElectronPlatform(deps: {
  dialog: FolderDialog;
  parentWindow: () => BaseWindow | null;
  safeStorage?: KeychainStorage;
  /** process.platform, handed in by tests. */
  os?: NodeJS.Platform;
}): PlatformAdapter {
  return {
    ...(deps.safeStorage ? { safeStorage: keychain(deps.safeStorage, deps.os ?? process.platform) } : {}),
    canPickFolder: true,
    async pickFolder(title) {
      const options: OpenDialogOptions = {
        title: title ?? 'Choose a folder',
        properties: ['openDirectory', 'createDirectory'],
      };
      const parent = deps.parentWindow();
      const result = parent ? await deps.dialog.showOpenDialog(parent, options) : await deps.dialog.showOpenDialog(options);
      if (result.canceled) return null;
      return result.filePaths[0] ?? null;
    },
  };
}

/**
 * safeStorage as the key store sees it. On Linux without a secret service (no GNOME keyring or KWallet), Electron
 * falls back to `basic_text`, a password hard-coded in Chromium: that protects nothing, so encryption is reported
 * unavailable there and keys go to Orrery's user-only key file instead.
 */
function keychain(storage: KeychainStorage, os: NodeJS.Platform): NonNullable<PlatformAdapter['safeStorage']> {
  return {
    isEncryptionAvailable: () => storage.isEncryptionAvailable() && (os !== 'linux' || storage.getSelectedStorageBackend() !== 'basic_text'),
    encryptString: (plain) => storage.encryptString(plain),
    decryptString: (cipher) => storage.decryptString(cipher),
  };
}

/**
 * The user-level data folder of the Electron face: ORRERY_HOME when set, else Electron's userData folder
 * (which electron-app.ts points at core's resolveUserHome first, so the CLI and web host use the same one).
 */
export function resolveElectronUserHome(app: Pick<App, 'getPath'>, env: NodeJS.ProcessEnv): string {
  if (env.ORRERY_HOME) return path.resolve(env.ORRERY_HOME);
  return app.getPath('userData');
}
