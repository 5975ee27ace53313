import { describe, expect, it } from 'vitest';
import type { CallInput } from '../../../../app/contract';
import { ClientError } from '../../../../renderer/client/client-error';
import type { TextSink } from '../../../../renderer/features/prompts/stream-sink';
import { cellAt, matrixTotals } from '../../../../renderer/features/prompts/suite-matrix';
import { connectStore, createAppStore } from '../../../../renderer/store/store';
import { fakeClient, settle } from '../fake-client';
import { callOf, cellOf, promptOf, provider, suiteResultOf, versionOf } from './fixtures';

const project = { current: { path: '/p', name: 'p' } } as never;

function studio(extra: Parameters<typeof fakeClient>[0] = {}) {
  const versions = [versionOf(1)];
  const fake = fakeClient({
    'prompt.providers': () => [provider],
    'prompt.prices': () => [],
    'prompt.list': () => (versions.length ? [promptOf(versions.length)] : []),
    'prompt.suiteFiles': () => [],
    'prompt.suiteRuns': () => [],
    'prompt.history': () => ({ calls: [], total: 0 }),
    'prompt.usage': () => [],
    'prompt.get': () => ({ prompt: promptOf(versions.length), version: versions[versions.length - 1] }),
    'prompt.versions': () => [...versions].reverse(),
    'prompt.save': (input) => {
      const { messages } = input as CallInput<'prompt.save'>;
      versions.push(versionOf(versions.length + 1, messages[0]!.content));
      return { prompt: promptOf(versions.length), version: versions[versions.length - 1], created: true };
    },
    ...extra,
  });
  const store = createAppStore(fake.client);
  store.setState(project);
  return { fake, store, versions };
}

describe('prompts slice', () => {
  it('loads the studio, opens the newest prompt, and saves an edit as the next version', async () => {
    const { fake, store } = studio();
    await store.getState().loadPromptStudio();
    expect(store.getState().providers).toEqual([provider]);
    expect(store.getState().draft).toMatchObject({ id: 'pr_greeter', baseVersion: 1, dirty: false });
    store.getState().editMessage({ kind: 'set', index: 0, message: { content: 'Please greet {{name}}' } });
    store.getState().editDraft({ params: { ...store.getState().draft.params, temperature: '0.5' } });
    expect(store.getState().draft.dirty).toBe(true);
    const saved = await store.getState().savePrompt();
    expect(saved?.version).toBe(2);
    expect(store.getState().draft).toMatchObject({ baseVersion: 2, dirty: false });
    expect(store.getState().versions.map((v) => v.version)).toEqual([2, 1]);
    const input = fake.calls.find((c) => c.name === 'prompt.save')?.input;
    expect(input).toEqual({ id: 'pr_greeter', name: 'greeter', messages: [{ role: 'user', content: 'Please greet {{name}}' }], params: { temperature: 0.5 } });
    expect(store.getState().notices.at(-1)?.message).toBe('Saved greeter v2');
  });

  it("shows a bad parameter or the host's error as a notice instead of saving", async () => {
    const { fake, store } = studio({ 'prompt.save': () => { throw new ClientError('invalid_input', 'name is taken'); } });
    store.getState().editDraft({ name: 'x', params: { ...store.getState().draft.params, topP: '2' } });
    expect(await store.getState().savePrompt()).toBeNull();
    expect(store.getState().notices.at(-1)?.message).toMatch(/Top p must be between 0 and 1/);
    expect(fake.namesCalled()).not.toContain('prompt.save');
    store.getState().editDraft({ params: { ...store.getState().draft.params, topP: '' } });
    await store.getState().savePrompt();
    expect(store.getState().notices.at(-1)?.message).toBe('Could not save the prompt: name is taken');
  });

  it('subscribes to the run before starting it, streams deltas into the columns and keeps each finished call', async () => {
    let emit: (event: string, id: string, payload: unknown) => void = () => undefined;
    const { fake, store } = studio({
      'prompt.run': (input) => {
        const { runId, targets } = input as CallInput<'prompt.run'>;
        // The host streams while the call is still open: the listeners must be there already.
        emit('prompt.delta', runId!, { target: 0, callId: 'c0', text: 'Say ' });
        emit('prompt.delta', runId!, { target: 1, callId: 'c1', text: '{"echo"' });
        emit('prompt.delta', runId!, { target: 0, callId: 'c0', text: 'hello to Ada' });
        const calls = targets.map((t, i) => callOf({ id: `c${i}`, model: t.model }));
        emit('prompt.callDone', runId!, { target: 1, call: calls[1] });
        return { runId: runId!, calls };
      },
    });
    emit = fake.emit;
    store.getState().editMessage({ kind: 'set', index: 1, message: { content: 'Say hello to {{name}}' } });
    store.getState().setVariable('name', 'Ada');
    store.getState().setTargets([{ providerId: 'prov_local', model: 'echo' }, { providerId: 'prov_local', model: 'json' }]);
    const column = { data: '', appendData(text: string) { this.data += text; } } satisfies TextSink & { data: string };
    const running = store.getState().runPrompt();
    store.getState().playground!.sink.attach(0, column);
    await running;
    const run = store.getState().playground!;
    expect(column.data).toBe('Say hello to Ada');
    expect(run.sink.text(1)).toBe('{"echo"');
    expect(run.running).toBe(false);
    expect(run.calls.map((c) => c?.model)).toEqual(['echo', 'json']);
    const input = fake.calls.find((c) => c.name === 'prompt.run')?.input as CallInput<'prompt.run'>;
    expect(input.variables).toEqual({ name: 'Ada' });
    expect(input.source).toEqual({ messages: store.getState().draft.messages, params: {} });
    // The listeners are gone once the run ended.
    expect(fake.registry.size).toBe(0);
  });

  it("shows the host's error for an undefined variable, and cancels a run by its id", async () => {
    let release: () => void = () => undefined;
    const { fake, store } = studio({
      'prompt.run': (input) => {
        const { variables, runId } = input as CallInput<'prompt.run'>;
        if (!variables || !('name' in variables)) throw new ClientError('invalid_input', 'The template uses a variable with no value: {{name}} in message 2 (user).');
        return new Promise((resolve) => (release = () => resolve({ runId, calls: [] })));
      },
      'task.cancel': () => ({ ok: true }),
    });
    store.getState().editMessage({ kind: 'set', index: 1, message: { content: 'Hi {{name}}' } });
    store.getState().setTargets([{ providerId: 'prov_local', model: 'echo' }]);
    await store.getState().runPrompt();
    expect(store.getState().playground?.error).toMatch(/\{\{name\}\}/);
    store.getState().setVariable('name', '');
    const running = store.getState().runPrompt();
    await settle();
    const { runId } = store.getState().playground!;
    await store.getState().cancelRun();
    expect(fake.calls.find((c) => c.name === 'task.cancel')?.input).toEqual({ id: runId });
    release();
    await running;
    expect(store.getState().playground?.running).toBe(false);
  });

  it('runs a suite: progress and cells arrive under its task id, then the stored result replaces the live matrix', async () => {
    let emit: (event: string, id: string, payload: unknown) => void = () => undefined;
    const result = suiteResultOf([cellOf(0, 0, true), cellOf(1, 0, false)]);
    const seen: string[] = [];
    const { fake, store } = studio({
      'prompt.suiteEstimate': () => ({ suiteName: 'greetings', rows: 2, columns: 1, cases: 2, calls: 2, inputTokens: 10, outputTokens: 512, costUsd: 0.01, unpriced: [], concurrency: 4 }),
      'prompt.suiteRun': (input) => {
        const { taskId } = input as CallInput<'prompt.suiteRun'>;
        emit('task.progress', taskId!, { done: 1, total: 2, message: 'row 1', finished: null });
        emit('prompt.suiteCell', taskId!, { suiteRunId: 'srun_1', cell: cellOf(1, 0, false) });
        const view = store.getState().suiteView;
        seen.push(view.progress, String(matrixTotals(view.matrix!).failed));
        return result;
      },
    });
    emit = fake.emit;
    await store.getState().estimateSuite('suites/greetings.yaml');
    await store.getState().runSuite('suites/greetings.yaml');
    expect(seen).toEqual(['1 of 2 · row 1', '1']);
    const view = store.getState().suiteView;
    expect(view.running).toBe(false);
    expect(view.result).toBe(result);
    expect(cellAt(view.matrix!, 0, 0)?.pass).toBe(true);
    expect(fake.calls.find((c) => c.name === 'prompt.suiteRun')?.input).toMatchObject({ source: { path: 'suites/greetings.yaml' } });
  });

  it('pages the history with `before` and follows prompt.changed from another window', async () => {
    const page = (from: number) => Array.from({ length: 2 }, (_, i) => ({ ...callOf({ id: `c${from + i}`, startedAt: 100 - from - i }), outputPreview: '', inputPreview: '' }));
    let providers = [provider];
    const { fake, store } = studio({
      'prompt.history': (input) => {
        const { before } = input as { before?: number };
        return { calls: before === undefined ? page(0) : page(2), total: 4 };
      },
      'prompt.providers': () => providers,
    });
    const stop = connectStore(store, fake.client);
    await store.getState().loadPromptStudio();
    await store.getState().moreHistory();
    expect(store.getState().historyCalls.map((c) => c.id)).toEqual(['c0', 'c1', 'c2', 'c3']);
    expect(fake.calls.filter((c) => c.name === 'prompt.history').at(-1)?.input).toMatchObject({ before: 99 });
    providers = [provider, { ...provider, id: 'prov_b', name: 'B' }];
    fake.emit('prompt.changed', '', { what: 'providers', id: 'prov_b' });
    await settle();
    expect(store.getState().providers.map((p) => p.id)).toEqual(['prov_local', 'prov_b']);
    stop();
  });

  it('follows a version saved in another window, and clears the editor when the prompt is deleted there', async () => {
    const { fake, store, versions } = studio();
    const stop = connectStore(store, fake.client);
    await store.getState().loadPromptStudio();
    expect(store.getState().draft.baseVersion).toBe(1);
    versions.push(versionOf(2, 'Hello {{name}}, from the other window'));
    fake.emit('prompt.changed', '', { what: 'prompts', id: 'pr_greeter' });
    await settle();
    expect(store.getState().draft).toMatchObject({ baseVersion: 2, messages: [{ role: 'user', content: 'Hello {{name}}, from the other window' }] });
    versions.length = 0;
    fake.emit('prompt.changed', '', { what: 'prompts', id: 'pr_greeter' });
    await settle();
    expect(store.getState().draft.id).toBeNull();
    expect(store.getState().versions).toEqual([]);
    stop();
  });
});
