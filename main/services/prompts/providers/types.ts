import { OrreryError, type ErrorCode } from '../../../../app/contract/errors';
import type { z } from 'zod';
import type { providerKinds, samplingParamsSchema } from '../../../../app/contract/prompts';

/** The wire protocol a provider speaks. */
export type ProviderKind = (typeof providerKinds)[number];
export type SamplingParams = z.output<typeof samplingParamsSchema>;

export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

/** Where and how to reach a provider (the key already decrypted; it must never reach a log or an error). */
export interface ProviderConnection {
  readonly kind: ProviderKind;
  readonly baseUrl: string;
  readonly apiKey: string | null;
  /** Time limit for the response headers and for each gap between chunks, in ms. */
  readonly timeoutMs: number;
}

/** Retries of 429 and 5xx answers (before any text arrived): exponential backoff, Retry-After honoured. */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  readonly retries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { retries: 4, baseDelayMs: 500, maxDelayMs: 30_000 };

/** Responses longer than this are cut: what arrived is kept and the call is marked partial (`too_large`). */
export const maxResponseChars = 512 * 1024;

export interface ChatRequest {
  readonly model: string;
  readonly messages: readonly ChatMessage[];
  readonly params: SamplingParams;
  readonly signal?: AbortSignal;
}

/** What a finished (or broken-off) streamed call gave. */
export interface ChatResult {
  readonly text: string;
  /** Tool / function calls exactly as the provider streamed them (joined), or null. */
  readonly toolCalls: unknown;
  readonly finishReason: string | null;
  /** Usage as the provider reported it; null when the server sent none (the service then estimates). */
  readonly usage: { readonly inputTokens: number; readonly outputTokens: number } | null;
  /** Parameters this provider's API does not take, left out of the request. */
  readonly warnings: readonly string[];
  /** Requests made (1 + retries). */
  readonly attempts: number;
  /** ms from the first request to the first text (null: no text came). */
  readonly firstTokenMs: number | null;
}

/**
 * A call that failed after some of it arrived (a dropped connection, a malformed event, the size limit, a
 * cancel): `partial` holds what arrived, so the history keeps it and marks it.
 */
export class ChatStreamError extends OrreryError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly partial: ChatResult,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** One provider's client: streamed chat and the model list. */
export interface ProviderClient {
  readonly kind: ProviderKind;
  /**
   * Streams a chat completion; `onDelta` gets each piece of text as soon as its chunk is parsed. Throws
   * OrreryError: unauthorized (401/403), not_found (unknown model), rate_limited (429 after retries),
   * unavailable (unreachable), timeout, provider_error (5xx after retries, a malformed stream), cancelled
   * (signal); ChatStreamError when text had already arrived.
   */
  chat(request: ChatRequest, onDelta: (text: string) => void): Promise<ChatResult>;
  /** The models the server lists. */
  listModels(signal?: AbortSignal): Promise<string[]>;
}

/** Marks an error with the number of requests made before it (the history keeps it with the failed call). */
export function withAttempts<E extends Error>(error: E, attempts: number): E {
  return Object.assign(error, { attempts });
}

/** The request count an error was marked with, if any. */
export function attemptsOf(error: unknown): number | null {
  const attempts = error instanceof Error ? (error as { attempts?: unknown }).attempts : undefined;
  return typeof attempts === 'number' ? attempts : null;
}
