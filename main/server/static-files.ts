import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { isInside } from '../core/paths';

/** The page's Content-Security-Policy: no eval, no inline script, WebSocket back to this host only. */
export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self' ws: wss:",
  // Monaco's editor worker (assets/editor.worker.js) and notebook HTML outputs (sandboxed srcdoc iframes).
  "worker-src 'self'",
  "frame-src 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** Headers every answer of the web host carries, errors included. */
export const securityHeaders: Readonly<Record<string, string>> = {
  'Content-Security-Policy': contentSecurityPolicy,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

/** Content type by file extension; unknown files are plain bytes. */
export function contentTypeFor(file: string): string {
  return contentTypes[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** What a request path names: a file below the static folder, the SPA page, or nothing that may be served. */
export type StaticTarget =
  /** `clientRoute`: no extension, so a GET that finds no file gets the page (a client-side route). */
  | { readonly kind: 'file'; readonly segments: readonly string[]; readonly clientRoute: boolean }
  | { readonly kind: 'page' }
  | { readonly kind: 'refused' };

const forbiddenRaw = /[\\\u0000]|%(?:00|2f|5c|25)/i;
const safeSegment = /^[A-Za-z0-9._@+~ -]+$/;

/**
 * Maps the raw request path (before `?`) to a target without touching the disk. Refused: anything
 * encoded that could change meaning after decoding (slashes, backslashes, NUL, a second `%` layer),
 * `.`/`..`/empty segments, and characters outside a conservative file-name set.
 */
export function resolveStaticTarget(rawPath: string): StaticTarget {
  if (!rawPath.startsWith('/') || forbiddenRaw.test(rawPath)) return { kind: 'refused' };
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return { kind: 'refused' };
  }
  if (decoded === '/' || decoded === '/index.html') return { kind: 'page' };
  const segments = decoded.slice(1).split('/');
  for (const segment of segments) {
    if (segment === '' || segment === '.' || segment === '..' || !safeSegment.test(segment)) return { kind: 'refused' };
  }
  const last = segments[segments.length - 1] ?? '';
  return { kind: 'file', segments, clientRoute: !last.includes('.') };
}

/** Sends a short plain-text answer with the security headers (no file content, no paths). */
export function sendText(response: ServerResponse, status: number, body: string, extra: Record<string, string> = {}): void {
  response.writeHead(status, {
    ...securityHeaders,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    'Cache-Control': 'no-store',
    ...extra,
  });
  response.end(body);
}

/** Resolves a file inside the static folder after symlinks; null when it is missing, not a file, or escapes. */
async function findFile(staticRoot: string, segments: readonly string[]): Promise<{ file: string; size: number; mtimeMs: number } | null> {
  try {
    const root = await realpath(staticRoot);
    const file = await realpath(path.join(root, ...segments));
    if (!isInside(root, file) || file === root) return null;
    const info = await stat(file);
    return info.isFile() ? { file, size: info.size, mtimeMs: info.mtimeMs } : null;
  } catch {
    return null;
  }
}

/** Options for one static answer. */
export interface StaticOptions {
  readonly staticDir: string;
  /** Extra headers for the page (the token cookie). */
  readonly pageHeaders?: Record<string, string>;
}

/** Answers a GET/HEAD for the renderer bundle: the file, the page for client routes, or 404. */
export async function serveStatic(request: IncomingMessage, response: ServerResponse, rawPath: string, options: StaticOptions): Promise<void> {
  const target = resolveStaticTarget(rawPath);
  if (target.kind === 'refused') return sendText(response, 404, 'Not found\n');
  if (target.kind === 'file') {
    const found = await findFile(options.staticDir, target.segments);
    if (found) return sendFile(request, response, found, {});
    if (!target.clientRoute || request.method !== 'GET') return sendText(response, 404, 'Not found\n');
  }
  const page = await findFile(options.staticDir, ['index.html']);
  if (!page) return sendText(response, 404, 'The renderer is not built yet: run npm run build.\n');
  return sendFile(request, response, page, options.pageHeaders ?? {});
}

function sendFile(
  request: IncomingMessage,
  response: ServerResponse,
  found: { file: string; size: number; mtimeMs: number },
  extra: Record<string, string>,
): void {
  const isPage = path.basename(found.file) === 'index.html';
  const etag = `"${found.size.toString(16)}-${Math.floor(found.mtimeMs).toString(16)}"`;
  const headers: Record<string, string> = {
    ...securityHeaders,
    'Content-Type': contentTypeFor(found.file),
    'Cache-Control': isPage ? 'no-store' : 'no-cache',
    ...extra,
  };
  if (!isPage) headers.ETag = etag;
  if (!isPage && request.headers['if-none-match'] === etag) {
    response.writeHead(304, headers);
    response.end();
    return;
  }
  headers['Content-Length'] = String(found.size);
  response.writeHead(200, headers);
  if (request.method === 'HEAD') {
    response.end();
    return;
  }
  const stream = createReadStream(found.file);
  stream.on('error', () => response.destroy());
  stream.pipe(response);
}
