import type { Env } from '../../../app/models';
import { newId } from '../../../app/lib/ids';
import type { JobBackendName, JobResourcesInput } from '../../../app/contract/jobs';
import type { Clock } from '../../core/clock';
import type { EventBus } from '../../core/event-bus';
import type { ProcessRunner } from '../../core/process-runner';
import type { OpenProject } from '../projects/project-service';
import type { BackendSubmission } from './backend';
import type { BackendFactory } from './backend-factory';
import type { EngineJobs } from './engine-jobs';
import { gitCommit, jobEnvironment, type JobEnvs } from './job-launch';
import { runInfoOf, writeRunJson } from './job-spool';
import { jobFromRow, JobStore, type JobRow } from './job-store';

/** A new engine job (or local sweep trial), and for a retry or resume what it repeats. */
export interface EngineJobSpec {
  readonly script: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly envId: string;
  readonly name: string;
  readonly runId: string;
  readonly params: Readonly<Record<string, unknown>> | null;
  readonly again?: { readonly retryOf: string; readonly attempt: number; readonly resumeFrom: string | null; readonly resumePath: string | null };
}

/** Where a new job goes, after its cluster profile (if any) was found. */
export interface Placement {
  readonly backend: JobBackendName;
  readonly clusterId: string | null;
  readonly resources: JobResourcesInput;
}

/** What submitting to engines needs. */
export interface EngineSubmitDeps {
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly runner: ProcessRunner;
  readonly envs: JobEnvs;
  readonly env: NodeJS.ProcessEnv;
  readonly pythonDir: string;
  readonly engine: EngineJobs;
  readonly backends: () => BackendFactory;
}

/** Variables of the job's environment that a batch script carries (the rest is this process's own). */
const engineVariable = /^(ORRERY_[A-Z0-9_]+|PYTHONPATH|PYTHONUNBUFFERED|PYTHONHOME|VIRTUAL_ENV|CONDA_PREFIX|CONDA_DEFAULT_ENV|PATH|LD_LIBRARY_PATH|CUDA_[A-Z_]+)$/;

/** The rows of engine jobs and sweep trials, and their submission (one job, or one array) to a backend. */
export class EngineSubmissions {
  constructor(private readonly deps: EngineSubmitDeps) {}

  /** Inserts the rows of engine jobs (or local sweep trials) in one transaction and announces them. */
  insert(open: OpenProject, placement: Placement, specs: readonly EngineJobSpec[], sweepId: string | null): JobRow[] {
    const store = new JobStore(open.db);
    const now = this.deps.clock.now();
    const rows = open.db.transaction(() =>
      specs.map((spec) =>
        store.insert({
          id: newId('job'),
          run_id: spec.runId,
          name: spec.name,
          script: spec.script,
          args: JSON.stringify(spec.args),
          cwd: spec.cwd,
          env_id: spec.envId,
          gpus: null,
          attempt: spec.again?.attempt ?? 1,
          retry_of: spec.again?.retryOf ?? null,
          resume_from: spec.again?.resumeFrom ?? null,
          resume_path: spec.again?.resumePath ?? null,
          created_at: now,
          backend: placement.backend,
          cluster_id: placement.clusterId,
          resources: placement.backend === 'local' ? null : JSON.stringify(placement.resources),
          sweep_id: sweepId,
          params: spec.params ? JSON.stringify(spec.params) : null,
        }),
      ),
    )();
    for (const row of rows) this.deps.bus.publish('job.changed', row.id, { job: jobFromRow(row) });
    return rows;
  }

  /**
   * Writes each job's run.json (params included) and submits the jobs (several: one array) to their backend;
   * answers the engine's id of the submission. A refusal (a bad partition) fails the jobs with the engine's
   * message and throws it.
   */
  async submit(open: OpenProject, rows: readonly JobRow[], env: Env): Promise<string | null> {
    const first = rows[0]!;
    const commit = await gitCommit(this.deps.runner, first.cwd, this.deps.env);
    for (const row of rows) {
      await writeRunJson(open.path, runInfoOf(row, { createdAtMs: this.deps.clock.now(), gitCommit: commit, python: env.version, envLockId: null }));
    }
    const activated = this.deps.envs.activation(env, this.deps.env);
    const full = jobEnvironment({ activated, pythonDir: this.deps.pythonDir, projectPath: open.path, row: first });
    const variables = Object.fromEntries(Object.entries(full).filter((entry): entry is [string, string] => engineVariable.test(entry[0]) && typeof entry[1] === 'string'));
    // Only Slurm has array jobs: a sweep there is one submission; elsewhere each trial is submitted on its own.
    const array = first.sweep_id !== null && first.backend === 'slurm';
    const submission: BackendSubmission = {
      jobId: first.id,
      runId: first.run_id,
      name: first.name,
      script: first.script,
      // An array's tasks each carry their whole argument list (the trials' `--name value` differ).
      args: array ? [] : (JSON.parse(first.args) as string[]),
      cwd: first.cwd,
      python: env.python,
      env: variables,
      resources: first.resources ? (JSON.parse(first.resources) as JobResourcesInput) : {},
      ...(array ? { array: arrayOf(rows) } : {}),
    };
    const backend = await this.deps.backends().forRow(first);
    await this.deps.engine.submit(open, rows, submission, backend);
    return new JobStore(open.db).require(first.id).external_id?.replace(/_\d+$/, '') ?? null;
  }
}

/** The array part of a submission: each trial's job, run, params and (for `pass_params: args`) arguments. */
function arrayOf(rows: readonly JobRow[]): NonNullable<BackendSubmission['array']> {
  return {
    count: rows.length,
    runIds: rows.map((row) => row.run_id),
    jobIds: rows.map((row) => row.id),
    taskEnv: rows.map((row, index) => ({ ORRERY_PARAMS: row.params ?? '{}', ORRERY_TRIAL: String(index), ...(row.sweep_id ? { ORRERY_SWEEP_ID: row.sweep_id } : {}) })),
    taskArgs: rows.map((row) => JSON.parse(row.args) as string[]),
  };
}
