import { OrreryError, isOrreryError } from '../../../../app/contract/errors';
import type { SseEvent } from './sse';
import {
  eventJson,
  numberField,
  record,
  stringField,
  streamChat,
  StreamProtocolError,
  type ChatProtocol,
  type ClientOptions,
  type StreamDecoder,
} from './chat';
import { getJson, joinUrl, type ProviderErrorInfo } from './http';
import { ChatStreamError, type ChatRequest, type ProviderClient, type ProviderConnection } from './types';

/**
 * OpenAI chat completions, as OpenAI and the servers copying it speak it (Ollama, LM Studio, vLLM, llama.cpp
 * server, Groq, Together, Mistral): POST {base}/chat/completions with `stream: true` and
 * `stream_options.include_usage`, answered with `data: {chunk}` events and `data: [DONE]`; the usage arrives
 * in a last chunk whose `choices` is empty. GET {base}/models lists the models (`data[].id`).
 */

const label = 'OpenAI-compatible server';

function headers(connection: ProviderConnection): Record<string, string> {
  return connection.apiKey ? { authorization: `Bearer ${connection.apiKey}` } : {};
}

/** The request body for one chat (exported for tests of the mapping). */
export function openAiBody(request: ChatRequest, askUsage = true): { body: Record<string, unknown>; warnings: string[] } {
  const { params } = request;
  const body: Record<string, unknown> = {
    model: request.model,
    messages: request.messages.map((message) => ({ role: message.role, content: message.content })),
    stream: true,
    ...(askUsage ? { stream_options: { include_usage: true } } : {}),
  };
  if (params.temperature !== undefined) body.temperature = params.temperature;
  if (params.topP !== undefined) body.top_p = params.topP;
  if (params.maxTokens !== undefined) body.max_tokens = params.maxTokens;
  if (params.stop !== undefined && params.stop.length > 0) body.stop = params.stop;
  if (params.seed !== undefined) body.seed = params.seed;
  if (params.responseFormat === 'json') body.response_format = { type: 'json_object' };
  return { body, warnings: [] };
}

interface ToolCallDraft {
  id?: string;
  type?: string;
  function: { name: string; arguments: string };
}

class OpenAiDecoder implements StreamDecoder {
  private done = false;
  private finish: string | null = null;
  private reported: { inputTokens: number; outputTokens: number } | null = null;
  private readonly tools = new Map<number, ToolCallDraft>();

  event(event: SseEvent, emit: (text: string) => void): void {
    if (event.data === '[DONE]') {
      this.done = true;
      return;
    }
    const chunk = record(eventJson(event));
    if (chunk === null) throw new StreamProtocolError('a chunk is not a JSON object');
    const error = record(chunk.error);
    if (error !== null) throw new StreamProtocolError(stringField(error, 'message') ?? JSON.stringify(error));
    // Groq reports usage under x_groq.
    const usage = record(chunk.usage) ?? record(record(chunk.x_groq)?.usage);
    if (usage !== null) {
      const input = numberField(usage, 'prompt_tokens');
      const output = numberField(usage, 'completion_tokens');
      if (input !== null && output !== null) this.reported = { inputTokens: input, outputTokens: output };
    }
    const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
    for (const item of choices) {
      const choice = record(item);
      if (choice === null || (numberField(choice, 'index') ?? 0) !== 0) continue;
      const delta = record(choice.delta);
      const content = stringField(delta, 'content');
      if (content !== null) emit(content);
      if (Array.isArray(delta?.tool_calls)) this.toolDeltas(delta.tool_calls);
      const finish = stringField(choice, 'finish_reason');
      if (finish !== null) this.finish = finish;
    }
  }

  private toolDeltas(deltas: unknown[]): void {
    for (const item of deltas) {
      const delta = record(item);
      if (delta === null) continue;
      const index = numberField(delta, 'index') ?? this.tools.size;
      const draft = this.tools.get(index) ?? { function: { name: '', arguments: '' } };
      const id = stringField(delta, 'id');
      if (id !== null) draft.id = id;
      const type = stringField(delta, 'type');
      if (type !== null) draft.type = type;
      const fn = record(delta.function);
      draft.function.name += stringField(fn, 'name') ?? '';
      draft.function.arguments += stringField(fn, 'arguments') ?? '';
      this.tools.set(index, draft);
    }
  }

  /** [DONE], or a finish reason from a server that closes the stream without [DONE]. */
  finished(): boolean {
    return this.done || this.finish !== null;
  }

  toolCalls(): unknown {
    if (this.tools.size === 0) return null;
    return [...this.tools.entries()].sort(([a], [b]) => a - b).map(([, draft]) => ({ ...draft, type: draft.type ?? 'function' }));
  }

  finishReason(): string | null {
    return this.finish;
  }

  usage(): { inputTokens: number; outputTokens: number } | null {
    return this.reported;
  }
}

/** OpenAI's error body `{error: {message, type, code}}`; Ollama's `{error: "…"}` too. */
export function openAiErrorInfo(body: unknown): ProviderErrorInfo {
  const root = record(body);
  if (root === null) return { message: null, code: null };
  if (typeof root.error === 'string') return { message: root.error, code: null };
  const error = record(root.error);
  if (error === null) return { message: stringField(root, 'message') ?? stringField(root, 'detail'), code: null };
  return { message: stringField(error, 'message'), code: stringField(error, 'code') ?? stringField(error, 'type') };
}

/** A client for an OpenAI-compatible server. */
export function createOpenAiClient(connection: ProviderConnection, options: ClientOptions = {}): ProviderClient {
  const protocol = (askUsage: boolean): ChatProtocol => ({
    label,
    prepare: (request) => {
      const { body, warnings } = openAiBody(request, askUsage);
      return { url: joinUrl(connection.baseUrl, '/chat/completions'), headers: headers(connection), body, warnings };
    },
    decoder: () => new OpenAiDecoder(),
    errorInfo: openAiErrorInfo,
  });
  return {
    kind: 'openai',
    chat: async (request, onDelta) => {
      try {
        return await streamChat(protocol(true), connection, request, onDelta, options);
      } catch (error) {
        // A server that refuses stream_options (older OpenAI-compatible servers) is asked again without it; usage is then estimated.
        if (!isOrreryError(error) || error instanceof ChatStreamError || error.code !== 'provider_error' || !/stream_options/.test(error.message)) throw error;
        return streamChat(protocol(false), connection, request, onDelta, options);
      }
    },
    listModels: async (signal) => {
      const url = joinUrl(connection.baseUrl, '/models');
      const body = record(await getJson(url, headers(connection), { label, connection, errorInfo: openAiErrorInfo, signal }));
      const data = Array.isArray(body?.data) ? body.data : Array.isArray(body?.models) ? body.models : null;
      if (data === null) throw new OrreryError('provider_error', `${label} at ${url.origin} answered ${url.pathname} without a "data" list: check the base URL (it usually ends in /v1).`);
      return data.map((item) => stringField(record(item), 'id') ?? stringField(record(item), 'name')).filter((name): name is string => name !== null);
    },
  };
}
