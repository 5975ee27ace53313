import { OrreryError } from '../../../app/contract';
import type { Job } from '../../../app/contract/jobs';
import type { Gpu } from '../../../app/models';
import type { Clock } from '../../core/clock';
import type { EventBus } from '../../core/event-bus';
import type { Logger } from '../../core/logger';
import type { ProcessRunner } from '../../core/process-runner';
import type { OpenProject } from '../projects/project-service';
import { finishJob } from './job-finish';
import { gitCommit, jobEnvironment, lastLine, type JobEnvs } from './job-launch';
import { exitFile, jobFolder, JobLogs } from './job-logs';
import { groupAlive, killGroup, readExitFile, signalGroup } from './job-process';
import { localExternalId, type LocalBackend } from './local-backend';
import type { BackendHandle } from './backend';
import { appendEvents, appendMetrics, runInfoOf, writeRunJson } from './job-spool';
import { isTerminal, jobFromRow, JobStore, type JobRow } from './job-store';
import { procUnits, sampleGpus, systemSeries, TreeSampler, type ProcUnits } from './job-telemetry';
import { LogTail, type LogBatch, type LogTailOptions } from './log-tail';

/** The tracking service as the job service uses it: follow a run while its job runs, ingest it when it ends. */
export interface RunIngest {
  watch(runId: string): void;
  /** May ingest what is left of the spool; a promise it answers is awaited (or its failure logged). */
  unwatch(runId: string): void | Promise<unknown>;
  ingestRun(runId: string): Promise<unknown>;
}

/** Tunables (tests shorten them). */
export interface JobRunnerOptions {
  /** SIGTERM → SIGKILL grace period of a cancel. */
  readonly graceMs: number;
  /** Cap of one log stream on disk. */
  readonly logCapBytes: number;
  readonly tail: LogTailOptions;
  /** Interval of the `sys/*` samples. */
  readonly telemetryMs: number;
  /** How often a re-adopted job (not Orrery's child) is checked for having ended. */
  readonly pollMs: number;
  /** How often engine jobs (Slurm, Ray, sandbox) are asked for their state; default 1000. */
  readonly enginePollMs?: number;
}

interface RunnerDeps {
  readonly bus: EventBus;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly runner: ProcessRunner;
  readonly envs: JobEnvs;
  readonly env: NodeJS.ProcessEnv;
  readonly pythonDir: string;
  readonly ingest: RunIngest | null;
  readonly options: JobRunnerOptions;
  /** Where the queue starts, checks and cancels its processes. */
  readonly local: LocalBackend;
}

/** How a process ended, as far as Orrery knows. */
interface Outcome {
  readonly exitCode: number | null;
  readonly signal: string | null;
}

/** A job this process follows: its own child, or one re-adopted after a restart. */
interface ActiveJob {
  row: JobRow;
  readonly logs: JobLogs;
  readonly tail: LogTail;
  sampler: TreeSampler | null;
  poll: NodeJS.Timeout | null;
  cancelling: Promise<unknown> | null;
  ending: boolean;
}

/** Starts, follows, cancels and finishes the jobs of the attached project. */
export class JobRunner {
  private open: OpenProject | null = null;
  private generation = 0;
  private readonly active = new Map<string, ActiveJob>();
  private scheduling: Promise<void> = Promise.resolve();
  private telemetry: NodeJS.Timeout | null = null;
  private units: Promise<ProcUnits> | null = null;
  private gpusAvailable = true;
  /** Ends in progress (logs stored, events appended, run ingested); detach waits for them before the store closes. */
  private readonly finishing = new Set<Promise<void>>();
  /** Rejecters of the `waitForEnd` calls pending, run when the project closes. */
  private readonly waiters = new Set<() => void>();

  constructor(private readonly deps: RunnerDeps) {}

  /** Follows a newly opened project: finishes what ended while Orrery was away, re-adopts what still runs, starts the queue. */
  async attach(open: OpenProject): Promise<void> {
    this.open = open;
    const generation = ++this.generation;
    const store = new JobStore(open.db);
    for (const row of store.unfinalized()) await this.finalize(row, generation);
    for (const row of store.running()) {
      if (generation !== this.generation) return;
      const alive = row.pid !== null && (await this.deps.local.status(this.localHandle(row))).state === 'running';
      if (alive) {
        await this.follow(row, null, generation);
        // Announced again: this core now follows it (a face that connected meanwhile learns it runs).
        this.publish(row);
      } else {
        await this.finishGone(row, generation);
      }
    }
    this.schedule();
  }

  /** Stops following (tails, polls, samples); processes keep running, and whoever waits for one is told. */
  async detach(): Promise<void> {
    this.generation++;
    this.open = null;
    for (const abandon of [...this.waiters]) abandon();
    if (this.telemetry) clearInterval(this.telemetry);
    this.telemetry = null;
    const jobs = [...this.active.values()];
    this.active.clear();
    for (const job of jobs) if (job.poll) clearInterval(job.poll);
    await Promise.all(jobs.map((job) => job.tail.stop()));
    await Promise.all(jobs.map((job) => this.unwatch(job.row.run_id)));
    await Promise.all([...this.finishing]);
  }

  /** Starts queued jobs while slots and their GPUs allow (serialized: one pass at a time). */
  schedule(): void {
    this.scheduling = this.scheduling.then(() => this.schedulePass()).catch((error: unknown) => this.deps.logger.error('job scheduling failed', { error }));
  }

  /** Cancels a running job: kills its group, then (when no child exit or poll of this process will) finishes it. */
  async cancel(row: JobRow): Promise<void> {
    const active = this.active.get(row.id);
    if (row.pid === null) {
      await this.finishGone(row, this.generation);
      return;
    }
    if (active) {
      active.cancelling ??= this.deps.local.cancel(this.localHandle(row));
      await active.cancelling;
      await this.waitForEnd(row.id);
      return;
    }
    // Another Orrery process runs it (or none): the backend kills it only when its pid is still that process.
    await this.deps.local.cancel(this.localHandle(row));
    await this.finishGone(row, this.generation);
  }

  /**
   * Resolves with the job once it is in an end state. The store is also read every 250 ms (a ref'd timer, so a
   * CLI waiting here stays alive): another Orrery process may end the job, and its events are not on this bus.
   */
  waitForEnd(id: string): Promise<Job> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!this.open) return;
        const row = new JobStore(this.open.db).get(id);
        if (!row) {
          stop();
          reject(new Error(`job ${id} vanished`));
        } else if (isTerminal(row.state) && row.finalized === 1) {
          stop();
          resolve(jobFromRow(row));
        }
      };
      const unsubscribe = this.deps.bus.subscribe('job.changed', id, check);
      const timer = setInterval(check, 250);
      const abandon = () => {
        stop();
        reject(new OrreryError('cancelled', `The project closed while waiting for job ${id}; it keeps running, and is followed again when the project opens.`));
      };
      const stop = () => {
        unsubscribe();
        clearInterval(timer);
        this.waiters.delete(abandon);
      };
      this.waiters.add(abandon);
      check();
    });
  }

  private async schedulePass(): Promise<void> {
    const open = this.open;
    if (!open) return;
    const store = new JobStore(open.db);
    const running = store.running();
    let slots = store.concurrency() - running.length;
    const busy = new Set(running.flatMap((row) => gpusOf(row) ?? []));
    const reserved = new Set<number>();
    for (const row of store.queued()) {
      if (slots <= 0) break;
      const gpus = gpusOf(row) ?? [];
      // A job waiting for its GPUs keeps them reserved, so later jobs needing them cannot overtake it forever.
      if (gpus.some((gpu) => busy.has(gpu) || reserved.has(gpu))) {
        for (const gpu of gpus) reserved.add(gpu);
        continue;
      }
      if (!store.claim(row.id, this.deps.clock.now())) continue;
      slots--;
      for (const gpu of gpus) busy.add(gpu);
      const claimed = store.require(row.id);
      this.publish(claimed);
      await this.start(open, claimed, this.generation).catch((error: unknown) => {
        if (!open.db.open) return;
        store.failStart(row.id, `The job could not start: ${(error as Error).message}`, this.deps.clock.now());
        this.publish(store.require(row.id));
      });
    }
  }

  /** Locks the env, writes run.json, spawns the process with its logs as files, and follows it. */
  private async start(open: OpenProject, row: JobRow, generation: number): Promise<void> {
    const store = new JobStore(open.db);
    const env = await this.deps.envs.requireEnv(row.env_id ?? '');
    let envLockId: string | null = null;
    let warning: string | null = null;
    try {
      envLockId = (await this.deps.envs.lock(env.id, `job ${row.id}`)).id;
    } catch (error) {
      warning = `The environment could not be locked: ${(error as Error).message}`;
    }
    const activated = this.deps.envs.activation(env, this.deps.env);
    await writeRunJson(open.path, runInfoOf(row, { createdAtMs: this.deps.clock.now(), gitCommit: await gitCommit(this.deps.runner, row.cwd, this.deps.env), python: env.version, envLockId }));
    if (warning) await appendEvents(open.path, row.run_id, row.id, [{ t: 'warning', message: warning, time: this.nowS() }]);
    // A cancel that came while the env was being locked: the process is never started.
    if (generation !== this.generation) {
      // Another project opened meanwhile: the job waits for the next open of its own instead of starting unfollowed.
      if (open.db.open) store.requeue(row.id);
      return;
    }
    const fresh = store.require(row.id);
    if (fresh.state !== 'running') return;
    if (fresh.cancel_requested_at !== null) {
      await this.end(fresh, { exitCode: null, signal: null }, generation);
      return;
    }
    const variables = jobEnvironment({ activated, pythonDir: this.deps.pythonDir, projectPath: open.path, row });
    const handle = await this.deps.local.submit({
      jobId: row.id,
      runId: row.run_id,
      name: row.name,
      script: row.script,
      args: JSON.parse(row.args) as string[],
      cwd: row.cwd,
      python: env.python,
      env: Object.fromEntries(Object.entries(variables).filter((entry): entry is [string, string] => entry[1] !== undefined)),
      resources: {},
    });
    const { pid, startTicks } = parseLocalHandle(handle);
    store.setProcess(row.id, pid, startTicks, envLockId, warning);
    this.deps.ingest?.watch(row.run_id);
    await this.follow(store.require(row.id), this.deps.local.exited(handle), generation);
    this.publish(store.require(row.id));
  }

  /** Tails the logs, samples the tree, and notices the end: by the child's exit, or by polling an adopted pid. */
  private async follow(row: JobRow, exited: Promise<Outcome> | null, generation: number): Promise<void> {
    const open = this.open!;
    const logs = new JobLogs(jobFolder(open.path, row.id), this.deps.options.logCapBytes);
    // An adopted job continues where its files are now instead of replaying what was written while Orrery was away.
    const from = exited ? {} : { stdout: (await logs.extent('stdout')).size, stderr: (await logs.extent('stderr')).size };
    if (generation !== this.generation) return;
    const emit = (batch: LogBatch) => this.deps.bus.publish('job.log', row.id, { jobId: row.id, ...batch });
    const pid = row.pid;
    const pause = pid === null ? undefined : { stop: () => signalGroup(pid, 'SIGSTOP'), resume: () => signalGroup(pid, 'SIGCONT') };
    // A job adopted after a crash in the middle of a rotation would otherwise stay stopped.
    if (!exited && pid !== null) signalGroup(pid, 'SIGCONT');
    const tail = new LogTail(logs, emit, this.deps.options.tail, from, pause);
    const job: ActiveJob = { row, logs, tail, sampler: null, poll: null, cancelling: null, ending: false };
    this.active.set(row.id, job);
    tail.start();
    if (exited) {
      void exited.then((outcome) => this.ended(job, outcome, generation));
    } else {
      this.deps.ingest?.watch(row.run_id);
      job.poll = setInterval(() => void this.pollAdopted(job, generation), this.deps.options.pollMs);
    }
    this.startTelemetry();
  }

  private async pollAdopted(job: ActiveJob, generation: number): Promise<void> {
    if (job.ending || job.row.pid === null) return;
    const status = await this.deps.local.status(this.localHandle(job.row));
    if (status.state === 'running' || job.ending) return;
    if (job.poll) clearInterval(job.poll);
    job.poll = null;
    // Not Orrery's child: the status comes from the file the wrapper shell wrote; none means it was killed.
    await this.ended(job, { exitCode: status.exitCode ?? null, signal: null }, generation);
  }

  /** The process ended: wait for a cancel in progress, end what is left of its group (as Slurm does), finish. */
  private async ended(job: ActiveJob, outcome: Outcome, generation: number): Promise<void> {
    // A core that stopped following (disposed, another project opened) leaves the job to the next one.
    if (job.ending || generation !== this.generation) return;
    job.ending = true;
    if (job.cancelling) await job.cancelling;
    else if (job.row.pid !== null && groupAlive(job.row.pid)) await killGroup(job.row.pid, this.deps.options.graceMs);
    await job.tail.drain();
    if (generation !== this.generation || !this.open) return;
    this.active.delete(job.row.id);
    const store = new JobStore(this.open.db);
    const row = store.require(job.row.id);
    const exitCode = outcome.exitCode ?? (await readExitFile(exitFile(job.logs.folder)));
    await this.end(row, { exitCode, signal: outcome.signal }, generation);
  }

  /** A running job whose process is gone: its status from the exit file, else lost. */
  private async finishGone(row: JobRow, generation: number): Promise<void> {
    const exitCode = await readExitFile(exitFile(jobFolder(this.open!.path, row.id)));
    await this.end(row, { exitCode, signal: null }, generation);
  }

  /** running → an end state (only one Orrery process wins), then logs, events and ingest. */
  private end(row: JobRow, outcome: Outcome, generation: number): Promise<void> {
    const work = this.endNow(row, outcome, generation).finally(() => this.finishing.delete(work));
    this.finishing.add(work);
    return work;
  }

  private async endNow(row: JobRow, outcome: Outcome, generation: number): Promise<void> {
    const open = this.open;
    if (!open || generation !== this.generation) return;
    const store = new JobStore(open.db);
    const current = store.require(row.id);
    const state = current.cancel_requested_at !== null ? 'cancelled' : outcome.exitCode === 0 ? 'succeeded' : outcome.exitCode === null && outcome.signal === null ? 'lost' : 'failed';
    let error: string | null = null;
    if (state === 'failed') {
      const last = await lastLine(jobFolder(open.path, row.id), 'stderr');
      error = `Exited with ${outcome.signal ? `signal ${outcome.signal}` : `code ${String(outcome.exitCode)}`}${last ? `: ${last}` : ''}`;
    } else if (state === 'lost') {
      error = 'The process ended while no Orrery followed it, and left no exit status (killed, or the machine restarted).';
    }
    if (!store.end(row.id, { state, exitCode: outcome.exitCode, signal: outcome.signal, error, now: this.deps.clock.now() })) return;
    await this.finalize(store.require(row.id), generation);
  }

  /** Stores the logs as artifacts, appends the job's events (artifact, finish), ingests the run, announces the end. */
  private async finalize(row: JobRow, generation: number): Promise<void> {
    const open = this.open;
    if (!open || generation !== this.generation) return;
    const deps = { bus: this.deps.bus, logger: this.deps.logger, ingest: this.deps.ingest, nowS: () => this.nowS() };
    if (await finishJob(deps, open, row, () => generation === this.generation)) this.schedule();
  }

  private startTelemetry(): void {
    if (this.telemetry) return;
    this.telemetry = setInterval(() => void this.sampleAll(this.generation), this.deps.options.telemetryMs);
  }

  /** One `sys/*` sample of every followed job: one nvidia-smi call shared by all, /proc per job tree. */
  private async sampleAll(generation: number): Promise<void> {
    const open = this.open;
    if (!open || this.active.size === 0) {
      if (this.telemetry) clearInterval(this.telemetry);
      this.telemetry = null;
      return;
    }
    this.units ??= procUnits(this.deps.runner);
    const units = await this.units;
    let gpus: Gpu[] | null = null;
    if (this.gpusAvailable) {
      gpus = await sampleGpus(this.deps.runner, this.deps.env);
      // Sampled only where nvidia-smi answers; a machine without it is not asked every second.
      if (gpus === null) this.gpusAvailable = false;
    }
    const now = this.deps.clock.now();
    for (const job of this.active.values()) {
      if (generation !== this.generation || job.ending || job.row.pid === null) continue;
      job.sampler ??= new TreeSampler(job.row.pid, units);
      const tree = await job.sampler.sample(now);
      const wanted = gpusOf(job.row);
      const mine = gpus?.filter((gpu) => wanted === null || wanted.includes(gpu.index)) ?? null;
      const step = (now - (job.row.started_at ?? now)) / 1000;
      const series = systemSeries(tree, mine, step, now / 1000);
      await appendMetrics(open.path, job.row.run_id, job.row.id, series).catch((error: unknown) => this.deps.logger.warn('cannot write job metrics', { job: job.row.id, error }));
    }
  }

  /** Tells the tracking service to stop following a run; its failure (the project closing under it) is only logged. */
  private async unwatch(runId: string): Promise<void> {
    try {
      await this.deps.ingest?.unwatch(runId);
    } catch (error) {
      this.deps.logger.warn('unwatching the run of a job failed', { runId, error });
    }
  }

  /** The local backend's handle of a started job (its pid and start ticks are in the row, its files in its folder). */
  private localHandle(row: JobRow): BackendHandle {
    return { backend: 'local', externalId: localExternalId(row.pid ?? 0, row.pid_start), ...(this.open ? { workDir: jobFolder(this.open.path, row.id) } : {}) };
  }

  private publish(row: JobRow): void {
    this.deps.bus.publish('job.changed', row.id, { job: jobFromRow(row) });
  }

  private nowS(): number {
    return this.deps.clock.now() / 1000;
  }
}

function parseLocalHandle(handle: BackendHandle): { pid: number; startTicks: number | null } {
  const [pid, ticks] = handle.externalId.split(':');
  return { pid: Number(pid), startTicks: ticks ? Number(ticks) : null };
}

function gpusOf(row: JobRow): number[] | null {
  return row.gpus === null ? null : (JSON.parse(row.gpus) as number[]);
}
