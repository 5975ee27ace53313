import { describe, expect, it } from 'vitest';
import { OrreryError } from '../../../../../../app/contract/errors';
import { checkAssertions, jsonText, judgeMessages, parseVerdict, type CellOutcome, type JudgeFn } from '../../../../../../main/services/prompts/suites/assertions';
import { parseSuite, type SuiteAssertion } from '../../../../../../main/services/prompts/suites/suite-file';

/** The assertions of a one-row suite whose row has `vars`. */
function assertionsOf(yaml: string, vars: Record<string, string> = {}): SuiteAssertion[] {
  const varLines = Object.entries(vars).map(([k, v]) => `      ${k}: ${JSON.stringify(v)}`);
  const text = ['prompts: [hi]', 'providers: [local:echo]', 'judge: {provider: local, model: judge}', 'tests:', '  - vars:', ...(varLines.length ? varLines : ['      {}']), '    assert:', yaml].join('\n');
  return [...parseSuite(text, 's.yaml').tests[0]!.assert];
}

const ok = (output: string, more: Partial<CellOutcome> = {}): CellOutcome => ({ output, status: 'ok', error: null, latencyMs: 100, costUsd: 0.001, ...more });
const noJudge: JudgeFn = () => Promise.reject(new Error('no judge in this test'));

describe('checkAssertions', () => {
  it('checks text: equals (trimmed), contains and not-contains with lists, case folding and row variables', async () => {
    const assertions = assertionsOf(
      [
        '      - {type: equals, value: "Hello Ada"}',
        '      - {type: contains, value: ["{{name}}", "Hello"]}',
        '      - {type: contains, value: "hello", ignoreCase: true}',
        '      - {type: not-contains, value: [rude, "sorry"]}',
        '      - {type: contains, value: "Bob"}',
        '      - {type: not-contains, value: Ada}',
      ].join('\n'),
      { name: 'Ada' },
    );
    const results = await checkAssertions(assertions, ok('  Hello Ada\n'), { name: 'Ada' }, noJudge);
    expect(results.map((r) => r.pass)).toEqual([true, true, true, true, false, false]);
    expect(results[4]!.message).toBe('output does not contain "Bob": got " Hello Ada "');
    expect(results[5]!.message).toBe('output contains "Ada"');
  });

  it('checks regex, JSON, a JSON schema, latency and cost', async () => {
    const assertions = assertionsOf(
      [
        '      - {type: regex, value: "^\\\\{", flags: i}',
        '      - type: is-json',
        '      - type: json-schema',
        '        value: {type: object, required: [answer], properties: {answer: {type: string}}}',
        '      - {type: max-latency, value: 50}',
        '      - {type: max-cost, value: 0.01}',
      ].join('\n'),
    );
    const good = await checkAssertions(assertions, ok('```json\n{"answer": "42"}\n```', { latencyMs: 20 }), {}, noJudge);
    expect(good.map((r) => r.pass)).toEqual([false, true, true, true, true]);
    expect(good[0]!.message).toContain('does not match /^\\{/i');
    const bad = await checkAssertions(assertions, ok('{"answer": 42}', { latencyMs: 75.4, costUsd: 0.02 }), {}, noJudge);
    expect(bad.map((r) => r.pass)).toEqual([true, true, false, false, false]);
    expect(bad[2]!.message).toBe('the JSON does not match the schema: /answer must be string');
    expect(bad[3]!.message).toBe('latency 75 ms is over 50 ms');
    expect(bad[4]!.message).toBe('cost $0.0200 is over $0.01');
    const notJson = await checkAssertions(assertions.slice(1, 2), ok('answer: 42'), {}, noJudge);
    expect(notJson[0]!.message).toMatch(/^output is not JSON \(.+\): "answer: 42"$/);
    const unpriced = await checkAssertions(assertions.slice(4), ok('x', { costUsd: null }), {}, noJudge);
    expect(unpriced[0]).toMatchObject({ pass: false, message: expect.stringContaining('no price') });
  });

  it('asks the judge with the rubric filled in, and fails with the reason when it cannot', async () => {
    const assertions = assertionsOf('      - {type: llm-judge, rubric: "greets {{name}}"}\n      - {type: llm-rubric, value: "is short"}', { name: 'Ada' });
    const asked: string[] = [];
    const judge: JudgeFn = (rubric, output, vars, model) => {
      asked.push(`${rubric}|${output}|${vars.name}|${model.model}`);
      if (rubric === 'is short') return Promise.reject(new OrreryError('provider_error', 'the judge answered no JSON'));
      return Promise.resolve({ pass: true, reason: 'it greets Ada' });
    };
    const results = await checkAssertions(assertions, ok('Hi Ada'), { name: 'Ada' }, judge);
    expect(asked).toEqual(['greets Ada|Hi Ada|Ada|judge', 'is short|Hi Ada|Ada|judge']);
    expect(results).toEqual([
      { type: 'llm-judge', pass: true, message: 'it greets Ada' },
      { type: 'llm-judge', pass: false, message: 'the judge failed: the judge answered no JSON' },
    ]);
  });

  it('fails every assertion of a call that did not end ok, without asking the judge', async () => {
    const assertions = assertionsOf('      - {type: contains, value: x}\n      - {type: llm-judge, rubric: fine}');
    const results = await checkAssertions(assertions, ok('x', { status: 'error', error: '(unavailable) local: refused' }), {}, noJudge);
    expect(results).toEqual([
      { type: 'contains', pass: false, message: 'not checked: the call failed ((unavailable) local: refused)' },
      { type: 'llm-judge', pass: false, message: 'not checked: the call failed ((unavailable) local: refused)' },
    ]);
  });
});

describe('parseVerdict', () => {
  it('reads JSON verdicts bare, fenced, in prose, loosely written, or as PASS / FAIL', () => {
    expect(parseVerdict('{"pass": true, "reason": "polite"}')).toEqual({ pass: true, reason: 'polite' });
    expect(parseVerdict('```json\n{"pass": false, "reason": "rude"}\n```')).toEqual({ pass: false, reason: 'rude' });
    expect(parseVerdict('Sure! Here is my verdict: {"pass": "yes", "reason": "ok"} Hope it helps.')).toEqual({ pass: true, reason: 'ok' });
    expect(parseVerdict('{"verdict": "FAIL", "explanation": "too long"}')).toEqual({ pass: false, reason: 'too long' });
    expect(parseVerdict('{pass: false, reason: "no quotes on keys"')).toEqual({ pass: false, reason: 'no quotes on keys' });
    expect(parseVerdict('PASS: it answers the question')).toEqual({ pass: true, reason: 'it answers the question' });
    expect(parseVerdict('I cannot decide.')).toBeNull();
    expect(parseVerdict('{"reason": "no pass key"}')).toBeNull();
  });

  it('builds a judge prompt that asks for the JSON verdict', () => {
    const messages = judgeMessages('is polite', 'Hello', { name: 'Ada' });
    expect(messages[0]!.role).toBe('system');
    expect(messages[0]!.content).toContain('{"pass": true or false, "reason"');
    expect(messages[1]!.content).toContain('Rubric:\nis polite');
    expect(messages[1]!.content).toContain('"name": "Ada"');
    expect(messages[1]!.content).toContain('<output>\nHello\n</output>');
  });

  it('finds JSON inside one fenced block only', () => {
    expect(jsonText(' ```\n[1]\n``` ')).toBe('[1]');
    expect(jsonText('text ```json\n{}\n```')).toBe('text ```json\n{}\n```');
  });
});
