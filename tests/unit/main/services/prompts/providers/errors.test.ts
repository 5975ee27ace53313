import { describe, expect, it } from 'vitest';
import { anthropicErrorInfo } from '../../../../../../main/services/prompts/providers/anthropic';
import { geminiErrorInfo } from '../../../../../../main/services/prompts/providers/gemini';
import { httpFailure, joinUrl, networkError } from '../../../../../../main/services/prompts/providers/http';
import { openAiErrorInfo } from '../../../../../../main/services/prompts/providers/openai';

const key = 'sk-live-abcdefghijklmnop';
const context = { label: 'OpenAI-compatible server', url: new URL('http://127.0.0.1:11434/v1/chat/completions'), model: 'llama3.2', apiKey: key, attempts: 1 };

describe('provider error bodies', () => {
  it("reads OpenAI's, Ollama's plain string, Anthropic's and Google's shapes", () => {
    expect(openAiErrorInfo({ error: { message: 'The model `x` does not exist', type: 'invalid_request_error', code: 'model_not_found' } })).toEqual({ message: 'The model `x` does not exist', code: 'model_not_found' });
    expect(openAiErrorInfo({ error: 'model "llama3.2" not found, try pulling it first' })).toEqual({ message: 'model "llama3.2" not found, try pulling it first', code: null });
    expect(openAiErrorInfo('not json')).toEqual({ message: null, code: null });
    expect(anthropicErrorInfo({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })).toEqual({ message: 'Overloaded', code: 'overloaded_error' });
    expect(geminiErrorInfo({ error: { code: 400, message: 'API key not valid.', status: 'INVALID_ARGUMENT', details: [{ reason: 'API_KEY_INVALID' }] } })).toEqual({ message: 'API key not valid.', code: 'INVALID_ARGUMENT', badKey: true });
    expect(geminiErrorInfo([{ error: { code: 404, message: 'models/x is not found', status: 'NOT_FOUND' } }])).toMatchObject({ code: 'NOT_FOUND', badKey: false });
  });
});

describe('httpFailure', () => {
  it('maps 401, 403 and a body saying the key is bad to unauthorized without the key or the provider message', () => {
    for (const status of [401, 403]) {
      const error = httpFailure(status, '', { message: `Incorrect API key provided: ${key}`, code: 'invalid_api_key' }, context);
      expect(error.code).toBe('unauthorized');
      expect(error.message).not.toContain(key);
      expect(error.message).toMatch(/enter it again/);
    }
    expect(httpFailure(400, '', { message: 'API key not valid.', code: 'INVALID_ARGUMENT', badKey: true }, context).code).toBe('unauthorized');
  });

  it('names the model when the server says it does not have it (404, or 400 from servers that say so in words)', () => {
    const ollama = httpFailure(404, '', { message: 'model "llama3.2" not found, try pulling it first', code: null }, context);
    expect(ollama.code).toBe('not_found');
    expect(ollama.message).toContain('"llama3.2"');
    expect(ollama.message).toContain('try pulling it first');
    expect(httpFailure(400, '', { message: 'Model llama3.2 does not exist', code: null }, context).code).toBe('not_found');
    expect(httpFailure(400, '', { message: 'messages: field required', code: 'invalid_request_error' }, context).code).toBe('provider_error');
  });

  it('points at the base URL when the path itself is missing', () => {
    const error = httpFailure(404, '404 page not found', { message: null, code: null }, context);
    expect(error.code).toBe('not_found');
    expect(error.message).toMatch(/Check the base URL/);
  });

  it("keeps the provider's words for 429 and 5xx, the key scrubbed, HTML bodies left out", () => {
    const limited = httpFailure(429, '', { message: 'slow down', code: 'rate_limit_exceeded' }, { ...context, attempts: 5 });
    expect(limited).toMatchObject({ code: 'rate_limited' });
    expect(limited.message).toMatch(/after 5 attempts: slow down/);
    const server = httpFailure(503, '', { message: `upstream failed for ${key}`, code: null }, context);
    expect(server.code).toBe('provider_error');
    expect(server.message).toContain('upstream failed for [key]');
    expect(httpFailure(502, '<html><body>Bad gateway</body></html>', { message: null, code: null }, context).message).toBe('OpenAI-compatible server answered HTTP 502');
  });
});

describe('networkError', () => {
  it('says what to check for a refused connection and an unknown host', () => {
    const url = new URL('http://127.0.0.1:1234/v1/models');
    const refused = networkError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), url);
    expect(refused.code).toBe('unavailable');
    expect(refused.message).toBe('Cannot reach http://127.0.0.1:1234 (connection refused: check that the server is running and listening on 127.0.0.1:1234, and the base URL\'s port).');
    const host = networkError(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }), new URL('https://api.example.invalid/v1'));
    expect(host.message).toMatch(/host "api\.example\.invalid" not found/);
  });
});

describe('joinUrl', () => {
  it('joins whatever slashes the base URL has, and refuses what is not an http(s) URL', () => {
    expect(joinUrl('http://127.0.0.1:1234/v1/', '/models').href).toBe('http://127.0.0.1:1234/v1/models');
    expect(joinUrl(' https://api.openai.com/v1 ', 'chat/completions').href).toBe('https://api.openai.com/v1/chat/completions');
    expect(() => joinUrl('localhost 11434', '/models')).toThrow(/is not a URL/);
    expect(() => joinUrl('ftp://example.com', '/models')).toThrow(/not http or https/);
  });
});
