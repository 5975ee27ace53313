import { assertNever } from '../../../../app/lib/assert';
import { createAnthropicClient } from './anthropic';
import { createGeminiClient } from './gemini';
import type { ClientOptions } from './chat';
import { createOpenAiClient } from './openai';
import type { ProviderClient, ProviderConnection } from './types';

export * from './types';
export type { ClientOptions } from './chat';
export type { SleepFn } from './retry';

/** A client for the provider's wire protocol (OpenAI chat completions, Anthropic Messages, Gemini). */
export function createProviderClient(connection: ProviderConnection, options?: ClientOptions): ProviderClient {
  switch (connection.kind) {
    case 'openai':
      return createOpenAiClient(connection, options);
    case 'anthropic':
      return createAnthropicClient(connection, options);
    case 'gemini':
      return createGeminiClient(connection, options);
    default:
      return assertNever(connection.kind, 'provider kind');
  }
}
