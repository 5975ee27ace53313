import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CallInput } from '../../../../app/contract';
import { ClientError } from '../../../../renderer/client/client-error';
import { throttle } from '../../../../renderer/features/experiments/run-live';
import { placePage, runsPageSize } from '../../../../renderer/store/experiments-slice';
import { createAppStore } from '../../../../renderer/store/store';
import { fakeClient, settle } from '../fake-client';
import { manyRuns, summaryOf } from './fixtures';

/** runs.list over `runs`: pages, a `lr >` query (anything else with `>` and no value is refused), sort by params.lr. */
function runsService(runs = manyRuns(1000)) {
  return fakeClient({
    'runs.list': (raw) => {
      const input = (raw ?? {}) as NonNullable<CallInput<'runs.list'>>;
      const query = input.query ?? '';
      if (/>\s*$/.test(query)) throw new ClientError('invalid_input', `Query error at position ${query.length + 1}: a value is missing after >`, 'runs.list');
      const threshold = /params\.lr > ([\d.]+)/.exec(query)?.[1];
      let matched = threshold === undefined ? runs : runs.filter((r) => (r.params['lr'] as number) > Number(threshold));
      if (input.sort?.by === 'params.lr') matched = [...matched].sort((a, b) => ((a.params['lr'] as number) - (b.params['lr'] as number)) * (input.sort?.dir === 'asc' ? 1 : -1));
      const offset = input.offset ?? 0;
      return { runs: matched.slice(offset, offset + (input.limit ?? 100)), total: matched.length, paramKeys: ['lr'], metricKeys: ['loss'] };
    },
  });
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the experiments slice', () => {
  it('loads the first page only, then the pages the table scrolls to, each once', async () => {
    const fake = runsService();
    const store = createAppStore(fake.client);
    await store.getState().loadRuns();
    const state = store.getState();
    expect(state.runsTotal).toBe(1000);
    expect(state.runRows).toHaveLength(1000);
    expect(state.runRows[0]?.id).toBe('run0000');
    expect(state.runRows[runsPageSize]).toBeUndefined();
    expect(fake.calls.map((c) => (c.input as { offset: number }).offset)).toEqual([0]);

    store.getState().ensureRunRange(390, 420);
    store.getState().ensureRunRange(395, 425); // the same pages while in flight: not asked twice
    await settle();
    expect(fake.calls.map((c) => (c.input as { offset: number }).offset)).toEqual([0, 200, 400]);
    expect(store.getState().runRows[419]?.id).toBe('run0419');
    expect(store.getState().runRows[650]).toBeUndefined();
    store.getState().ensureRunRange(0, 30);
    await settle();
    expect(fake.calls).toHaveLength(3);
  });

  it('sends the query; a refused one keeps the rows and shows the server message, a good one replaces them', async () => {
    const fake = runsService();
    const store = createAppStore(fake.client);
    await store.getState().loadRuns();
    store.getState().editRunsQuery('params.lr >');
    await store.getState().submitRunsQuery();
    expect(store.getState().runsQueryBox.error).toBe('Query error at position 12: a value is missing after >');
    expect(store.getState().runsTotal).toBe(1000);
    expect(store.getState().runsError).toBeNull();

    store.getState().editRunsQuery('params.lr > 0.9');
    await store.getState().submitRunsQuery();
    expect(store.getState().runsQueryBox).toMatchObject({ applied: 'params.lr > 0.9', error: null });
    expect(store.getState().runsTotal).toBe(99);
    expect((fake.calls.at(-1)?.input as { query: string }).query).toBe('params.lr > 0.9');
    // Later pages keep the query.
    store.getState().ensureRunRange(0, 99);
    await settle();
    expect(fake.calls.at(-1)?.input).toMatchObject({ query: 'params.lr > 0.9', offset: 0 });
  });

  it('sorts by a clicked column, flipping on a second click, and drops answers of the older listing', async () => {
    const fake = runsService();
    const store = createAppStore(fake.client);
    await store.getState().loadRuns();
    store.getState().ensureRunRange(200, 210); // in flight while the sort changes
    await store.getState().sortRunsBy('params.lr');
    await settle();
    expect(store.getState().runsSort).toEqual({ by: 'params.lr', dir: 'desc' });
    expect(store.getState().runRows[0]?.id).toBe('run0999');
    expect(store.getState().runRows[205]).toBeUndefined();
    await store.getState().sortRunsBy('params.lr');
    expect(store.getState().runsSort.dir).toBe('asc');
    expect(store.getState().runRows[0]?.id).toBe('run0000');
  });

  it('ticks runs for compare in order and forgets a deleted one', async () => {
    vi.useFakeTimers();
    const fake = runsService(manyRuns(3));
    const store = createAppStore(fake.client);
    const [a, b] = [summaryOf('a'), summaryOf('b')];
    store.getState().toggleRunSelected(a);
    store.getState().toggleRunSelected(b);
    store.getState().toggleRunSelected(a);
    store.getState().toggleRunSelected(a);
    expect(store.getState().selectedRuns.map((r) => r.id)).toEqual(['b', 'a']);
    store.getState().applyRunChanged({ runId: 'b', deleted: true });
    expect(store.getState().selectedRuns.map((r) => r.id)).toEqual(['a']);
    store.getState().showCompare();
    expect(store.getState().experimentsView).toEqual({ kind: 'compare' });
    expect(store.getState().activeTab).toBe('experiments');
  });

  it('ticks the loaded rows up to 100 with the header checkbox, keeping those ticked before', async () => {
    const fake = runsService();
    const store = createAppStore(fake.client);
    await store.getState().loadRuns();
    store.getState().toggleRunSelected(summaryOf('elsewhere'));
    store.getState().selectLoadedRuns();
    const ids = store.getState().selectedRuns.map((r) => r.id);
    expect(ids).toHaveLength(100);
    expect(ids.slice(0, 3)).toEqual(['elsewhere', 'run0000', 'run0001']);
    expect(new Set(ids).size).toBe(100);
  });

  it('asks the loaded pages again after run.changed, once for a burst', async () => {
    vi.useFakeTimers();
    const runs = manyRuns(3);
    const fake = runsService(runs);
    const store = createAppStore(fake.client);
    await store.getState().loadRuns();
    runs[1] = { ...runs[1]!, status: 'failed' };
    for (let i = 0; i < 5; i++) store.getState().applyRunChanged({ runId: 'run0001', deleted: false });
    await vi.advanceTimersByTimeAsync(1100);
    expect(fake.calls).toHaveLength(2);
    expect(store.getState().runRows[1]?.status).toBe('failed');
  });
});

describe('placing a page', () => {
  it('writes the page at its offset and resizes to the new total', () => {
    const rows = placePage([], 5, 2, [summaryOf('x'), summaryOf('y')]);
    expect(rows.map((r) => r?.id)).toEqual([undefined, undefined, 'x', 'y', undefined]);
    expect(placePage(rows, 3, 0, [summaryOf('a')]).map((r) => r?.id)).toEqual(['a', undefined, 'x']);
  });
});

describe('throttle', () => {
  it('runs at once, then folds a burst into one call at the end of the window', () => {
    vi.useFakeTimers();
    const fn = vi.fn();
    const t = throttle(fn, 250);
    t.call();
    expect(fn).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 10; i++) t.call();
    expect(fn).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(250);
    expect(fn).toHaveBeenCalledTimes(2);
    t.call();
    t.cancel();
    vi.advanceTimersByTime(1000);
    expect(fn).toHaveBeenCalledTimes(2);
  });
});
