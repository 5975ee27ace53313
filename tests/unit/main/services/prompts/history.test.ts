import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LlmCall } from '../../../../../app/contract/prompts';
import { silentLogger } from '../../../../../main/core/logger';
import { CallHistory, ftsPhrase, likePattern } from '../../../../../main/services/prompts/history';
import { PromptStore } from '../../../../../main/services/prompts/prompt-store';
import { openDatabase, type Db } from '../../../../../main/services/store/open-database';
import { projectMigrations } from '../../../../../main/services/store/project-migrations';

const day = Date.UTC(2026, 10, 20);

function call(id: string, over: Partial<LlmCall> = {}): LlmCall {
  return {
    id,
    runId: 'run_1',
    suiteRunId: null,
    promptId: null,
    promptVersion: null,
    providerId: 'prov_local',
    providerName: 'Local',
    providerKind: 'openai',
    model: 'echo',
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: `question of ${id}` },
    ],
    variables: { topic: 'stars' },
    params: { temperature: 0.3, stop: ['\n\n'] },
    output: `answer of ${id}`,
    toolCalls: null,
    finishReason: 'stop',
    status: 'ok',
    error: null,
    warnings: [],
    usage: { inputTokens: 10, outputTokens: 5, estimated: false },
    costUsd: 0.001,
    firstTokenMs: 12.5,
    latencyMs: 40.25,
    attempts: 1,
    startedAt: day,
    ...over,
  };
}

describe('CallHistory', () => {
  let dir: string;
  let db: Db;
  let history: CallHistory;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'orrery-history-'));
    db = openDatabase(path.join(dir, 'project.db'), { migrations: projectMigrations, kind: 'project', logger: silentLogger });
    history = new CallHistory(db);
  });
  afterEach(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });
  const ids = (result: { calls: { id: string }[] }) => result.calls.map((summary) => summary.id);

  it('keeps a call whole and answers it back', () => {
    const full = call('call_a', {
      toolCalls: [{ id: 't1', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } }],
      warnings: ['seed is not supported by this provider'],
      usage: { inputTokens: 3, outputTokens: 4, estimated: true },
      status: 'partial',
      error: 'The connection closed mid-stream.',
      costUsd: null,
      firstTokenMs: null,
    });
    history.insert(full);
    expect(history.get('call_a')).toEqual(full);
    history.insert(call('call_b', { usage: null }));
    expect(history.get('call_b').usage).toBeNull();
    expect(() => history.get('call_zzz')).toThrow(expect.objectContaining({ code: 'not_found' }));
  });

  it('writes many calls in one transaction: a duplicate id keeps none of them', () => {
    history.insert(call('call_a'));
    expect(() => history.insertMany([call('call_b'), call('call_a')])).toThrow(expect.objectContaining({ code: 'already_exists' }));
    expect(history.search({ limit: 10 }).total).toBe(1);
    expect(db.prepare('SELECT count(*) FROM llm_calls_fts').pluck().get()).toBe(1);
    history.insertMany([call('call_b'), call('call_c')]);
    expect(history.search({ limit: 10 }).total).toBe(3);
  });

  it('lists newest first with previews, pages with before, and filters by prompt and suite run', () => {
    const longUser = 'u'.repeat(300);
    history.insertMany([
      call('call_1', { startedAt: day + 1, promptId: 'prm_a' }),
      call('call_2', { startedAt: day + 2, suiteRunId: 'srun_1', promptId: 'prm_a' }),
      call('call_3', {
        startedAt: day + 3,
        suiteRunId: 'srun_1',
        output: 'o'.repeat(500),
        messages: [
          { role: 'user', content: 'first question' },
          { role: 'assistant', content: 'an answer' },
          { role: 'user', content: longUser },
          { role: 'assistant', content: 'prefill' },
        ],
      }),
      call('call_4', { startedAt: day + 4, messages: [{ role: 'system', content: 'only a system message' }] }),
    ]);
    const all = history.search({ limit: 100 });
    expect(ids(all)).toEqual(['call_4', 'call_3', 'call_2', 'call_1']);
    expect(all.total).toBe(4);
    const third = all.calls[1]!;
    expect(third.inputPreview).toBe(longUser.slice(0, 200));
    expect(third.outputPreview).toBe('o'.repeat(200));
    expect(all.calls[0]!.inputPreview).toBe('');
    expect(all.calls[2]).toMatchObject({ inputPreview: 'question of call_2', outputPreview: 'answer of call_2', usage: { inputTokens: 10 }, warnings: [] });
    expect(all.calls[2]).not.toHaveProperty('messages');

    const first = history.search({ limit: 2 });
    expect(ids(first)).toEqual(['call_4', 'call_3']);
    const next = history.search({ limit: 2, before: first.calls.at(-1)!.startedAt });
    expect(ids(next)).toEqual(['call_2', 'call_1']);
    expect(next.total).toBe(4);
    expect(ids(history.search({ limit: 10, promptId: 'prm_a' }))).toEqual(['call_2', 'call_1']);
    expect(ids(history.search({ limit: 10, suiteRunId: 'srun_1' }))).toEqual(['call_3', 'call_2']);
    expect(ids(history.search({ limit: 10, suiteRunId: 'srun_1', promptId: 'prm_a' }))).toEqual(['call_2']);
  });

  it('searches models, messages, outputs and errors in any case, short queries included', () => {
    history.insertMany([
      call('call_model', { model: 'claude-3-5-haiku-latest', startedAt: day + 1 }),
      call('call_input', { messages: [{ role: 'user', content: 'Tell me about Betelgeuse' }], startedAt: day + 2 }),
      call('call_output', { output: 'The answer is 42% likely (roughly) "yes"', startedAt: day + 3 }),
      call('call_error', { status: 'error', error: 'HTTP 429: rate limited by upstream', output: '', startedAt: day + 4 }),
      call('call_unicode', { output: 'Ça marche, naïve café', startedAt: day + 5 }),
    ]);
    const find = (query: string, promptId?: string) => ids(history.search({ query, limit: 50, promptId }));
    expect(find('HAIKU')).toEqual(['call_model']);
    expect(find('betelgeuse')).toEqual(['call_input']);
    expect(find('42% likely')).toEqual(['call_output']);
    expect(find('"yes"')).toEqual(['call_output']);
    expect(find('(roughly)')).toEqual(['call_output']);
    expect(find('rate limited')).toEqual(['call_error']);
    expect(find('café')).toEqual(['call_unicode']);
    expect(find('no such words')).toEqual([]);
    expect(history.search({ query: 'answer of', limit: 1 })).toMatchObject({ total: 2, calls: [{ id: 'call_input' }] });
    // Text that means something to FTS5 is searched for as written, never a syntax error.
    for (const query of ['"', '""', 'a"b', '*', 'echo*', '(', 'x OR y', 'NEAR(a b)', '-foo', 'col:thing', '^start', 'AND', '\\', "it's"]) {
      expect(() => history.search({ query, limit: 5 })).not.toThrow();
    }
    // Under 3 characters: a scan, with % and _ taken literally.
    expect(find('42')).toEqual(['call_error', 'call_output']);
    expect(find('%')).toEqual(['call_output']);
    expect(find('e_')).toEqual([]);
    expect(find('l_')).toHaveLength(5);
    expect(find('Ça')).toEqual(['call_unicode']);
    expect(find('of', 'prm_none')).toEqual([]);
  });

  it('quotes FTS phrases and LIKE patterns', () => {
    expect(ftsPhrase('say "hi"')).toBe('"say ""hi"""');
    expect(likePattern('50%_\\')).toBe('%50\\%\\_\\\\%');
  });

  it('totals tokens and cost per prompt, suite run, UTC day and model, counting unpriced and estimated calls', () => {
    const prompts = new PromptStore(db, { now: () => day });
    const { prompt } = prompts.save({ name: 'summarise', messages: [{ role: 'user', content: 'x' }], params: {} });
    db.prepare(`INSERT INTO suite_runs (id, suite_name, path, hash, text, status, cases, rows, columns, started_at) VALUES ('srun_1', 'greetings', NULL, 'h', '', 'done', 2, '[]', '[]', ?)`).run(
      Date.UTC(2026, 10, 20, 9, 30),
    );
    history.insertMany([
      call('c1', { promptId: prompt.id, startedAt: Date.UTC(2026, 10, 19, 23, 59), costUsd: 0.5 }),
      call('c2', { promptId: prompt.id, suiteRunId: 'srun_1', startedAt: Date.UTC(2026, 10, 20, 0, 1), costUsd: null }),
      call('c3', { suiteRunId: 'srun_1', startedAt: Date.UTC(2026, 10, 20, 10), model: 'gpt-4o', usage: { inputTokens: 100, outputTokens: 50, estimated: true }, costUsd: 0.25 }),
      call('c4', { promptId: 'prm_deleted', startedAt: Date.UTC(2026, 10, 21, 8), usage: null, costUsd: null, providerName: 'Local (renamed)' }),
    ]);
    expect(history.usage('prompt')).toEqual([
      { key: prompt.id, label: 'summarise', calls: 2, inputTokens: 20, outputTokens: 10, costUsd: 0.5, unpriced: 1, estimated: 0 },
      { key: '(playground)', label: '(playground)', calls: 1, inputTokens: 100, outputTokens: 50, costUsd: 0.25, unpriced: 0, estimated: 1 },
      { key: 'prm_deleted', label: '(deleted prompt prm_deleted)', calls: 1, inputTokens: 0, outputTokens: 0, costUsd: 0, unpriced: 1, estimated: 0 },
    ]);
    expect(history.usage('suite').map((total) => [total.key, total.label, total.calls])).toEqual([
      ['(playground)', '(playground)', 2],
      ['srun_1', 'greetings · 2026-11-20 09:30 UTC', 2],
    ]);
    expect(history.usage('day').map((total) => [total.key, total.calls, total.costUsd])).toEqual([
      ['2026-11-21', 1, 0],
      ['2026-11-20', 2, 0.25],
      ['2026-11-19', 1, 0.5],
    ]);
    expect(history.usage('model').map((total) => [total.key, total.label, total.calls])).toEqual([
      ['prov_local/echo', 'Local (renamed) / echo', 3],
      ['prov_local/gpt-4o', 'Local / gpt-4o', 1],
    ]);
    expect(history.usage('day', Date.UTC(2026, 10, 20)).map((total) => total.key)).toEqual(['2026-11-21', '2026-11-20']);
    expect(history.usage('model', Date.UTC(2030, 0, 1))).toEqual([]);
  });
});
