// Shared set-up for the web host tests: a real core over a temp ORRERY_HOME, a real server on 127.0.0.1
// port 0, raw HTTP requests (no URL normalisation) and a small WebSocket client speaking app/contract/wire.ts.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { decodeServerFrame, type ServerFrame } from '../../app/contract';
import { createCore, type Core } from '../../main/core/core';
import { silentLogger } from '../../main/core/logger';
import { startWebHost, type WebHost, type WebHostOptions } from '../../main/server/web-host';

/** The page and asset the static tests expect (the real renderer bundle is not needed). */
export const pageHtml = '<!doctype html><html><head><script type="module" src="/assets/app.js"></script></head><body>orrery-test-page</body></html>\n';
export const assetJs = 'console.log("orrery-test-asset");\n';

/** A core and a web host over temp folders; `dispose` closes both and removes the folders. */
export interface WebHostHarness {
  readonly base: string;
  readonly core: Core;
  readonly host: WebHost;
  readonly origin: string;
  dispose(): Promise<void>;
}

/** Starts a core (host 'web') and a web host with a static folder holding `pageHtml` and `assetJs`. */
export async function startHarness(extra: Partial<Omit<WebHostOptions, 'core'>> = {}): Promise<WebHostHarness> {
  const base = await mkdtemp(path.join(os.tmpdir(), 'orrery-web-host-'));
  const userHome = path.join(base, 'home');
  const staticDir = path.join(base, 'static');
  await mkdir(path.join(staticDir, 'assets'), { recursive: true });
  await writeFile(path.join(staticDir, 'index.html'), pageHtml);
  await writeFile(path.join(staticDir, 'assets', 'app.js'), assetJs);
  // HOME is a folder of the test: the shells it starts read no start-up file of the machine's user.
  await mkdir(path.join(base, 'user'), { recursive: true });
  const env = { ...process.env, HOME: path.join(base, 'user'), PYENV_ROOT: process.env.PYENV_ROOT ?? path.join(os.homedir(), '.pyenv'), ORRERY_HOME: userHome, ORRERY_PROJECTS_DIR: path.join(base, 'projects'), ORRERY_ROOTS: base };
  const core = createCore({ host: 'web', env, userHome, allowedRoots: [base], logger: silentLogger });
  const host = await startWebHost({ core, port: 0, staticDir, logger: silentLogger, ...extra });
  return {
    base,
    core,
    host,
    origin: `http://127.0.0.1:${host.port}`,
    async dispose() {
      await host.close();
      await core.dispose();
      await rm(base, { recursive: true, force: true });
    },
  };
}

/** An HTTP answer with its body as text. */
export interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** Sends one request with the path exactly as given (fetch would normalise `..` away). */
export function rawRequest(port: number, rawPath: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, path: rawPath, method, headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

/** Tries a WebSocket upgrade; answers the HTTP status it was refused with, or 101 when it opened (then closes it). */
export function upgradeStatus(url: string, options: WebSocket.ClientOptions = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.on('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      response.resume();
      ws.terminate();
    });
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    ws.on('error', (error) => reject(error));
  });
}

/** Waits until `check` holds, polling; fails after `ms` so no test hangs. */
export async function waitFor(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

type ResultFrame = Extract<ServerFrame, { t: 'result' }>;
type EventFrame = Extract<ServerFrame, { t: 'event' }>;
type ErrorFrame = Extract<ServerFrame, { t: 'error' }>;

/** A client of the wire protocol: calls by seq, collects events and error frames. */
export class WireClient {
  readonly results = new Map<number, ResultFrame>();
  readonly events: EventFrame[] = [];
  readonly errors: ErrorFrame[] = [];
  closeCode: number | null = null;
  private seq = 1_000_000;
  private readonly waiters = new Map<number, (frame: ResultFrame) => void>();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const frame = decodeServerFrame(data.toString('utf8'));
      if (frame.t === 'result') {
        this.results.set(frame.seq, frame);
        this.waiters.get(frame.seq)?.(frame);
        this.waiters.delete(frame.seq);
      } else if (frame.t === 'event') this.events.push(frame);
      else this.errors.push(frame);
    });
    ws.on('close', (code) => {
      this.closeCode = code;
    });
  }

  /** Connects with the token in the query and this host's own Origin, as the page does. */
  static connect(harness: WebHostHarness, options: WebSocket.ClientOptions = {}): Promise<WireClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${harness.host.port}/ws?token=${harness.host.token}`, { origin: harness.origin, ...options });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new WireClient(ws)));
      ws.once('error', reject);
    });
  }

  /** Sends a raw text or binary frame. */
  sendRaw(data: string | Buffer): void {
    this.ws.send(data);
  }

  /** Calls through the wire and waits for its result frame. */
  call(name: string, input?: unknown): Promise<ResultFrame> {
    const seq = this.seq++;
    return new Promise((resolve) => {
      this.waiters.set(seq, resolve);
      this.ws.send(JSON.stringify({ t: 'call', seq, name, input }));
    });
  }

  /** Calls and answers the value; throws the wire error. */
  async value<T = unknown>(name: string, input?: unknown): Promise<T> {
    const result = await this.call(name, input);
    if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
    return result.value as T;
  }

  subscribe(event: string, id: string): void {
    this.ws.send(JSON.stringify({ t: 'sub', event, id }));
  }

  unsubscribe(event: string, id: string): void {
    this.ws.send(JSON.stringify({ t: 'unsub', event, id }));
  }

  /** Everything a terminal printed so far (its terminal.data events joined). */
  terminalOutput(id: string): string {
    return this.events
      .filter((e) => e.event === 'terminal.data' && e.id === id)
      .map((e) => (e.payload as { data: string }).data)
      .join('');
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}
