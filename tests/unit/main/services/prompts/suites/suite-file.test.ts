import { describe, expect, it } from 'vitest';
import { isOrreryError } from '../../../../../../app/contract/errors';
import { parseSuite, type SuiteSpec } from '../../../../../../main/services/prompts/suites/suite-file';
import { closest } from '../../../../../../main/services/prompts/suites/yaml-reader';

/** The message of the invalid_input error parseSuite throws for `text`. */
function errorOf(text: string, file = 'suites/bad.yaml'): string {
  try {
    parseSuite(text, file);
  } catch (error) {
    if (isOrreryError(error) && error.code === 'invalid_input') return error.message;
    throw error;
  }
  throw new Error('parseSuite accepted the text');
}

const full = `
description: Greetings in two styles
prompts:
  - "Say hello to {{name}}"
  - prompt: greeter
    versions: [1, prod]
  - label: terse
    messages:
      - role: system
        content: Answer in one word.
      - role: user
        content: "Greet {{name}}"
    params: {temperature: 0.2}
providers:
  - provider: local
    model: echo
    params: {temperature: 0, max_tokens: 20}
    label: echo model
  - local:llama3:8b
judge: {provider: local, model: judge-pass}
concurrency: 8
defaultTest:
  vars: {lang: en}
  assert:
    - type: contains
      value: "{{name}}"
tests:
  - description: a name
    vars: {name: Ada}
    assert:
      - type: regex
        value: "/^say/i"
      - type: json-schema
        value: {type: object, required: [answer]}
      - type: llm-rubric
        value: is polite
      - type: latency
        threshold: 2000
      - type: llm-judge
        rubric: is short
        provider: other:judge-fail
  - vars: {name: 3, lang: fr}
    assert:
      - type: not-contains
        value: [rude, impolite]
        ignoreCase: true
      - type: max-cost
        value: 0.01
      - type: is-json
      - type: equals
        value: ok
`;

describe('parseSuite', () => {
  it('reads every part of a promptfoo-like suite', () => {
    const spec: SuiteSpec = parseSuite(full, 'suites/greet.yaml');
    expect(spec.description).toBe('Greetings in two styles');
    expect(spec.concurrency).toBe(8);
    expect(spec.judge).toMatchObject({ provider: 'local', model: 'judge-pass' });
    expect(spec.prompts).toHaveLength(3);
    expect(spec.prompts[0]).toMatchObject({ kind: 'inline', label: 'prompt 1', messages: [{ role: 'user', content: 'Say hello to {{name}}' }] });
    expect(spec.prompts[1]).toMatchObject({ kind: 'saved', name: 'greeter', refs: [{ ref: 1 }, { ref: 'prod' }] });
    expect(spec.prompts[2]).toMatchObject({ kind: 'inline', label: 'terse', params: { temperature: 0.2 } });
    expect(spec.targets).toEqual([
      { provider: 'local', model: 'echo', params: { temperature: 0, maxTokens: 20 }, label: 'echo model', at: { line: 15, col: 5 } },
      { provider: 'local', model: 'llama3:8b', params: {}, label: null, at: { line: 19, col: 5 } },
    ]);
    expect(spec.tests).toHaveLength(2);
    const [first, second] = spec.tests;
    expect(first).toMatchObject({ row: 1, description: 'a name', vars: { lang: 'en', name: 'Ada' } });
    expect(first!.assert.map((a) => a.type)).toEqual(['contains', 'regex', 'json-schema', 'llm-judge', 'max-latency', 'llm-judge']);
    const override = first!.assert[5]!;
    expect(override.type === 'llm-judge' && [override.judge?.provider, override.judge?.model]).toEqual(['other', 'judge-fail']);
    expect(second!.vars).toEqual({ lang: 'fr', name: '3' });
    expect(second!.assert.map((a) => a.type)).toEqual(['contains', 'not-contains', 'max-cost', 'is-json', 'equals']);
    const regex = first!.assert[1]!;
    expect(regex.type === 'regex' && regex.pattern.flags).toBe('i');
    const judge = first!.assert[3]!;
    expect(judge.type === 'llm-judge' && judge.judge?.model).toBe('judge-pass');
    const notContains = second!.assert[1]!;
    expect(notContains).toMatchObject({ values: ['rude', 'impolite'], ignoreCase: true });
  });

  it('gives a suite without tests one row of the default variables', () => {
    const spec = parseSuite('prompts: [hi]\nproviders: [local:echo]\n', null);
    expect(spec.tests).toEqual([{ row: 1, description: null, vars: {}, assert: [], at: { line: 1, col: 1 } }]);
    expect(spec.concurrency).toBe(4);
    expect(spec.file).toBe('suite');
  });

  it('expands YAML anchors and merge keys', () => {
    const spec = parseSuite(
      'prompts: ["{{a}} {{b}}"]\nproviders: [local:echo]\nbase: &base {a: 1, b: 2}\n'.replace('base: ', 'x-unused: ') +
        'tests:\n  - vars:\n      <<: *base\n      b: 3\n',
      'm.yaml',
    );
    expect(spec.tests[0]!.vars).toEqual({ a: '1', b: '3' });
  });

  it('reports a YAML syntax error with file, line and column and what to do', () => {
    const message = errorOf('prompts: ["hi"\nproviders: [local:echo]\n');
    expect(message).toMatch(/^suites\/bad\.yaml:2:1: YAML syntax error: /);
    expect(message).toContain('end with a ]');
    expect(errorOf('prompts:\n\t- hi\n')).toMatch(/^suites\/bad\.yaml:2:1: YAML syntax error: .*tab/i);
    expect(errorOf('a: 1\na: 2\n')).toMatch(/^suites\/bad\.yaml:2:1: YAML syntax error: .*keep one of the two/);
  });

  it('names an unknown key with a did-you-mean, and promptfoo keys with what to write here', () => {
    const message = errorOf('promts: [hi]\nprompts: [hi]\nproviders:\n  - provider: local\n    modle: echo\n    config: {temperature: 0}\nevaluateOptions: {maxConcurrency: 2}\n');
    expect(message).toContain('suites/bad.yaml:1:1: unknown key "promts" in the suite. Did you mean prompts?');
    expect(message).toContain('suites/bad.yaml:5:5: unknown key "modle" in provider 1. Did you mean model?');
    expect(message).toContain('suites/bad.yaml:6:5: unknown key "config" in provider 1. Write sampling parameters under params:');
    expect(message).toContain('suites/bad.yaml:7:1: unknown key "evaluateOptions" in the suite. Write the concurrency limit as concurrency: N');
  });

  it('lists the valid assertion types for a wrong one', () => {
    const message = errorOf('prompts: [hi]\nproviders: [local:echo]\ntests:\n  - assert:\n      - type: contain\n        value: x\n      - type: sentiment\n');
    expect(message).toContain('suites/bad.yaml:5:15: unknown assertion type "contain". Did you mean contains? Valid types: equals, contains, not-contains, regex, is-json, json-schema, max-latency, max-cost, llm-judge.');
    expect(message).toContain('suites/bad.yaml:7:15: unknown assertion type "sentiment". Valid types:');
  });

  it('names a variable a row lacks, with the row number', () => {
    const message = errorOf('prompts: ["Hi {{name}} from {{city}}"]\nproviders: [local:echo]\ntests:\n  - vars: {name: Ada, city: Paris}\n  - description: no city\n    vars: {name: Bo}\n');
    expect(message).toBe(
      'suites/bad.yaml:5:5: row 2 ("no city") has no value for {{city}}, which prompt "prompt 1" uses; add city: … under this row\'s vars: (or under defaultTest: vars:).',
    );
  });

  it('names a variable an assertion uses that the row lacks', () => {
    const message = errorOf('prompts: [hi]\nproviders: [local:echo]\ntests:\n  - assert:\n      - type: contains\n        value: "{{who}}"\n');
    expect(message).toMatch(/^suites\/bad\.yaml:5:9: this contains assertion uses \{\{who\}\}, which row 1 does not define/);
  });

  it('checks assertion values: a broken regex, a schema that is no schema, a threshold that is no number, a judge that is missing', () => {
    const message = errorOf(
      [
        'prompts: [hi]',
        'providers: [local:echo]',
        'tests:',
        '  - assert:',
        '      - type: regex',
        '        value: "(unclosed"',
        '      - type: json-schema',
        '        value: {type: 12}',
        '      - type: max-latency',
        '        value: fast',
        '      - type: llm-judge',
        '        rubric: polite',
        '      - type: contains',
        '',
      ].join('\n'),
    );
    expect(message).toMatch(/suites\/bad\.yaml:6:16: Invalid regular expression.*fix the regular expression/);
    expect(message).toContain('suites/bad.yaml:8:16: this is not a valid JSON schema');
    expect(message).toContain('suites/bad.yaml:10:16: value must be a number; write milliseconds');
    expect(message).toContain('suites/bad.yaml:11:9: llm-judge needs a model to grade with: add judge: {provider: NAME, model: MODEL}');
    expect(message).toContain('suites/bad.yaml:13:9: a contains assertion needs value: TEXT');
  });

  it('refuses missing lists, bad roles, out-of-range parameters and concurrency, and CSV rows', () => {
    expect(errorOf('description: x\n')).toContain('suites/bad.yaml:1:1: the suite has no prompts: list; add one');
    const message = errorOf(
      'prompts:\n  - messages:\n      - role: bot\n        content: hi\nproviders:\n  - provider: local\n    model: echo\n    params: {temperature: 7}\nconcurrency: 0\ntests: rows.csv\n',
    );
    expect(message).toContain('suites/bad.yaml:3:15: role "bot" is not one of system, user, assistant.');
    expect(message).toMatch(/suites\/bad\.yaml:8:27: params\.temperature: .*2/);
    expect(message).toContain('suites/bad.yaml:9:14: concurrency 0 is out of range');
    expect(message).toContain('suites/bad.yaml:10:8: tests: must list the rows here; a CSV or other file is not read.');
  });

  it('refuses an empty file, and a provider without a model', () => {
    expect(errorOf('')).toContain('suites/bad.yaml:1:1: the suite is empty');
    expect(errorOf('prompts: [hi]\nproviders: [local]\n')).toContain('suites/bad.yaml:2:13: provider 1 "local" names no model; write NAME:MODEL');
  });
});

describe('closest', () => {
  it('suggests near names only', () => {
    expect(closest('promts', ['prompts', 'providers'])).toBe('prompts');
    expect(closest('Contians', ['contains', 'equals'])).toBe('contains');
    expect(closest('sentiment', ['contains', 'equals'])).toBeNull();
  });
});
