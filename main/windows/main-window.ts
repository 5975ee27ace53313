import type { BrowserWindow, BrowserWindowConstructorOptions, Screen, Session, Shell, WebPreferences } from 'electron';
import type { Logger } from '../core/logger';
import { guardWebContents, type GuardedContents } from './guards';
import { appPageUrl, contentSecurityPolicy, isPermissionAllowed } from './security';
import { loadWindowState, trackWindowState, type TrackedWindow, type WindowStateTracker } from './window-state';

/** The part of BrowserWindow the main window uses (the real class, or a fake in tests). */
export type MainWindowLike = TrackedWindow &
  Pick<BrowserWindow, 'once' | 'show' | 'maximize' | 'loadFile' | 'loadURL'> & { readonly webContents: GuardedContents };

/** The part of a Session the window secures: permissions and response headers. */
export type SecuredSession = Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler'> & {
  readonly webRequest: Pick<Session['webRequest'], 'onHeadersReceived'>;
};

/** Everything the main window needs, handed in so tests can pass fakes for the Electron pieces. */
export interface MainWindowOptions<W extends MainWindowLike> {
  readonly BrowserWindow: new (options: BrowserWindowConstructorOptions) => W;
  readonly shell: Pick<Shell, 'openExternal'>;
  /** The session the window uses (Electron's `session.defaultSession`). */
  readonly session: SecuredSession;
  /** Where the window state is kept, and the screen to check it against. */
  readonly state: { readonly file: string; readonly screen: Pick<Screen, 'getAllDisplays'>; readonly debounceMs?: number };
  /** out/preload/index.cjs */
  readonly preloadPath: string;
  /** out/renderer/index.html */
  readonly indexPath: string;
  /** ORRERY_DEV_URL: load the renderer from a dev server instead of the file. */
  readonly devUrl?: string;
  readonly iconPath?: string;
  readonly logger: Logger;
}

/** The opened window and the tracker that saves its state. */
export interface MainWindow<W extends MainWindowLike> {
  readonly window: W;
  readonly appUrl: string;
  readonly state: WindowStateTracker;
}

/** The renderer's web preferences: sandboxed, isolated, no Node, no <webview>, no spellcheck service. */
export function secureWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    sandbox: true,
    contextIsolation: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    safeDialogs: true,
  };
}

/**
 * Denies every permission but clipboard-sanitized-write and adds the CSP header to responses.
 * Electron does not run webRequest for file:// pages, so renderer/index.html carries the same policy in a
 * <meta> tag; the header covers the dev server (ORRERY_DEV_URL).
 */
export function secureSession(session: SecuredSession, devUrl: string | undefined): void {
  const policy = contentSecurityPolicy(devUrl);
  session.setPermissionRequestHandler((_contents, permission, callback) => callback(isPermissionAllowed(permission)));
  session.setPermissionCheckHandler((_contents, permission) => isPermissionAllowed(permission));
  session.webRequest.onHeadersReceived((details, callback) => {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(details.responseHeaders ?? {})) {
      if (name.toLowerCase() !== 'content-security-policy') headers[name] = value;
    }
    headers['Content-Security-Policy'] = [policy];
    callback({ responseHeaders: headers });
  });
}

/** Opens the main window: secure preferences, guards, CSP, permissions denied, state restored and remembered. */
export async function createMainWindow<W extends MainWindowLike>(options: MainWindowOptions<W>): Promise<MainWindow<W>> {
  const { logger, devUrl } = options;
  const appUrl = appPageUrl(options.indexPath, devUrl);
  secureSession(options.session, devUrl);
  const initial = await loadWindowState(options.state.file, options.state.screen.getAllDisplays(), logger);
  const window = new options.BrowserWindow({
    ...(initial.x !== undefined && initial.y !== undefined ? { x: initial.x, y: initial.y } : { center: true }),
    width: initial.width,
    height: initial.height,
    minWidth: 640,
    minHeight: 400,
    show: false,
    title: 'Orrery',
    backgroundColor: '#1b1d23',
    ...(options.iconPath ? { icon: options.iconPath } : {}),
    webPreferences: secureWebPreferences(options.preloadPath),
  });
  guardWebContents(window.webContents, { appUrl, shell: options.shell, logger });
  const state = trackWindowState(window, { file: options.state.file, logger, debounceMs: options.state.debounceMs });
  if (initial.maximized) window.maximize();
  window.once('ready-to-show', () => window.show());
  const loading = devUrl ? window.loadURL(devUrl) : window.loadFile(options.indexPath);
  loading.catch((error: unknown) => logger.error('the window could not load the app page', { error: error instanceof Error ? error.message : String(error) }));
  return { window, appUrl, state };
}
