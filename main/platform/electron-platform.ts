import path from 'node:path';
import type { App, BaseWindow, Dialog, OpenDialogOptions } from 'electron';
import type { PlatformAdapter } from '../core/platform';

/** The part of Electron's dialog the platform uses (a fake in tests). */
export type FolderDialog = Pick<Dialog, 'showOpenDialog'>;

/**
 * The Electron platform: a native open-folder dialog (able to create a folder), attached to the
 * main window when there is one so it is modal to it.
 */
export function createElectronPlatform(deps: { dialog: FolderDialog; parentWindow: () => BaseWindow | null }): PlatformAdapter {
  return {
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
 * The user-level data folder of the Electron face: ORRERY_HOME when set, else Electron's userData folder
 * (which electron-app.ts points at core's resolveUserHome first, so the CLI and web host use the same one).
 */
export function resolveElectronUserHome(app: Pick<App, 'getPath'>, env: NodeJS.ProcessEnv): string {
  if (env.ORRERY_HOME) return path.resolve(env.ORRERY_HOME);
  return app.getPath('userData');
}
