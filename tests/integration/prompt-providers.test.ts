// The three provider clients against the local server that speaks their APIs (tests/llm-server): streaming with
// usage, keys refused, 429 with Retry-After, 5xx, a malformed event, a dropped connection, a slow first token,
// cancel, an unknown model, an unreachable server, a 1 MiB answer, tool calls, JSON mode and parameter mapping.
// Waits between retries go through an injected sleep, so the test checks what was asked, never the clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOrreryError, type ErrorCode } from '../../app/contract/errors';
import { ChatStreamError, createProviderClient, maxResponseChars, type ChatRequest, type ChatResult, type ProviderKind } from '../../main/services/prompts/providers';
import { startLlmServer, type LlmServer, type LlmServerOptions, type RecordedRequest } from '../llm-server/server';

const key = 'sk-orrery-test-key-0123456789';
const kinds: ProviderKind[] = ['openai', 'anthropic', 'gemini'];
const finishOf: Record<ProviderKind, string> = { openai: 'stop', anthropic: 'end_turn', gemini: 'STOP' };
const lengthOf: Record<ProviderKind, string> = { openai: 'length', anthropic: 'max_tokens', gemini: 'MAX_TOKENS' };

const servers: LlmServer[] = [];
let plain: LlmServer;
let keyed: LlmServer;
let paced: LlmServer;

async function server(options: LlmServerOptions = {}): Promise<LlmServer> {
  const started = await startLlmServer(options);
  servers.push(started);
  return started;
}

beforeAll(async () => {
  plain = await server({ firstTokenDelayMs: undefined });
  keyed = await server({ key });
  paced = await server({ key, chunkDelayMs: 40 });
});
afterAll(async () => {
  await Promise.all(servers.map((each) => each.close()));
});

function baseUrl(kind: ProviderKind, at: LlmServer): string {
  return kind === 'openai' ? `${at.url}/v1` : kind === 'anthropic' ? at.url : `${at.url}/v1beta`;
}

interface Harness {
  readonly sleeps: number[];
  chat(model: string, extra?: Partial<ChatRequest>): Promise<{ result: ChatResult; deltas: string[] }>;
}

function client(kind: ProviderKind, at: LlmServer, options: { apiKey?: string | null; timeoutMs?: number; retries?: number; maxDelayMs?: number } = {}): Harness & { raw: ReturnType<typeof createProviderClient> } {
  const sleeps: number[] = [];
  const raw = createProviderClient(
    { kind, baseUrl: baseUrl(kind, at), apiKey: options.apiKey === undefined ? key : options.apiKey, timeoutMs: options.timeoutMs ?? 10_000 },
    {
      retry: { retries: options.retries ?? 2, baseDelayMs: 100, maxDelayMs: options.maxDelayMs ?? 5000 },
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
    },
  );
  return {
    raw,
    sleeps,
    chat: async (model, extra = {}) => {
      const deltas: string[] = [];
      const result = await raw.chat({ model, messages: [{ role: 'user', content: 'The quick brown fox' }], params: {}, ...extra }, (text) => deltas.push(text));
      return { result, deltas };
    },
  };
}

/** The error a promise rejects with, checked to be an OrreryError of `code` whose message never holds the key. */
async function failure(promise: Promise<unknown>, code: ErrorCode): Promise<Error & { code: ErrorCode }> {
  const error = await promise.then(
    () => {
      throw new Error(`expected a ${code} error, the call succeeded`);
    },
    (caught: unknown) => caught,
  );
  if (!isOrreryError(error)) throw error;
  expect(error.code, error.message).toBe(code);
  expect(error.message).not.toContain(key);
  expect(error.message).not.toContain('0123456789');
  return error;
}

function lastChat(at: LlmServer): RecordedRequest {
  const found = [...at.requests].reverse().find((request) => request.method === 'POST');
  if (!found) throw new Error('no chat request recorded');
  return found;
}

describe.each(kinds)('%s client', (kind) => {
  it('streams the answer token by token with the usage the server reported', async () => {
    const { result, deltas } = await client(kind, keyed).chat('echo');
    expect(deltas).toEqual(['The ', 'quick ', 'brown ', 'fox']);
    expect(result).toMatchObject({ text: 'The quick brown fox', usage: { inputTokens: 4, outputTokens: 4 }, finishReason: finishOf[kind], attempts: 1, toolCalls: null, warnings: [] });
    expect(result.firstTokenMs).not.toBeNull();
  });

  it('sends the documented path and headers, the key redacted in the record', async () => {
    await client(kind, keyed).chat('echo', { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }] });
    const request = lastChat(keyed);
    if (kind === 'openai') {
      expect(request.path).toBe('/v1/chat/completions');
      expect(request.headers.authorization).toBe('Bearer [redacted]');
      expect(request.body).toMatchObject({ stream: true, stream_options: { include_usage: true }, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }] });
    } else if (kind === 'anthropic') {
      expect(request.path).toBe('/v1/messages');
      expect(request.headers['x-api-key']).toBe('[redacted]');
      expect(request.headers['anthropic-version']).toBe('2023-06-01');
      expect(request.body).toMatchObject({ stream: true, max_tokens: 1024, system: 'Be brief.', messages: [{ role: 'user', content: 'hi' }] });
    } else {
      expect(request.path).toBe('/v1beta/models/echo:streamGenerateContent?alt=sse');
      expect(request.headers['x-goog-api-key']).toBe('[redacted]');
      expect(request.body).toMatchObject({ systemInstruction: { parts: [{ text: 'Be brief.' }] }, contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
    }
  });

  it('answers unauthorized for a wrong or missing key, saying to enter it again and never showing it', async () => {
    const wrong = await failure(client(kind, keyed, { apiKey: `${key}-wrong` }).chat('echo'), 'unauthorized');
    expect(wrong.message).toMatch(/enter it again/);
    expect(wrong.message).not.toContain('-wrong');
    await failure(client(kind, keyed, { apiKey: null }).chat('echo'), 'unauthorized');
    await failure(client(kind, keyed, { apiKey: `${key}-wrong` }).raw.listModels(), 'unauthorized');
  });

  it('waits what Retry-After says after a 429, then succeeds', async () => {
    const harness = client(kind, keyed);
    const { result } = await harness.chat('rate-limit-once');
    expect(result.text).toBe('The quick brown fox');
    expect(result.attempts).toBe(2);
    expect(harness.sleeps).toEqual([1000]);
  });

  it('gives up on a 429 that never ends with rate_limited, each wait capped by maxDelayMs', async () => {
    const harness = client(kind, keyed, { retries: 3, maxDelayMs: 300 });
    const error = await failure(harness.chat('always-429'), 'rate_limited');
    expect(error.message).toMatch(/after 4 attempts/);
    expect(harness.sleeps).toEqual([300, 300, 300]);
  });

  it('retries a 500 with growing waits, then answers provider_error with the provider\'s words', async () => {
    const harness = client(kind, keyed, { retries: 2 });
    const error = await failure(harness.chat('always-500'), 'provider_error');
    expect(error.message).toMatch(/HTTP 500 after 3 attempts/);
    expect(error.message).toMatch(/server had an error|Internal server error|internal error has occurred/);
    expect(harness.sleeps).toHaveLength(2);
    expect(harness.sleeps[1]!).toBeGreaterThan(harness.sleeps[0]! / 2);
    expect(harness.sleeps.every((ms) => ms >= 50 && ms <= 200)).toBe(true);
  });

  it('keeps the text that arrived before a malformed event', async () => {
    const error = await failure(client(kind, keyed).chat('malformed-sse'), 'provider_error');
    expect(error).toBeInstanceOf(ChatStreamError);
    expect((error as ChatStreamError).partial.text).toBe('The quick ');
    expect(error.message).toMatch(/not JSON/);
  });

  it('keeps the text that arrived before the connection dropped', async () => {
    const error = await failure(client(kind, keyed).chat('drop-mid-stream'), 'provider_error');
    expect(error).toBeInstanceOf(ChatStreamError);
    expect((error as ChatStreamError).partial.text).toBe('The quick ');
    expect(error.message).toMatch(/dropped|ended before/);
  });

  it('waits for a slow first token within the time limit, and times out past it', async () => {
    const slow = await server({ key, firstTokenDelayMs: 600 });
    const { result } = await client(kind, slow, { timeoutMs: 10_000 }).chat('slow-first-token');
    expect(result.text).toBe('The quick brown fox');
    await failure(client(kind, slow, { timeoutMs: 100 }).chat('slow-first-token'), 'timeout');
    await failure(client(kind, slow, { timeoutMs: 100 }).chat('slow-headers'), 'timeout');
  });

  it('stops on cancel, keeping the text that arrived', async () => {
    const controller = new AbortController();
    const harness = client(kind, paced);
    const deltas: string[] = [];
    const call = harness.raw.chat({ model: 'echo', messages: [{ role: 'user', content: 'one two three four five six seven eight' }], params: {}, signal: controller.signal }, (text) => {
      deltas.push(text);
      if (deltas.length === 2) controller.abort();
    });
    const error = await failure(call, 'cancelled');
    expect(error).toBeInstanceOf(ChatStreamError);
    expect((error as ChatStreamError).partial.text).toBe('one two ');
    const before = new AbortController();
    before.abort();
    const early = await failure(harness.raw.chat({ model: 'echo', messages: [{ role: 'user', content: 'x' }], params: {}, signal: before.signal }, () => undefined), 'cancelled');
    expect(early).not.toBeInstanceOf(ChatStreamError);
  });

  it('paces slow-echo so a call can be cancelled mid-stream even on a server without a chunk delay', async () => {
    const controller = new AbortController();
    const deltas: string[] = [];
    const call = client(kind, keyed).raw.chat({ model: 'slow-echo', messages: [{ role: 'user', content: 'word '.repeat(200) }], params: {}, signal: controller.signal }, (text) => {
      deltas.push(text);
      if (deltas.length === 3) controller.abort();
    });
    const error = await failure(call, 'cancelled');
    expect((error as ChatStreamError).partial.text).toBe('word word word ');
  });

  it('cancels during the wait between retries', async () => {
    const controller = new AbortController();
    const raw = createProviderClient({ kind, baseUrl: baseUrl(kind, keyed), apiKey: key, timeoutMs: 10_000 }, { retry: { retries: 3, baseDelayMs: 60_000, maxDelayMs: 60_000 } });
    const call = raw.chat({ model: 'always-500', messages: [{ role: 'user', content: 'x' }], params: {}, signal: controller.signal }, () => undefined);
    setTimeout(() => controller.abort(), 50);
    await failure(call, 'cancelled');
  });

  it('names an unknown model', async () => {
    const error = await failure(client(kind, keyed).chat('no-such-model-7'), 'not_found');
    expect(error.message).toContain('"no-such-model-7"');
  });

  it('says to check the base URL when its path does not exist', async () => {
    const wrong = createProviderClient({ kind, baseUrl: `${keyed.url}/wrong`, apiKey: key, timeoutMs: 5000 });
    const error = await failure(wrong.chat({ model: 'echo', messages: [{ role: 'user', content: 'x' }], params: {} }, () => undefined), 'not_found');
    expect(error.message).toMatch(/Check the base URL/);
    expect(error.message).toContain(`${keyed.url}/wrong/`);
    await failure(wrong.listModels(), 'not_found');
  });

  it('names the URL and what to check when the server cannot be reached', async () => {
    const refused = createProviderClient({ kind, baseUrl: 'http://127.0.0.1:1/v1', apiKey: key, timeoutMs: 5000 });
    const error = await failure(refused.chat({ model: 'echo', messages: [{ role: 'user', content: 'x' }], params: {} }, () => undefined), 'unavailable');
    expect(error.message).toContain('http://127.0.0.1:1');
    expect(error.message).toMatch(/running/);
    await failure(refused.listModels(), 'unavailable');
    const unknownHost = createProviderClient({ kind, baseUrl: 'http://no-such-host.invalid/v1', apiKey: key, timeoutMs: 5000 });
    const hostError = await failure(unknownHost.chat({ model: 'echo', messages: [{ role: 'user', content: 'x' }], params: {} }, () => undefined), 'unavailable');
    expect(hostError.message).toContain('no-such-host.invalid');
  });

  it('stops reading a 1 MiB answer at the size limit, keeping what arrived', async () => {
    let streamed = 0;
    const raw = client(kind, keyed).raw;
    const call = raw.chat({ model: 'huge', messages: [{ role: 'user', content: 'x' }], params: { maxTokens: 1_000_000 } }, (text) => (streamed += text.length));
    const error = await failure(call, 'too_large');
    const partial = (error as ChatStreamError).partial;
    expect(partial.text).toHaveLength(maxResponseChars);
    expect(partial.text.startsWith('lorem ipsum dolor')).toBe(true);
    expect(streamed).toBe(maxResponseChars);
  });

  it('keeps tool calls raw', async () => {
    const { result } = await client(kind, keyed).chat('tool-call', { messages: [{ role: 'user', content: 'Paris' }] });
    expect(result.text).toBe('');
    const args = { city: 'Paris', unit: 'celsius' };
    if (kind === 'openai') {
      expect(result.toolCalls).toEqual([{ id: expect.stringMatching(/^call_/), type: 'function', function: { name: 'get_weather', arguments: JSON.stringify(args) } }]);
      expect(result.finishReason).toBe('tool_calls');
    } else if (kind === 'anthropic') {
      expect(result.toolCalls).toEqual([{ type: 'tool_use', id: expect.stringMatching(/^toolu_/), name: 'get_weather', input: args }]);
      expect(result.finishReason).toBe('tool_use');
    } else {
      expect(result.toolCalls).toEqual([{ functionCall: { name: 'get_weather', args } }]);
    }
  });

  it('asks for JSON the way the API takes it (Anthropic: a warning)', async () => {
    const { result } = await client(kind, keyed).chat('json', { params: { responseFormat: 'json' } });
    expect(JSON.parse(result.text)).toEqual({ echo: 'The quick brown fox' });
    const body = lastChat(keyed).body as Record<string, unknown>;
    if (kind === 'openai') expect(body.response_format).toEqual({ type: 'json_object' });
    if (kind === 'gemini') expect(body.generationConfig).toEqual({ responseMimeType: 'application/json' });
    if (kind === 'anthropic') {
      expect(JSON.stringify(body)).not.toMatch(/json_object|responseMimeType/);
      expect(result.warnings.join(' ')).toMatch(/JSON/);
    } else expect(result.warnings).toEqual([]);
  });

  it('maps sampling parameters and warns about the ones the API does not take', async () => {
    const params = { temperature: 0.2, topP: 0.5, maxTokens: 2, stop: ['END'], seed: 11 };
    const { result } = await client(kind, keyed).chat('echo', { params });
    expect(result.text).toBe('The quick ');
    expect(result.finishReason).toBe(lengthOf[kind]);
    const body = lastChat(keyed).body as Record<string, unknown>;
    if (kind === 'openai') expect(body).toMatchObject({ temperature: 0.2, top_p: 0.5, max_tokens: 2, stop: ['END'], seed: 11 });
    if (kind === 'gemini') expect(body.generationConfig).toEqual({ temperature: 0.2, topP: 0.5, maxOutputTokens: 2, stopSequences: ['END'], seed: 11 });
    if (kind === 'anthropic') {
      expect(body).toMatchObject({ temperature: 0.2, top_p: 0.5, max_tokens: 2, stop_sequences: ['END'] });
      expect(body.seed).toBeUndefined();
      expect(result.warnings).toEqual([expect.stringMatching(/^seed/)]);
    } else expect(result.warnings).toEqual([]);
  });

  it('answers usage null when the server sends none', async () => {
    const { result } = await client(kind, keyed).chat('no-usage');
    expect(result.text).toBe('The quick brown fox');
    expect(result.usage).toBeNull();
  });

  it("lists the server's models", async () => {
    const models = await client(kind, keyed).raw.listModels();
    expect(models).toContain('echo');
    expect(models).toContain('judge-pass');
    expect(models.some((name) => name.startsWith('models/'))).toBe(false);
  });
});

describe('an OpenAI-compatible server that refuses stream_options', () => {
  it('is asked again without it, the usage left to estimate', async () => {
    const old = await server({ rejectStreamOptions: true });
    const { result } = await client('openai', old, { apiKey: null }).chat('echo');
    expect(result).toMatchObject({ text: 'The quick brown fox', usage: null, attempts: 1 });
    expect(old.requests.map((request) => (request.body as { stream_options?: unknown }).stream_options)).toEqual([{ include_usage: true }, undefined]);
  });
});

describe('a 200 answer that is not an event stream', () => {
  it("answers provider_error with the body's own error message", async () => {
    const { createServer } = await import('node:http');
    const proxy = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { message: 'Quota exhausted for this project', type: 'insufficient_quota' } }));
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const port = (proxy.address() as { port: number }).port;
      const raw = createProviderClient({ kind: 'openai', baseUrl: `http://127.0.0.1:${port}/v1`, apiKey: key, timeoutMs: 5000 });
      const error = await failure(raw.chat({ model: 'echo', messages: [{ role: 'user', content: 'x' }], params: {} }, () => undefined), 'provider_error');
      expect(error.message).toContain('Quota exhausted for this project');
    } finally {
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });
});

describe('fake server', () => {
  it('lists Ollama models on /api/tags without a key', async () => {
    const response = await fetch(`${keyed.url}/api/tags`);
    const body = (await response.json()) as { models: { name: string }[] };
    expect(body.models.map((model) => model.name)).toContain('echo:latest');
  });

  it('answers a non-streamed OpenAI request and an Ollama-tagged model name', async () => {
    const response = await fetch(`${plain.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'echo:latest', messages: [{ role: 'user', content: 'a b' }] }),
    });
    expect(await response.json()).toMatchObject({ object: 'chat.completion', choices: [{ message: { content: 'a b' }, finish_reason: 'stop' }], usage: { prompt_tokens: 2, completion_tokens: 2 } });
  });

  it('refuses an Anthropic request without anthropic-version, as the API does', async () => {
    const response = await fetch(`${plain.url}/v1/messages`, { method: 'POST', body: JSON.stringify({ model: 'echo', max_tokens: 5, messages: [] }) });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'anthropic-version: header is required' } });
  });
});
