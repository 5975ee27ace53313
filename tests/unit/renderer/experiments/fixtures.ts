import type { RunSummary } from '../../../../app/contract';

/** A run summary with defaults for everything a test does not care about. */
export function summaryOf(id: string, over: Partial<RunSummary> = {}): RunSummary {
  return {
    id,
    name: id,
    status: 'finished',
    source: 'sdk',
    jobId: null,
    createdAt: 1_763_750_000_000,
    startedAt: 1_763_750_000_000,
    endedAt: 1_763_750_060_000,
    params: {},
    tags: [],
    notes: null,
    metrics: {},
    ...over,
  };
}

/** `count` runs named run-0000…, newest first as runs.list orders them by default. */
export function manyRuns(count: number): RunSummary[] {
  return Array.from({ length: count }, (_, i) => summaryOf(`run${String(i).padStart(4, '0')}`, { params: { lr: i / count }, metrics: { loss: 1 - i / count } }));
}
