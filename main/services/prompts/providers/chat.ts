import type { IncomingMessage } from 'node:http';
import { OrreryError } from '../../../../app/contract/errors';
import { httpFailure, parseJson, pump, readBodyMapped, retryable, scrubKey, sendRequest, StreamBreak, type ProviderErrorInfo } from './http';
import { cancelledError, defaultSleep, retryAfterOf, retryDelay, type SleepFn } from './retry';
import { SseLineTooLongError, SseParser, type SseEvent } from './sse';
import { ChatStreamError, defaultRetryPolicy, maxResponseChars, type ChatRequest, type ChatResult, type ProviderConnection, type RetryPolicy, withAttempts } from './types';

/**
 * The streamed chat the three protocols share: the request with retries of 429 / 5xx (before any text) that honour
 * Retry-After, then the SSE stream parsed as it arrives, each piece of text handed to `onDelta` at once, the size
 * limit, and a break (drop, malformed event, time limit, cancel) turned into ChatStreamError with what arrived.
 * Each protocol supplies its request, its stream decoder and how its error bodies read.
 */

/** How a client retries and waits (tests inject the sleep to check the waits without the clock). */
export interface ClientOptions {
  readonly retry?: RetryPolicy | undefined;
  readonly sleep?: SleepFn | undefined;
  /** Over the default 512 KiB (tests use a smaller one). */
  readonly maxResponseChars?: number | undefined;
  /** For the jitter of backoff delays (tests fix it). */
  readonly random?: (() => number) | undefined;
}

/** Reads one protocol's stream: text through `emit`, the rest kept for the result. */
export interface StreamDecoder {
  /** Handles one SSE event; throws StreamProtocolError for an event that cannot be used. */
  event(event: SseEvent, emit: (text: string) => void): void;
  /** The stream signalled its own end ([DONE], message_stop, a finish reason). */
  finished(): boolean;
  toolCalls(): unknown;
  finishReason(): string | null;
  usage(): { inputTokens: number; outputTokens: number } | null;
}

/** A protocol's request for one chat, and what it left out. */
export interface PreparedRequest {
  readonly url: URL;
  readonly headers: Record<string, string>;
  readonly body: unknown;
  readonly warnings: readonly string[];
}

export interface ChatProtocol {
  /** How messages name the provider: "OpenAI-compatible server", "Anthropic", "Gemini". */
  readonly label: string;
  prepare(request: ChatRequest): PreparedRequest;
  decoder(): StreamDecoder;
  errorInfo(body: unknown): ProviderErrorInfo;
}

/** A stream event the protocol cannot use (not JSON, an `error` event): provider_error, partial kept. */
export class StreamProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StreamProtocolError';
  }
}

class OutputTooLarge extends Error {}

/** The streamed chat shared by the three protocols (see the file's comment). */
export async function streamChat(
  protocol: ChatProtocol,
  connection: ProviderConnection,
  request: ChatRequest,
  onDelta: (text: string) => void,
  options: ClientOptions = {},
): Promise<ChatResult> {
  const started = performance.now();
  const prepared = protocol.prepare(request);
  const { response, attempts } = await openStream(protocol, connection, request, prepared, options);
  return readStream(protocol, connection, prepared, response, onDelta, {
    started,
    attempts,
    signal: request.signal,
    limit: options.maxResponseChars ?? maxResponseChars,
  });
}

/** Sends the request until a 2xx stream starts: 429 / 5xx retried after Retry-After or the backoff; other answers mapped to errors. */
async function openStream(
  protocol: ChatProtocol,
  connection: ProviderConnection,
  request: ChatRequest,
  prepared: PreparedRequest,
  options: ClientOptions,
): Promise<{ response: IncomingMessage; attempts: number }> {
  const policy = options.retry ?? defaultRetryPolicy;
  const sleep = options.sleep ?? defaultSleep;
  const { signal } = request;
  const { url } = prepared;
  const body = JSON.stringify(prepared.body);
  const headers = { 'content-type': 'application/json', accept: 'text/event-stream', ...prepared.headers };
  const bodyOptions = { signal, timeoutMs: connection.timeoutMs, limit: 64 * 1024 };
  for (let attempts = 1; ; attempts++) {
    const response = await sendRequest(url, { method: 'POST', headers, body, signal, timeoutMs: connection.timeoutMs });
    const status = response.statusCode ?? 0;
    const isJson = /json/i.test(String(response.headers['content-type'] ?? ''));
    if (status >= 200 && status <= 299 && !isJson) return { response, attempts };
    const text = await readBodyMapped(response, url, bodyOptions);
    if (status >= 200 && status <= 299) {
      // A 200 with a JSON body instead of an event stream: a proxy's error, or a server that does not stream.
      const info = protocol.errorInfo(parseJson(text));
      const said = info.message !== null ? `: ${scrubKey(info.message, connection.apiKey).slice(0, 600)}` : ' instead of an event stream; check that the server supports streaming';
      throw new OrreryError('provider_error', `${protocol.label} at ${url.origin} answered with JSON${said}`);
    }
    if (retryable(status) && attempts <= policy.retries) {
      await sleep(retryDelay(attempts - 1, retryAfterOf(response.headers, Date.now()), policy, options.random ?? Math.random), signal);
      if (signal?.aborted) throw cancelledError();
      continue;
    }
    throw withAttempts(httpFailure(status, text, protocol.errorInfo(parseJson(text)), { label: protocol.label, url, model: request.model, apiKey: connection.apiKey, attempts }), attempts);
  }
}

/** Reads the event stream: each text piece to `onDelta` as its event is parsed; a break keeps what arrived. */
async function readStream(
  protocol: ChatProtocol,
  connection: ProviderConnection,
  prepared: PreparedRequest,
  response: IncomingMessage,
  onDelta: (text: string) => void,
  state: { started: number; attempts: number; signal: AbortSignal | undefined; limit: number },
): Promise<ChatResult> {
  const { limit } = state;
  const origin = prepared.url.origin;
  const decoder = protocol.decoder();
  const pieces: string[] = [];
  let length = 0;
  let firstTokenMs: number | null = null;
  const emit = (piece: string): void => {
    if (piece.length === 0) return;
    if (firstTokenMs === null) firstTokenMs = performance.now() - state.started;
    const kept = length + piece.length > limit ? piece.slice(0, limit - length) : piece;
    if (kept.length > 0) {
      pieces.push(kept);
      length += kept.length;
      onDelta(kept);
    }
    if (kept !== piece) throw new OutputTooLarge();
  };
  const parser = new SseParser((event) => decoder.event(event, emit), limit + 256 * 1024);
  const result = (): ChatResult => ({
    text: pieces.join(''),
    toolCalls: decoder.toolCalls(),
    finishReason: decoder.finishReason(),
    usage: decoder.usage(),
    warnings: prepared.warnings,
    attempts: state.attempts,
    firstTokenMs,
  });
  try {
    await pump(response, { signal: state.signal, timeoutMs: connection.timeoutMs, onChunk: (chunk) => parser.push(chunk) });
    parser.end();
  } catch (error) {
    const partial = result();
    if (error instanceof OutputTooLarge || error instanceof SseLineTooLongError) {
      return failWith('too_large', `The answer passed ${limit.toLocaleString('en-US')} characters; Orrery stopped reading and kept what arrived. Lower max tokens to get a complete answer.`, partial);
    }
    if (error instanceof StreamProtocolError) return failWith('provider_error', `${protocol.label} sent a stream Orrery cannot read: ${error.message}`, partial);
    if (!(error instanceof StreamBreak)) throw error;
    if (error.reason === 'cancelled') return failWith('cancelled', 'The call was cancelled.', partial);
    if (error.reason === 'timeout') return failWith('timeout', `${origin} sent nothing for ${connection.timeoutMs} ms in the middle of the answer; raise the provider's time limit if the model is slow.`, partial);
    return failWith('provider_error', `The connection to ${origin} dropped in the middle of the answer.`, partial, error);
  }
  if (!decoder.finished()) return failWith('provider_error', `The stream from ${origin} ended before the answer was complete (no end-of-stream event).`, result());
  return result();
}

/** A stream failure: ChatStreamError carrying the partial result when anything arrived, else a plain OrreryError. */
function failWith(code: 'too_large' | 'provider_error' | 'cancelled' | 'timeout', message: string, partial: ChatResult, cause?: unknown): never {
  const arrived = partial.text.length > 0 || partial.toolCalls !== null;
  const suffix = arrived && code !== 'too_large' ? ` The ${partial.text.length.toLocaleString('en-US')} characters that arrived are kept.` : '';
  if (arrived) throw new ChatStreamError(code, message + suffix, partial, cause !== undefined ? { cause } : undefined);
  throw new OrreryError(code, message, cause !== undefined ? { cause } : undefined);
}

/** JSON.parse of an event's data, or StreamProtocolError quoting the start of it. */
export function eventJson(event: SseEvent): unknown {
  try {
    return JSON.parse(event.data) as unknown;
  } catch {
    const shown = event.data.length > 80 ? `${event.data.slice(0, 80)}…` : event.data;
    throw new StreamProtocolError(`an event's data is not JSON (${JSON.stringify(shown)})`);
  }
}

/** A plain object, or null. */
export function record(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/** A string field, or null. */
export function stringField(value: Record<string, unknown> | null, key: string): string | null {
  const field = value?.[key];
  return typeof field === 'string' ? field : null;
}

/** A finite number field, or null. */
export function numberField(value: Record<string, unknown> | null, key: string): number | null {
  const field = value?.[key];
  return typeof field === 'number' && Number.isFinite(field) ? field : null;
}

