// Prompt suites through the core's dispatcher against the fake provider server (OpenAI wire protocol): a suite file
// saved and checked, its estimate, a run of rows × saved versions × models with every assertion type (LLM-as-judge
// through the server's judge models), the stored matrix and calls, two runs compared, a cancelled run, and the
// file:line:column errors of suites that name what is not configured.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SuiteCell } from '../../app/contract/prompts';
import { startLlmServer, type LlmServer } from '../llm-server/server';
import { trackingWorld, type TrackingWorld } from './tracking-harness';

const suiteText = (greeting: string) => `
name: greetings
description: The greeter at two versions on two models
prompts:
  - prompt: greeter
    versions: [1, prod]
providers:
  - provider: Local
    model: echo
  - provider: local
    model: echo-small
    label: small
judge: {provider: local, model: judge-pass}
concurrency: 3
defaultTest:
  assert:
    - type: contains
      value: "{{name}}"
    - type: max-latency
      value: 60000
tests:
  - description: Ada
    vars: {name: Ada}
    assert:
      - type: llm-judge
        rubric: greets {{name}} politely
  - vars: {name: Bo}
    assert:
      - type: not-contains
        value: ${greeting}
  - vars: {name: Cy}
    assert:
      - type: regex
        value: "^(Say hello to|Hello) Cy"
      - type: max-cost
        value: 1
`;

describe('prompt suites', () => {
  let world: TrackingWorld;
  let server: LlmServer;
  let slow: LlmServer;

  beforeAll(async () => {
    world = await trackingWorld('orrery-suites-');
    server = await startLlmServer();
    slow = await startLlmServer({ chunkDelayMs: 40 });
    await world.call('prompt.saveProvider', { name: 'local', kind: 'openai', baseUrl: `${server.url}/v1` });
    await world.call('prompt.saveProvider', { name: 'slow', kind: 'openai', baseUrl: `${slow.url}/v1` });
    const v1 = await world.call('prompt.save', { name: 'greeter', messages: [{ role: 'user', content: 'Say hello to {{name}}' }] });
    const v2 = await world.call('prompt.save', { id: v1.prompt.id, name: 'greeter', messages: [{ role: 'system', content: 'Be warm.' }, { role: 'user', content: 'Hello {{name}}!' }] });
    await world.call('prompt.label', { id: v2.prompt.id, label: 'prod', version: 2 });
    await world.call('prompt.setPrice', { model: 'echo', inputPerMTok: 1, outputPerMTok: 2 });
  });

  afterAll(async () => {
    await world?.dispose();
    await server?.close();
    await slow?.close();
  });

  it('saves a suite file after checking it, and refuses one with a syntax error without writing it', async () => {
    const saved = await world.call('prompt.saveSuiteFile', { name: 'greetings.yaml', text: suiteText('Goodbye') });
    expect(saved).toMatchObject({ path: 'suites/greetings.yaml', name: 'greetings.yaml' });
    const bad = world.call('prompt.saveSuiteFile', { name: 'broken.yaml', text: 'prompts: ["hi"\nproviders: []\n' });
    await expect(bad).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/^suites\/broken\.yaml:2:1: YAML syntax error/) });
    expect(existsSync(path.join(world.project, 'suites', 'broken.yaml'))).toBe(false);
    const files = await world.call('prompt.suiteFiles', {});
    expect(files.map((file) => file.name)).toEqual(['greetings.yaml']);
    expect(files[0]!.text).toBe(suiteText('Goodbye'));
  });

  it('estimates cases, calls, tokens and cost before running, listing unpriced models', async () => {
    const estimate = await world.call('prompt.suiteEstimate', { path: 'suites/greetings.yaml' });
    expect(estimate).toMatchObject({ suiteName: 'greetings', rows: 3, columns: 4, cases: 12, calls: 16, concurrency: 3 });
    expect(estimate.outputTokens).toBe(16 * 256);
    expect(estimate.inputTokens).toBeGreaterThan(12 * 3);
    expect(estimate.unpriced.sort()).toEqual(['echo-small', 'judge-pass']);
    expect(estimate.costUsd).toBeGreaterThan(0);
  });

  it('runs rows × versions × models, checks every assertion, keeps calls and cells, and reports progress and cells', async () => {
    const taskId = 'task_suite_one';
    const events: SuiteCell[] = [];
    const progress: { done: number; total: number | null }[] = [];
    const stopCells = world.core.bus.subscribe('prompt.suiteCell', taskId, ({ payload }) => events.push(payload.cell));
    const stopProgress = world.core.bus.subscribe('task.progress', taskId, ({ payload }) => progress.push({ done: payload.done, total: payload.total }));
    const result = await world.call('prompt.suiteRun', { source: { path: 'suites/greetings.yaml' }, taskId });
    stopCells();
    stopProgress();

    expect(result.columns.map((column) => column.label)).toEqual(['greeter@v1 · local/echo', 'greeter@v1 · small', 'greeter@prod · local/echo', 'greeter@prod · small']);
    expect(result.columns.map((column) => column.promptVersion)).toEqual([1, 1, 2, 2]);
    expect(result.rows).toEqual([
      { description: 'Ada', vars: { name: 'Ada' } },
      { description: null, vars: { name: 'Bo' } },
      { description: null, vars: { name: 'Cy' } },
    ]);
    expect(result.cells).toHaveLength(12);
    const cell = (row: number, column: number) => result.cells.find((c) => c.row === row && c.column === column)!;
    expect(cell(0, 0)).toMatchObject({ status: 'ok', output: 'Say hello to Ada', pass: true });
    expect(cell(0, 0).assertions.map((a) => [a.type, a.pass])).toEqual([
      ['contains', true],
      ['max-latency', true],
      ['llm-judge', true],
    ]);
    expect(cell(0, 2).output).toBe('Hello Ada!');
    // Row 2 says "not Goodbye": passes everywhere. Row 3's max-cost fails where the model has no price.
    expect([0, 1, 2, 3].map((c) => cell(1, c).pass)).toEqual([true, true, true, true]);
    expect([0, 1, 2, 3].map((c) => cell(2, c).pass)).toEqual([true, false, true, false]);
    expect(cell(2, 1).assertions.find((a) => !a.pass)!.message).toContain('no price');
    expect(result.run).toMatchObject({ suiteName: 'greetings', path: 'suites/greetings.yaml', status: 'done', cases: 12, passed: 10, failed: 2 });
    expect(result.run.costUsd).toBeGreaterThan(0);
    expect(result.run.estimatedCostUsd).toBeGreaterThan(0);

    expect(events).toHaveLength(12);
    expect(progress.at(-1)).toEqual({ done: 12, total: 12 });
    const stored = await world.call('prompt.suiteResult', { id: result.run.id });
    expect(stored).toEqual(result);
    const history = await world.call('prompt.history', { suiteRunId: result.run.id, limit: 100 });
    expect(history.total).toBe(16);
    const judged = history.calls.filter((call) => call.model === 'judge-pass');
    expect(judged).toHaveLength(4);
    const first = await world.call('prompt.call', { id: cell(0, 2).callId! });
    expect(first).toMatchObject({ suiteRunId: result.run.id, promptVersion: 2, variables: { name: 'Ada' } });
    expect(first.messages).toEqual([
      { role: 'system', content: 'Be warm.' },
      { role: 'user', content: 'Hello Ada!' },
    ]);
  });

  it('compares two runs: a changed assertion shows as broken cells, and its fix as fixed', async () => {
    const file = path.join(world.project, 'suites', 'greetings.yaml');
    await writeFile(file, suiteText('Hello'));
    const broken = await world.call('prompt.suiteRun', { source: { path: file }, concurrency: 8 });
    expect(broken.run).toMatchObject({ passed: 8, failed: 4 });
    await writeFile(file, suiteText('Goodbye'));
    const fixed = await world.call('prompt.suiteRun', { source: { path: 'suites/greetings.yaml' } });
    const compare = await world.call('prompt.suiteCompare', { a: broken.run.id, b: fixed.run.id });
    expect(compare).toMatchObject({ fixed: 2, broken: 0 });
    expect(compare.changes.map((change) => [change.row, change.column, change.before, change.after])).toEqual([
      [1, 'greeter@prod · local/echo', 'fail', 'pass'],
      [1, 'greeter@prod · small', 'fail', 'pass'],
    ]);
    expect(compare.changes[0]).toMatchObject({ vars: { name: 'Bo' }, outputBefore: 'Hello Bo!', outputAfter: 'Hello Bo!' });
    const back = await world.call('prompt.suiteCompare', { a: fixed.run.id, b: broken.run.id });
    expect(back).toMatchObject({ fixed: 0, broken: 2 });
    const runs = await world.call('prompt.suiteRuns', { suiteName: 'greetings' });
    expect(runs.map((run) => run.id).slice(0, 2)).toEqual([fixed.run.id, broken.run.id]);
  });

  it('cancels a run: the cells not run are recorded as cancelled and the run as cancelled', async () => {
    const rows = Array.from({ length: 20 }, (_, i) => `  - vars: {name: "person number ${i} with a long name to stream slowly"}`).join('\n');
    const text = `name: slow\nprompts: ["{{name}}"]\nproviders: [slow:echo]\nconcurrency: 2\ntests:\n${rows}\n`;
    const taskId = 'task_suite_cancel';
    let runId = '';
    let seen = 0;
    const stop = world.core.bus.subscribe('prompt.suiteCell', taskId, ({ payload }) => {
      runId = payload.suiteRunId;
      if (++seen === 2) void world.call('task.cancel', { id: taskId });
    });
    await expect(world.call('prompt.suiteRun', { source: { text, name: 'slow.yaml' }, taskId })).rejects.toMatchObject({ code: 'cancelled' });
    stop();
    const stored = await world.call('prompt.suiteResult', { id: runId });
    expect(stored.run.status).toBe('cancelled');
    expect(stored.run.path).toBeNull();
    expect(stored.cells).toHaveLength(20);
    const cancelled = stored.cells.filter((cell) => cell.status === 'cancelled');
    expect(cancelled.length).toBeGreaterThanOrEqual(16);
    expect(stored.run.passed + stored.run.failed + cancelled.length).toBe(20);
  });

  it('names an unknown provider, an unknown prompt, a missing version and a missing variable at their line and column', async () => {
    const text = [
      'prompts:',
      '  - prompt: greter',
      '  - prompt: greeter',
      '    versions: [7]',
      '  - prompt: greeter',
      '    versions: [prod]',
      'providers:',
      '  - provider: locl',
      '    model: echo',
      'judge: {provider: nobody, model: judge-pass}',
      'tests:',
      '  - vars: {nome: Ada}',
      '',
    ].join('\n');
    const failure = world.call('prompt.suiteEstimate', { text, name: 'typos.yaml' });
    await expect(failure).rejects.toMatchObject({ code: 'invalid_input' });
    const message = await failure.catch((error: Error) => error.message);
    expect(message).toContain('typos.yaml:2:5: no saved prompt "greter" (saved: greeter). Did you mean greeter?');
    expect(message).toContain('typos.yaml:4:16: prompt "greeter" has no version 7');
    expect(message).toContain('typos.yaml:12:5: row 1 has no value for {{name}}, which prompt "greeter" v2 uses');
    expect(message).toContain('typos.yaml:8:5: no provider "locl" (configured: local, slow). Did you mean local?');
    expect(message).toContain('typos.yaml:10:8: no provider "nobody"');
  });

  it('fails an llm-judge assertion with the judge\'s reason, and with what it said when it gave no verdict', async () => {
    const text = [
      'prompts: ["{{q}}"]',
      'providers: [local:echo]',
      'judge: {provider: local, model: judge-fail}',
      'tests:',
      '  - vars: {q: hi}',
      '    assert:',
      '      - {type: llm-judge, rubric: answers in French}',
      '      - {type: llm-rubric, value: is short, provider: "local:echo"}',
      '',
    ].join('\n');
    const result = await world.call('prompt.suiteRun', { source: { text } });
    const [verdict, unreadable] = result.cells[0]!.assertions;
    expect(verdict).toMatchObject({ type: 'llm-judge', pass: false });
    expect(verdict!.message.length).toBeGreaterThan(0);
    expect(unreadable).toMatchObject({ type: 'llm-judge', pass: false });
    expect(unreadable!.message).toMatch(/^the judge failed: echo did not answer with JSON \{"pass": true\|false, "reason": "…"\}: "Rubric:\\nis short/);
    expect(result.run).toMatchObject({ suiteName: 'suite', cases: 1, passed: 0, failed: 1 });
  });

  it('reads suite paths inside the project or the allowed folders only', async () => {
    await expect(world.call('prompt.suiteEstimate', { path: '/etc/passwd' })).rejects.toMatchObject({ code: 'path_outside_root' });
    await expect(world.call('prompt.suiteEstimate', { path: 'suites/missing.yaml' })).rejects.toMatchObject({ code: 'not_found' });
    await writeFile(path.join(world.base, 'outside-project.yml'), 'prompts: ["{{q}}"]\nproviders: [local:json]\ntests:\n  - vars: {q: hi}\n    assert: [{type: is-json}, {type: json-schema, value: {required: [echo]}}]\n');
    const result = await world.call('prompt.suiteRun', { source: { path: path.join(world.base, 'outside-project.yml') } });
    expect(result.run.path).toBe(path.join(world.base, 'outside-project.yml'));
    expect(result.run.suiteName).toBe('outside-project');
    expect(result.cells[0]).toMatchObject({ pass: true, output: '{"echo":"hi"}' });
  });
});
