// What the fake model server answers, decided by the model name (see server.ts for the list), and the
// deterministic token rule its usage numbers follow.

/** Model names with a behaviour of their own; any other name starting with `echo` acts as `echo`. */
export const behaviourNames = [
  'echo',
  'judge-pass',
  'judge-fail',
  'json',
  'tool-call',
  'no-usage',
  'huge',
  'slow-echo',
  'slow-first-token',
  'slow-headers',
  'drop-mid-stream',
  'malformed-sse',
  'rate-limit-once',
  'always-429',
  'always-500',
] as const;

export type Behaviour = (typeof behaviourNames)[number];

/** The behaviour of a model name (`:latest` and other Ollama tags ignored), or null for an unknown model. */
export function behaviourOf(model: string): Behaviour | null {
  const name = model.replace(/^models\//, '').replace(/:[A-Za-z0-9_.-]+$/, '');
  if ((behaviourNames as readonly string[]).includes(name)) return name as Behaviour;
  if (name.startsWith('echo')) return 'echo';
  return null;
}

/**
 * The token rule: a token is a run of non-space characters with the spaces after it (and leading spaces join the
 * first token), so the tokens joined give the text back. Input tokens are the count of such tokens over every
 * message (system included); output tokens are the tokens streamed.
 */
export function tokenize(text: string): string[] {
  return text.match(/\s*\S+\s*|\s+/g) ?? [];
}

/** Tokens of one message's content under the rule above. */
export function countTokens(text: string): number {
  return tokenize(text).length;
}

/** What one answer holds, whatever the protocol. */
export interface AnswerPlan {
  readonly behaviour: Behaviour;
  /** The text, already cut into the tokens to stream. */
  readonly tokens: readonly string[];
  readonly toolCall: { readonly name: string; readonly args: Record<string, unknown> } | null;
  /** stop, or length when max tokens cut the answer. */
  readonly finish: 'stop' | 'length' | 'tool';
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly withUsage: boolean;
}

const hugeChars = 1024 * 1024;
const filler = 'lorem ipsum dolor sit amet consectetur adipiscing elit ';

/** The answer a behaviour gives to a request whose last user message is `lastUser`. */
export function planAnswer(behaviour: Behaviour, lastUser: string, inputTokens: number, maxTokens: number | null): AnswerPlan {
  let text: string;
  let toolCall: AnswerPlan['toolCall'] = null;
  switch (behaviour) {
    case 'judge-pass':
      text = JSON.stringify({ pass: true, score: 1, reason: 'The output meets the rubric.' });
      break;
    case 'judge-fail':
      text = JSON.stringify({ pass: false, score: 0, reason: 'The output does not meet the rubric.' });
      break;
    case 'json':
      text = JSON.stringify({ echo: lastUser });
      break;
    case 'huge':
      text = filler.repeat(Math.ceil(hugeChars / filler.length)).slice(0, hugeChars);
      break;
    case 'tool-call':
      text = '';
      toolCall = { name: 'get_weather', args: { city: lastUser, unit: 'celsius' } };
      break;
    default:
      text = lastUser === '' ? '(empty)' : lastUser;
  }
  let tokens = tokenize(text);
  let finish: AnswerPlan['finish'] = toolCall ? 'tool' : 'stop';
  if (maxTokens !== null && tokens.length > maxTokens) {
    tokens = tokens.slice(0, maxTokens);
    finish = 'length';
  }
  const outputTokens = toolCall ? countTokens(JSON.stringify(toolCall.args)) : tokens.length;
  return { behaviour, tokens, toolCall, finish, inputTokens, outputTokens, withUsage: behaviour !== 'no-usage' };
}

/** Splits `text` into about `parts` pieces (for streamed tool-call arguments). */
export function pieces(text: string, parts: number): string[] {
  const size = Math.max(1, Math.ceil(text.length / parts));
  const out: string[] = [];
  for (let at = 0; at < text.length; at += size) out.push(text.slice(at, at + size));
  return out;
}
