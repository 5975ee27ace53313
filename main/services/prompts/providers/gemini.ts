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
 * Google Gemini: POST {base}/models/{model}:streamGenerateContent?alt=sse with the key in x-goog-api-key;
 * `contents` with roles user / model, system messages as `systemInstruction`, sampling in `generationConfig`.
 * Each SSE event is a whole GenerateContentResponse (candidates[0].content.parts, finishReason on the last,
 * usageMetadata promptTokenCount / candidatesTokenCount); there is no [DONE]. GET {base}/models lists the
 * models as `models/NAME` (answered without the prefix).
 */

const label = 'Gemini';
/** Gemini takes at most this many stop sequences. */
const maxStopSequences = 5;

function headers(connection: ProviderConnection): Record<string, string> {
  return connection.apiKey ? { 'x-goog-api-key': connection.apiKey } : {};
}

function modelPath(model: string): string {
  return encodeURIComponent(model.replace(/^models\//, ''));
}

/** The request body for one chat, and what Gemini does not take (exported for tests). */
export function geminiBody(request: ChatRequest): { body: Record<string, unknown>; warnings: string[] } {
  const { params } = request;
  const warnings: string[] = [];
  const system = request.messages.filter((message) => message.role === 'system').map((message) => ({ text: message.content }));
  const body: Record<string, unknown> = {
    contents: request.messages
      .filter((message) => message.role !== 'system')
      .map((message) => ({ role: message.role === 'assistant' ? 'model' : 'user', parts: [{ text: message.content }] })),
  };
  if (system.length > 0) body.systemInstruction = { parts: system };
  const config: Record<string, unknown> = {};
  if (params.temperature !== undefined) config.temperature = params.temperature;
  if (params.topP !== undefined) config.topP = params.topP;
  if (params.maxTokens !== undefined) config.maxOutputTokens = params.maxTokens;
  if (params.stop !== undefined && params.stop.length > 0) {
    if (params.stop.length > maxStopSequences) warnings.push(`stop: Gemini takes at most ${maxStopSequences} stop sequences, the first ${maxStopSequences} sent`);
    config.stopSequences = params.stop.slice(0, maxStopSequences);
  }
  if (params.seed !== undefined) config.seed = params.seed;
  if (params.responseFormat === 'json') config.responseMimeType = 'application/json';
  if (Object.keys(config).length > 0) body.generationConfig = config;
  return { body, warnings };
}

class GeminiDecoder implements StreamDecoder {
  private finish: string | null = null;
  private reported: { inputTokens: number; outputTokens: number } | null = null;
  private readonly calls: unknown[] = [];

  event(event: SseEvent, emit: (text: string) => void): void {
    const data = record(eventJson(event));
    if (data === null) throw new StreamProtocolError('an event is not a JSON object');
    const error = record(data.error);
    if (error !== null) throw new StreamProtocolError(`${stringField(error, 'status') ?? 'error'}: ${stringField(error, 'message') ?? event.data}`);
    const usage = record(data.usageMetadata);
    if (usage !== null) {
      const output = (numberField(usage, 'candidatesTokenCount') ?? 0) + (numberField(usage, 'thoughtsTokenCount') ?? 0);
      this.reported = { inputTokens: numberField(usage, 'promptTokenCount') ?? 0, outputTokens: output };
    }
    const blocked = stringField(record(data.promptFeedback), 'blockReason');
    if (blocked !== null) this.finish = blocked;
    const candidate = record(Array.isArray(data.candidates) ? data.candidates[0] : null);
    const parts = record(candidate?.content)?.parts;
    if (Array.isArray(parts)) {
      for (const item of parts) {
        const part = record(item);
        if (part === null || part.thought === true) continue;
        const text = stringField(part, 'text');
        if (text !== null) emit(text);
        if (record(part.functionCall) !== null) this.calls.push({ functionCall: part.functionCall });
      }
    }
    const finish = stringField(candidate, 'finishReason');
    if (finish !== null) this.finish = finish;
  }

  finished(): boolean {
    return this.finish !== null;
  }

  toolCalls(): unknown {
    return this.calls.length > 0 ? this.calls : null;
  }

  finishReason(): string | null {
    return this.finish;
  }

  usage(): { inputTokens: number; outputTokens: number } | null {
    return this.reported;
  }
}

/** Google's error body `{error: {code, message, status, details: [{reason}]}}`. */
export function geminiErrorInfo(body: unknown): ProviderErrorInfo {
  const root = Array.isArray(body) ? body[0] : body;
  const error = record(record(root)?.error);
  if (error === null) return { message: null, code: null };
  const details = Array.isArray(error.details) ? error.details : [];
  const badKey = details.some((detail) => /API_KEY_INVALID|API_KEY_EXPIRED/.test(stringField(record(detail), 'reason') ?? ''));
  return { message: stringField(error, 'message'), code: stringField(error, 'status'), badKey };
}

/** A client for the Gemini API (generativelanguage.googleapis.com/v1beta or a compatible gateway). */
export function createGeminiClient(connection: ProviderConnection, options: ClientOptions = {}): ProviderClient {
  const protocol: ChatProtocol = {
    label,
    prepare: (request) => {
      const { body, warnings } = geminiBody(request);
      return { url: joinUrl(connection.baseUrl, `/models/${modelPath(request.model)}:streamGenerateContent?alt=sse`), headers: headers(connection), body, warnings };
    },
    decoder: () => new GeminiDecoder(),
    errorInfo: geminiErrorInfo,
  };
  return {
    kind: 'gemini',
    chat: (request, onDelta) => streamChat(protocol, connection, request, onDelta, options),
    listModels: async (signal) => {
      const names: string[] = [];
      let token: string | null = null;
      for (let page = 0; page < 20; page++) {
        const url = joinUrl(connection.baseUrl, `/models?pageSize=1000${token !== null ? `&pageToken=${encodeURIComponent(token)}` : ''}`);
        const body = record(await getJson(url, headers(connection), { label, connection, errorInfo: geminiErrorInfo, signal }));
        if (!Array.isArray(body?.models)) throw new OrreryError('provider_error', `${label} at ${url.origin} answered ${url.pathname} without a "models" list: check the base URL (it usually ends in /v1beta).`);
        for (const item of body.models) {
          const name = stringField(record(item), 'name');
          if (name !== null) names.push(name.replace(/^models\//, ''));
        }
        token = stringField(body, 'nextPageToken');
        if (token === null || token === '') break;
      }
      return names;
    },
  };
}
