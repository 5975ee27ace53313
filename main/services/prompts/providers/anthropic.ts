import { OrreryError } from '../../../../app/contract/errors';
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
import type { ChatRequest, ProviderClient, ProviderConnection } from './types';

/**
 * Anthropic Messages: POST {base}/v1/messages with x-api-key and anthropic-version: 2023-06-01, `stream: true`;
 * the answer is named events — message_start (input usage), content_block_start / content_block_delta
 * (text_delta, input_json_delta for tool_use) / content_block_stop, message_delta (stop_reason, output usage),
 * message_stop — with ping and error events between. System messages go to the top-level `system`; max_tokens
 * is required (1024 when the prompt sets none). GET {base}/v1/models lists the models.
 */

const label = 'Anthropic';
export const anthropicVersion = '2023-06-01';
/** max_tokens sent when the prompt sets none (the API requires one). */
export const anthropicDefaultMaxTokens = 1024;

function headers(connection: ProviderConnection): Record<string, string> {
  return { 'anthropic-version': anthropicVersion, ...(connection.apiKey ? { 'x-api-key': connection.apiKey } : {}) };
}

/** {base}/v1/… whether or not the base URL already ends in /v1. */
function endpoint(connection: ProviderConnection, path: string): URL {
  const base = connection.baseUrl.replace(/\/+$/, '');
  return joinUrl(/\/v1$/.test(base) ? base : `${base}/v1`, path);
}

/** The request body for one chat, and the parameters Anthropic does not take (exported for tests). */
export function anthropicBody(request: ChatRequest): { body: Record<string, unknown>; warnings: string[] } {
  const { params } = request;
  const warnings: string[] = [];
  const system = request.messages.filter((message) => message.role === 'system').map((message) => message.content);
  const body: Record<string, unknown> = {
    model: request.model,
    max_tokens: params.maxTokens ?? anthropicDefaultMaxTokens,
    messages: request.messages.filter((message) => message.role !== 'system').map((message) => ({ role: message.role, content: message.content })),
    stream: true,
  };
  if (system.length > 0) body.system = system.join('\n\n');
  if (params.temperature !== undefined) {
    if (params.temperature > 1) warnings.push(`temperature ${params.temperature}: Anthropic takes 0 to 1, sent as 1`);
    body.temperature = Math.min(1, params.temperature);
  }
  if (params.topP !== undefined) body.top_p = params.topP;
  if (params.stop !== undefined && params.stop.length > 0) body.stop_sequences = params.stop;
  if (params.seed !== undefined) warnings.push(`seed: Anthropic's Messages API takes no seed, left out`);
  if (params.responseFormat === 'json') warnings.push('JSON mode: Anthropic has no JSON response format; ask for JSON in the prompt');
  return { body, warnings };
}

interface Block {
  readonly type: string;
  readonly start: Record<string, unknown>;
  json: string;
}

class AnthropicDecoder implements StreamDecoder {
  private done = false;
  private stop: string | null = null;
  private input: number | null = null;
  private output: number | null = null;
  private readonly blocks = new Map<number, Block>();

  event(event: SseEvent, emit: (text: string) => void): void {
    const data = record(eventJson(event));
    if (data === null) throw new StreamProtocolError(`a "${event.event}" event is not a JSON object`);
    const type = stringField(data, 'type') ?? event.event;
    switch (type) {
      case 'message_start': {
        const usage = record(record(data.message)?.usage);
        this.input = numberField(usage, 'input_tokens') ?? this.input;
        this.output = numberField(usage, 'output_tokens') ?? this.output;
        break;
      }
      case 'content_block_start': {
        const block = record(data.content_block) ?? {};
        const index = numberField(data, 'index') ?? this.blocks.size;
        this.blocks.set(index, { type: stringField(block, 'type') ?? 'unknown', start: block, json: '' });
        const text = stringField(block, 'text');
        if (text !== null) emit(text);
        break;
      }
      case 'content_block_delta': {
        const delta = record(data.delta);
        const deltaType = stringField(delta, 'type');
        if (deltaType === 'text_delta') emit(stringField(delta, 'text') ?? '');
        else if (deltaType === 'input_json_delta') {
          const block = this.blocks.get(numberField(data, 'index') ?? -1);
          if (block) block.json += stringField(delta, 'partial_json') ?? '';
        }
        break;
      }
      case 'message_delta': {
        this.stop = stringField(record(data.delta), 'stop_reason') ?? this.stop;
        const usage = record(data.usage);
        this.output = numberField(usage, 'output_tokens') ?? this.output;
        this.input = numberField(usage, 'input_tokens') ?? this.input;
        break;
      }
      case 'message_stop':
        this.done = true;
        break;
      case 'error': {
        const error = record(data.error);
        throw new StreamProtocolError(`${stringField(error, 'type') ?? 'error'}: ${stringField(error, 'message') ?? event.data}`);
      }
      default:
        // ping, content_block_stop and event types added later carry nothing to keep.
        break;
    }
  }

  finished(): boolean {
    return this.done;
  }

  toolCalls(): unknown {
    const calls = [...this.blocks.entries()]
      .filter(([, block]) => block.type === 'tool_use' || block.type === 'server_tool_use')
      .sort(([a], [b]) => a - b)
      .map(([, block]) => ({ ...block.start, input: block.json === '' ? (block.start.input ?? {}) : parsedOrRaw(block.json) }));
    return calls.length > 0 ? calls : null;
  }

  finishReason(): string | null {
    return this.stop;
  }

  usage(): { inputTokens: number; outputTokens: number } | null {
    return this.input !== null && this.output !== null ? { inputTokens: this.input, outputTokens: this.output } : null;
  }
}

function parsedOrRaw(json: string): unknown {
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return json;
  }
}

/** Anthropic's error body `{type: "error", error: {type, message}}`. */
export function anthropicErrorInfo(body: unknown): ProviderErrorInfo {
  const error = record(record(body)?.error);
  return { message: stringField(error, 'message'), code: stringField(error, 'type') };
}

/** A client for the Anthropic Messages API. */
export function createAnthropicClient(connection: ProviderConnection, options: ClientOptions = {}): ProviderClient {
  const protocol: ChatProtocol = {
    label,
    prepare: (request) => {
      const { body, warnings } = anthropicBody(request);
      return { url: endpoint(connection, '/messages'), headers: headers(connection), body, warnings };
    },
    decoder: () => new AnthropicDecoder(),
    errorInfo: anthropicErrorInfo,
  };
  return {
    kind: 'anthropic',
    chat: (request, onDelta) => streamChat(protocol, connection, request, onDelta, options),
    listModels: async (signal) => {
      const names: string[] = [];
      let after: string | null = null;
      for (let page = 0; page < 20; page++) {
        const url = endpoint(connection, `/models?limit=1000${after !== null ? `&after_id=${encodeURIComponent(after)}` : ''}`);
        const body = record(await getJson(url, headers(connection), { label, connection, errorInfo: anthropicErrorInfo, signal }));
        if (!Array.isArray(body?.data)) throw new OrreryError('provider_error', `${label} at ${url.origin} answered ${url.pathname} without a "data" list: check the base URL.`);
        for (const item of body.data) {
          const id = stringField(record(item), 'id');
          if (id !== null) names.push(id);
        }
        after = body.has_more === true ? stringField(body, 'last_id') : null;
        if (after === null) break;
      }
      return names;
    },
  };
}
