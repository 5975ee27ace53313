import type { ValidateFunction } from 'ajv';
import type { AssertionResult, LlmCall } from '../../../../app/contract/prompts';
import { renderTemplate } from '../../../../app/lib/prompt-template';
import type { ChatMessage } from '../providers/types';
import type { SuiteAssertion, SuiteJudge } from './suite-file';

/** What a cell's call gave, as the assertions see it. */
export interface CellOutcome {
  readonly output: string;
  readonly status: LlmCall['status'];
  readonly error: string | null;
  readonly latencyMs: number | null;
  readonly costUsd: number | null;
}

/** A verdict of the judge model. */
export interface Verdict {
  readonly pass: boolean;
  readonly reason: string;
}

/** Asks a judge model about an output; throws (OrreryError) when the call fails or the answer cannot be read. */
export type JudgeFn = (rubric: string, output: string, vars: Readonly<Record<string, string>>, judge: SuiteJudge) => Promise<Verdict>;

const quoteLimit = 80;

function quote(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return JSON.stringify(flat.length > quoteLimit ? `${flat.slice(0, quoteLimit)}…` : flat);
}

/** A text of the suite with the row's variables filled in. */
export function fillVars(text: string, vars: Readonly<Record<string, string>>): string {
  return renderTemplate([{ role: 'user', content: text }], vars)[0]!.content;
}

/** The JSON inside an output: the whole text, or the one fenced block (```json … ```) it consists of. */
export function jsonText(output: string): string {
  const trimmed = output.trim();
  const fenced = /^```[A-Za-z0-9_-]*\s*\n([\s\S]*?)\n?```$/.exec(trimmed);
  return fenced ? fenced[1]! : trimmed;
}

function parseJson(output: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(jsonText(output)) as unknown };
  } catch (error) {
    return { ok: false, message: `output is not JSON (${(error as Error).message}): ${quote(output)}` };
  }
}

function schemaErrors(validate: ValidateFunction): string {
  return (validate.errors ?? [])
    .slice(0, 5)
    .map((error) => `${error.instancePath || '(root)'} ${error.message ?? 'is invalid'}`)
    .join('; ');
}

function checkJson(output: string, schema: ValidateFunction | null): string | null {
  const parsed = parseJson(output);
  if (!parsed.ok) return parsed.message;
  if (schema && !schema(parsed.value)) return `the JSON does not match the schema: ${schemaErrors(schema)}`;
  return null;
}

function checkText(assertion: Extract<SuiteAssertion, { values: readonly string[] }>, output: string, vars: Readonly<Record<string, string>>): string | null {
  const fold = (text: string) => (assertion.ignoreCase ? text.toLowerCase() : text);
  const values = assertion.values.map((value) => fillVars(value, vars));
  const haystack = fold(output);
  if (assertion.type === 'equals') {
    const expected = values[0] ?? '';
    const hit = values.some((value) => fold(value.trim()) === haystack.trim());
    return hit ? null : `output is not ${values.length > 1 ? `one of ${values.map(quote).join(', ')}` : quote(expected)}: got ${quote(output)}`;
  }
  if (assertion.type === 'contains') {
    const missing = values.filter((value) => !haystack.includes(fold(value)));
    return missing.length === 0 ? null : `output does not contain ${missing.map(quote).join(', ')}: got ${quote(output)}`;
  }
  const found = values.filter((value) => haystack.includes(fold(value)));
  return found.length === 0 ? null : `output contains ${found.map(quote).join(', ')}`;
}

/** Checks one assertion on a finished call; null message means it passed. */
async function checkOne(assertion: SuiteAssertion, outcome: CellOutcome, vars: Readonly<Record<string, string>>, judge: JudgeFn): Promise<AssertionResult> {
  const result = (message: string | null, passMessage = ''): AssertionResult => ({ type: assertion.type, pass: message === null, message: message ?? passMessage });
  const { output } = outcome;
  switch (assertion.type) {
    case 'equals':
    case 'contains':
    case 'not-contains':
      return result(checkText(assertion, output, vars));
    case 'regex':
      assertion.pattern.lastIndex = 0;
      return result(assertion.pattern.test(output) ? null : `output does not match ${String(assertion.pattern)}: got ${quote(output)}`);
    case 'is-json':
    case 'json-schema':
      return result(checkJson(output, assertion.schema));
    case 'max-latency':
      if (outcome.latencyMs === null) return result('the call has no latency');
      return result(outcome.latencyMs <= assertion.threshold ? null : `latency ${Math.round(outcome.latencyMs)} ms is over ${assertion.threshold} ms`);
    case 'max-cost':
      if (outcome.costUsd === null) return result('the cost is unknown: the model has no price; set one in the price table (prompt.setPrice)');
      return result(outcome.costUsd <= assertion.threshold ? null : `cost $${outcome.costUsd.toPrecision(3)} is over $${assertion.threshold}`);
    case 'llm-judge': {
      if (!assertion.judge) return result('no judge model: add judge: {provider, model} to the suite');
      try {
        const verdict = await judge(fillVars(assertion.rubric, vars), output, vars, assertion.judge);
        return { type: assertion.type, pass: verdict.pass, message: verdict.reason };
      } catch (error) {
        return result(`the judge failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}

/**
 * Checks a cell's assertions in order. A call that did not end ok is not checked: each assertion fails with the
 * call's error, so no judge is paid to grade an error message.
 */
export async function checkAssertions(
  assertions: readonly SuiteAssertion[],
  outcome: CellOutcome,
  vars: Readonly<Record<string, string>>,
  judge: JudgeFn,
): Promise<AssertionResult[]> {
  if (outcome.status !== 'ok') {
    const why = `not checked: the call ${outcome.status === 'partial' ? 'broke off' : outcome.status === 'cancelled' ? 'was cancelled' : 'failed'}${outcome.error ? ` (${outcome.error})` : ''}`;
    return assertions.map((assertion) => ({ type: assertion.type, pass: false, message: why }));
  }
  const results: AssertionResult[] = [];
  for (const assertion of assertions) results.push(await checkOne(assertion, outcome, vars, judge));
  return results;
}

/** The messages sent to a judge model: the rubric, the output, and the JSON verdict asked for. */
export function judgeMessages(rubric: string, output: string, vars: Readonly<Record<string, string>>): ChatMessage[] {
  const varsText = Object.keys(vars).length > 0 ? `\n\nThe test's variables:\n${JSON.stringify(vars, null, 2)}` : '';
  return [
    {
      role: 'system',
      content:
        'You grade the output of an AI model against a rubric. Decide whether the output satisfies the rubric. ' +
        'Answer with one JSON object and nothing else: {"pass": true or false, "reason": "one short sentence"}.',
    },
    { role: 'user', content: `Rubric:\n${rubric}${varsText}\n\nOutput to grade:\n<output>\n${output}\n</output>` },
  ];
}

function truthOf(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value >= 0.5;
  if (typeof value === 'string') {
    const word = value.trim().toLowerCase();
    if (['true', 'pass', 'passed', 'yes', 'ok'].includes(word)) return true;
    if (['false', 'fail', 'failed', 'no'].includes(word)) return false;
  }
  return null;
}

function verdictOf(value: unknown): Verdict | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const record = value as Record<string, unknown>;
  const pass = truthOf(record.pass ?? record.passed ?? record.verdict ?? record.result ?? record.score);
  if (pass === null) return null;
  const reason = record.reason ?? record.explanation ?? record.rationale ?? '';
  return { pass, reason: typeof reason === 'string' ? reason : JSON.stringify(reason) };
}

/**
 * Reads a judge's answer: the JSON object (bare, fenced, or inside prose), `"pass": true` written loosely, or an
 * answer starting with PASS / FAIL. Null when none of these is there.
 */
export function parseVerdict(answer: string): Verdict | null {
  const text = jsonText(answer);
  const candidates = [text];
  const first = text.indexOf('{');
  const last = text.lastIndexOf('}');
  if (first >= 0 && last > first) candidates.push(text.slice(first, last + 1));
  for (const candidate of candidates) {
    try {
      const verdict = verdictOf(JSON.parse(candidate) as unknown);
      if (verdict) return verdict;
    } catch {
      // Not JSON as a whole; the looser forms below.
    }
  }
  const loose = /"?pass"?\s*[:=]\s*"?(true|false)"?/i.exec(text);
  if (loose) {
    const reason = /"?reason"?\s*[:=]\s*"((?:[^"\\]|\\.)*)"/i.exec(text)?.[1] ?? '';
    return { pass: loose[1]!.toLowerCase() === 'true', reason };
  }
  const word = /^\W*(pass|fail)(?:ed)?\b[\s:.,-]*([\s\S]*)$/i.exec(text.trim());
  if (word) return { pass: word[1]!.toLowerCase() === 'pass', reason: word[2]!.trim() };
  return null;
}
