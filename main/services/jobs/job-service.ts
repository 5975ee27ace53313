import { stat } from 'node:fs/promises';
import path from 'node:path';
import { newId } from '../../../app/lib/ids';
import { OrreryError, type CallOutput, type ParsedInput } from '../../../app/contract';
import type { Env } from '../../../app/models';
import type { Job, JobBackendName, JobResourcesInput, JobStream, Sweep, SweepTrial } from '../../../app/contract/jobs';
import type { Clock } from '../../core/clock';
import type { EventBus } from '../../core/event-bus';
import type { Logger } from '../../core/logger';
import { checkPathInRoots } from '../../core/paths';
import type { ProcessRunner } from '../../core/process-runner';
import type { OpenProject, ProjectService } from '../projects/project-service';
import type { ClusterDirectory, SandboxJobBackends } from './backend';
import { BackendFactory } from './backend-factory';
import { lastCheckpoint } from './checkpoints';
import { EngineJobs } from './engine-jobs';
import { EngineSubmissions, type Placement } from './engine-submit';
import type { JobEnvs } from './job-launch';
import { completeUtf8Length, defaultLogCapBytes, jobFolder, JobLogs } from './job-logs';
import { JobRunner, type JobRunnerOptions, type RunIngest } from './job-runner';
import { LocalBackend } from './local-backend';
import { isTerminal, jobFromRow, JobStore, type JobRow } from './job-store';
import { newRunId, runFolder } from './job-spool';
import { parseSweepSpec } from './sweeps/sweep-spec';
import { SweepStore } from './sweeps/sweep-store';
import { expandTrials, paramArgs } from './sweeps/sweep-trials';
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
 * The jobs of the open project, wherever they run. Local jobs wait in FIFO order for a slot (project setting
 * `jobs.concurrency`, default 1) and for their GPUs, run detached so they outlive Orrery, and are re-adopted
 * (or found lost) when the project opens again; the process work lives in JobRunner. Jobs on an engine (Slurm,
 * Ray, a Docker sandbox) go through its JobBackend and are followed by EngineJobs, re-attached the same way.
 */
export class JobService {
  private readonly runner: JobRunner;
  /** This machine as a backend: the local queue starts, checks and cancels its processes through it. */
  private readonly local: LocalBackend;
  private readonly engine: EngineJobs;
  private readonly submissions: EngineSubmissions;
  private backends: BackendFactory | null = null;
  private readonly stopProjectWatch: () => void;

  constructor(private readonly deps: JobServiceDeps) {
    const options: JobRunnerOptions = { graceMs: 10_000, logCapBytes: defaultLogCapBytes, tail: defaultTailOptions, telemetryMs: 1000, pollMs: 500, ...deps.options };
    this.local = new LocalBackend({
      graceMs: options.graceMs,
      logCapBytes: options.logCapBytes,
      folderOf: (jobId) => jobFolder(deps.projects.requireCurrent().path, jobId),
      onProcessError: (jobId, error) => deps.logger.warn('job process error', { job: jobId, error }),
    });
    this.runner = new JobRunner({
      bus: deps.bus,
      logger: deps.logger,
      clock: deps.clock,
      runner: deps.runner,
      envs: deps.envs,
      env: deps.env,
      pythonDir: path.join(deps.resourcesDir, 'python'),
      ingest: deps.ingest ?? null,
      options,
      local: this.local,
    });
    this.engine = new EngineJobs({
      bus: deps.bus,
      logger: deps.logger,
      clock: deps.clock,
      ingest: deps.ingest ?? null,
      backendFor: (row) => this.requireBackends().forRow(row),
      pollMs: deps.options?.enginePollMs ?? 1000,
    });
    this.submissions = new EngineSubmissions({
      bus: deps.bus,
      clock: deps.clock,
      runner: deps.runner,
      envs: deps.envs,
      env: deps.env,
      pythonDir: this.pythonDir(),
      engine: this.engine,
      backends: () => this.requireBackends(),
    });
    this.stopProjectWatch = deps.bus.subscribe('project.changed', '', (event) => {
      void this.runner.detach();
      void this.detachEngine();
      if (event.payload.project) this.attachCurrent();
    });
    if (deps.projects.current()) this.attachCurrent();
  }

  /**
   * Queues a script locally, or submits it to a cluster or sandbox; `not_found` for a script that is not there,
   * `invalid_input` for GPUs this machine lacks, the engine's own message when it refuses the job.
   */
  async submit(input: ParsedInput<'job.submit'>): Promise<Job> {
    const open = this.deps.projects.requireCurrent();
    const cwd = await this.checkFolder(input.cwd ?? open.path);
    const script = await this.checkScript(path.resolve(cwd, input.script));
    const env = await this.envFor(input.envId ?? null);
    const envId = env.id;
    const placement = this.placementOf(input.backend ?? null, input.cluster ?? null, input.resources ?? {});
    if (placement.backend !== 'local') {
      const runId = newRunId();
      const name = input.name ?? path.basename(script);
      const [row] = this.submissions.insert(open, placement, [{ script, args: input.args, cwd, envId, name, runId, params: null }], null);
      await this.submissions.submit(open, [row!], env);
      return jobFromRow(new JobStore(open.db).require(row!.id));
    }
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
    // An engine job queued there (PENDING) is the engine's to cancel: scancel, then its end is seen like any other.
    if (row.backend !== 'local') {
      if (isTerminal(row.state)) return jobFromRow(row);
      await this.engine.cancel(row);
      return this.runner.waitForEnd(id);
    }
    if (row.state === 'queued' && store.cancelQueued(id, this.deps.clock.now())) {
      const job = jobFromRow(store.require(id));
      this.deps.bus.publish('job.changed', id, { job });
      this.runner.schedule();
      return job;
    }
    if (store.require(id).state === 'running') await this.runner.cancel(store.requestCancel(id, this.deps.clock.now()));
    return jobFromRow(store.require(id));
  }

  /**
   * Starts a sweep: the spec's trials, each a job and a run with its params (ORRERY_PARAMS, and `--name value`
   * arguments when the spec says `pass_params: args`), as one Slurm array on Slurm or queued jobs locally.
   */
  async sweep(input: ParsedInput<'job.sweep'>): Promise<{ sweep: Sweep; jobs: Job[] }> {
    const open = this.deps.projects.requireCurrent();
    const spec = parseSweepSpec(input.spec);
    const base = await this.checkFolder(input.cwd ?? open.path);
    const script = await this.checkScript(path.resolve(base, spec.script));
    const env = await this.envFor(input.envId ?? null);
    const envId = env.id;
    const placement = this.placementOf(input.backend ?? spec.backend, input.cluster ?? spec.cluster, spec.resources);
    const trials = expandTrials(spec);
    const sweepId = newId('swp');
    const name = spec.name ?? `${path.basename(script)} sweep`;
    const specs = trials.map((params, index) => ({
      script,
      args: [...spec.args, ...(spec.passParams === 'args' ? paramArgs(params) : [])],
      cwd: base,
      envId,
      name: `${name} #${index}`,
      runId: newRunId(),
      params,
    }));
    const rows = this.submissions.insert(open, placement, specs, sweepId);
    const sweeps = new SweepStore(open.db);
    sweeps.insert(
      { id: sweepId, name, spec: input.spec, script, backend: placement.backend, cluster_id: placement.clusterId, metric: spec.metric, goal: spec.goal, trial_count: rows.length, external_id: null, created_at: this.deps.clock.now() },
      rows.map((row, index) => ({ index, jobId: row.id, runId: row.run_id, params: trials[index]! })),
    );
    if (placement.backend === 'local') {
      this.runner.schedule();
    } else if (placement.backend !== 'slurm') {
      // Only Slurm has array jobs; elsewhere each trial is a job of its own.
      for (const row of rows) await this.submissions.submit(open, [row], env);
    } else {
      const first = await this.submissions.submit(open, rows, env);
      if (first) sweeps.setExternal(sweepId, first);
    }
    const store = new JobStore(open.db);
    return { sweep: sweeps.list().find((sweep) => sweep.id === sweepId)!, jobs: rows.map((row) => jobFromRow(store.require(row.id))) };
  }

  sweeps(): Sweep[] {
    return new SweepStore(this.deps.projects.requireCurrent().db).list();
  }

  sweepTrials(id: string): SweepTrial[] {
    return new SweepStore(this.deps.projects.requireCurrent().db).trials(id);
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
    await Promise.all([this.runner.detach(), this.detachEngine()]);
  }

  private attachCurrent(): void {
    const open = this.deps.projects.requireCurrent();
    this.runner.attach(open).catch((error: unknown) => this.deps.logger.error('cannot recover the jobs of the project', { error }));
    this.backends = new BackendFactory({ logger: this.deps.logger, env: this.deps.env, pythonDir: this.pythonDir(), clusters: this.deps.clusters, sandbox: this.deps.sandbox }, open);
    this.engine.attach(open);
  }

  private async detachEngine(): Promise<void> {
    const backends = this.backends;
    this.backends = null;
    await this.engine.detach();
    await backends?.dispose();
  }

  private requireBackends(): BackendFactory {
    if (!this.backends) throw new OrreryError('no_project', 'No project is open.');
    return this.backends;
  }

  private pythonDir(): string {
    return path.join(this.deps.resourcesDir, 'python');
  }

  /** The backend a job goes to: the one asked, else the cluster profile's kind, else local; checks they agree. */
  private placementOf(backend: JobBackendName | null, cluster: string | null, resources: JobResourcesInput): Placement {
    if (!cluster) {
      if (backend === 'slurm' || backend === 'ray') throw new OrreryError('invalid_input', `A ${backend} job needs a cluster profile: give --cluster NAME (see \`orrery cluster list\`).`);
      return { backend: backend ?? 'local', clusterId: null, resources };
    }
    if (!this.deps.clusters) throw new OrreryError('unavailable', 'Cluster profiles are not available in this Orrery.');
    const profile = this.deps.clusters.profile(cluster);
    if (backend && backend !== profile.kind) throw new OrreryError('invalid_input', `Cluster "${profile.name}" is a ${profile.kind} cluster; leave out --backend ${backend} or pick a ${backend} profile.`);
    return { backend: profile.kind, clusterId: profile.id, resources };
  }

  private async again(open: OpenProject, row: JobRow, resume: { runId: string; path: string } | null): Promise<Job> {
    const script = await this.checkScript(row.script);
    const cwd = await this.checkFolder(row.cwd);
    if (row.backend !== 'local') {
      // Again on the same engine, cluster and resources (ORRERY_RESUME names a file the cluster must see: a shared folder).
      const env = await this.envFor(row.env_id);
      const placement: Placement = { backend: row.backend, clusterId: row.cluster_id, resources: row.resources ? (JSON.parse(row.resources) as JobResourcesInput) : {} };
      const again = { retryOf: row.id, attempt: row.attempt + 1, resumeFrom: resume?.runId ?? null, resumePath: resume?.path ?? null };
      const spec = { script, args: JSON.parse(row.args) as string[], cwd, envId: env.id, name: row.name, runId: resume?.runId ?? newRunId(), params: row.params ? (JSON.parse(row.params) as Record<string, unknown>) : null, again };
      const [inserted] = this.submissions.insert(open, placement, [spec], null);
      await this.submissions.submit(open, [inserted!], env);
      return jobFromRow(new JobStore(open.db).require(inserted!.id));
    }
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
    return (await this.envFor(envId)).id;
  }

  /** The env asked for, else the project's default; says how to choose one when there is none. */
  private async envFor(envId: string | null): Promise<Env> {
    if (envId) return this.deps.envs.requireEnv(envId);
    const env = await this.deps.envs.getDefault();
    if (!env || env.missing) {
      throw new OrreryError(
        'invalid_input',
        'The project has no default environment to run the job in; choose one (`--env NAME`, see `orrery env list`) or set a default with `orrery env use NAME`.',
      );
    }
    return env;
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
