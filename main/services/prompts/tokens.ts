import { Tiktoken, type TiktokenBPE } from 'js-tiktoken/lite';
import type { ChatMessage } from './providers/types';

/** Tokens every chat message adds around its content (OpenAI's cookbook, "How to count tokens with tiktoken"). */
export const tokensPerMessage = 3;
/** Tokens that prime the reply (`<|start|>assistant<|message|>`), counted once per request. */
export const tokensPerReply = 3;

/**
 * Bounds on the work of one estimate, which runs on the main process. js-tiktoken's BPE merge is quadratic in
 * the length of a pre-tokenized piece, and a long run of letters, digits or spaces (base64, a 1 MB answer of one
 * character) is one piece: such runs are encoded in pieces of `runPiece` characters (a token is rarely longer, so
 * the count moves by at most a token per piece), only the first `runBudget` characters of them exactly and the
 * rest at the rate those gave. Text longer than `exactChars` is estimated from `samples` evenly spaced windows.
 */
export const runPiece = 32;
const runBudget = 1_024;
const exactChars = 65_536;
const samples = 16;
const sliceChars = 8_192;
const longRun = new RegExp(`\\S{${runPiece + 1},}|\\s{${runPiece + 1},}`, 'gu');

let encoder: Tiktoken | null = null;

/**
 * cl100k_base, loaded on first use: its ranks are a 1 MB module that the main bundle keeps behind this
 * require (esbuild wraps a required module in a function run on the first call), so start-up does not pay for it.
 */
function cl100k(): Tiktoken {
  if (!encoder) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy require, on purpose (see above)
    const ranks = require('js-tiktoken/ranks/cl100k_base') as TiktokenBPE;
    encoder = new Tiktoken(ranks);
  }
  return encoder;
}

/** Loads the tokenizer now (about half a second, once) rather than on the first estimate. */
export function loadTokenizer(): void {
  cl100k();
}

/** Tokens of a text, estimated with a BPE tokenizer (cl100k_base) when a server reports no usage. */
export function estimateTokens(text: string): number {
  if (text.length <= exactChars) return count(text);
  // Evenly spaced windows, scaled to the whole length.
  const size = Math.floor(exactChars / samples);
  let sampled = 0;
  let tokens = 0;
  for (let index = 0; index < samples; index++) {
    const start = Math.floor((index * (text.length - size)) / (samples - 1));
    const window = wholeCodePoints(text, start, start + size);
    sampled += window.length;
    tokens += count(window, runBudget / samples);
  }
  return Math.round((tokens * text.length) / sampled);
}

/** Estimated usage of a call: the messages (with per-message overhead) and the output. */
export function estimateUsage(messages: readonly ChatMessage[], output: string): { inputTokens: number; outputTokens: number } {
  let inputTokens = tokensPerReply;
  for (const message of messages) inputTokens += tokensPerMessage + estimateTokens(message.role) + estimateTokens(message.content);
  return { inputTokens, outputTokens: estimateTokens(output) };
}

/** Tokens of a text of at most `exactChars` characters (long runs within `budget` characters exact, the rest at their rate). */
function count(text: string, budget = runBudget): number {
  if (text.length === 0) return 0;
  const tokenizer = cl100k();
  // Special-token text (<|endoftext|>) in a prompt is counted as ordinary text, not refused.
  const encode = (part: string) => tokenizer.encode(part, [], []).length;
  let tokens = 0;
  let runChars = 0;
  let runTokens = 0;
  let skipped = 0;
  let start = 0;
  const prose = (end: number) => {
    for (const slice of slices(text, start, end)) tokens += encode(slice);
  };
  for (const match of text.matchAll(longRun)) {
    prose(match.index);
    start = match.index + match[0].length;
    let done = 0;
    for (const piece of pieces(match[0])) {
      if (runChars >= budget) break;
      runTokens += encode(piece);
      runChars += piece.length;
      done += piece.length;
    }
    skipped += match[0].length - done;
  }
  prose(text.length);
  const rate = runChars > 0 ? runTokens / runChars : 0;
  return tokens + runTokens + Math.round(skipped * rate);
}

/** text[from, to) (no run longer than `runPiece` in it) in slices of about `sliceChars`, each cut just before whitespace. */
function* slices(text: string, from: number, to: number): Generator<string> {
  let start = from;
  while (to - start > sliceChars) {
    let end = start + sliceChars;
    while (end > start + 1 && !/\s/.test(text[end] ?? '')) end -= 1;
    if (end === start + 1) end = start + sliceChars;
    yield text.slice(start, end);
    start = end;
  }
  if (to > start) yield text.slice(start, to);
}

/** A long run in pieces of `runPiece` UTF-16 units, never splitting a surrogate pair. */
function* pieces(run: string): Generator<string> {
  let start = 0;
  while (start < run.length) {
    const piece = wholeCodePoints(run, start, start + runPiece);
    yield piece;
    start += piece.length;
  }
}

/** text.slice(start, end), moved so that it neither starts nor ends inside a surrogate pair. */
function wholeCodePoints(text: string, start: number, end: number): string {
  const low = (index: number) => index > 0 && index < text.length && isLowSurrogate(text.charCodeAt(index));
  const from = low(start) ? start + 1 : start;
  const to = Math.min(end, text.length);
  return text.slice(from, low(to) ? to - 1 : to);
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
