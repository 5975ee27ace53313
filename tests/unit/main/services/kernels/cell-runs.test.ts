// NotebookRuns: kernel.cell events at most one per interval per cell (the final state at once), outputs kept
// until forgotten, running cells never forgotten, update_display_data across cells.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CellRun } from '../../../../../app/models';
import { NotebookRuns } from '../../../../../main/services/kernels/cell-runs';

let published: CellRun[] = [];
let runs: NotebookRuns;
beforeEach(() => {
  vi.useFakeTimers();
  published = [];
  runs = new NotebookRuns((run) => published.push(run), { now: () => Date.now() }, 50);
});
afterEach(() => {
  runs.dispose();
  vi.useRealTimers();
});

describe('NotebookRuns', () => {
  it('throttles a flood to one event per 50 ms and sends the final state at once', () => {
    runs.queue('a');
    runs.running('a');
    for (let i = 0; i < 1000; i++) {
      runs.iopub('a', 'stream', { name: 'stdout', text: `${i}\n` });
      if (i % 10 === 0) vi.advanceTimersByTime(1);
    }
    // 100 ms of simulated time: at most 2-3 output events beyond queued and running.
    const during = published.length;
    expect(during).toBeLessThanOrEqual(2 + 3);
    runs.finish('a', 'ok', 1);
    const last = published[published.length - 1]!;
    expect(last).toMatchObject({ cellId: 'a', state: 'ok', executionCount: 1 });
    expect((last.outputs[0]!.text as string).split('\n')).toHaveLength(1001);
    expect(last.seq).toBeGreaterThan(published[0]!.seq);
    vi.advanceTimersByTime(200);
    expect(published[published.length - 1]).toBe(last);
  });

  it('keeps runs until forgotten, never forgetting a running cell', () => {
    runs.queue('a');
    runs.finish('a', 'ok');
    runs.queue('b');
    runs.running('b');
    runs.forget();
    expect(runs.snapshot().map((r) => r.cellId)).toEqual(['b']);
    expect(runs.unfinished()).toEqual(['b']);
    runs.fail('b', 'DeadKernelError', 'gone');
    expect(runs.get('b')).toMatchObject({ state: 'error', outputs: [{ output_type: 'error', ename: 'DeadKernelError' }] });
    runs.forget(['b']);
    expect(runs.empty).toBe(true);
  });

  it('applies update_display_data to the cell that showed the display', () => {
    runs.queue('a');
    runs.iopub('a', 'display_data', { data: { 'text/plain': 'v1' }, metadata: {}, transient: { display_id: 'x' } });
    runs.finish('a', 'ok');
    runs.queue('b');
    runs.iopub('b', 'update_display_data', { data: { 'text/plain': 'v2' }, metadata: {}, transient: { display_id: 'x' } });
    vi.advanceTimersByTime(100);
    expect(runs.get('a')!.outputs[0]).toMatchObject({ data: { 'text/plain': 'v2' } });
    expect(runs.get('b')!.outputs).toEqual([]);
  });
});
