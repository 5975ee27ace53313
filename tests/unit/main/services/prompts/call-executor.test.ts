import { describe, expect, it } from 'vitest';
import { OrreryError } from '../../../../../app/contract/errors';
import type { Provider } from '../../../../../app/contract/prompts';
import { CallExecutor } from '../../../../../main/services/prompts/call-executor';
import type { PriceTable } from '../../../../../main/services/prompts/prices';
import type { ProviderStore } from '../../../../../main/services/prompts/provider-store';
import { ChatStreamError, withAttempts, type ProviderClient } from '../../../../../main/services/prompts/providers/types';

const provider: Provider = { id: 'p1', name: 'Local', kind: 'openai', baseUrl: 'http://127.0.0.1:1/v1', hasKey: false, keyStore: null, keyEnv: null, models: [], timeoutMs: 1000, createdAt: 0 };
const providers = { get: () => provider, connection: () => ({ kind: 'openai', baseUrl: provider.baseUrl, apiKey: null, timeoutMs: 1000 }) } as unknown as ProviderStore;
const prices = { cost: (_model: string, usage: { inputTokens: number; outputTokens: number }) => usage.inputTokens + usage.outputTokens } as unknown as PriceTable;
const meta = { runId: 'r1', suiteRunId: null, promptId: null, promptVersion: null, variables: {} };

function executor(chat: ProviderClient['chat']): CallExecutor {
  const client: ProviderClient = { kind: 'openai', chat, listModels: () => Promise.resolve([]) };
  return new CallExecutor({ providers, prices, clock: { now: () => 42 }, clientFor: () => client });
}

describe('CallExecutor', () => {
  it('records a failure after retries with its error code and the requests it took', async () => {
    const call = await executor(() => Promise.reject(withAttempts(new OrreryError('rate_limited', 'kept answering 429 after 5 attempts'), 5))).execute(
      { providerId: 'p1', model: 'm', params: {} },
      [{ role: 'user', content: 'hi' }],
      meta,
    );
    expect(call).toMatchObject({ status: 'error', attempts: 5, output: '', usage: null, costUsd: null, startedAt: 42 });
    expect(call.error).toBe('(rate_limited) Local: kept answering 429 after 5 attempts');
  });

  it('keeps the partial text of a broken stream, with usage estimated and priced', async () => {
    const partial = { text: 'half an answer', toolCalls: null, finishReason: null, usage: null, warnings: [], attempts: 1, firstTokenMs: 3 };
    const call = await executor(() => Promise.reject(new ChatStreamError('provider_error', 'connection dropped', partial))).execute(
      { providerId: 'p1', model: 'm', params: {} },
      [{ role: 'user', content: 'tell me' }],
      meta,
    );
    expect(call).toMatchObject({ status: 'partial', output: 'half an answer', firstTokenMs: 3 });
    expect(call.usage).toMatchObject({ estimated: true });
    expect(call.usage!.outputTokens).toBeGreaterThan(0);
    expect(call.costUsd).toBe(call.usage!.inputTokens + call.usage!.outputTokens);
  });
});
