import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { isOrreryError, OrreryError, type OnnxInfo } from '../../../app/contract';
import { demoPage } from './demo-page';
import type { ServeEngine } from './engines';
import { ServeMetrics } from './metrics';
import { inferResponse, modelMetadata, parseInferRequest } from './protocol';
import type { RequestLog } from './request-log';

export interface ModelServerOptions {
  /** The name in `/v2/models/{name}`. */
  readonly name: string;
  /** The version shown in metadata (`3` for name@3), null for a file. */
  readonly version: string | null;
  readonly info: OnnxInfo;
  readonly engine: ServeEngine;
  /** Loopback unless a LAN demo asks for 0.0.0.0. */
  readonly host?: string;
  /** 0 picks any free port. */
  readonly port?: number;
  /** Required (Bearer header or `?token=`) on every route but health when set. */
  readonly token: string | null;
  /** Where each request's latency and status go (serve_requests); none for a server without a project. */
  readonly log?: RequestLog | null;
  /** Largest request body accepted. */
  readonly maxBodyBytes?: number;
}

export interface ModelServer {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly metrics: ServeMetrics;
  close(): Promise<void>;
}

/** True for addresses only this machine reaches. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function statusOf(error: unknown): number {
  if (error instanceof HttpError) return error.status;
  if (isOrreryError(error)) {
    if (error.code === 'invalid_input') return 400;
    if (error.code === 'not_found') return 404;
  }
  return 500;
}

function send(response: ServerResponse, status: number, body: string, type: string, extra: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'x-content-type-options': 'nosniff', ...extra });
  response.end(body);
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  send(response, status, JSON.stringify(value), 'application/json');
}

function readBody(request: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new HttpError(413, `The request body is over ${limit} bytes; send smaller batches.`));
        request.destroy();
      } else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function offeredToken(request: IncomingMessage, query: URLSearchParams | null): string | null {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7).trim();
  return query?.get('token') ?? null;
}

function tokenMatches(offered: string | null, expected: string): boolean {
  if (offered === null) return false;
  const a = Buffer.from(offered);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Serves one ONNX model with the Open Inference Protocol v2 (KServe) over HTTP: health, server and model
 * metadata, readiness, `infer` with JSON tensors (a wrong shape or dtype is HTTP 400 with the expected
 * signature), Prometheus text at `/metrics`, and a demo page at `/`. Every request's route, status and latency go
 * to the metrics and the request log.
 */
export async function startModelServer(options: ModelServerOptions): Promise<ModelServer> {
  const host = options.host ?? '127.0.0.1';
  const { name, version, info, engine, token } = options;
  const log = options.log ?? null;
  const metrics = new ServeMetrics(name);
  const maxBody = options.maxBodyBytes ?? 64 * 1024 * 1024;
  const modelPath = `/v2/models/${encodeURIComponent(name)}`;
  const versionedPath = version ? `${modelPath}/versions/${encodeURIComponent(version)}` : null;
  const page = demoPage(name, version, info);
  const metadata = JSON.stringify(modelMetadata(name, version, info));

  const handle = async (request: IncomingMessage, response: ServerResponse, rawPath: string, query: URLSearchParams | null): Promise<{ route: string; batch: number | null }> => {
    let pathname = rawPath.length > 1 && rawPath.endsWith('/') ? rawPath.replace(/\/+$/, '') || '/' : rawPath;
    if (versionedPath && pathname.startsWith(versionedPath)) pathname = modelPath + pathname.slice(versionedPath.length);
    if (pathname === '/v2/health/live' || pathname === '/v2/health/ready') {
      sendJson(response, 200, pathname.endsWith('live') ? { live: true } : { ready: true });
      return { route: 'health', batch: null };
    }
    if (token !== null && !tokenMatches(offeredToken(request, query), token)) {
      throw new HttpError(401, 'This server needs its token: send "Authorization: Bearer TOKEN" or open the URL it printed (it ends in ?token=...).');
    }
    const method = request.method ?? 'GET';
    if (pathname === `${modelPath}/infer`) {
      if (method !== 'POST') throw new HttpError(405, `POST a v2 infer request to ${modelPath}/infer.`);
      const text = await readBody(request, maxBody);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new HttpError(400, 'The request body is not JSON; send a v2 infer request such as {"inputs": [{"name": "x", "shape": [1, 4], "datatype": "FP32", "data": [1, 2, 3, 4]}]}.');
      }
      const parsed = parseInferRequest(body);
      const unknownOutputs = parsed.outputs?.filter((o) => !info.outputs.some((out) => out.name === o)) ?? [];
      if (unknownOutputs.length > 0) throw new HttpError(400, `The model has no output named ${unknownOutputs.join(', ')}; its outputs are ${info.outputs.map((o) => o.name).join(', ')}.`);
      const outputs = await engine.run(parsed.tensors);
      sendJson(response, 200, inferResponse(name, version, parsed.id, outputs, parsed.outputs));
      return { route: 'infer', batch: parsed.batch };
    }
    if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, `${method} ${pathname}: only GET is served here (POST goes to ${modelPath}/infer).`);
    switch (pathname) {
      case '/':
        send(response, 200, page, 'text/html; charset=utf-8', { 'cache-control': 'no-store', 'content-security-policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'" });
        return { route: 'demo', batch: null };
      case '/metrics':
        send(response, 200, metrics.text(), 'text/plain; version=0.0.4; charset=utf-8', { 'cache-control': 'no-store' });
        return { route: 'metrics', batch: null };
      case '/v2':
        sendJson(response, 200, { name: 'orrery', version: '1', extensions: [] });
        return { route: 'server', batch: null };
      case modelPath:
        send(response, 200, metadata, 'application/json');
        return { route: 'metadata', batch: null };
      case `${modelPath}/ready`:
        sendJson(response, 200, { name, ready: true });
        return { route: 'ready', batch: null };
    }
    if (pathname.startsWith('/v2/models/')) throw new HttpError(404, `This server serves one model, ${name} (${modelPath}).`);
    throw new HttpError(404, `Nothing at ${pathname}: the routes are /, /metrics, /v2/health/live, /v2/health/ready and ${modelPath}[/ready|/infer].`);
  };

  const server = createServer((request, response) => {
    const started = performance.now();
    // The common request has no query: its path is the raw URL, without building a URL object.
    const raw = request.url ?? '/';
    const at = raw.indexOf('?');
    const rawPath = at < 0 ? raw : raw.slice(0, at);
    const query = at < 0 ? null : new URLSearchParams(raw.slice(at + 1));
    const finish = (route: string, status: number, batch: number | null): void => {
      const latencyMs = performance.now() - started;
      metrics.observe(route, status, latencyMs);
      log?.record({ time: Date.now(), path: rawPath, status, latencyMs, batch });
    };
    handle(request, response, rawPath, query).then(
      ({ route, batch }) => finish(route, response.statusCode, batch),
      (error: unknown) => {
        const status = statusOf(error);
        const message = error instanceof Error ? error.message : String(error);
        if (!response.headersSent) sendJson(response, status, { error: status === 500 && !isOrreryError(error) ? `Internal error: ${message}` : message });
        else response.destroy();
        finish(rawPath.endsWith('/infer') ? 'infer' : 'other', status, null);
      },
    );
  });
  server.keepAliveTimeout = 30_000;
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new OrreryError('conflict', `Port ${options.port} on ${host} is in use; choose another with --port (0 picks a free one).`) : error),
    );
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/`,
    host,
    port,
    metrics,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      log?.close();
      await engine.close();
    },
  };
}
