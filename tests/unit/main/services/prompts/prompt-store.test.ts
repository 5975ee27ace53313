import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DiffLine, PromptMessage } from '../../../../../app/contract/prompts';
import { silentLogger } from '../../../../../main/core/logger';
import { CallHistory } from '../../../../../main/services/prompts/history';
import { diffLines, PromptStore, versionText } from '../../../../../main/services/prompts/prompt-store';
import { openDatabase, type Db } from '../../../../../main/services/store/open-database';
import { projectMigrations } from '../../../../../main/services/store/project-migrations';

const messages = (user: string, system = 'You are terse.'): PromptMessage[] => [
  { role: 'system', content: system },
  { role: 'user', content: user },
];

/** Length of a longest common subsequence, by the textbook dynamic programme (two rolling rows). */
function lcsLength(a: readonly string[], b: readonly string[]): number {
  let previous = new Int32Array(b.length + 1);
  let current = new Int32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) current[j] = a[i - 1] === b[j - 1] ? previous[j - 1]! + 1 : Math.max(previous[j]!, current[j - 1]!);
    [previous, current] = [current, previous];
  }
  return previous[b.length]!;
}

/** Checks a diff is a real edit script from a to b with as many unchanged lines as an LCS has. */
function expectMinimalDiff(a: readonly string[], b: readonly string[], lines: readonly DiffLine[]): void {
  expect(lines.filter((line) => line.op !== 'add').map((line) => line.text)).toEqual(a);
  expect(lines.filter((line) => line.op !== 'del').map((line) => line.text)).toEqual(b);
  expect(lines.filter((line) => line.op === 'same').length).toBe(lcsLength(a, b));
}

function random(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
}

describe('diffLines', () => {
  it('keeps unchanged lines and orders removals before additions in each changed stretch', () => {
    expect(diffLines(['a', 'b', 'c', 'd'], ['a', 'x', 'c', 'd', 'e'])).toEqual([
      { op: 'same', text: 'a' },
      { op: 'del', text: 'b' },
      { op: 'add', text: 'x' },
      { op: 'same', text: 'c' },
      { op: 'same', text: 'd' },
      { op: 'add', text: 'e' },
    ]);
    expect(diffLines([], ['a'])).toEqual([{ op: 'add', text: 'a' }]);
    expect(diffLines(['a'], [])).toEqual([{ op: 'del', text: 'a' }]);
    expect(diffLines([], [])).toEqual([]);
  });

  it('finds a longest common subsequence on random inputs with many repeated lines', () => {
    const next = random(42);
    for (let round = 0; round < 300; round++) {
      const alphabet = 1 + Math.floor(next() * 6);
      const line = () => `line ${Math.floor(next() * alphabet)}`;
      const a = Array.from({ length: Math.floor(next() * 30) }, line);
      const b = next() < 0.5 ? Array.from({ length: Math.floor(next() * 30) }, line) : a.map((text) => (next() < 0.2 ? line() : text)).filter(() => next() > 0.1);
      expectMinimalDiff(a, b, diffLines(a, b));
    }
  });

  it('stays correct on 5,000-line texts: a few edits, wholly different, and many repeated lines', () => {
    const next = random(7);
    const base = Array.from({ length: 5_000 }, (_, i) => `Paragraph ${i}: ${Math.floor(next() * 1e9)}`);
    const edited = [...base];
    edited.splice(1_200, 3, 'a new line', 'another');
    edited.splice(4_000, 0, 'inserted near the end');
    edited[10] = 'changed near the start';
    const small = diffLines(base, edited);
    expectMinimalDiff(base, edited, small);
    expect(small.filter((line) => line.op !== 'same')).toHaveLength(3 + 2 + 1 + 2);

    const other = Array.from({ length: 5_000 }, (_, i) => `Other ${i}`);
    const different = diffLines(base, other);
    expect(different.filter((line) => line.op === 'same')).toHaveLength(0);
    expect(different.slice(0, 5_000).every((line) => line.op === 'del')).toBe(true);

    const repeated = (n: number) => Array.from({ length: n }, () => ['{', '}', '', 'x'][Math.floor(next() * 4)]!);
    const a = repeated(5_000);
    const b = a.map((text) => (next() < 0.05 ? 'y' : text)).filter(() => next() > 0.05);
    expectMinimalDiff(a, b, diffLines(a, b));
  });

  it('still answers a valid edit script past its search bound (20,000 lines sharing only repeated ones)', () => {
    const a = Array.from({ length: 20_000 }, (_, i) => `x${i % 50}`);
    const b = Array.from({ length: 20_000 }, (_, i) => `x${(i * 7) % 53}`);
    const lines = diffLines(a, b);
    expect(lines.filter((line) => line.op !== 'add').map((line) => line.text).join('\n')).toBe(a.join('\n'));
    expect(lines.filter((line) => line.op !== 'del').map((line) => line.text).join('\n')).toBe(b.join('\n'));
  });
});

describe('PromptStore', () => {
  let dir: string;
  let db: Db;
  let now: number;
  let store: PromptStore;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'orrery-prompts-'));
    db = openDatabase(path.join(dir, 'project.db'), { migrations: projectMigrations, kind: 'project', logger: silentLogger });
    now = 1_700_000_000_000;
    store = new PromptStore(db, { now: () => (now += 1_000) });
  });
  afterEach(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('saves immutable versions: an unchanged save (whatever the note or key order) makes none', () => {
    const first = store.save({ name: 'greet', messages: messages('Hello {{name}}, from {{ place }}.'), params: { temperature: 0.2, maxTokens: 50 }, note: 'first' });
    expect(first.created).toBe(true);
    expect(first.prompt.id).toMatch(/^prm_[a-z0-9]+$/);
    expect(first.version).toMatchObject({ version: 1, variables: ['name', 'place'], note: 'first', labels: [] });
    expect(first.version.hash).toMatch(/^[0-9a-f]{64}$/);

    const same = store.save({ id: first.prompt.id, name: 'greet', messages: messages('Hello {{name}}, from {{ place }}.'), params: { maxTokens: 50, temperature: 0.2 }, note: 'other note' });
    expect(same.created).toBe(false);
    expect(same.version).toEqual(first.version);

    const second = store.save({ id: first.prompt.id, name: 'greet', messages: messages('Hi {{name}}.'), params: { maxTokens: 50, temperature: 0.2 } });
    expect(second).toMatchObject({ created: true, prompt: { latestVersion: 2 }, version: { version: 2, variables: ['name'], note: null } });
    expect(second.version.hash).not.toBe(first.version.hash);
    // A parameter change alone is a change.
    expect(store.save({ id: first.prompt.id, name: 'greet', messages: messages('Hi {{name}}.'), params: { maxTokens: 50 } }).version.version).toBe(3);
    expect(store.get(first.prompt.id, 1).version).toEqual(first.version);
    expect(store.versions(first.prompt.id).map((version) => version.version)).toEqual([3, 2, 1]);
  });

  it('keeps names unique, renames through save with an id, and refuses unknown ids', () => {
    const a = store.save({ name: 'alpha', messages: messages('a'), params: {} });
    store.save({ id: a.prompt.id, name: 'alpha', messages: messages('a2'), params: {} });
    const b = store.save({ name: 'beta', messages: messages('b'), params: {} });
    expect(() => store.save({ name: 'alpha', messages: messages('x'), params: {} })).toThrow(expect.objectContaining({ code: 'already_exists', message: expect.stringContaining(a.prompt.id) }));
    expect(() => store.save({ id: b.prompt.id, name: 'alpha', messages: messages('b'), params: {} })).toThrow(expect.objectContaining({ code: 'already_exists' }));

    const renamed = store.save({ id: a.prompt.id, name: 'alpha renamed', messages: messages('a2'), params: {} });
    expect(renamed).toMatchObject({ created: false, prompt: { id: a.prompt.id, name: 'alpha renamed', latestVersion: 2 } });
    expect(store.versions(a.prompt.id)).toHaveLength(2);
    expect(store.save({ name: 'alpha', messages: messages('new'), params: {} }).prompt.id).not.toBe(a.prompt.id);
    expect(() => store.save({ id: 'prm_missing', name: 'gamma', messages: messages('c'), params: {} })).toThrow(expect.objectContaining({ code: 'not_found' }));
    expect(() => store.save({ name: '   ', messages: messages('c'), params: {} })).toThrow(expect.objectContaining({ code: 'invalid_input' }));
  });

  it('gets versions by number or label, and says which exist when one does not', () => {
    const { prompt } = store.save({ name: 'p', messages: messages('one'), params: {} });
    store.save({ id: prompt.id, name: 'p', messages: messages('two'), params: {} });
    store.label(prompt.id, 'prod', 1);
    expect(store.get(prompt.id).version.version).toBe(2);
    expect(store.get(prompt.id, 'prod').version).toMatchObject({ version: 1, labels: ['prod'] });
    expect(store.get(prompt.id, 'prod').prompt.labels).toEqual({ prod: 1 });
    expect(() => store.get(prompt.id, 9)).toThrow(expect.objectContaining({ code: 'not_found', message: expect.stringContaining('1–2') }));
    expect(() => store.get(prompt.id, 'staging')).toThrow(expect.objectContaining({ code: 'not_found', message: expect.stringContaining('prod (v1)') }));
    expect(() => store.get('prm_nothing')).toThrow(expect.objectContaining({ code: 'not_found' }));
  });

  it('resolves by id or by name, at a number, a numeric string or a label', () => {
    const { prompt } = store.save({ name: 'summarise', messages: messages('one'), params: {} });
    store.save({ id: prompt.id, name: 'summarise', messages: messages('two'), params: {} });
    store.label(prompt.id, 'prod', 1);
    expect(store.resolve('summarise').version.version).toBe(2);
    expect(store.resolve(prompt.id, 1).version.messages[1]!.content).toBe('one');
    expect(store.resolve('summarise', 'prod').version.version).toBe(1);
    expect(store.resolve('summarise', '1').version.version).toBe(1);
    expect(() => store.resolve('nope')).toThrow(expect.objectContaining({ code: 'not_found', message: expect.stringContaining('"nope"') }));
  });

  it('diffs two versions as role blocks and sorted parameter lines', () => {
    const { prompt } = store.save({ name: 'd', messages: messages('Line 1\nLine 2'), params: { temperature: 0.5 } });
    store.save({ id: prompt.id, name: 'd', messages: messages('Line 1\nLine two'), params: { temperature: 0.5, maxTokens: 10 } });
    store.label(prompt.id, 'old', 1);
    const { from, to, lines } = store.diff(prompt.id, 'old', 2);
    expect([from, to]).toEqual([1, 2]);
    expect(lines).toEqual([
      { op: 'same', text: '## system' },
      { op: 'same', text: 'You are terse.' },
      { op: 'same', text: '' },
      { op: 'same', text: '## user' },
      { op: 'same', text: 'Line 1' },
      { op: 'del', text: 'Line 2' },
      { op: 'add', text: 'Line two' },
      { op: 'same', text: '' },
      { op: 'same', text: '## params' },
      { op: 'same', text: '{' },
      { op: 'add', text: '  "maxTokens": 10,' },
      { op: 'same', text: '  "temperature": 0.5' },
      { op: 'same', text: '}' },
    ]);
    expect(versionText([], {})).toEqual(['## params', '{}']);
  });

  it('restores an old version as a new one, and makes none when it is already the latest', () => {
    const v1 = store.save({ name: 'r', messages: messages('first'), params: { seed: 1 } });
    store.save({ id: v1.prompt.id, name: 'r', messages: messages('second'), params: {} });
    const restored = store.restore(v1.prompt.id, 1);
    expect(restored).toMatchObject({ created: true, version: { version: 3, note: 'Restored from v1', hash: v1.version.hash, params: { seed: 1 } } });
    expect(restored.version.messages).toEqual(v1.version.messages);
    expect(store.restore(v1.prompt.id, 1)).toMatchObject({ created: false, version: { version: 3 } });
    expect(() => store.restore(v1.prompt.id, 7)).toThrow(expect.objectContaining({ code: 'not_found' }));
    expect(store.get(v1.prompt.id, 1).version).toEqual(v1.version);
  });

  it('moves and removes labels, refusing versions that do not exist', () => {
    const { prompt } = store.save({ name: 'l', messages: messages('one'), params: {} });
    store.save({ id: prompt.id, name: 'l', messages: messages('two'), params: {} });
    expect(store.label(prompt.id, 'prod', 1).labels).toEqual({ prod: 1 });
    expect(store.label(prompt.id, 'prod', 2).labels).toEqual({ prod: 2 });
    expect(store.label(prompt.id, 'staging', 2).labels).toEqual({ prod: 2, staging: 2 });
    expect(store.get(prompt.id, 2).version.labels).toEqual(['prod', 'staging']);
    expect(store.get(prompt.id, 1).version.labels).toEqual([]);
    expect(() => store.label(prompt.id, 'prod', 5)).toThrow(expect.objectContaining({ code: 'not_found' }));
    expect(store.label(prompt.id, 'prod', null).labels).toEqual({ staging: 2 });
    expect(store.label(prompt.id, 'prod', null).labels).toEqual({ staging: 2 });
    expect(() => store.label(prompt.id, 'Bad Label', 1)).toThrow(expect.objectContaining({ code: 'invalid_input' }));
  });

  it('lists newest change first and filters by name in any case', () => {
    const a = store.save({ name: 'Summarise Paper', messages: messages('a'), params: {} });
    store.save({ name: 'translate', messages: messages('b'), params: {} });
    store.save({ name: 'classify papers', messages: messages('c'), params: {} });
    expect(store.list().map((prompt) => prompt.name)).toEqual(['classify papers', 'translate', 'Summarise Paper']);
    store.save({ id: a.prompt.id, name: 'Summarise Paper', messages: messages('a2'), params: {} });
    expect(store.list().map((prompt) => prompt.name)).toEqual(['Summarise Paper', 'classify papers', 'translate']);
    expect(store.list('PAPER').map((prompt) => prompt.name)).toEqual(['Summarise Paper', 'classify papers']);
    expect(store.list('nothing like it')).toEqual([]);
    store.label(a.prompt.id, 'prod', 2);
    expect(store.list('summarise')[0]).toMatchObject({ latestVersion: 2, labels: { prod: 2 } });
  });

  it('deletes a prompt with its versions and labels, leaving its calls in the history', () => {
    const { prompt } = store.save({ name: 'gone', messages: messages('x'), params: {} });
    store.label(prompt.id, 'prod', 1);
    const history = new CallHistory(db);
    history.insert({
      id: 'call_1', runId: 'run_1', suiteRunId: null, promptId: prompt.id, promptVersion: 1, providerId: 'prov', providerName: 'Local',
      providerKind: 'openai', model: 'echo', messages: messages('x'), variables: {}, params: {}, output: 'x', toolCalls: null,
      finishReason: 'stop', status: 'ok', error: null, warnings: [], usage: null, costUsd: null, firstTokenMs: 1, latencyMs: 2, attempts: 1, startedAt: now,
    });
    store.delete(prompt.id);
    expect(store.list()).toEqual([]);
    expect(() => store.get(prompt.id)).toThrow(expect.objectContaining({ code: 'not_found' }));
    expect(db.prepare('SELECT count(*) FROM prompt_versions').pluck().get()).toBe(0);
    expect(db.prepare('SELECT count(*) FROM prompt_labels').pluck().get()).toBe(0);
    expect(history.get('call_1').promptId).toBe(prompt.id);
    expect(() => store.delete(prompt.id)).toThrow(expect.objectContaining({ code: 'not_found' }));
    // The name is free again.
    expect(store.save({ name: 'gone', messages: messages('y'), params: {} }).version.version).toBe(1);
  });
});
