/**
 * Where a run stands; `crashed`: no finish was written and every process that wrote to it is gone; `lost`: a job's
 * process ended while no Orrery followed it and left no exit status (the job service's verdict).
 */
export const runStatuses = ['running', 'finished', 'failed', 'killed', 'crashed', 'lost'] as const;
/** One of `runStatuses`. */
export type RunStatus = (typeof runStatuses)[number];

/** What the spool said of one writer (one SDK process, or the job service as `job-<id>`). */
export interface WriterState {
  pid: number | null;
  /** Seconds since the epoch of its `start` event. */
  startedAt: number | null;
  finish: { status: FinishStatus; time: number; exitCode: number | null } | null;
}

/** What decides a run's status besides its writers. */
export interface StatusInput {
  readonly source: string;
  readonly writers: Readonly<Record<string, WriterState>>;
  /** The pid in run.json (the process that created the run). */
  readonly runPid: number | null;
  /** Whether run.json's host is this machine: pids of another host cannot be checked. */
  readonly sameHost: boolean;
  readonly isAlive: (pid: number) => boolean;
}

/** What a `finish` event may say. */
export type FinishStatus = 'finished' | 'failed' | 'killed' | 'lost';

const finishRank: Record<FinishStatus, number> = { finished: 0, killed: 1, lost: 2, failed: 3 };

/** The worst finish of the writers (failed > lost > killed > finished), with the time of the last one. */
function combine(writers: readonly WriterState[]): { status: RunStatus; endedAt: number | null } {
  let status: FinishStatus = 'finished';
  let endedAt: number | null = null;
  for (const w of writers) {
    if (!w.finish) continue;
    if (finishRank[w.finish.status] > finishRank[status]) status = w.finish.status;
    endedAt = endedAt === null ? w.finish.time : Math.max(endedAt, w.finish.time);
  }
  return { status, endedAt };
}

/**
 * A run's status from its writers: running while one is active; when every writer that started has finished,
 * the worst finish; a run (not a job's) with no finish whose processes on this host are all gone is crashed.
 * A job's run is finished by the job's own `finish` (the job service knows how its process ended); until then
 * it stays running. Null answers "no opinion" (a job run nobody has written to yet: the job service decides).
 */
export function runStatus(input: StatusInput): { status: RunStatus; endedAt: number | null } | null {
  const writers = Object.entries(input.writers);
  const all = writers.map(([, w]) => w);
  if (input.source === 'job') {
    const job = writers.find(([name]) => name.startsWith('job-'))?.[1];
    if (job?.finish) return combine(all.filter((w) => w.finish));
    return writers.length === 0 ? null : { status: 'running', endedAt: null };
  }
  const open = all.filter((w) => !w.finish);
  if (writers.length === 0) open.push({ pid: input.runPid, startedAt: null, finish: null });
  if (open.length === 0) return combine(all);
  const alive = open.some((w) => !input.sameHost || w.pid === null || input.isAlive(w.pid));
  if (alive) return { status: 'running', endedAt: null };
  return { status: 'crashed', endedAt: null };
}

/** The pid a writer name carries (`<pid>-<8 hex>`), or null for `job-<id>` and other names. */
export function writerPid(writer: string): number | null {
  const match = /^(\d+)-[0-9a-f]+$/.exec(writer);
  return match ? Number(match[1]) : null;
}
