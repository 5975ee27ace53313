import { stat } from 'node:fs/promises';
import path from 'node:path';
import { newId } from '../../../app/lib/ids';
import { OrreryError, type CallOutput, type ParsedInput } from '../../../app/contract';
import type { Job, JobStream } from '../../../app/contract/jobs';
import type { Clock } from '../../core/clock';
import type { EventBus } from '../../core/event-bus';
import type { Logger } from '../../core/logger';
import { checkPathInRoots } from '../../core/paths';
import type { ProcessRunner } from '../../core/process-runner';
import type { OpenProject, ProjectService } from '../projects/project-service';
import type { ClusterDirectory, SandboxJobBackends } from './backend';
import { lastCheckpoint } from './checkpoints';
import type { JobEnvs } from './job-launch';
import { completeUtf8Length, defaultLogCapBytes, jobFolder, JobLogs } from './job-logs';
import { JobRunner, type JobRunnerOptions, type RunIngest } from './job-runner';
import { jobFromRow, JobStore, type JobRow } from './job-store';
import { newRunId, runFolder } from './job-spool';
import { sampleGpus } from './job-telemetry';
import { defaultTailOptions } from './log-tail';

export type { RunIngest } from './job-runner';

/** What the job service needs. */
export interface JobServiceDeps {
  readonly bus: EventBus;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly runner: ProcessRunner;
  readonly projects: ProjectService;
  readonly envs: JobEnvs;
  readonly allowedRoots: readonly string[];
  /** The environment jobs start from (before the env's activation). */
  readonly env: NodeJS.ProcessEnv;
  readonly resourcesDir: string;
  /** The tracking service, told which runs to follow and when to ingest; null until one exists. */
  readonly ingest?: RunIngest | null;
  readonly options?: Partial<JobRunnerOptions>;
  /** Cluster profiles, for jobs sent to Slurm or Ray. */
  readonly clusters?: ClusterDirectory;
  /** Docker sandboxes, for jobs placed in a container. */
  readonly sandbox?: SandboxJobBackends;
}

/** What a new job is: the parts of `job.submit` after validation, plus lineage. */
interface JobSpec {
  readonly script: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly envId: string;
  readonly gpus: readonly number[] | null;
  readonly name: string;
  readonly runId: string;
  readonly resumeFrom: string | null;
  readonly resumePath: string | null;
  readonly retryOf: string | null;
  readonly attempt: number;
}

/**
 * The local job queue of the open project: jobs wait in FIFO order for a slot (project setting
 * `jobs.concurrency`, default 1) and for their GPUs, run detached so they outlive Orrery, and are re-adopted
 * (or found lost) when the project opens again. The process work lives in JobRunner.
 */
export class JobService {
  private readonly runner: JobRunner;
  private readonly stopProjectWatch: () => void;

  constructor(private readonly deps: JobServiceDeps) {
    this.runner = new JobRunner({
      bus: deps.bus,
      logger: deps.logger,
      clock: deps.clock,
      runner: deps.runner,
      envs: deps.envs,
      env: deps.env,
      pythonDir: path.join(deps.resourcesDir, 'python'),
      ingest: deps.ingest ?? null,
      options: { graceMs: 10_000, logCapBytes: defaultLogCapBytes, tail: defaultTailOptions, telemetryMs: 1000, pollMs: 500, ...deps.options },
    });
    this.stopProjectWatch = deps.bus.subscribe('project.changed', '', (event) => {
      this.runner.detach();
      if (event.payload.project) this.attachCurrent();
    });
    if (deps.projects.current()) this.attachCurrent();
  }

  /** Queues a script; `not_found` for a script that is not there, `invalid_input` for GPUs this machine lacks. */
  async submit(input: ParsedInput<'job.submit'>): Promise<Job> {
    const open = this.deps.projects.requireCurrent();
    const cwd = await this.checkFolder(input.cwd ?? open.path);
    const script = await this.checkScript(path.resolve(cwd, input.script));
    const envId = await this.envIdFor(input.envId ?? null);
    const gpus = input.gpus ?? null;
    if (gpus && gpus.length > 0) await this.checkGpus(gpus);
    const resume = input.resumeFromRun ? await this.resumePoint(open, input.resumeFromRun) : null;
    return this.enqueue(open, {
      script,
      args: input.args,
      cwd,
      envId,
      gpus,
      name: input.name ?? path.basename(script),
      runId: resume?.runId ?? newRunId(),
      resumeFrom: resume?.runId ?? null,
      resumePath: resume?.path ?? null,
      retryOf: null,
      attempt: 1,
    });
  }

  /** A new job and a new run with the same spec (attempt + 1). */
  async retry(id: string): Promise<Job> {
    const open = this.deps.projects.requireCurrent();
    const row = new JobStore(open.db).require(id);
    return this.again(open, row, null);
  }

  /** A new job in the same run, started from the run's newest checkpoint (ORRERY_RESUME), as W&B's resume does. */
  async resume(id: string): Promise<Job> {
    const open = this.deps.projects.requireCurrent();
    const row = new JobStore(open.db).require(id);
    return this.again(open, row, await this.resumePoint(open, row.run_id));
  }

  list(input: ParsedInput<'job.list'>): Job[] {
    const store = new JobStore(this.deps.projects.requireCurrent().db);
    return store.list(input?.states, input?.limit).map(jobFromRow);
  }

  get(id: string): Job {
    return jobFromRow(new JobStore(this.deps.projects.requireCurrent().db).require(id));
  }

  /** Cancels a job; resolves once it has ended (SIGTERM to its group, SIGKILL after the grace period). */
  async cancel(id: string): Promise<Job> {
    const open = this.deps.projects.requireCurrent();
    const store = new JobStore(open.db);
    const row = store.require(id);
    if (row.state === 'queued' && store.cancelQueued(id, this.deps.clock.now())) {
      const job = jobFromRow(store.require(id));
      this.deps.bus.publish('job.changed', id, { job });
      this.runner.schedule();
      return job;
    }
    if (store.require(id).state === 'running') await this.runner.cancel(store.requestCancel(id, this.deps.clock.now()));
    return jobFromRow(store.require(id));
  }

  /** A slice of a job's stdout or stderr by logical offset (see JobLogs). */
  async logs(input: ParsedInput<'job.logs'>): Promise<CallOutput<'job.logs'>> {
    const open = this.deps.projects.requireCurrent();
    new JobStore(open.db).require(input.id);
    const logs = new JobLogs(jobFolder(open.path, input.id));
    const read = await logs.read(input.stream, input.offset ?? 0, input.limit ?? 256 * 1024);
    const whole = completeUtf8Length(read.bytes);
    return {
      text: read.bytes.subarray(0, whole).toString('utf8'),
      offset: read.offset,
      nextOffset: read.offset + whole,
      size: read.size,
      firstOffset: read.firstOffset,
    };
  }

  concurrency(): { limit: number } {
    return { limit: new JobStore(this.deps.projects.requireCurrent().db).concurrency() };
  }

  setConcurrency(limit: number): { limit: number } {
    new JobStore(this.deps.projects.requireCurrent().db).setConcurrency(limit);
    this.runner.schedule();
    return { limit };
  }

  /** Resolves when the job reaches an end state (for `orrery run` and tests). */
  waitForEnd(id: string): Promise<Job> {
    return this.runner.waitForEnd(id);
  }

  /** Stops tailing, polling and sampling; the jobs themselves keep running and are re-adopted by the next start. */
  async dispose(): Promise<void> {
    this.stopProjectWatch();
    await this.runner.detach();
  }

  private attachCurrent(): void {
    const open = this.deps.projects.requireCurrent();
    this.runner.attach(open).catch((error: unknown) => this.deps.logger.error('cannot recover the jobs of the project', { error }));
  }

  private async again(open: OpenProject, row: JobRow, resume: { runId: string; path: string } | null): Promise<Job> {
    const script = await this.checkScript(row.script);
    const cwd = await this.checkFolder(row.cwd);
    return this.enqueue(open, {
      script,
      args: JSON.parse(row.args) as string[],
      cwd,
      envId: await this.envIdFor(row.env_id),
      gpus: row.gpus === null ? null : (JSON.parse(row.gpus) as number[]),
      name: row.name,
      runId: resume?.runId ?? newRunId(),
      resumeFrom: resume?.runId ?? null,
      resumePath: resume?.path ?? null,
      retryOf: row.id,
      attempt: row.attempt + 1,
    });
  }

  private enqueue(open: OpenProject, spec: JobSpec): Job {
    const store = new JobStore(open.db);
    const row = store.insert({
      id: newId('job'),
      run_id: spec.runId,
      name: spec.name,
      script: spec.script,
      args: JSON.stringify(spec.args),
      cwd: spec.cwd,
      env_id: spec.envId,
      gpus: spec.gpus === null ? null : JSON.stringify(spec.gpus),
      attempt: spec.attempt,
      retry_of: spec.retryOf,
      resume_from: spec.resumeFrom,
      resume_path: spec.resumePath,
      created_at: this.deps.clock.now(),
    });
    const job = jobFromRow(row);
    this.deps.bus.publish('job.changed', job.id, { job });
    this.runner.schedule();
    return job;
  }

  private async checkFolder(folder: string): Promise<string> {
    const real = await checkPathInRoots(folder, this.deps.allowedRoots, 'cwd');
    const info = await stat(real).catch(() => null);
    if (!info?.isDirectory()) throw new OrreryError('not_found', `cwd: ${folder} is not a folder; give an existing folder to run the script in.`);
    return real;
  }

  private async checkScript(script: string): Promise<string> {
    const real = await checkPathInRoots(script, this.deps.allowedRoots, 'script');
    const info = await stat(real).catch(() => null);
    if (!info) throw new OrreryError('not_found', `The script ${script} does not exist; check the path (relative paths start at the job's cwd).`);
    if (!info.isFile()) throw new OrreryError('invalid_input', `${script} is not a file; give the Python script to run.`);
    return real;
  }

  private async envIdFor(envId: string | null): Promise<string> {
    if (envId) return (await this.deps.envs.requireEnv(envId)).id;
    const env = await this.deps.envs.getDefault();
    if (!env || env.missing) {
      throw new OrreryError(
        'invalid_input',
        'The project has no default environment to run the job in; choose one (`--env NAME`, see `orrery env list`) or set a default with `orrery env use NAME`.',
      );
    }
    return env.id;
  }

  private async checkGpus(gpus: readonly number[]): Promise<void> {
    const present = await sampleGpus(this.deps.runner, this.deps.env);
    if (!present || present.length === 0) {
      throw new OrreryError('invalid_input', `The job asks for GPU ${gpus.join(',')}, but nvidia-smi finds no NVIDIA GPU on this machine; submit it without GPUs.`);
    }
    const known = new Set(present.map((gpu) => gpu.index));
    const missing = gpus.filter((index) => !known.has(index));
    if (missing.length > 0) {
      throw new OrreryError('invalid_input', `No GPU ${missing.join(',')} on this machine; nvidia-smi lists ${[...known].join(',')}.`);
    }
  }

  /** The run to resume and the blob path of its newest checkpoint; `not_found` when the run or a checkpoint is missing. */
  private async resumePoint(open: OpenProject, runId: string): Promise<{ runId: string; path: string }> {
    const folder = await stat(runFolder(open.path, runId)).catch(() => null);
    if (!folder?.isDirectory()) throw new OrreryError('not_found', `No run ${runId} in this project to resume.`);
    const checkpoint = await lastCheckpoint(open.db, open.path, runId);
    if (!checkpoint) {
      throw new OrreryError('not_found', `Run ${runId} saved no checkpoint, so there is nothing to resume from; save one with run.save_checkpoint(path), or retry the job instead.`);
    }
    return { runId, path: open.artifacts.blobPath(checkpoint.sha256) };
  }
}

/** The stream names, for hosts that iterate them. */
export const jobStreamNames: readonly JobStream[] = ['stdout', 'stderr'];
