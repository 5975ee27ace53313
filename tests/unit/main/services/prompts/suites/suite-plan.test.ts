import { describe, expect, it } from 'vitest';
import { OrreryError } from '../../../../../../app/contract/errors';
import type { Prompt, PromptVersion, Provider, SuiteCell, SuiteResult } from '../../../../../../app/contract/prompts';
import { runPool } from '../../../../../../main/services/prompts/suites/pool';
import { compareResults } from '../../../../../../main/services/prompts/suites/suite-compare';
import { parseSuite } from '../../../../../../main/services/prompts/suites/suite-file';
import { estimatePlan, planSuite, type PlanSources } from '../../../../../../main/services/prompts/suites/suite-plan';

const provider = (id: string, name: string): Provider => ({ id, name, kind: 'openai', baseUrl: 'http://127.0.0.1:1/v1', hasKey: false, keyStore: null, keyEnv: null, models: [], timeoutMs: 60_000, createdAt: 0 });
const greeter: Prompt = { id: 'prm_1', name: 'greeter', latestVersion: 2, labels: { prod: 2 }, createdAt: 0, updatedAt: 0 };
const version = (n: number, content: string): PromptVersion => ({
  promptId: 'prm_1',
  version: n,
  messages: [{ role: 'user', content }],
  params: { temperature: 0.5, maxTokens: 100 },
  variables: [...content.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]!),
  note: null,
  hash: String(n),
  labels: [],
  createdAt: 0,
});

const sources: PlanSources = {
  providers: [provider('prv_a', 'Local'), provider('prv_b', 'cloud')],
  prompts: () => [greeter],
  resolvePrompt: (nameOrId, ref) => {
    if (nameOrId !== 'greeter' && nameOrId !== 'prm_1') throw new OrreryError('not_found', `No prompt "${nameOrId}".`);
    const n = ref === undefined || ref === 'prod' ? 2 : ref;
    if (n !== 1 && n !== 2) throw new OrreryError('not_found', `greeter has no version ${String(ref)}.`);
    return { prompt: greeter, version: n === 1 ? version(1, 'Hi {{name}}') : version(2, 'Hello {{name}} in {{lang}}') };
  },
};

describe('planSuite', () => {
  it('resolves providers by id, name or name in any case, saved versions by number and label, and merges parameters', () => {
    const spec = parseSuite(
      'prompts:\n  - prompt: greeter\n    versions: [1, prod]\n  - "{{name}}?"\nproviders:\n  - provider: local\n    model: m1\n    params: {maxTokens: 10}\n  - prv_b:m2\ndefaultTest: {vars: {lang: fr}}\ntests:\n  - vars: {name: Ada}\n',
      's.yaml',
    );
    const plan = planSuite(spec, sources);
    expect(plan.columns.map((c) => [c.label, c.providerId, c.model, c.promptVersion, c.params])).toEqual([
      ['greeter@v1 · Local/m1', 'prv_a', 'm1', 1, { temperature: 0.5, maxTokens: 10 }],
      ['greeter@v1 · cloud/m2', 'prv_b', 'm2', 1, { temperature: 0.5, maxTokens: 100 }],
      ['greeter@prod · Local/m1', 'prv_a', 'm1', 2, { temperature: 0.5, maxTokens: 10 }],
      ['greeter@prod · cloud/m2', 'prv_b', 'm2', 2, { temperature: 0.5, maxTokens: 100 }],
      ['prompt 2 · Local/m1', 'prv_a', 'm1', null, { maxTokens: 10 }],
      ['prompt 2 · cloud/m2', 'prv_b', 'm2', null, {}],
    ]);
    expect(plan.rows).toEqual([{ description: null, vars: { lang: 'fr', name: 'Ada' } }]);
  });

  it('estimates tokens per rendered cell, 256 output tokens unless maxTokens, judge calls, and lists unpriced models', () => {
    const spec = parseSuite(
      'prompts: ["{{q}}"]\nproviders: [local:priced, local:free]\njudge: {provider: cloud, model: judge}\ntests:\n  - vars: {q: one two three}\n    assert: [{type: llm-judge, rubric: ok}]\n  - vars: {q: four}\n',
      's.yaml',
    );
    const plan = planSuite(spec, sources);
    const estimate = estimatePlan(plan, 's', 3, (model, usage) => (model === 'priced' ? usage.inputTokens + usage.outputTokens * 10 : null));
    expect(estimate).toMatchObject({ suiteName: 's', rows: 2, columns: 2, cases: 4, calls: 6, concurrency: 3, unpriced: ['free', 'judge'] });
    expect(estimate.outputTokens).toBe(6 * 256);
    const pricedInput = estimate.costUsd - 2 * 256 * 10;
    expect(pricedInput).toBeGreaterThan(2);
    expect(estimate.inputTokens).toBeGreaterThan(2 * pricedInput);
  });

  it('names unknown providers, unknown prompts and versions, and rows lacking a saved version\'s variable', () => {
    const spec = parseSuite(
      'prompts:\n  - prompt: gretter\n  - prompt: greeter\n    versions: [prod, 9]\nproviders: [locl:m]\njudge: {provider: nobody, model: j}\ntests:\n  - vars: {name: Ada}\n',
      's.yaml',
    );
    let message = '';
    try {
      planSuite(spec, sources);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message.split('\n')).toEqual([
      's.yaml:2:5: no saved prompt "gretter" (saved: greeter). Did you mean greeter? Write the name of a saved prompt, or write the prompt here as text or messages:.',
      's.yaml:8:5: row 1 has no value for {{lang}}, which prompt "greeter" v2 uses; add lang: … under this row\'s vars: (or under defaultTest: vars:).',
      's.yaml:4:22: prompt "greeter" has no version 9: greeter has no version 9.',
      's.yaml:5:13: no provider "locl" (configured: Local, cloud). Did you mean Local? Write the name or id of a configured provider, or add one (Prompt studio → Providers, or prompt.saveProvider).',
      's.yaml:6:8: no provider "nobody" (configured: Local, cloud). Write the name or id of a configured provider, or add one (Prompt studio → Providers, or prompt.saveProvider).',
    ]);
  });
});

function result(id: string, rows: Record<string, string>[], labels: string[], passes: (boolean | 'cancelled')[][]): SuiteResult {
  const cells: SuiteCell[] = passes.flatMap((row, r) =>
    row.map((pass, c) => ({ row: r, column: c, callId: null, output: `${id}:${r}:${c}`, status: pass === 'cancelled' ? 'cancelled' : 'ok', pass: pass === true, assertions: [], latencyMs: 1, costUsd: null, error: null })),
  );
  return {
    run: { id, suiteName: 's', path: null, hash: '', status: 'done', cases: cells.length, passed: 0, failed: 0, costUsd: 0, estimatedCostUsd: null, startedAt: 0, endedAt: 0 },
    rows: rows.map((vars) => ({ description: null, vars })),
    columns: labels.map((label) => ({ label, promptId: null, promptVersion: null, providerId: 'p', model: 'm' })),
    cells,
  };
}

describe('compareResults', () => {
  it('matches cells by row variables (in any order) and column label, and counts fixed and broken', () => {
    const a = result('a', [{ x: '1', y: '2' }, { x: '3' }], ['A', 'B'], [
      [false, true],
      [true, true],
    ]);
    const b = result('b', [{ x: '3' }, { y: '2', x: '1' }, { x: '5' }], ['B', 'A'], [
      [false, true],
      [true, 'cancelled'],
      [true, true],
    ]);
    const compared = compareResults(a, b);
    expect(compared.changes.map((c) => [c.row, c.column, c.before, c.after, c.outputBefore, c.outputAfter])).toEqual([
      [0, 'B', 'pass', 'fail', 'a:1:1', 'b:0:0'],
      [1, 'A', 'fail', 'absent', 'a:0:0', null],
      [2, 'B', 'absent', 'pass', null, 'b:2:0'],
      [2, 'A', 'absent', 'pass', null, 'b:2:1'],
    ]);
    expect(compared).toMatchObject({ fixed: 0, broken: 1 });
    expect(compareResults(b, a)).toMatchObject({ fixed: 1, broken: 0 });
  });
});

describe('runPool', () => {
  it('keeps at most the limit running and runs every index once', async () => {
    let running = 0;
    let most = 0;
    const seen: number[] = [];
    await runPool(50, 4, async (index) => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, index % 3));
      seen.push(index);
      running--;
    });
    expect(most).toBe(4);
    expect(seen.sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('stops taking work after a failure and throws it', async () => {
    const seen: number[] = [];
    await expect(
      runPool(100, 2, async (index) => {
        seen.push(index);
        await Promise.resolve();
        if (index === 3) throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(seen.length).toBeLessThan(10);
  });
});
