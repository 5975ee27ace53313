import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { OrreryError, isOrreryError } from '../../../../app/contract/errors';
import { cancelledError } from './retry';
import type { ProviderConnection } from './types';

/**
 * The HTTP side shared by the three provider clients: one request over node:http (a chunk reaches its reader in
 * the tick its bytes arrive — no stream adapters in between), time limits for the headers and for each gap
 * between chunks, cancel through the AbortSignal, and HTTP failures mapped to Orrery's error codes with the
 * provider's own words (never the key).
 */

/** What the provider's JSON error body says. */
export interface ProviderErrorInfo {
  readonly message: string | null;
  /** The provider's error code or type (model_not_found, not_found_error, NOT_FOUND, …). */
  readonly code: string | null;
  /** The body says the key is invalid although the status is not 401/403 (Gemini answers 400 API_KEY_INVALID). */
  readonly badKey?: boolean;
}

export type BreakReason = 'timeout' | 'cancelled' | 'dropped';

/** Why reading a response stopped before its end. */
export class StreamBreak extends Error {
  constructor(
    readonly reason: BreakReason,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
    this.name = 'StreamBreak';
  }
}

/** `base` + `path`, whatever slashes either has; a base that is not an http(s) URL is invalid_input. */
export function joinUrl(base: string, pathAndQuery: string): URL {
  const trimmed = base.trim().replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(trimmed + (pathAndQuery.startsWith('/') ? pathAndQuery : `/${pathAndQuery}`));
  } catch {
    throw new OrreryError('invalid_input', `The base URL "${base}" is not a URL: write it whole, such as http://127.0.0.1:11434/v1.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new OrreryError('invalid_input', `The base URL "${base}" is not http or https: write it such as https://api.openai.com/v1.`);
  }
  return url;
}

/** Replaces the key, if it appears, in text that came from a provider. */
export function scrubKey(text: string, apiKey: string | null): string {
  if (!apiKey || apiKey.length < 4) return text;
  return text.split(apiKey).join('[key]');
}

interface SendOptions {
  readonly method: 'GET' | 'POST';
  readonly headers: Record<string, string>;
  readonly body?: string | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly timeoutMs: number;
}

/** Sends one request; resolves at the response headers. Network failures, the time limit and cancel reject as OrreryError. */
export function sendRequest(url: URL, options: SendOptions): Promise<IncomingMessage> {
  return new Promise<IncomingMessage>((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(cancelledError());
      return;
    }
    const transport = url.protocol === 'https:' ? https : http;
    let settled = false;
    const headers: Record<string, string> = { ...options.headers };
    if (options.body !== undefined) headers['content-length'] = String(Buffer.byteLength(options.body));
    const request = transport.request(url, { method: options.method, headers });
    const done = (error: unknown, response?: IncomingMessage): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (response) resolve(response);
      else {
        request.destroy();
        reject(error);
      }
    };
    const onAbort = (): void => done(cancelledError());
    const timer = setTimeout(
      () => done(new OrreryError('timeout', `${url.origin} sent no answer within ${options.timeoutMs} ms: the server may be busy loading the model; try again or raise the provider's time limit.`)),
      options.timeoutMs,
    );
    options.signal?.addEventListener('abort', onAbort, { once: true });
    request.on('response', (response) => done(null, response));
    request.on('error', (error) => done(networkError(error, url)));
    request.end(options.body);
  });
}

/** A connection failure as `unavailable`, naming the URL and what to check. */
export function networkError(error: unknown, url: URL): OrreryError {
  if (isOrreryError(error)) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  const where = `${url.protocol}//${url.host}`;
  const advice: Record<string, string> = {
    ECONNREFUSED: `connection refused: check that the server is running and listening on ${url.host}, and the base URL's port`,
    ENOTFOUND: `host "${url.hostname}" not found: check the base URL's host name and your network`,
    EAI_AGAIN: `host "${url.hostname}" could not be resolved: check your network and the base URL`,
    EHOSTUNREACH: `host unreachable: check your network and the base URL`,
    ENETUNREACH: `network unreachable: check your network connection`,
    ECONNRESET: `the connection was reset: check that the base URL points at the model server (http vs https, port)`,
    ETIMEDOUT: `the connection timed out: check the host, the port and any firewall`,
  };
  const detail = advice[code] ?? `${code !== '' ? `${code}: ` : ''}${error instanceof Error ? error.message : String(error)}: check the base URL`;
  return new OrreryError('unavailable', `Cannot reach ${where} (${detail}).`, { cause: error });
}

/** Reads a response to its end (at most `limit` bytes kept), with the gap limit and cancel. */
export function readBody(response: IncomingMessage, options: { signal?: AbortSignal | undefined; timeoutMs: number; limit: number }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  return pump(response, {
    signal: options.signal,
    timeoutMs: options.timeoutMs,
    onChunk: (chunk) => {
      if (size >= options.limit) return;
      chunks.push(chunk);
      size += chunk.length;
    },
  }).then(() => Buffer.concat(chunks).subarray(0, options.limit).toString('utf8'));
}

/** Feeds every chunk of the response to `onChunk` until its end; rejects with StreamBreak or what onChunk threw. */
export function pump(response: IncomingMessage, options: { signal?: AbortSignal | undefined; timeoutMs: number; onChunk: (chunk: Buffer) => void }): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (error?: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (error === undefined) resolve();
      else {
        response.destroy();
        reject(error);
      }
    };
    const onAbort = (): void => finish(new StreamBreak('cancelled'));
    const timer = setTimeout(() => finish(new StreamBreak('timeout')), options.timeoutMs);
    response.on('data', (chunk: Buffer) => {
      if (settled) return;
      timer.refresh();
      try {
        options.onChunk(chunk);
      } catch (error) {
        finish(error);
      }
    });
    response.on('end', () => finish());
    response.on('error', (error) => finish(new StreamBreak('dropped', { cause: error })));
    response.on('close', () => {
      if (!response.complete) finish(new StreamBreak('dropped'));
    });
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** JSON.parse, or null. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** Context for naming a failure. */
interface FailureContext {
  readonly label: string;
  readonly url: URL;
  readonly model: string | null;
  readonly apiKey: string | null;
  readonly attempts: number;
}

const modelMissing = /model.*(not found|does not exist|not exist|unknown|not supported)|(unknown|invalid) model|no such model/i;

/** An HTTP error answer as an OrreryError carrying the provider's own words (never the key). */
export function httpFailure(status: number, bodyText: string, info: ProviderErrorInfo, context: FailureContext): OrreryError {
  const said = info.message !== null ? scrubKey(info.message, context.apiKey).slice(0, 600) : bodyText.trim() !== '' && !bodyText.trim().startsWith('<') ? scrubKey(bodyText.trim(), context.apiKey).slice(0, 300) : null;
  const saying = said !== null ? `: ${said}` : '';
  const tries = context.attempts > 1 ? ` after ${context.attempts} attempts` : '';
  if (status === 401 || status === 403 || info.badKey === true) {
    return new OrreryError(
      'unauthorized',
      `${context.label} at ${context.url.origin} refused the API key (HTTP ${status}): check the key in the provider's settings and enter it again.`,
    );
  }
  const codeSaysMissing = info.code !== null && /model_not_found|not_found/i.test(info.code);
  const namesModel = context.model !== null && (codeSaysMissing || modelMissing.test(said ?? '') || (said ?? '').includes(context.model));
  if (namesModel && (status === 404 || status === 400 || status === 422)) {
    return new OrreryError('not_found', `${context.label} at ${context.url.origin} has no model "${context.model}"${saying}. Pick one from the provider's model list.`);
  }
  if (status === 404) {
    return new OrreryError('not_found', `${context.label} answered 404 for ${context.url.href}${saying}. Check the base URL (for OpenAI-compatible servers it usually ends in /v1).`);
  }
  if (status === 429) {
    return new OrreryError('rate_limited', `${context.label} kept answering 429 (rate limited)${tries}${saying}. Wait a little and run again, or lower the concurrency.`);
  }
  return new OrreryError('provider_error', `${context.label} answered HTTP ${status}${tries}${saying}`);
}

/** 429 and 5xx are worth another try. */
export function retryable(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599);
}

/** Fetches JSON with the protocol's headers (model lists); failures mapped like chat failures, no retries. */
export async function getJson(url: URL, headers: Record<string, string>, context: { label: string; connection: ProviderConnection; errorInfo: (body: unknown) => ProviderErrorInfo; signal?: AbortSignal | undefined }): Promise<unknown> {
  const timeoutMs = context.connection.timeoutMs;
  const response = await sendRequest(url, { method: 'GET', headers: { accept: 'application/json', ...headers }, signal: context.signal, timeoutMs });
  const text = await readBodyMapped(response, url, { signal: context.signal, timeoutMs, limit: 16 * 1024 * 1024 });
  const status = response.statusCode ?? 0;
  const body = parseJson(text);
  if (status < 200 || status > 299) {
    throw httpFailure(status, text, context.errorInfo(body), { label: context.label, url, model: null, apiKey: context.connection.apiKey, attempts: 1 });
  }
  if (body === null) throw new OrreryError('provider_error', `${context.label} at ${url.origin} answered ${url.pathname} with something that is not JSON: check the base URL.`);
  return body;
}

/** readBody with its failures as OrreryError. */
export async function readBodyMapped(response: IncomingMessage, url: URL, options: { signal?: AbortSignal | undefined; timeoutMs: number; limit: number }): Promise<string> {
  try {
    return await readBody(response, options);
  } catch (error) {
    throw breakError(error, url, options.timeoutMs);
  }
}

function breakError(error: unknown, url: URL, timeoutMs: number): OrreryError {
  if (error instanceof StreamBreak) {
    if (error.reason === 'cancelled') return cancelledError();
    if (error.reason === 'timeout') return new OrreryError('timeout', `${url.origin} stopped sending for ${timeoutMs} ms.`);
    return new OrreryError('provider_error', `The connection to ${url.origin} dropped before the answer was complete.`, { cause: error });
  }
  if (isOrreryError(error)) return error;
  return new OrreryError('provider_error', `Reading the answer of ${url.origin} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

