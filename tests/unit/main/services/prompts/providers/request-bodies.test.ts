import { describe, expect, it } from 'vitest';
import { anthropicBody } from '../../../../../../main/services/prompts/providers/anthropic';
import { geminiBody } from '../../../../../../main/services/prompts/providers/gemini';
import { openAiBody } from '../../../../../../main/services/prompts/providers/openai';
import type { ChatMessage, SamplingParams } from '../../../../../../main/services/prompts/providers/types';

const messages: ChatMessage[] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Hi' },
  { role: 'assistant', content: 'Hello' },
  { role: 'user', content: 'Name a colour' },
];
const all: SamplingParams = { temperature: 0.3, topP: 0.9, maxTokens: 50, stop: ['\n\n'], seed: 7, responseFormat: 'json' };

describe('request bodies', () => {
  it('OpenAI: every parameter, JSON mode as response_format, usage asked for in the stream', () => {
    const { body, warnings } = openAiBody({ model: 'gpt-4o-mini', messages, params: all });
    expect(body).toEqual({
      model: 'gpt-4o-mini',
      messages,
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.3,
      top_p: 0.9,
      max_tokens: 50,
      stop: ['\n\n'],
      seed: 7,
      response_format: { type: 'json_object' },
    });
    expect(warnings).toEqual([]);
  });

  it('Anthropic: system at the top, seed and JSON mode warned about, temperature over 1 capped', () => {
    const { body, warnings } = anthropicBody({ model: 'claude-3-5-haiku-latest', messages, params: { ...all, temperature: 1.5 } });
    expect(body).toEqual({
      model: 'claude-3-5-haiku-latest',
      system: 'Be brief.',
      messages: messages.slice(1),
      max_tokens: 50,
      stream: true,
      temperature: 1,
      top_p: 0.9,
      stop_sequences: ['\n\n'],
    });
    expect(warnings).toHaveLength(3);
    expect(warnings.join(' ')).toMatch(/seed/);
    expect(warnings.join(' ')).toMatch(/JSON/);
    expect(warnings.join(' ')).toMatch(/temperature 1\.5/);
  });

  it('Anthropic: max_tokens 1024 when the prompt sets none', () => {
    const { body, warnings } = anthropicBody({ model: 'm', messages: messages.slice(1), params: {} });
    expect(body.max_tokens).toBe(1024);
    expect(body.system).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it('Gemini: roles user / model, systemInstruction, generationConfig with responseMimeType', () => {
    const { body, warnings } = geminiBody({ model: 'gemini-2.0-flash', messages, params: all });
    expect(body).toEqual({
      contents: [
        { role: 'user', parts: [{ text: 'Hi' }] },
        { role: 'model', parts: [{ text: 'Hello' }] },
        { role: 'user', parts: [{ text: 'Name a colour' }] },
      ],
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      generationConfig: { temperature: 0.3, topP: 0.9, maxOutputTokens: 50, stopSequences: ['\n\n'], seed: 7, responseMimeType: 'application/json' },
    });
    expect(warnings).toEqual([]);
  });

  it('Gemini: more than 5 stop sequences are cut, with a warning; no generationConfig without parameters', () => {
    const stop = ['a', 'b', 'c', 'd', 'e', 'f'];
    const { body, warnings } = geminiBody({ model: 'g', messages: messages.slice(1), params: { stop } });
    expect((body.generationConfig as { stopSequences: string[] }).stopSequences).toEqual(stop.slice(0, 5));
    expect(warnings).toHaveLength(1);
    expect(geminiBody({ model: 'g', messages: messages.slice(1), params: {} }).body.generationConfig).toBeUndefined();
  });
});
