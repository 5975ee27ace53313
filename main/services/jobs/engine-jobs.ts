import { appendFile, mkdir, stat } from 'node:fs/promises';
import type { Clock } from '../../core/clock';
import type { EventBus } from '../../core/event-bus';
import type { Logger } from '../../core/logger';
import type { OpenProject } from '../projects/project-service';
import type { BackendHandle, BackendStatus, BackendSubmission, JobBackend } from './backend';
import { finishJob } from './job-finish';
import { jobFolder, logFile } from './job-logs';
import type { RunIngest } from './job-runner';
import { runFolder } from './job-spool';
import { isTerminal, jobFromRow, JobStore, type JobRow } from './job-store';

/** What following engine jobs needs. */
export interface EngineJobsDeps {
  readonly bus: EventBus;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly ingest: RunIngest | null;
  /** The backend a job runs on (built from its cluster profile, cached by the caller). */
  readonly backendFor: (row: JobRow) => Promise<JobBackend>;
  /** How often the engines are asked (one squeue per backend and tick). */
  readonly pollMs: number;
}

/**
 * Follows the jobs that run on an engine (Slurm, Ray, a sandbox) rather than in the local queue: each tick asks
 * every backend once for the states of its jobs, records state, engine word and reason, copies new log bytes into
 * the job's local log files (so `job.logs`, `job.log` events and the log artifacts work as for local jobs), syncs
 * the run folder when the engine does not share it, and at the end finishes the job like a local one. A backend
 * that cannot be reached (a dropped SSH connection) is tried again next tick: the job keeps running there, and
 * Orrery catches up on its logs and metrics once it answers again. The state lives in the store, so a restarted
 * Orrery re-attaches to every job it did not finish.
 */
export class EngineJobs {
  private open: OpenProject | null = null;
  private generation = 0;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private readonly failing = new Set<string>();
  /** A tick was asked for at once while one ran: the next follows without the interval. */
  private soon = false;
  /** Stops of the end watches of followed jobs, by job id. */
  private readonly watches = new Map<string, () => void>();

  constructor(private readonly deps: EngineJobsDeps) {}

  /**
   * Follows the engine jobs of a newly opened project: finishes those that ended while no Orrery was there to,
   * fails those whose submission an Orrery stopped in the middle of, and follows the rest.
   */
  attach(open: OpenProject): void {
    this.open = open;
    const generation = ++this.generation;
    const store = new JobStore(open.db);
    const now = this.deps.clock.now();
    const ended: JobRow[] = [];
    for (const row of store.engineJobs()) {
      if (isTerminal(row.state)) ended.push(row);
      else if (row.external_id) this.deps.ingest?.watch(row.run_id);
      else if (store.endEngine(row.id, { state: 'lost', exitCode: null, error: 'Orrery stopped while submitting the job, before the engine gave it an id; submit it again.', reason: 'submission interrupted', engineState: null, now })) {
        ended.push(store.require(row.id));
      }
    }
    void (async () => {
      for (const row of ended) await this.finish(open, row, generation);
    })().catch((error: unknown) => this.deps.logger.error('cannot finish the ended engine jobs', { error }));
    this.ensureTicking();
  }

  /** Stops following; the jobs keep running on their engines. */
  async detach(): Promise<void> {
    this.generation++;
    this.open = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const stop of this.watches.values()) stop();
    this.watches.clear();
    await this.ticking;
  }

  /** Submits prepared rows (one job, or the trials of an array) to their backend and follows them. */
  async submit(open: OpenProject, rows: readonly JobRow[], submission: BackendSubmission, backend: JobBackend): Promise<void> {
    const store = new JobStore(open.db);
    let submitted;
    try {
      submitted = await backend.submit(submission);
    } catch (error) {
      const now = this.deps.clock.now();
      for (const row of rows) {
        store.endEngine(row.id, { state: 'failed', exitCode: null, error: (error as Error).message, reason: 'submission refused', engineState: null, now });
        store.markFinalized(row.id);
        this.publish(store.require(row.id));
      }
      throw error;
    }
    const handles: readonly BackendHandle[] = submitted.tasks ?? (rows.length === 1 ? [submitted] : rows.map((_, index) => ({ ...submitted, externalId: `${submitted.externalId}_${index}` })));
    for (const [index, row] of rows.entries()) {
      const handle = handles[index]!;
      store.setExternal(row.id, handle.externalId, handle.workDir ?? null);
      store.setEngine(row.id, { engineState: 'SUBMITTED', reason: null });
      this.watchEnd(backend, row.id, handle);
      this.deps.ingest?.watch(row.run_id);
      this.publish(store.require(row.id));
    }
    // Asked at once rather than a poll interval later: a short job may already be running.
    this.ensureTicking(0);
  }

  /** Asks the engine to cancel; the next ticks see the job end (cancelled) and finish it. */
  async cancel(row: JobRow): Promise<void> {
    const open = this.open;
    if (!open) return;
    const store = new JobStore(open.db);
    store.requestCancel(row.id, this.deps.clock.now());
    if (!row.external_id) return;
    const backend = await this.deps.backendFor(row);
    await backend.cancel(handleOf(row));
    this.ensureTicking();
  }

  /** Schedules the next tick in `delayMs` (default: the poll interval); a sooner request replaces a later one. */
  private ensureTicking(delayMs = this.deps.pollMs): void {
    if (!this.open) return;
    if (this.ticking) {
      if (delayMs === 0) this.soon = true;
      return;
    }
    if (this.timer) {
      if (delayMs > 0) return;
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      const generation = this.generation;
      this.ticking = this.tick(generation)
        .catch((error: unknown) => this.deps.logger.error('following engine jobs failed', { error }))
        .finally(() => {
          this.ticking = null;
          const soon = this.soon;
          this.soon = false;
          if (generation === this.generation && this.open && new JobStore(this.open.db).engineJobs().some((row) => row.external_id)) this.ensureTicking(soon ? 0 : this.deps.pollMs);
        });
    }, delayMs);
  }

  /** One round: every backend asked once for its jobs; each job updated, its logs copied, ended ones finished. */
  private async tick(generation: number): Promise<void> {
    const open = this.open;
    if (!open) return;
    const rows = new JobStore(open.db).engineJobs().filter((row) => row.external_id !== null && !isTerminal(row.state));
    const groups = new Map<string, JobRow[]>();
    for (const row of rows) {
      const key = `${row.backend}:${row.cluster_id ?? ''}`;
      groups.set(key, [...(groups.get(key) ?? []), row]);
    }
    await Promise.all([...groups.entries()].map(([key, group]) => this.tickGroup(open, key, group, generation)));
  }

  private async tickGroup(open: OpenProject, key: string, live: readonly JobRow[], generation: number): Promise<void> {
    let statuses: ReadonlyMap<string, BackendStatus>;
    let backend: JobBackend;
    try {
      backend = await this.deps.backendFor(live[0]!);
      const handles = live.map(handleOf);
      statuses = backend.statusMany ? await backend.statusMany(handles) : new Map(await Promise.all(handles.map(async (handle) => [handle.externalId, await backend.status(handle)] as const)));
      this.failing.delete(key);
    } catch (error) {
      // Unreachable for now (a login node down, a dropped connection): the jobs keep running there; try next tick.
      if (!this.failing.has(key)) this.deps.logger.warn('cannot reach the engine of some jobs; retrying', { backend: key, error });
      this.failing.add(key);
      return;
    }
    for (const row of live) {
      if (generation !== this.generation) return;
      if (!this.watches.has(row.id)) this.watchEnd(backend, row.id, handleOf(row));
      const status = statuses.get(row.external_id!);
      if (status) await this.update(open, backend, row, status, generation);
    }
  }

  /** A tick at once when the backend can tell the job ended (its exit file appeared), instead of at the next poll. */
  private watchEnd(backend: JobBackend, jobId: string, handle: BackendHandle): void {
    if (!backend.onEnded || this.watches.has(jobId)) return;
    this.watches.set(jobId, backend.onEnded(handle, () => this.ensureTicking(0)));
  }

  /** Records what the engine says of one job, copies its new output, and ends it when the engine says it ended. */
  private async update(open: OpenProject, backend: JobBackend, row: JobRow, status: BackendStatus, generation: number): Promise<void> {
    const store = new JobStore(open.db);
    let changed = store.setEngine(row.id, { engineState: status.engineState ?? null, reason: status.reason ?? null });
    if (status.state !== 'queued') changed = store.markStarted(row.id, status.startedAt ?? this.deps.clock.now()) || changed;
    const handle = handleOf(row);
    try {
      await this.copyLogs(open, backend, row, handle);
      await backend.syncRun?.(handle, row.run_id, runFolder(open.path, row.run_id));
    } catch (error) {
      // The next tick copies from where the local files end: nothing is skipped.
      this.deps.logger.warn('cannot copy the output of an engine job yet', { job: row.id, error });
      if (isTerminal(status.state)) return;
    }
    if (isTerminal(status.state)) {
      const current = store.require(row.id);
      const state = current.cancel_requested_at !== null && status.state !== 'succeeded' ? 'cancelled' : status.state;
      const error = state === 'failed' || state === 'lost' ? errorOf(status) : null;
      // Another Orrery process following the same project may have ended it first: then that one finishes it.
      if (store.endEngine(row.id, { state, exitCode: status.exitCode ?? null, error, reason: status.reason ?? null, engineState: status.engineState ?? null, now: status.endedAt ?? this.deps.clock.now() })) {
        await this.finish(open, store.require(row.id), generation);
      }
      return;
    }
    if (changed) this.publish(store.require(row.id));
  }

  /**
   * Appends the bytes the engine has beyond what the local log file holds (its size is the offset, so a restart or
   * a dropped connection resumes exactly there), and announces them as `job.log`.
   */
  private async copyLogs(open: OpenProject, backend: JobBackend, row: JobRow, handle: BackendHandle): Promise<void> {
    const folder = jobFolder(open.path, row.id);
    await mkdir(folder, { recursive: true });
    for (const stream of ['stdout', 'stderr'] as const) {
      const file = logFile(folder, stream);
      const offset = (await stat(file).catch(() => null))?.size ?? 0;
      const slice = await backend.logs(handle, stream, offset);
      if (slice.text === '') continue;
      await appendFile(file, slice.text);
      this.deps.bus.publish('job.log', row.id, { jobId: row.id, stream, text: slice.text, offset, skipped: 0 });
    }
  }

  private async finish(open: OpenProject, row: JobRow, generation: number): Promise<void> {
    this.watches.get(row.id)?.();
    this.watches.delete(row.id);
    const deps = { bus: this.deps.bus, logger: this.deps.logger, ingest: this.deps.ingest, nowS: () => this.deps.clock.now() / 1000 };
    await finishJob(deps, open, row, () => generation === this.generation);
  }

  private publish(row: JobRow): void {
    this.deps.bus.publish('job.changed', row.id, { job: jobFromRow(row) });
  }
}

/** How the backend finds a stored job again. */
export function handleOf(row: JobRow): BackendHandle {
  return { backend: row.backend, externalId: row.external_id ?? '', ...(row.cluster_id ? { clusterId: row.cluster_id } : {}), ...(row.work_dir ? { workDir: row.work_dir } : {}) };
}

function errorOf(status: BackendStatus): string {
  const word = status.engineState ? ` (${status.engineState})` : '';
  if (status.reason) return `The engine ended the job${word}: ${status.reason}`;
  return `The job ended${word} with ${status.exitCode === null || status.exitCode === undefined ? 'no exit status' : `code ${status.exitCode}`}`;
}
