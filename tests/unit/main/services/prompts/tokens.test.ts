import { Tiktoken } from 'js-tiktoken/lite';
import cl100kRanks from 'js-tiktoken/ranks/cl100k_base';
import { describe, expect, it } from 'vitest';
import { estimateTokens, estimateUsage, runPiece, tokensPerMessage, tokensPerReply } from '../../../../../main/services/prompts/tokens';

/** The tokenizer used whole, without slicing (fine for text without very long runs). */
const reference = new Tiktoken(cl100kRanks);

describe('estimateTokens', () => {
  it('counts cl100k_base tokens', () => {
    expect(estimateTokens('')).toBe(0);
    // Known cl100k_base encodings (tiktoken): "hello world" → [15339, 1917]; "tiktoken is great!" → 6 tokens.
    expect(estimateTokens('hello world')).toBe(2);
    expect(estimateTokens('tiktoken is great!')).toBe(6);
    expect(estimateTokens('antidisestablishmentarianism')).toBe(6);
  });

  it('counts special-token text as ordinary text instead of refusing it', () => {
    expect(estimateTokens('<|endoftext|>')).toBeGreaterThan(1);
  });

  it('is exact on prose up to 64K characters: slices end before whitespace, where the tokenizer cuts too', () => {
    const prose = 'The quick brown fox jumps over the lazy dog.\n  Then it sleeps, 42 times. '.repeat(800);
    expect(prose.length).toBeLessThan(65_536);
    expect(prose.length).toBeGreaterThan(8_192 * 4);
    expect(estimateTokens(prose)).toBe(reference.encode(prose).length);
  });

  it('estimates longer text from evenly spaced samples, within 1%', () => {
    const words = ['model', 'prompt', 'token', 'a', 'the', 'evaluation', 'of', 'suite', '12345', 'résumé', 'データ', '—', '\n'];
    let text = '';
    for (let index = 0; text.length < 1_000_000; index++) text += words[(index * 7919) % words.length] + (index % 11 === 0 ? '.\n' : ' ');
    const exact = reference.encode(text).length;
    expect(Math.abs(estimateTokens(text) - exact) / exact).toBeLessThan(0.01);
  });

  it('encodes long runs in whole code points, and finishes on a 1 MB run of one letter', () => {
    // A run of emoji under the budget: pieces of whole code points (a cut pair would count as replacement characters).
    const emoji = 'x' + '🙂'.repeat(500);
    const groups: string[] = [''];
    for (const point of Array.from(emoji)) {
      if (groups.at(-1)!.length + point.length > runPiece) groups.push('');
      groups[groups.length - 1] += point;
    }
    expect(estimateTokens(emoji)).toBe(groups.reduce((sum, group) => sum + reference.encode(group).length, 0));
    // One pre-tokenized piece of 1 MB: cl100k_base has tokens of up to 8 a's in a row, so about N/8 tokens.
    const count = estimateTokens('a'.repeat(1024 * 1024));
    expect(count).toBeGreaterThanOrEqual((1024 * 1024) / 8);
    expect(count).toBeLessThan((1024 * 1024) / 4);
    // Two runs of the same kind past the budget count alike, whatever their place.
    const runs = 'b'.repeat(4_000) + ' ' + 'b'.repeat(4_000);
    expect(estimateTokens(runs)).toBeGreaterThan(2 * estimateTokens('b'.repeat(4_000)) - 2);
  });
});

describe('estimateUsage', () => {
  it('adds 3 tokens per message and 3 to prime the reply, as OpenAI documents', () => {
    expect(tokensPerMessage).toBe(3);
    expect(tokensPerReply).toBe(3);
    const messages = [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: 'hello world' },
    ] as const;
    const usage = estimateUsage(messages, 'tiktoken is great!');
    const content = estimateTokens('You are a helpful assistant.') + 2;
    const roles = estimateTokens('system') + estimateTokens('user');
    expect(usage).toEqual({ inputTokens: 3 + 2 * 3 + roles + content, outputTokens: 6 });
    expect(estimateUsage([], '')).toEqual({ inputTokens: 3, outputTokens: 0 });
  });
});
