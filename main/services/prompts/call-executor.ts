import { isOrreryError } from '../../../app/contract/errors';
import type { LlmCall, Provider } from '../../../app/contract/prompts';
import { newId } from '../../../app/lib/ids';
import type { Clock } from '../../core/clock';
import type { PriceTable } from './prices';
import type { ProviderStore } from './provider-store';
import { attemptsOf, ChatStreamError, type ChatMessage, type ChatResult, type ProviderClient, type ProviderConnection, type SamplingParams } from './providers/types';
import { estimateUsage } from './tokens';

/** One model to call, with the parameters already merged (prompt's, then the target's). */
export interface CallTarget {
  readonly providerId: string;
  readonly model: string;
  readonly params: SamplingParams;
}

/** What the call belongs to, kept with it in the history. */
export interface CallMeta {
  readonly runId: string;
  readonly suiteRunId: string | null;
  readonly promptId: string | null;
  readonly promptVersion: number | null;
  readonly variables: Readonly<Record<string, string>>;
}

export interface ExecuteOptions {
  readonly signal?: AbortSignal | undefined;
  /** Each piece of text as it streams; `callId` is the id the finished call will have. */
  readonly onDelta?: ((text: string, callId: string) => void) | undefined;
  /** Called once the call has an id, before the request goes out. */
  readonly onStart?: ((callId: string) => void) | undefined;
}

export interface CallExecutorDeps {
  readonly providers: ProviderStore;
  readonly prices: PriceTable;
  readonly clock: Clock;
  readonly clientFor: (connection: ProviderConnection) => ProviderClient;
}

/**
 * Runs one model call to its end and describes it as the history keeps it: usage from the provider (or
 * estimated, and marked so), cost from the price table, first-token and total latency. A provider's failure is
 * not thrown but recorded (status error, or partial with the text that arrived), so a side-by-side run or a suite
 * goes on with its other cells; only an unknown provider throws.
 */
export class CallExecutor {
  private readonly clients = new Map<string, { key: string; client: ProviderClient }>();

  constructor(private readonly deps: CallExecutorDeps) {}

  async execute(target: CallTarget, messages: readonly ChatMessage[], meta: CallMeta, options: ExecuteOptions = {}): Promise<LlmCall> {
    const provider = this.deps.providers.get(target.providerId);
    const id = newId('call', 12);
    options.onStart?.(id);
    const startedAt = this.deps.clock.now();
    const started = performance.now();
    let result: ChatResult | null = null;
    let status: LlmCall['status'] = 'ok';
    let error: string | null = null;
    let failedAfter: number | null = null;
    try {
      const client = this.client(provider);
      result = await client.chat({ model: target.model, messages, params: target.params, ...(options.signal ? { signal: options.signal } : {}) }, (text) =>
        options.onDelta?.(text, id),
      );
    } catch (failure) {
      const cancelled = options.signal?.aborted === true || (isOrreryError(failure) && failure.code === 'cancelled');
      error = describe(failure, provider);
      failedAfter = attemptsOf(failure);
      if (failure instanceof ChatStreamError || (isOrreryError(failure) && 'partial' in failure)) {
        result = (failure as ChatStreamError).partial;
        status = cancelled ? 'cancelled' : 'partial';
      } else {
        status = cancelled ? 'cancelled' : 'error';
      }
    }
    const latencyMs = performance.now() - started;
    const text = result?.text ?? '';
    const reported = result?.usage ?? null;
    const usage =
      reported !== null
        ? { ...reported, estimated: false }
        : result !== null && (text.length > 0 || status === 'ok')
          ? { ...estimateUsage(messages, text), estimated: true }
          : null;
    const costUsd = usage ? this.deps.prices.cost(target.model, usage) : null;
    return {
      id,
      runId: meta.runId,
      suiteRunId: meta.suiteRunId,
      promptId: meta.promptId,
      promptVersion: meta.promptVersion,
      providerId: provider.id,
      providerName: provider.name,
      providerKind: provider.kind,
      model: target.model,
      messages: messages.map((message) => ({ role: message.role, content: message.content })),
      variables: { ...meta.variables },
      params: target.params,
      output: text,
      toolCalls: result?.toolCalls ?? null,
      finishReason: result?.finishReason ?? null,
      status,
      error,
      warnings: [...(result?.warnings ?? [])],
      usage,
      costUsd,
      firstTokenMs: result?.firstTokenMs ?? null,
      latencyMs,
      attempts: result?.attempts ?? failedAfter ?? 1,
      startedAt,
    };
  }

  /** One client per provider, rebuilt when its connection (URL, key, time limit) changes. */
  private client(provider: Provider): ProviderClient {
    const connection = this.deps.providers.connection(provider.id);
    const key = JSON.stringify([connection.kind, connection.baseUrl, connection.apiKey, connection.timeoutMs]);
    const cached = this.clients.get(provider.id);
    if (cached && cached.key === key) return cached.client;
    const client = this.deps.clientFor(connection);
    this.clients.set(provider.id, { key, client });
    return client;
  }
}

/** The error as the history keeps it: `(code) message`, naming the provider. */
function describe(failure: unknown, provider: Provider): string {
  if (isOrreryError(failure)) return `(${failure.code}) ${provider.name}: ${failure.message}`;
  return `(internal) ${provider.name}: ${failure instanceof Error ? failure.message : String(failure)}`;
}
