import { pathToFileURL } from 'node:url';

/** Longest URL handed to the OS browser; anything longer is refused rather than truncated. */
const maxExternalUrlLength = 8192;

/** Where the renderer page lives: the dev server's URL when given, else the file:// URL of out/renderer/index.html. */
export function appPageUrl(indexPath: string, devUrl?: string): string {
  if (devUrl) return new URL(devUrl).href;
  return pathToFileURL(indexPath).href;
}

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/**
 * True when `url` is the app's own page. A file:// page must be that exact file (a hash or query is fine,
 * another file on disk is not); a dev-server page may be any path of the same origin (http(s) only).
 */
export function isAppUrl(url: string, appUrl: string): boolean {
  const target = parse(url);
  const app = parse(appUrl);
  if (!target || !app) return false;
  if (app.protocol === 'file:') {
    return target.protocol === 'file:' && target.host === app.host && target.pathname === app.pathname;
  }
  if (app.protocol !== 'http:' && app.protocol !== 'https:') return false;
  return target.origin === app.origin;
}

/**
 * True when a URL may be handed to the OS (shell.openExternal): http(s) with a host, no embedded
 * credentials (a phishing trick), not absurdly long. Everything else (file:, javascript:, data:,
 * custom schemes that could start local programs) is refused.
 */
export function isSafeExternalUrl(url: unknown): boolean {
  if (typeof url !== 'string' || url.length === 0 || url.length > maxExternalUrlLength) return false;
  const parsed = parse(url);
  if (!parsed) return false;
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
  if (parsed.hostname === '') return false;
  return parsed.username === '' && parsed.password === '';
}

/** The frame an IPC message came from, as far as the sender check needs it (Electron's WebFrameMain). */
export interface SenderFrame {
  readonly url: string;
  readonly parent: unknown;
}

/** The part of an IPC event the sender check reads. */
export interface SenderEvent {
  readonly senderFrame: SenderFrame | null | undefined;
}

/** True when an IPC message comes from the app page's top frame (not an iframe, not another page). */
export function isTrustedFrame(frame: SenderFrame | null | undefined, appUrl: string): boolean {
  if (!frame) return false;
  try {
    if (frame.parent !== null) return false;
    return isAppUrl(frame.url, appUrl);
  } catch {
    // Electron throws when a frame that navigated away or was disposed is read: not trusted.
    return false;
  }
}

/** The sender check that every IPC handler runs first, bound to the app page's URL. */
export function createSenderCheck(appUrl: string): (event: SenderEvent) => boolean {
  return (event) => isTrustedFrame(event.senderFrame, appUrl);
}

/**
 * The page's Content-Security-Policy: scripts only from the app itself (no `unsafe-eval`, no inline
 * scripts), inline styles allowed (xterm.js and React style attributes need them), no plugins, no
 * framing, no form posts. `devUrl` adds the dev server's WebSocket for live reload.
 */
export function contentSecurityPolicy(devUrl?: string): string {
  const connect = ["'self'"];
  if (devUrl) {
    const dev = new URL(devUrl);
    connect.push(`${dev.protocol === 'https:' ? 'wss:' : 'ws:'}//${dev.host}`);
  }
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src ${connect.join(' ')}`,
    "worker-src 'self' blob:",
    // Notebook HTML outputs: sanitized, in srcdoc iframes sandboxed without allow-scripts.
    "frame-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The one permission the page gets: writing sanitized text to the clipboard (terminal copy). */
export const allowedPermissions: ReadonlySet<string> = new Set(['clipboard-sanitized-write']);

/** True when the page may have this permission; everything else (camera, geolocation, notifications…) is denied. */
export function isPermissionAllowed(permission: string): boolean {
  return allowedPermissions.has(permission);
}
