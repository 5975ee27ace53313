import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { OrreryError, webSocketPath } from '../../app/contract';
import { newId } from '../../app/lib/ids';
import type { Core } from '../core/core';
import type { Logger } from '../core/logger';
import { authenticate, generateToken, isUsableToken, tokenCookie } from './auth';
import { isWildcardHost, originAllowed } from './origin';
import { securityHeaders, sendText, serveStatic } from './static-files';
import { formatServeUrl } from './urls';
import { attachSession, type Session } from './ws-session';
import type { OutboxLimits } from './ws-outbox';

/**
 * Largest frame a client may send (notebook.save carries the whole document: a 20 MB notebook with its outputs
 * fits); bigger ones close that socket with 1009.
 */
export const maxFrameBytes = 64 * 1024 * 1024;

/** Options of the web host; everything but the core has a default. */
export interface WebHostOptions {
  /** The core whose contract is served (only its dispatcher, bus and logger are used). */
  /** With `services`, the open project's artifacts are served at `/artifacts/<sha256>` (downloads from the UI). */
  readonly core: Pick<Core, 'dispatch' | 'bus' | 'logger'> & Partial<Pick<Core, 'services'>>;
  /** Listen address; loopback unless a LAN demo asks for 0.0.0.0. */
  readonly host?: string;
  /** 0 picks any free port. */
  readonly port?: number;
  /** Random 32 bytes (base64url) unless given. */
  readonly token?: string;
  /** The renderer bundle (out/renderer). */
  readonly staticDir?: string;
  readonly logger?: Logger;
  readonly outboxLimits?: OutboxLimits;
  /** Seconds between pings that find dead connections. */
  readonly heartbeatSeconds?: number;
}

/** A running web host. */
export interface WebHost {
  /** The page's URL with its token (loopback form when listening on every interface). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly token: string;
  /** Live WebSocket sessions (tests check none are left). */
  readonly sessionCount: number;
  /** Stops listening, ends every connection and removes every subscription. */
  close(): Promise<void>;
}

/** Default port of `orrery serve`. */
export const defaultPort = 4870;

/** Where the renderer bundle is: beside the bundled main (out/main → out/renderer), or out/ of the checkout. */
export function defaultStaticDir(): string {
  const candidates = [path.resolve(__dirname, '..', 'renderer'), path.resolve(__dirname, '..', '..', 'out', 'renderer')];
  return candidates.find((dir) => existsSync(path.join(dir, 'index.html'))) ?? candidates[0]!;
}

const unauthorizedText = 'Orrery needs its token: open the URL that `orrery serve` printed (it ends in ?token=...).\n';

/** Starts the web host: the renderer bundle and the contract over WebSocket, behind a token. */
export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? generateToken();
  if (!isUsableToken(token)) throw new OrreryError('invalid_input', 'token: use 8 to 512 characters from A-Z a-z 0-9 . _ ~ -');
  const staticDir = options.staticDir ?? defaultStaticDir();
  const logger = options.logger ?? options.core.logger.child('web');
  const listen = { host, port: 0 };
  const endpoint = createWebSocketEndpoint({ core: options.core, logger, listen, token, outboxLimits: options.outboxLimits });
  const server = createServer((request, response) => {
    handleRequest(request, response, { token, staticDir, core: options.core }).catch((error: unknown) => {
      logger.error('request failed', { error: error instanceof Error ? error.message : String(error) });
      if (!response.headersSent) sendText(response, 500, 'Internal error; see the log.\n');
      else response.destroy();
    });
  });
  server.on('upgrade', endpoint.onUpgrade);
  server.on('clientError', (_error, socket: Socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  listen.port = await listenOn(server, host, options.port ?? defaultPort);
  const heartbeat = setInterval(endpoint.pingAll, (options.heartbeatSeconds ?? 30) * 1000);
  heartbeat.unref();
  if (isWildcardHost(host)) logger.warn('listening on every interface: the UI is reachable from the LAN', { host, port: listen.port });
  logger.info('web host listening', { host, port: listen.port, staticDir });

  return {
    url: formatServeUrl(isWildcardHost(host) ? '127.0.0.1' : host, listen.port, token),
    host,
    port: listen.port,
    token,
    get sessionCount() {
      return endpoint.sessionCount;
    },
    async close() {
      clearInterval(heartbeat);
      endpoint.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** The WebSocket side of the host: upgrade checks, one session per connection, liveness pings. */
function createWebSocketEndpoint(deps: {
  core: WebHostOptions['core'];
  logger: Logger;
  listen: { readonly host: string; readonly port: number };
  token: string;
  outboxLimits: OutboxLimits | undefined;
}) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxFrameBytes, perMessageDeflate: false });
  const sessions = new Set<Session>();
  // Connections that answered the last ping; one that misses a whole interval is ended.
  const alive = new WeakSet<WebSocket>();
  return {
    get sessionCount() {
      return sessions.size;
    },
    onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
      socket.on('error', () => undefined);
      const refusal = upgradeRefusal(request, deps.listen, deps.token);
      if (refusal) return refuseUpgrade(socket, refusal);
      wss.handleUpgrade(request, socket, head, (ws: WebSocket) => {
        const { dispatch, bus } = deps.core;
        const session = attachSession(ws, { dispatch, bus, logger: deps.logger, clientId: newId('web'), outboxLimits: deps.outboxLimits });
        sessions.add(session);
        alive.add(ws);
        ws.on('pong', () => alive.add(ws));
        ws.on('close', () => sessions.delete(session));
      });
    },
    pingAll(): void {
      for (const ws of wss.clients) {
        if (!alive.has(ws)) {
          ws.terminate();
          continue;
        }
        alive.delete(ws);
        ws.ping();
      }
    },
    close(): void {
      for (const session of sessions) session.dispose();
      sessions.clear();
      for (const client of wss.clients) client.terminate();
      wss.close();
    },
  };
}

/** `/artifacts/<sha256>`: a blob of the open project's artifact store, downloaded (`?name=` names the file). */
const artifactPath = /^\/artifacts\/([0-9a-f]{64})$/;

/** Streams one artifact of the open project as a download; 404 when there is no project or no such blob. */
async function sendArtifact(request: IncomingMessage, response: ServerResponse, hash: string, core: WebHostOptions['core']): Promise<void> {
  const projects = core.services?.projects;
  const artifacts = projects?.current() ? projects.requireCurrent().artifacts : null;
  const blob = artifacts ? await artifacts.get(hash).catch(() => null) : null;
  if (!blob) return sendText(response, 404, 'No such artifact in the open project.\n');
  const asked = new URL(request.url ?? '/', 'http://host').searchParams.get('name') ?? '';
  // The file name only: no folders, no control characters; the sha256 when nothing usable is left.
  const name = path.basename(asked).replace(/[\u0000-\u001f\u007f"\\]/g, '').slice(0, 200) || `${hash}.bin`;
  response.writeHead(200, {
    ...securityHeaders,
    'Content-Type': 'application/octet-stream',
    'Content-Length': String(blob.size),
    'Content-Disposition': `attachment; filename="${name.replace(/[^\x20-\x7e]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`,
    'Cache-Control': 'private, max-age=31536000, immutable',
  });
  if (request.method === 'HEAD') return void response.end();
  await new Promise<void>((resolve, reject) => {
    const stream = blob.createReadStream();
    stream.on('error', reject);
    response.on('close', () => {
      stream.destroy();
      resolve();
    });
    stream.pipe(response);
  });
}

async function handleRequest(request: IncomingMessage, response: ServerResponse, context: { token: string; staticDir: string; core: WebHostOptions['core'] }): Promise<void> {
  const auth = authenticate(request, context.token);
  if (!auth.ok) return sendText(response, 401, unauthorizedText, { 'WWW-Authenticate': 'Bearer realm="orrery"' });
  if (request.method !== 'GET' && request.method !== 'HEAD') return sendText(response, 405, 'Method not allowed\n', { Allow: 'GET, HEAD' });
  const rawPath = (request.url ?? '/').split('?')[0] ?? '/';
  if (rawPath === webSocketPath) return sendText(response, 426, 'Use a WebSocket here.\n', { Upgrade: 'websocket' });
  const artifact = artifactPath.exec(rawPath);
  if (artifact) return sendArtifact(request, response, artifact[1]!, context.core);
  const pageHeaders: Record<string, string> = auth.source === 'query' ? { 'Set-Cookie': tokenCookie(context.token) } : {};
  await serveStatic(request, response, rawPath, { staticDir: context.staticDir, pageHeaders });
}

type Refusal = 404 | 401 | 403;

function upgradeRefusal(request: IncomingMessage, listen: { host: string; port: number }, token: string): Refusal | null {
  const rawPath = (request.url ?? '/').split('?')[0];
  if (rawPath !== webSocketPath) return 404;
  if (!authenticate(request, token).ok) return 401;
  if (!originAllowed(request, listen, token)) return 403;
  return null;
}

const refusalText: Record<Refusal, string> = {
  404: 'Not Found',
  401: 'Unauthorized',
  403: 'Forbidden',
};

function refuseUpgrade(socket: Duplex, status: Refusal): void {
  const body = `${refusalText[status]}\n`;
  const headers = Object.entries({
    ...securityHeaders,
    Connection: 'close',
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
  })
    .map(([name, value]) => `${name}: ${value}`)
    .join('\r\n');
  socket.end(`HTTP/1.1 ${status} ${refusalText[status]}\r\n${headers}\r\n\r\n${body}`);
}

function listenOn(server: ReturnType<typeof createServer>, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => reject(listenError(error, host, port));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

function listenError(error: NodeJS.ErrnoException, host: string, port: number): Error {
  if (error.code === 'EADDRINUSE') {
    return new OrreryError('unavailable', `Port ${port} on ${host} is in use; choose another with --port N, or --port 0 for any free port.`, { cause: error });
  }
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') {
    return new OrreryError('invalid_input', `host: ${host} is not an address of this machine; use 127.0.0.1 (or 0.0.0.0 for the LAN).`, { cause: error });
  }
  if (error.code === 'EACCES') {
    return new OrreryError('unavailable', `Port ${port} needs privileges here; choose a port above 1023 with --port N.`, { cause: error });
  }
  return error;
}
