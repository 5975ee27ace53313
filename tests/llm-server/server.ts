// A local stand-in for the model APIs Orrery talks to, speaking each one's documented HTTP API:
//   OpenAI chat completions   POST /v1/chat/completions (SSE chunks, usage chunk with stream_options.include_usage, [DONE]),
//                             GET /v1/models; authorization: Bearer KEY
//   Anthropic Messages        POST /v1/messages (message_start … message_stop events), GET /v1/models (when the
//                             request carries anthropic-version or x-api-key); x-api-key: KEY, anthropic-version required
//   Gemini                    POST /v1beta/models/{model}:streamGenerateContent?alt=sse (CRLF events) and
//                             :generateContent, GET /v1beta/models; x-goog-api-key: KEY (or ?key=)
//   Ollama                    GET /api/tags (no key)
// Provider base URLs: OpenAI-compatible `${url}/v1`, Anthropic `${url}`, Gemini `${url}/v1beta`.
//
// The model name picks the behaviour (an Ollama tag such as `:latest` is ignored):
//   echo (and any name starting with echo, e.g. echo-small) — answers the last user message's content
//   judge-pass / judge-fail — a JSON verdict {"pass": true|false, "score": 1|0, "reason": "…"} for LLM-as-judge
//   json — {"echo": <last user message>} as JSON
//   tool-call — no text, one tool call get_weather({"city": <last user message>, "unit": "celsius"}) streamed raw
//   no-usage — echo without any usage numbers
//   huge — 1 MiB of lorem ipsum (256 tokens per chunk unless tokensPerChunk is set; max tokens still cut it, and
//          Orrery's Anthropic client sends max_tokens 1024 unless told otherwise)
//   slow-echo — echo, one chunk every chunkDelayMs (20 ms when not set): time to cancel mid-stream
//   slow-first-token — echo, the first text after firstTokenDelayMs (1500 ms when not set)
//   slow-headers — echo, the response headers themselves held back that long
//   drop-mid-stream — echo, the connection destroyed after half the tokens
//   malformed-sse — echo, after two chunks an event whose data is cut-off JSON, then the stream ends
//   rate-limit-once — 429 with Retry-After: 1 on every other request of its protocol (1st, 3rd, …), echo otherwise
//   always-429 (Retry-After: 1), always-500 — each provider's own error body every time
//   any other name — 404 with the provider's "model not found" error
// Usage rule: a token is a run of non-space characters with the spaces after it; input tokens count the tokens
// of every message (system included), output tokens the tokens streamed (for tool-call, of the arguments JSON).
// max_tokens / maxOutputTokens cut the answer (finish reason length / max_tokens / MAX_TOKENS).
// With `key` set, a request without it or with another answers each provider's error (OpenAI and Anthropic 401;
// Gemini, like Google, 400 API_KEY_INVALID for a wrong key and 403 for none).
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { behaviourNames, behaviourOf, countTokens, planAnswer, type AnswerPlan } from './behaviours';
import {
  anthropicWhole,
  anthropicWriter,
  errorAnswer,
  geminiWhole,
  geminiWriter,
  openAiWhole,
  openAiWriter,
  type AnswerContext,
  type ErrorKind,
  type ProtocolName,
  type StreamWriter,
} from './protocols';

export interface LlmServerOptions {
  /** The API key every request must carry (none: any key or none is accepted). */
  readonly key?: string;
  /** Wait between streamed chunks (default 0: written back to back). */
  readonly chunkDelayMs?: number;
  /** Wait before the first text of every answer (slow-first-token: 1500 ms when not set). */
  readonly firstTokenDelayMs?: number;
  /** Tokens per streamed chunk (default 1; huge: 256). */
  readonly tokensPerChunk?: number;
  /** Port to listen on (default: any free port). */
  readonly port?: number;
  readonly host?: string;
  /** Answer OpenAI requests carrying stream_options with 400, as servers that predate it do. */
  readonly rejectStreamOptions?: boolean;
  /** Model names the list endpoints answer (default: the behaviour names). */
  readonly models?: readonly string[];
}

/** One request as the server received it (the key's value replaced by `[redacted]`). */
export interface RecordedRequest {
  readonly protocol: ProtocolName | 'ollama' | 'unknown';
  readonly method: string;
  /** Path and query (a `key=` query value redacted). */
  readonly path: string;
  readonly headers: Record<string, string>;
  /** The JSON body, parsed (null without one). */
  readonly body: unknown;
}

export interface LlmServer {
  /** http://127.0.0.1:PORT (no trailing slash). */
  readonly url: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

const keyHeaders = ['authorization', 'x-api-key', 'x-goog-api-key'];
const slowDefaultMs = 1500;
const slowEchoChunkMs = 20;

/** Starts the server on 127.0.0.1 (see the comment at the top of this file). */
export async function startLlmServer(options: LlmServerOptions = {}): Promise<LlmServer> {
  const requests: RecordedRequest[] = [];
  const counters = new Map<string, number>();
  let sequence = 0;
  const server = http.createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) json(response, 500, { error: { message: String(error) } });
      else response.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const raw = await readAll(request);
    let body: unknown = null;
    let badJson = false;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw) as unknown;
      } catch {
        badJson = true;
      }
    }
    const route = routeOf(request.method ?? 'GET', url, request.headers);
    requests.push({ protocol: route.protocol, method: request.method ?? 'GET', path: redactPath(url), headers: redactHeaders(request.headers), body });
    if (route.protocol === 'unknown') {
      // As Go servers such as Ollama answer a path they do not serve.
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      response.end('404 page not found');
      return;
    }
    if (route.protocol === 'ollama') return json(response, 200, ollamaTags(options.models ?? behaviourNames));
    const protocol = route.protocol;
    const failWith = (kind: ErrorKind, detail: { model?: string; key?: string; message?: string } = {}, headers: Record<string, string> = {}): void => {
      const answer = errorAnswer(protocol, kind, detail);
      json(response, answer.status, answer.body, headers);
    };
    const keyProblem = checkKey(protocol, request, url, options.key);
    if (keyProblem !== null) return failWith(keyProblem.kind, { key: keyProblem.given });
    if (route.action === 'list') return json(response, 200, modelList(protocol, options.models ?? behaviourNames));
    if (badJson || typeof body !== 'object' || body === null) return failWith('invalid_request', { message: 'The request body is not valid JSON.' });
    const fields = body as Record<string, unknown>;
    if (protocol === 'openai' && options.rejectStreamOptions === true && fields.stream_options !== undefined) {
      return failWith('invalid_request', { message: 'Unrecognized request argument supplied: stream_options' });
    }
    if (protocol === 'anthropic') {
      if (request.headers['anthropic-version'] === undefined) return failWith('invalid_request', { message: 'anthropic-version: header is required' });
      if (typeof fields.max_tokens !== 'number') return failWith('invalid_request', { message: 'max_tokens: Field required' });
    }
    const model = route.model ?? (typeof fields.model === 'string' ? fields.model : '');
    const behaviour = behaviourOf(model);
    if (behaviour === null) return failWith('not_found', { model });
    const count = (counters.get(`${protocol}:${behaviour}`) ?? 0) + 1;
    counters.set(`${protocol}:${behaviour}`, count);
    if (behaviour === 'always-500') return failWith('server_error');
    if (behaviour === 'always-429' || (behaviour === 'rate-limit-once' && count % 2 === 1)) return failWith('rate_limited', { model }, { 'retry-after': '1' });

    const { messages, lastUser, maxTokens } = readPrompt(protocol, fields);
    const plan = planAnswer(behaviour, lastUser, messages.reduce((sum, text) => sum + countTokens(text), 0), maxTokens);
    sequence++;
    const context: AnswerContext = {
      id: protocol === 'anthropic' ? `msg_orrery${String(sequence).padStart(6, '0')}` : `chatcmpl-orrery${String(sequence).padStart(6, '0')}`,
      model,
      created: 1_700_000_000 + sequence,
      includeUsage: protocol !== 'openai' || (fields.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true,
    };
    const streamed = protocol === 'gemini' ? route.action === 'stream' : fields.stream === true;
    const slowMs = behaviour === 'slow-first-token' || behaviour === 'slow-headers' ? (options.firstTokenDelayMs ?? slowDefaultMs) : (options.firstTokenDelayMs ?? 0);
    if (behaviour === 'slow-headers') await delay(slowMs);
    if (!streamed) {
      const whole = protocol === 'openai' ? openAiWhole(plan, context) : protocol === 'anthropic' ? anthropicWhole(plan, context) : geminiWhole(plan, context);
      if (route.action === 'array') return json(response, 200, [whole]);
      return json(response, 200, whole);
    }
    const writer = protocol === 'openai' ? openAiWriter(plan, context) : protocol === 'anthropic' ? anthropicWriter(plan, context) : geminiWriter(plan, context);
    await stream(response, writer, plan, behaviour === 'slow-headers' ? 0 : slowMs);
  }

  /** Writes the answer's events with the configured pace, breaking it the way the behaviour asks. */
  async function stream(response: ServerResponse, writer: StreamWriter, plan: AnswerPlan, firstDelayMs: number): Promise<void> {
    response.writeHead(200, { 'content-type': writer.contentType, 'cache-control': 'no-cache', connection: 'keep-alive' });
    response.flushHeaders();
    const out = new EventOut(response, options.chunkDelayMs ?? (plan.behaviour === 'slow-echo' ? slowEchoChunkMs : 0));
    for (const event of writer.head()) if (!(await out.write(event, false))) return;
    if (firstDelayMs > 0 && !(await out.pause(firstDelayMs))) return;
    const perChunk = options.tokensPerChunk ?? (plan.behaviour === 'huge' ? 256 : 1);
    const groups: string[] = [];
    for (let at = 0; at < plan.tokens.length; at += perChunk) groups.push(plan.tokens.slice(at, at + perChunk).join(''));
    for (const [index, group] of groups.entries()) {
      if (plan.behaviour === 'drop-mid-stream' && index === Math.max(1, Math.floor(groups.length / 2))) {
        // Node sends queued chunks on the next tick: let them leave before the connection is cut.
        await delay(10);
        response.socket?.destroy();
        return;
      }
      if (plan.behaviour === 'malformed-sse' && index === Math.min(2, groups.length)) {
        await out.write(writer.malformed(), false);
        response.end();
        return;
      }
      if (!(await out.write(writer.text(group), index > 0))) return;
    }
    for (const event of [...writer.tool(), ...writer.tail()]) if (!(await out.write(event, false))) return;
    response.end();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Writes SSE events with a pause before each text chunk (but the first) and waits out backpressure. */
class EventOut {
  constructor(
    private readonly response: ServerResponse,
    private readonly chunkDelayMs: number,
  ) {}

  /** False when the client went away. */
  async write(event: string, paced: boolean): Promise<boolean> {
    if (paced && this.chunkDelayMs > 0 && !(await this.pause(this.chunkDelayMs))) return false;
    if (this.response.destroyed) return false;
    if (!this.response.write(event)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.response.off('drain', done);
          this.response.off('close', done);
          resolve();
        };
        this.response.on('drain', done);
        this.response.on('close', done);
      });
    }
    return !this.response.destroyed;
  }

  async pause(ms: number): Promise<boolean> {
    await delay(ms);
    return !this.response.destroyed;
  }
}

interface Route {
  readonly protocol: ProtocolName | 'ollama' | 'unknown';
  readonly action: 'chat' | 'stream' | 'array' | 'whole' | 'list';
  readonly model: string | null;
}

function routeOf(method: string, url: URL, headers: http.IncomingHttpHeaders): Route {
  const path = url.pathname.replace(/\/+$/, '');
  if (method === 'GET' && path === '/api/tags') return { protocol: 'ollama', action: 'list', model: null };
  if (method === 'POST' && (path === '/v1/chat/completions' || path === '/chat/completions')) return { protocol: 'openai', action: 'chat', model: null };
  if (method === 'POST' && path === '/v1/messages') return { protocol: 'anthropic', action: 'chat', model: null };
  if (method === 'GET' && path === '/v1/models') {
    const anthropic = headers['anthropic-version'] !== undefined || headers['x-api-key'] !== undefined;
    return { protocol: anthropic ? 'anthropic' : 'openai', action: 'list', model: null };
  }
  if (method === 'GET' && path === '/v1beta/models') return { protocol: 'gemini', action: 'list', model: null };
  const gemini = /^\/v1beta\/models\/([^/:]+):(streamGenerateContent|generateContent)$/.exec(path);
  if (method === 'POST' && gemini) {
    // streamGenerateContent without alt=sse answers a JSON array of responses.
    const action = gemini[2] === 'generateContent' ? 'whole' : url.searchParams.get('alt') === 'sse' ? 'stream' : 'array';
    return { protocol: 'gemini', action, model: decodeURIComponent(gemini[1] ?? '') };
  }
  return { protocol: 'unknown', action: 'chat', model: null };
}

/** The key a request carries, by protocol; null when it is fine. */
function checkKey(protocol: ProtocolName, request: IncomingMessage, url: URL, key: string | undefined): { kind: ErrorKind; given: string } | null {
  if (key === undefined) return null;
  const header = (name: string): string | undefined => {
    const value = request.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  let given: string | undefined;
  if (protocol === 'openai') given = header('authorization')?.replace(/^Bearer\s+/i, '');
  else if (protocol === 'anthropic') given = header('x-api-key');
  else given = header('x-goog-api-key') ?? url.searchParams.get('key') ?? undefined;
  if (given === undefined || given === '') return { kind: 'no_key', given: '' };
  return given === key ? null : { kind: 'bad_key', given };
}

/** The prompt's texts (for input tokens), the last user message and max tokens, read in the protocol's shape. */
function readPrompt(protocol: ProtocolName, fields: Record<string, unknown>): { messages: string[]; lastUser: string; maxTokens: number | null } {
  const texts: string[] = [];
  let lastUser = '';
  const textOf = (content: unknown): string =>
    typeof content === 'string' ? content : Array.isArray(content) ? content.map((part) => (typeof (part as { text?: unknown })?.text === 'string' ? (part as { text: string }).text : '')).join('') : '';
  if (protocol === 'gemini') {
    const system = fields.systemInstruction as { parts?: unknown } | undefined;
    if (system?.parts !== undefined) texts.push(textOf(system.parts));
    for (const item of Array.isArray(fields.contents) ? fields.contents : []) {
      const content = item as { role?: unknown; parts?: unknown };
      const text = textOf(content.parts);
      texts.push(text);
      if (content.role === 'user' || content.role === undefined) lastUser = text;
    }
    const config = fields.generationConfig as { maxOutputTokens?: unknown } | undefined;
    return { messages: texts, lastUser, maxTokens: typeof config?.maxOutputTokens === 'number' ? config.maxOutputTokens : null };
  }
  if (protocol === 'anthropic' && fields.system !== undefined) texts.push(textOf(fields.system));
  for (const item of Array.isArray(fields.messages) ? fields.messages : []) {
    const message = item as { role?: unknown; content?: unknown };
    const text = textOf(message.content);
    texts.push(text);
    if (message.role === 'user') lastUser = text;
  }
  const max = protocol === 'anthropic' ? fields.max_tokens : (fields.max_completion_tokens ?? fields.max_tokens);
  return { messages: texts, lastUser, maxTokens: typeof max === 'number' ? max : null };
}

function modelList(protocol: ProtocolName, models: readonly string[]): unknown {
  if (protocol === 'openai') return { object: 'list', data: models.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'orrery-test' })) };
  if (protocol === 'anthropic') {
    const data = models.map((id) => ({ type: 'model', id, display_name: id, created_at: '2025-01-01T00:00:00Z' }));
    return { data, has_more: false, first_id: models[0] ?? null, last_id: models[models.length - 1] ?? null };
  }
  return {
    models: models.map((name) => ({
      name: `models/${name}`,
      version: '001',
      displayName: name,
      description: `Orrery test model (${name})`,
      inputTokenLimit: 1_048_576,
      outputTokenLimit: 8192,
      supportedGenerationMethods: ['generateContent', 'countTokens'],
    })),
  };
}

function ollamaTags(models: readonly string[]): unknown {
  return {
    models: models.map((name) => ({
      name: `${name}:latest`,
      model: `${name}:latest`,
      modified_at: '2025-01-01T00:00:00.000000000Z',
      size: 1_000_000,
      digest: '0'.repeat(64),
      details: { parent_model: '', format: 'gguf', family: 'llama', families: ['llama'], parameter_size: '1B', quantization_level: 'Q4_0' },
    })),
  };
}

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  response.end(text);
}

function readAll(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function redactHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = keyHeaders.includes(name) ? (name === 'authorization' ? 'Bearer [redacted]' : '[redacted]') : Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function redactPath(url: URL): string {
  if (!url.searchParams.has('key')) return url.pathname + url.search;
  const copy = new URL(url.href);
  copy.searchParams.set('key', '[redacted]');
  return copy.pathname + copy.search;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
