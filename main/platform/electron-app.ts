import { existsSync } from 'node:fs';
import path from 'node:path';
import type * as Electron from 'electron';
import { createCore, type Core, type CoreOptions } from '../core/core';
import { createLogger, fileSink, stderrSink, type Logger, type LogLevel } from '../core/logger';
import { resolveUserHome } from '../core/paths';
import { bindContractToIpc, type IpcMainLike } from '../ipc/bind-ipc';
import { guardWebContents } from '../windows/guards';
import { createMainWindow, type SecuredSession } from '../windows/main-window';
import { appPageUrl, createSenderCheck } from '../windows/security';
import { windowStateFileName } from '../windows/window-state';
import { createElectronPlatform, resolveElectronUserHome, type FolderDialog, type KeychainStorage } from './electron-platform';
import { createUtilityPtyHost, type UtilityForker } from './utility-pty-host';

/** The window the app keeps (tests hand in a fake cast to it). */
export type AppWindow = Electron.BrowserWindow;

/** The Electron modules the app uses, handed in so tests can replace them. */
export interface ElectronModules {
  readonly app: Pick<
    Electron.App,
    'setName' | 'setPath' | 'getPath' | 'getVersion' | 'requestSingleInstanceLock' | 'whenReady' | 'on' | 'quit' | 'isPackaged'
  >;
  readonly BrowserWindow: new (options: Electron.BrowserWindowConstructorOptions) => AppWindow;
  readonly ipcMain: IpcMainLike;
  readonly dialog: FolderDialog;
  readonly shell: Pick<Electron.Shell, 'openExternal'>;
  readonly session: { readonly defaultSession: SecuredSession };
  readonly screen: Pick<Electron.Screen, 'getAllDisplays'>;
  readonly utilityProcess: UtilityForker;
  /** The OS keychain for provider keys (absent: keys go to the user-only key file). */
  readonly safeStorage?: KeychainStorage;
}

/** What the Electron face needs besides Electron. */
export interface ElectronAppOptions {
  readonly electron: ElectronModules;
  readonly env: NodeJS.ProcessEnv;
  /** Folder of the main bundle (out/main): preload, renderer, pty worker and native binding are found from it. */
  readonly mainDir: string;
  /** The core factory (tests hand in a smaller one). */
  readonly createCore?: (options: CoreOptions) => Core;
  readonly logger?: Logger;
}

/** The running app: its core, its window (while open) and the shutdown that quitting runs. */
export interface ElectronAppHandle {
  readonly core: Core;
  window(): AppWindow | null;
  /** Saves the window state, unbinds IPC and disposes the core (ptys killed); runs once. */
  shutdown(): Promise<void>;
}

/** Inside a packaged app, native files live beside the asar archive, not inside it. */
function unpacked(file: string): string {
  return file.replace(`app.asar${path.sep}`, `app.asar.unpacked${path.sep}`);
}

/**
 * Points better-sqlite3 at the Electron-ABI build from scripts/electron-native.mjs when it exists
 * (out/native/electron/better_sqlite3.node); otherwise the package's own binary is used (rebuilt for
 * Electron by electron-builder in a packaged app).
 */
export function configureSqliteBinding(env: NodeJS.ProcessEnv, mainDir: string, exists: (file: string) => boolean = existsSync): string | null {
  if (env.ORRERY_SQLITE_BINDING) return env.ORRERY_SQLITE_BINDING;
  const binding = unpacked(path.join(mainDir, '..', 'native', 'electron', 'better_sqlite3.node'));
  if (!exists(binding)) return null;
  env.ORRERY_SQLITE_BINDING = binding;
  return binding;
}

/** ORRERY_DEV_URL, accepted only in an unpackaged app and only for a loopback http(s) server. */
export function acceptedDevUrl(value: string | undefined, packaged: boolean): string | undefined {
  if (!value || packaged) return undefined;
  try {
    const url = new URL(value);
    const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
    return (url.protocol === 'http:' || url.protocol === 'https:') && loopback ? url.href : undefined;
  } catch {
    return undefined;
  }
}

function defaultLogger(userHome: string, env: NodeJS.ProcessEnv): Logger {
  const levels: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
  const level = levels.find((candidate) => candidate === env.ORRERY_LOG_LEVEL) ?? 'info';
  return createLogger([fileSink(path.join(userHome, 'logs', 'orrery.log')), stderrSink('error')], level);
}

/** Before ready: the app's name, Electron's data folder (ORRERY_HOME when set) and the single-instance lock. */
function claimInstance(app: ElectronModules['app'], env: NodeJS.ProcessEnv): string | null {
  app.setName('Orrery');
  // The same folder the CLI and web host use (ORRERY_HOME, else the OS user-data folder of "Orrery"), so all
  // faces share recent projects and settings; Chromium's profile and the single-instance lock follow it.
  app.setPath('userData', resolveUserHome(env));
  const userHome = resolveElectronUserHome(app, env);
  if (app.requestSingleInstanceLock()) return userHome;
  app.quit();
  return null;
}

/** Where the bundles put what the window and the pty host load (all beside out/main). */
interface BundleLayout {
  readonly indexPath: string;
  readonly preloadPath: string;
  readonly workerPath: string;
  readonly iconPath: string;
  readonly devUrl: string | undefined;
  readonly appUrl: string;
}

function bundleLayout(mainDir: string, env: NodeJS.ProcessEnv, packaged: boolean): BundleLayout {
  const indexPath = path.join(mainDir, '..', 'renderer', 'index.html');
  const devUrl = acceptedDevUrl(env.ORRERY_DEV_URL, packaged);
  return {
    indexPath,
    preloadPath: path.join(mainDir, '..', 'preload', 'index.cjs'),
    workerPath: path.join(mainDir, 'pty-host.cjs'),
    iconPath: path.join(mainDir, '..', '..', 'resources', 'icons', 'icon.png'),
    devUrl,
    appUrl: appPageUrl(indexPath, devUrl),
  };
}

/** The main window over the app's life: opened (again on macOS 'activate'), focused, its state flushed. */
interface WindowKeeper {
  open(): Promise<void>;
  current(): AppWindow | null;
  focus(): void;
  flush(): Promise<void>;
}

function keepMainWindow(electron: ElectronModules, layout: BundleLayout, userHome: string, logger: Logger): WindowKeeper {
  let window: AppWindow | null = null;
  const flushes = new Set<() => Promise<void>>();
  return {
    async open() {
      const opened = await createMainWindow({
        BrowserWindow: electron.BrowserWindow,
        shell: electron.shell,
        session: electron.session.defaultSession,
        state: { file: path.join(userHome, windowStateFileName), screen: electron.screen },
        preloadPath: layout.preloadPath,
        indexPath: layout.indexPath,
        devUrl: layout.devUrl,
        iconPath: layout.iconPath,
        logger: logger.child('window'),
      });
      const current = opened.window;
      window = current;
      flushes.add(opened.state.flush);
      current.on('closed', () => {
        opened.state.dispose();
        if (window === current) window = null;
      });
    },
    current: () => window,
    focus() {
      if (!window || window.isDestroyed()) return;
      if (window.isMinimized()) window.restore();
      window.show();
      window.focus();
    },
    flush: async () => {
      await Promise.all([...flushes].map((flush) => flush()));
    },
  };
}

/** Quit on the last window closed (not on macOS); reopen on 'activate'; run the shutdown before exiting. */
function wireLifecycle(app: ElectronModules['app'], windows: WindowKeeper, shutdown: () => Promise<void>, logger: Logger): void {
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (!windows.current()) void windows.open();
  });
  let finished = false;
  app.on('before-quit', (event) => {
    if (finished) return;
    event.preventDefault();
    void shutdown()
      .catch((error: unknown) => logger.error('shutdown failed', { error: error instanceof Error ? error.message : String(error) }))
      .then(() => {
        finished = true;
        app.quit();
      });
  });
}

/**
 * Runs the Electron face: single-instance lock (a second start focuses this window and exits), then on
 * ready: core → IPC binding → core.start() → main window. Quitting saves the window state, unbinds IPC and
 * disposes the core before the app exits. Answers null when another instance already runs.
 */
export async function runElectronApp(options: ElectronAppOptions): Promise<ElectronAppHandle | null> {
  const { electron, env, mainDir } = options;
  const { app } = electron;
  const userHome = claimInstance(app, env);
  if (!userHome) return null;
  const logger = options.logger ?? defaultLogger(userHome, env);
  if (!configureSqliteBinding(env, mainDir) && !app.isPackaged) {
    logger.warn('no Electron build of better-sqlite3 in out/native/electron; run `node scripts/electron-native.mjs` if projects fail to open');
  }
  const layout = bundleLayout(mainDir, env, app.isPackaged);
  const windows = keepMainWindow(electron, layout, userHome, logger);
  // Defence in depth: every WebContents (not only the main window's) is guarded; only the window's own
  // guard opens links externally, so a click never opens two browser tabs.
  app.on('web-contents-created', (_event, contents) =>
    guardWebContents(contents, { appUrl: layout.appUrl, shell: electron.shell, logger, openLinks: false }),
  );
  app.on('second-instance', () => windows.focus());

  await app.whenReady();
  const core = (options.createCore ?? createCore)({
    host: 'electron',
    env,
    userHome,
    logger,
    version: app.getVersion(),
    platform: createElectronPlatform({
      dialog: electron.dialog,
      parentWindow: () => windows.current(),
      ...(electron.safeStorage ? { safeStorage: electron.safeStorage } : {}),
    }),
    ptyHost: createUtilityPtyHost({ utilityProcess: electron.utilityProcess, workerPath: layout.workerPath }),
  });
  const unbindIpc = bindContractToIpc({
    ipcMain: electron.ipcMain,
    dispatch: core.dispatch,
    bus: core.bus,
    isTrustedSender: createSenderCheck(layout.appUrl),
    logger: logger.child('ipc'),
  });
  await core.start().catch((error: unknown) => {
    // The window still opens: the user can pick or create a project from there.
    logger.error('could not open the start-up project', { error: error instanceof Error ? error.message : String(error) });
  });
  let shutdown: Promise<void> | null = null;
  const runShutdown = () =>
    (shutdown ??= (async () => {
      await windows.flush();
      unbindIpc();
      await core.dispose();
    })());
  wireLifecycle(app, windows, runShutdown, logger);
  await windows.open();
  return { core, window: () => windows.current(), shutdown: runShutdown };
}
