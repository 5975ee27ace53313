// The three wire formats of the fake model server, as the providers document them: the SSE events of a streamed
// answer, the whole answer of a non-streamed request, and each provider's error body.
import { countTokens, pieces, type AnswerPlan } from './behaviours';

export type ProtocolName = 'openai' | 'anthropic' | 'gemini';
export type ErrorKind = 'bad_key' | 'no_key' | 'not_found' | 'rate_limited' | 'server_error' | 'invalid_request';

/** How one protocol writes an answer (each string is one whole SSE event, blank line included). */
export interface StreamWriter {
  readonly contentType: string;
  head(): string[];
  text(piece: string): string;
  tool(): string[];
  tail(): string[];
  /** An event whose data is cut-off JSON. */
  malformed(): string;
}

export interface AnswerContext {
  readonly id: string;
  readonly model: string;
  readonly created: number;
  readonly includeUsage: boolean;
}

function sse(data: unknown, event?: string, lineEnd = '\n'): string {
  return `${event !== undefined ? `event: ${event}${lineEnd}` : ''}data: ${JSON.stringify(data)}${lineEnd}${lineEnd}`;
}

const openAiFinish = { stop: 'stop', length: 'length', tool: 'tool_calls' } as const;
const anthropicStop = { stop: 'end_turn', length: 'max_tokens', tool: 'tool_use' } as const;
const geminiFinish = { stop: 'STOP', length: 'MAX_TOKENS', tool: 'STOP' } as const;

/** OpenAI chat.completion.chunk events, `usage: null` on each when usage was asked for, then the usage chunk and [DONE]. */
export function openAiWriter(plan: AnswerPlan, context: AnswerContext): StreamWriter {
  const base = { id: context.id, object: 'chat.completion.chunk', created: context.created, model: context.model, system_fingerprint: 'fp_orrery' };
  const withUsage = context.includeUsage ? { usage: null } : {};
  const chunk = (delta: Record<string, unknown>, finish: string | null): string =>
    sse({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...withUsage });
  return {
    contentType: 'text/event-stream; charset=utf-8',
    head: () => [chunk({ role: 'assistant', content: plan.toolCall ? null : '', refusal: null }, null)],
    text: (piece) => chunk({ content: piece }, null),
    tool: () => {
      if (!plan.toolCall) return [];
      const first = chunk({ tool_calls: [{ index: 0, id: `call_${context.id.slice(-8)}`, type: 'function', function: { name: plan.toolCall.name, arguments: '' } }] }, null);
      const rest = pieces(JSON.stringify(plan.toolCall.args), 4).map((part) => chunk({ tool_calls: [{ index: 0, function: { arguments: part } }] }, null));
      return [first, ...rest];
    },
    tail: () => {
      const events = [chunk({}, openAiFinish[plan.finish])];
      if (context.includeUsage && plan.withUsage) {
        const usage = { prompt_tokens: plan.inputTokens, completion_tokens: plan.outputTokens, total_tokens: plan.inputTokens + plan.outputTokens };
        events.push(sse({ ...base, choices: [], usage }));
      }
      events.push('data: [DONE]\n\n');
      return events;
    },
    malformed: () => `data: {"id":"${context.id}","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"bro\n\n`,
  };
}

/** The non-streamed chat.completion. */
export function openAiWhole(plan: AnswerPlan, context: AnswerContext): unknown {
  const toolCalls = plan.toolCall ? [{ id: `call_${context.id.slice(-8)}`, type: 'function', function: { name: plan.toolCall.name, arguments: JSON.stringify(plan.toolCall.args) } }] : undefined;
  return {
    id: context.id,
    object: 'chat.completion',
    created: context.created,
    model: context.model,
    choices: [{ index: 0, message: { role: 'assistant', content: plan.toolCall ? null : plan.tokens.join(''), refusal: null, ...(toolCalls ? { tool_calls: toolCalls } : {}) }, logprobs: null, finish_reason: openAiFinish[plan.finish] }],
    ...(plan.withUsage ? { usage: { prompt_tokens: plan.inputTokens, completion_tokens: plan.outputTokens, total_tokens: plan.inputTokens + plan.outputTokens } } : {}),
    system_fingerprint: 'fp_orrery',
  };
}

/** Anthropic Messages events: message_start, content blocks (text, tool_use), ping, message_delta, message_stop. */
export function anthropicWriter(plan: AnswerPlan, context: AnswerContext): StreamWriter {
  const toolIndex = plan.tokens.length > 0 ? 1 : 0;
  const usageStart = plan.withUsage ? { usage: { input_tokens: plan.inputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1 } } : {};
  return {
    contentType: 'text/event-stream; charset=utf-8',
    head: () => {
      const message = { id: context.id, type: 'message', role: 'assistant', model: context.model, content: [], stop_reason: null, stop_sequence: null, ...usageStart };
      const events = [sse({ type: 'message_start', message }, 'message_start')];
      if (plan.tokens.length > 0) events.push(sse({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, 'content_block_start'));
      events.push(sse({ type: 'ping' }, 'ping'));
      return events;
    },
    text: (piece) => sse({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: piece } }, 'content_block_delta'),
    tool: () => {
      const events = plan.tokens.length > 0 ? [sse({ type: 'content_block_stop', index: 0 }, 'content_block_stop')] : [];
      if (!plan.toolCall) return events;
      events.push(sse({ type: 'content_block_start', index: toolIndex, content_block: { type: 'tool_use', id: `toolu_${context.id.slice(-8)}`, name: plan.toolCall.name, input: {} } }, 'content_block_start'));
      for (const part of pieces(JSON.stringify(plan.toolCall.args), 4)) {
        events.push(sse({ type: 'content_block_delta', index: toolIndex, delta: { type: 'input_json_delta', partial_json: part } }, 'content_block_delta'));
      }
      events.push(sse({ type: 'content_block_stop', index: toolIndex }, 'content_block_stop'));
      return events;
    },
    tail: () => [
      sse({ type: 'message_delta', delta: { stop_reason: anthropicStop[plan.finish], stop_sequence: null }, ...(plan.withUsage ? { usage: { output_tokens: plan.outputTokens } } : {}) }, 'message_delta'),
      sse({ type: 'message_stop' }, 'message_stop'),
    ],
    malformed: () => `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"bro\n\n`,
  };
}

/** The non-streamed Message. */
export function anthropicWhole(plan: AnswerPlan, context: AnswerContext): unknown {
  const content: unknown[] = [];
  if (plan.tokens.length > 0) content.push({ type: 'text', text: plan.tokens.join('') });
  if (plan.toolCall) content.push({ type: 'tool_use', id: `toolu_${context.id.slice(-8)}`, name: plan.toolCall.name, input: plan.toolCall.args });
  return {
    id: context.id,
    type: 'message',
    role: 'assistant',
    model: context.model,
    content,
    stop_reason: anthropicStop[plan.finish],
    stop_sequence: null,
    ...(plan.withUsage ? { usage: { input_tokens: plan.inputTokens, output_tokens: plan.outputTokens } } : {}),
  };
}

/** Gemini GenerateContentResponse events (CRLF-separated, as Google sends them), finishReason and full usage on the last. */
export function geminiWriter(plan: AnswerPlan, context: AnswerContext): StreamWriter {
  let streamed = 0;
  const response = (parts: unknown[], finish: string | null): unknown => ({
    candidates: [{ content: { parts, role: 'model' }, ...(finish ? { finishReason: finish } : {}), index: 0 }],
    ...(plan.withUsage ? { usageMetadata: { promptTokenCount: plan.inputTokens, candidatesTokenCount: finish ? plan.outputTokens : streamed, totalTokenCount: plan.inputTokens + (finish ? plan.outputTokens : streamed) } } : {}),
    modelVersion: context.model,
    responseId: context.id,
  });
  return {
    contentType: 'text/event-stream',
    head: () => [],
    text: (piece) => {
      streamed += countTokens(piece);
      return sse(response([{ text: piece }], null), undefined, '\r\n');
    },
    tool: () => (plan.toolCall ? [sse(response([{ functionCall: { name: plan.toolCall.name, args: plan.toolCall.args } }], null), undefined, '\r\n')] : []),
    tail: () => [sse(response([{ text: '' }], geminiFinish[plan.finish]), undefined, '\r\n')],
    malformed: () => `data: {"candidates": [{"content": {"parts": [{"text": "bro\r\n\r\n`,
  };
}

/** The non-streamed GenerateContentResponse. */
export function geminiWhole(plan: AnswerPlan, context: AnswerContext): unknown {
  const parts: unknown[] = [];
  if (plan.tokens.length > 0) parts.push({ text: plan.tokens.join('') });
  if (plan.toolCall) parts.push({ functionCall: { name: plan.toolCall.name, args: plan.toolCall.args } });
  return {
    candidates: [{ content: { parts, role: 'model' }, finishReason: geminiFinish[plan.finish], index: 0 }],
    ...(plan.withUsage ? { usageMetadata: { promptTokenCount: plan.inputTokens, candidatesTokenCount: plan.outputTokens, totalTokenCount: plan.inputTokens + plan.outputTokens } } : {}),
    modelVersion: context.model,
    responseId: context.id,
  };
}

/** An error body as each provider writes it, with the status it comes with. */
export function errorAnswer(protocol: ProtocolName, kind: ErrorKind, detail: { model?: string; key?: string; message?: string }): { status: number; body: unknown } {
  const model = detail.model ?? '';
  if (protocol === 'openai') {
    const table: Record<ErrorKind, [number, string, string, string | null]> = {
      bad_key: [401, `Incorrect API key provided: ${mask(detail.key ?? '')}. You can find your API key at https://platform.openai.com/account/api-keys.`, 'invalid_request_error', 'invalid_api_key'],
      no_key: [401, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", 'invalid_request_error', null],
      not_found: [404, `The model \`${model}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found'],
      rate_limited: [429, `Rate limit reached for ${model} on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 1s.`, 'requests', 'rate_limit_exceeded'],
      server_error: [500, 'The server had an error while processing your request. Sorry about that!', 'server_error', null],
      invalid_request: [400, detail.message ?? 'Invalid request.', 'invalid_request_error', null],
    };
    const [status, message, type, code] = table[kind];
    return { status, body: { error: { message, type, param: null, code } } };
  }
  if (protocol === 'anthropic') {
    const table: Record<ErrorKind, [number, string, string]> = {
      bad_key: [401, 'authentication_error', 'invalid x-api-key'],
      no_key: [401, 'authentication_error', 'x-api-key header is required'],
      not_found: [404, 'not_found_error', `model: ${model}`],
      rate_limited: [429, 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit'],
      server_error: [500, 'api_error', 'Internal server error'],
      invalid_request: [400, 'invalid_request_error', detail.message ?? 'Invalid request.'],
    };
    const [status, type, message] = table[kind];
    return { status, body: { type: 'error', error: { type, message } } };
  }
  const table: Record<ErrorKind, [number, string, string]> = {
    bad_key: [400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.'],
    no_key: [403, 'PERMISSION_DENIED', "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API."],
    not_found: [404, 'NOT_FOUND', `models/${model} is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.`],
    rate_limited: [429, 'RESOURCE_EXHAUSTED', 'Resource has been exhausted (e.g. check quota).'],
    server_error: [500, 'INTERNAL', 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting'],
    invalid_request: [400, 'INVALID_ARGUMENT', detail.message ?? 'Invalid JSON payload received.'],
  };
  const [status, state, message] = table[kind];
  const details = kind === 'bad_key' ? [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com', metadata: { service: 'generativelanguage.googleapis.com' } }] : undefined;
  return { status, body: { error: { code: status, message, status: state, ...(details ? { details } : {}) } } };
}

/** OpenAI's way of echoing a wrong key: its first and last characters only. */
function mask(key: string): string {
  return key.length <= 8 ? '*'.repeat(key.length) : `${key.slice(0, 3)}${'*'.repeat(key.length - 7)}${key.slice(-4)}`;
}
