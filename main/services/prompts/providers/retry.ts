import type { IncomingHttpHeaders } from 'node:http';
import { OrreryError } from '../../../../app/contract/errors';
import type { RetryPolicy } from './types';

// Retries of 429 and 5xx answers: the wait the server asks for (Retry-After), else exponential backoff with jitter.

/** Waits between retries; the default one rejects with `cancelled` when the signal fires. */
export type SleepFn = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Waits `ms`, or rejects with `cancelled` when the signal fires first. */
export const defaultSleep: SleepFn = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(cancelledError());
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(cancelledError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** The error of a call stopped through its signal. */
export function cancelledError(): OrreryError {
  return new OrreryError('cancelled', 'The call was cancelled.');
}

/**
 * Retry-After as milliseconds: delay-seconds (decimals accepted) or an HTTP date (a date in the past is 0);
 * null when absent or unreadable. `retry-after-ms` (OpenAI) is read first by `retryAfterOf`.
 */
export function parseRetryAfter(value: string | undefined | null, now: number = Date.now()): number | null {
  if (value === undefined || value === null) return null;
  const trimmed = value.trim();
  if (trimmed === '') return null;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  if (/^-/.test(trimmed)) return null;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now);
}

/** The wait a 429 / 503 asks for: `retry-after-ms` (OpenAI) first, then Retry-After. */
export function retryAfterOf(headers: IncomingHttpHeaders, now: number): number | null {
  const ms = headers['retry-after-ms'];
  if (typeof ms === 'string' && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.round(Number(ms.trim()));
  const value = headers['retry-after'];
  return parseRetryAfter(Array.isArray(value) ? value[0] : value, now);
}

/** The wait before retry number `retry` (0-based): base·2^retry capped by maxDelayMs, the upper half jittered. */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.round(exponential / 2 + random() * (exponential / 2));
}

/** The wait before a retry: the server's Retry-After when it gave one, else the backoff; never over maxDelayMs. */
export function retryDelay(retry: number, retryAfterMs: number | null, policy: RetryPolicy, random: () => number = Math.random): number {
  if (retryAfterMs !== null) return Math.min(retryAfterMs, policy.maxDelayMs);
  return backoffDelay(retry, policy, random);
}
