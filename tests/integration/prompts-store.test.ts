// Prompts and the call history through the core (contract parsing and output checks included), on a real project
// store created by project.create and reopened from disk.
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallName, CallOutput } from '../../app/contract';
import type { LlmCall } from '../../app/contract/prompts';
import { createCore, type Core } from '../../main/core/core';
import { callOrThrow } from '../../main/core/dispatch';
import { silentLogger } from '../../main/core/logger';
import { CallHistory } from '../../main/services/prompts/history';

let base: string;
let project: string;
let core: Core;
const call = <N extends CallName>(name: N, input: unknown): Promise<CallOutput<N>> => callOrThrow(core.dispatch, name, input, { host: 'cli', clientId: 'test' });

beforeAll(async () => {
  base = await realpath(await mkdtemp(path.join(os.tmpdir(), 'orrery-prompts-store-')));
  project = path.join(base, 'project');
  const home = path.join(base, 'home');
  core = createCore({ host: 'cli', env: { ...process.env, ORRERY_HOME: home }, userHome: home, allowedRoots: [base], logger: silentLogger });
  await call('project.create', { path: project });
});
afterAll(async () => {
  await core.dispose();
  await rm(base, { recursive: true, force: true });
});

function llmCall(id: string, promptId: string | null, over: Partial<LlmCall> = {}): LlmCall {
  return {
    id, runId: 'prun_1', suiteRunId: null, promptId, promptVersion: promptId ? 1 : null, providerId: 'prov_local', providerName: 'Local',
    providerKind: 'openai', model: 'echo', messages: [{ role: 'user', content: `Summarise the orbit of ${id}` }], variables: {}, params: {},
    output: `An ellipse for ${id}.`, toolCalls: null, finishReason: 'stop', status: 'ok', error: null, warnings: [],
    usage: { inputTokens: 12, outputTokens: 6, estimated: false }, costUsd: 0.002, firstTokenMs: 5, latencyMs: 20, attempts: 1, startedAt: Date.UTC(2026, 10, 21, 12),
    ...over,
  };
}

describe('prompt store and history through the core', () => {
  it('versions, labels, diffs, restores and lists prompts, and keeps them across a reopen', async () => {
    const messages = [
      { role: 'system', content: 'You are an astronomer.' },
      { role: 'user', content: 'Explain {{topic}} in {{words}} words.' },
    ];
    const first = await call('prompt.save', { name: 'Explain', messages, params: { temperature: 0.2 } });
    expect(first).toMatchObject({ created: true, version: { version: 1, variables: ['topic', 'words'] } });
    const id = first.prompt.id;
    expect((await call('prompt.save', { id, name: 'Explain', messages, params: { temperature: 0.2 }, note: 'again' })).created).toBe(false);
    const second = await call('prompt.save', { id, name: 'Explain', messages: [messages[0], { role: 'user', content: 'Explain {{topic}} simply.' }], note: 'shorter' });
    expect(second.version).toMatchObject({ version: 2, variables: ['topic'], note: 'shorter', params: {} });
    await expect(call('prompt.save', { name: 'Explain', messages })).rejects.toMatchObject({ code: 'already_exists' });

    expect((await call('prompt.label', { id, label: 'prod', version: 1 })).labels).toEqual({ prod: 1 });
    expect((await call('prompt.get', { id, version: 'prod' })).version.messages).toEqual(messages);
    await expect(call('prompt.get', { id, version: 'staging' })).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('prod (v1)') });
    const diff = await call('prompt.diff', { id, from: 'prod', to: 2 });
    expect(diff.lines.filter((line) => line.op !== 'same')).toEqual([
      { op: 'del', text: 'Explain {{topic}} in {{words}} words.' },
      { op: 'add', text: 'Explain {{topic}} simply.' },
      { op: 'del', text: '{' },
      { op: 'del', text: '  "temperature": 0.2' },
      { op: 'del', text: '}' },
      { op: 'add', text: '{}' },
    ]);
    const restored = await call('prompt.restore', { id, version: 1 });
    expect(restored).toMatchObject({ created: true, version: { version: 3, note: 'Restored from v1', hash: first.version.hash } });
    expect((await call('prompt.versions', { id })).map((version) => version.version)).toEqual([3, 2, 1]);
    await call('prompt.save', { name: 'Translate', messages: [{ role: 'user', content: 'Translate {{text}}' }] });
    expect((await call('prompt.list', { query: 'expl' })).map((prompt) => prompt.name)).toEqual(['Explain']);

    await call('project.close', {});
    await expect(call('prompt.list', {})).rejects.toMatchObject({ code: 'no_project' });
    await call('project.open', { path: project });
    expect((await call('prompt.get', { id })).prompt).toMatchObject({ name: 'Explain', latestVersion: 3, labels: { prod: 1 } });
  });

  it('searches and totals the calls kept in the project, which outlive their prompt', async () => {
    const saved = await call('prompt.save', { name: 'Orbit', messages: [{ role: 'user', content: 'Orbit of {{body}}' }] });
    const history = new CallHistory(core.services.projects.requireCurrent().db);
    history.insertMany([
      llmCall('call_mars', saved.prompt.id, { startedAt: Date.UTC(2026, 10, 21, 12) }),
      llmCall('call_venus', saved.prompt.id, { startedAt: Date.UTC(2026, 10, 21, 13), usage: { inputTokens: 8, outputTokens: 4, estimated: true }, costUsd: null }),
      llmCall('call_free', null, { startedAt: Date.UTC(2026, 10, 22, 9), model: 'gpt-4o-mini', status: 'error', output: '', error: 'HTTP 401: the key was refused' }),
    ]);
    const all = await call('prompt.history', {});
    expect(all.total).toBe(3);
    expect(all.calls.map((summary) => summary.id)).toEqual(['call_free', 'call_venus', 'call_mars']);
    expect(all.calls[1]).toMatchObject({ inputPreview: 'Summarise the orbit of call_venus', outputPreview: 'An ellipse for call_venus.' });
    expect((await call('prompt.history', { query: 'KEY WAS REFUSED' })).calls.map((summary) => summary.id)).toEqual(['call_free']);
    expect((await call('prompt.history', { query: 'ellipse (', limit: 10 })).total).toBe(0);
    expect((await call('prompt.history', { promptId: saved.prompt.id, limit: 1 })).calls.map((summary) => summary.id)).toEqual(['call_venus']);
    expect((await call('prompt.call', { id: 'call_mars' })).messages).toEqual([{ role: 'user', content: 'Summarise the orbit of call_mars' }]);

    await call('prompt.delete', { id: saved.prompt.id });
    expect((await call('prompt.list', { query: 'orbit' })).length).toBe(0);
    expect((await call('prompt.history', { promptId: saved.prompt.id })).total).toBe(2);
    expect(await call('prompt.usage', { groupBy: 'prompt' })).toEqual([
      { key: saved.prompt.id, label: `(deleted prompt ${saved.prompt.id})`, calls: 2, inputTokens: 20, outputTokens: 10, costUsd: 0.002, unpriced: 1, estimated: 1 },
      { key: '(playground)', label: '(playground)', calls: 1, inputTokens: 12, outputTokens: 6, costUsd: 0.002, unpriced: 0, estimated: 0 },
    ]);
    expect((await call('prompt.usage', { groupBy: 'day', since: Date.UTC(2026, 10, 22) })).map((total) => total.key)).toEqual(['2026-11-22']);
  });
});
