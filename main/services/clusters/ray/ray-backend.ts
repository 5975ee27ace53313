import path from 'node:path';
import { OrreryError, isOrreryError } from '../../../../app/contract/errors';
import type { Logger } from '../../../core/logger';
import type { BackendHandle, BackendLogSlice, BackendStatus, BackendSubmission, BackendSubmitted, ClusterProfile, JobBackend, JobResources } from '../../jobs/backend';
import { completeUtf8Length } from '../../jobs/job-logs';
import { shellQuote } from '../../ssh/ssh-connection';
import { RayJobsClient, type RaySubmitRequest } from './ray-client';
import { buildRayPackage, sdkFolderInPackage } from './ray-package';
import { applySpoolRecords, completeRecordsLength, driverFileName, spoolRecords, stripSpoolRecords } from './ray-spool';
import { aggregateStatus, mapRayStatus } from './ray-status';

/** What a Ray backend needs besides its profile and secret. */
export interface RayBackendDeps {
  /** Folder holding the Python SDK package `orrery/` (resources/python); shipped inside every working_dir. */
  readonly pythonDir: string;
  readonly logger: Logger;
  /** Per-request time limit of the Jobs API client (tests shorten it). */
  readonly requestTimeoutMs?: number;
}

/** Variables passed on to the cluster: Orrery's own and the unbuffered output the log follower relies on. */
const forwardedVariable = /^(ORRERY_[A-Z0-9_]+|PYTHONUNBUFFERED)$/;

/**
 * Runs jobs on a Ray cluster through its Jobs REST API: the job's folder (and the SDK) is uploaded as a
 * working_dir package, the script runs as the entrypoint, Ray's states are mapped onto Orrery's, logs are read
 * from the driver log, cancel is Ray's stop. A sweep becomes one Ray job per trial (Ray has no array jobs), all
 * found again through their metadata. Submission ids are derived from the job id, so a submit retried after a
 * lost connection finds the job it already made instead of starting a second one.
 *
 * Metrics: where the worker shares the project's file system, the SDK writes straight into the project; elsewhere
 * the driver (ray-spool.ts) ships the run's spool files back through the driver log and `syncRun` appends them to
 * the local run folder (Ray's Jobs API has no file transfer). Artifacts and checkpoints then stay on the worker.
 */
export class RayBackend implements JobBackend {
  readonly kind = 'ray' as const;
  private readonly client: RayJobsClient;

  constructor(
    private readonly profile: ClusterProfile,
    secret: string | null,
    private readonly deps: RayBackendDeps,
  ) {
    if (profile.kind !== 'ray' || !profile.address) {
      throw new OrreryError('invalid_input', `Cluster "${profile.name}" is not a Ray profile with an address; add one with \`orrery cluster add NAME --address http://HEAD:8265\`.`);
    }
    this.client = new RayJobsClient({ address: profile.address, token: secret, ...(deps.requestTimeoutMs ? { timeoutMs: deps.requestTimeoutMs } : {}) });
  }

  async submit(submission: BackendSubmission): Promise<BackendSubmitted> {
    const script = scriptInFolder(submission);
    const pkg = await buildRayPackage(submission.cwd, path.join(this.deps.pythonDir, 'orrery'));
    if (!(await this.client.packageExists(pkg.uri))) await this.client.uploadPackage(pkg.uri, pkg.zip);
    const base = `orrery-${submission.jobId}`;
    const resources = { ...this.profile.defaults, ...definedOnly(submission.resources) };
    const trials = trialsOf(submission, base);
    for (const trial of trials) {
      await this.submitOnce({
        entrypoint: entrypoint(submission.python, script, [...submission.args, ...trial.args], resources.timeLimitMinutes),
        submission_id: trial.id,
        runtime_env: { working_dir: pkg.uri, env_vars: trial.env },
        metadata: metadataOf(submission, trial, submission.array ? base : null, resources.timeLimitMinutes),
        ...rayResources(resources),
      });
    }
    this.deps.logger.info('submitted to Ray', { cluster: this.profile.name, job: base, trials: trials.length, files: pkg.files });
    const handle = (externalId: string): BackendHandle => ({ backend: 'ray', externalId, clusterId: this.profile.id });
    return { ...handle(base), ...(submission.array ? { tasks: trials.map((trial) => handle(trial.id)) } : {}) };
  }

  /** Every job in one GET /api/jobs/ (a sweep's trials and the sweep itself answered from the same list). */
  async statusMany(handles: readonly BackendHandle[]): Promise<ReadonlyMap<string, BackendStatus>> {
    const jobs = await this.client.jobs();
    const byId = new Map(jobs.map((job) => [job.submission_id ?? '', job]));
    const answers = new Map<string, BackendStatus>();
    for (const { externalId } of handles) {
      const details = byId.get(externalId);
      const trials = details ? [] : jobs.filter((job) => job.metadata?.orrery_array === externalId);
      answers.set(externalId, details ? mapRayStatus(details) : trials.length > 0 ? aggregateStatus(trials.map((trial) => mapRayStatus(trial))) : mapRayStatus(null));
    }
    return answers;
  }

  async status(handle: BackendHandle): Promise<BackendStatus> {
    const details = await this.client.job(handle.externalId);
    if (details) return mapRayStatus(details);
    const trials = await this.trialsOf(handle.externalId);
    return trials.length > 0 ? aggregateStatus(trials.map((trial) => mapRayStatus(trial))) : mapRayStatus(null);
  }

  /**
   * Ray keeps one driver log with stdout and stderr together: it is answered as stdout, and stderr stays empty.
   * The Jobs API answers the whole log each time; the slice from `offset` ends on a whole UTF-8 character and
   * before a spool record still being written; the records themselves are left out of the text (offsets count them).
   */
  async logs(handle: BackendHandle, stream: 'stdout' | 'stderr', offset: number): Promise<BackendLogSlice> {
    if (stream === 'stderr') return { text: '', nextOffset: offset };
    const bytes = Buffer.from(await this.driverLog(handle), 'utf8');
    const rest = bytes.subarray(Math.min(offset, bytes.length));
    const whole = completeRecordsLength(rest.subarray(0, completeUtf8Length(rest)));
    return { text: stripSpoolRecords(rest.subarray(0, whole).toString('utf8')), nextOffset: offset + whole };
  }

  /** Copies the run's spool records from the driver log into the local run folder (nothing when the project is shared). */
  async syncRun(handle: BackendHandle, runId: string, localRunFolder: string): Promise<void> {
    void runId;
    await applySpoolRecords(spoolRecords(await this.driverLog(handle)), localRunFolder);
  }

  /** Ray's stop (SIGTERM, then SIGKILL after its grace period); every trial of a sweep. A job already ended is left as it is. */
  async cancel(handle: BackendHandle): Promise<void> {
    const details = await this.client.job(handle.externalId);
    const ids = details ? [handle.externalId] : (await this.trialsOf(handle.externalId)).map((trial) => trial.submission_id ?? '');
    for (const id of ids.filter(Boolean)) await this.client.stop(id);
  }

  /** Nothing is held open between calls (each is one HTTP request). */
  async dispose(): Promise<void> {}

  /** The Jobs API version and Ray's, for `cluster.test`. */
  version(): Promise<{ version: string; rayVersion: string | null }> {
    return this.client.version();
  }

  /** The whole driver log; '' for a sweep's own handle or a job the cluster forgot (neither has one). */
  private async driverLog(handle: BackendHandle): Promise<string> {
    return this.client.logs(handle.externalId).catch((error: unknown) => {
      if (isOrreryError(error) && error.code === 'not_found') return '';
      throw error;
    });
  }

  private async submitOnce(request: RaySubmitRequest): Promise<void> {
    try {
      await this.client.submit(request);
    } catch (error) {
      // Ray refuses a submission id it already has: after a lost answer, the job we asked for exists.
      if (isOrreryError(error) && error.code === 'invalid_input') {
        const existing = await this.client.job(request.submission_id).catch(() => null);
        if (existing?.metadata?.orrery_run_id === request.metadata.orrery_run_id) return;
      }
      throw error;
    }
  }

  private async trialsOf(base: string) {
    return (await this.client.jobs()).filter((job) => job.metadata?.orrery_array === base);
  }
}

/** The script's path inside the uploaded folder; a script outside the job's folder would not be in the package. */
function scriptInFolder(submission: BackendSubmission): string {
  const relative = path.relative(submission.cwd, path.resolve(submission.cwd, submission.script));
  if (relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new OrreryError('invalid_input', `On Ray the job's folder is uploaded as its working_dir, and ${submission.script} is outside ${submission.cwd}; run it from a folder that contains it.`);
  }
  return relative.split(path.sep).join('/');
}

/**
 * The shell command Ray runs in the unpacked working_dir: the SDK on PYTHONPATH, the script under the driver (which
 * ships the run's spool back through the log when the project is not on a shared file system), and the time limit
 * (Ray has none of its own) as coreutils `timeout`, which exits 124 when it fires.
 */
export function entrypoint(python: string, script: string, args: readonly string[], timeLimitMinutes: number | undefined): string {
  const command = [python, `${sdkFolderInPackage}/${driverFileName}`, python, script, ...args].map(shellQuote).join(' ');
  const limited = timeLimitMinutes ? `timeout -s TERM -k 30 ${timeLimitMinutes * 60} ${command}` : command;
  return `PYTHONPATH="$PWD/${sdkFolderInPackage}\${PYTHONPATH:+:$PYTHONPATH}" ${limited}`;
}

/** One Ray job to submit: a single job, or one trial of a sweep with its own run, job, variables and arguments. */
interface RayTrial {
  readonly id: string;
  readonly jobId: string;
  readonly runId: string;
  readonly env: Record<string, string>;
  readonly args: readonly string[];
}

function trialsOf(submission: BackendSubmission, base: string): RayTrial[] {
  const array = submission.array;
  if (!array) return [{ id: base, jobId: submission.jobId, runId: submission.runId, env: forwardedEnv(submission.env, {}, submission.runId, submission.jobId, null), args: [] }];
  return array.runIds.map((runId, index) => {
    const jobId = array.jobIds?.[index] ?? submission.jobId;
    return { id: `${base}_${index}`, jobId, runId, env: forwardedEnv(submission.env, array.taskEnv?.[index] ?? {}, runId, jobId, index), args: array.taskArgs?.[index] ?? [] };
  });
}

/** Orrery's variables (not PATH or the env's activation, which mean nothing on the cluster), then the trial's own. */
function forwardedEnv(env: Readonly<Record<string, string>>, taskEnv: Readonly<Record<string, string>>, runId: string, jobId: string, trial: number | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (forwardedVariable.test(key)) out[key] = value;
  Object.assign(out, taskEnv);
  out.PYTHONUNBUFFERED = '1';
  out.ORRERY_RUN_ID = runId;
  out.ORRERY_JOB_ID = jobId;
  if (trial !== null) out.ORRERY_TRIAL = String(trial);
  return out;
}

function metadataOf(submission: BackendSubmission, trial: RayTrial, arrayBase: string | null, timeLimitMinutes: number | undefined): Record<string, string> {
  return {
    orrery_job_id: trial.jobId,
    orrery_run_id: trial.runId,
    orrery_name: submission.name,
    ...(arrayBase ? { orrery_array: arrayBase } : {}),
    ...(timeLimitMinutes ? { orrery_time_limit_s: String(timeLimitMinutes * 60) } : {}),
  };
}

/** CPUs, GPUs and memory reserved for the entrypoint; a partition becomes a custom resource the nodes must offer. */
function rayResources(resources: JobResources): Partial<RaySubmitRequest> {
  const gpus = typeof resources.gpus === 'number' ? resources.gpus : resources.gpus?.length;
  return {
    ...(resources.cpus ? { entrypoint_num_cpus: resources.cpus } : {}),
    ...(gpus ? { entrypoint_num_gpus: gpus } : {}),
    ...(resources.memoryMb ? { entrypoint_memory: resources.memoryMb * 1024 * 1024 } : {}),
    ...(resources.partition ? { entrypoint_resources: { [resources.partition]: 1 } } : {}),
  };
}

function definedOnly(resources: JobResources): JobResources {
  return Object.fromEntries(Object.entries(resources).filter(([, value]) => value !== undefined)) as JobResources;
}
