import { z } from 'zod';
import { call, event, noInput } from './define';

const path = z.string().min(1).max(4096);
/** Id of a job (`job_k3v9x2a1qz`). */
export const jobIdSchema = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only');
/** Id of a tracked run, as the spool names its folder. */
const runId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/, 'a run id is letters, digits, - and _');

export const jobStates = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'lost'] as const;
export const jobStreams = ['stdout', 'stderr'] as const;
/** Where a job runs: this machine's queue, a Docker sandbox, a Slurm cluster, a Ray cluster. */
export const jobBackends = ['local', 'sandbox', 'slurm', 'ray'] as const;

/** Resources asked of a cluster (each backend maps what it can). */
export const jobResourcesSchema = z
  .object({
    cpus: z.number().int().min(1).max(4096).optional(),
    memoryMb: z.number().int().min(1).max(64 * 1024 * 1024).optional(),
    /** GPU count on a cluster. */
    gpus: z.number().int().min(0).max(1024).optional(),
    timeLimitMinutes: z.number().int().min(1).max(525_600).optional(),
    /** Slurm partition (or Ray queue). */
    partition: z.string().min(1).max(200).regex(/^[A-Za-z0-9_.,-]+$/, 'a partition name is letters, digits, _ . , and -').optional(),
  })
  .strict();

/** One local training job: a Python script run in an env, recorded as (part of) a tracked run. */
export const jobSchema = z.object({
  id: jobIdSchema,
  runId: z.string(),
  name: z.string(),
  /** Absolute path of the script. */
  script: z.string(),
  args: z.array(z.string()),
  cwd: z.string(),
  envId: z.string().nullable(),
  /** GPU indices (nvidia-smi order) given to the job as CUDA_VISIBLE_DEVICES; null: not managed (all visible). */
  gpus: z.array(z.number().int()).nullable(),
  state: z.enum(jobStates),
  attempt: z.number().int(),
  /** The job this one retries or resumes. */
  retryOf: z.string().nullable(),
  /** The run this job resumes (its run id is the job's own); null for a fresh run. */
  resumeFrom: z.string().nullable(),
  /** The checkpoint blob given as ORRERY_RESUME. */
  resumePath: z.string().nullable(),
  envLockId: z.string().nullable(),
  pid: z.number().int().nullable(),
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  /** Why it failed or was lost, or a warning (the env could not be locked). */
  error: z.string().nullable(),
  createdAt: z.number(),
  startedAt: z.number().nullable(),
  endedAt: z.number().nullable(),
  /** Where it runs. */
  backend: z.enum(jobBackends),
  /** The cluster profile it was sent to (Slurm, Ray); null on this machine. */
  clusterId: z.string().nullable(),
  /** The engine's id for it: a Slurm job id (`123`, `123_4` for an array task), a container, a Ray submission. */
  externalId: z.string().nullable(),
  /** The engine's own state word (PENDING, RUNNING, TIMEOUT, OUT_OF_MEMORY, …). */
  engineState: z.string().nullable(),
  /** Why it is waiting, failed, was cancelled or lost, in the engine's terms made readable (time limit, memory). */
  reason: z.string().nullable(),
  resources: jobResourcesSchema.nullable(),
  /** The sweep it is a trial of. */
  sweepId: z.string().nullable(),
});

const submitInput = z
  .object({
    /** The script: absolute, or relative to `cwd`. */
    script: path,
    args: z.array(z.string().max(100_000)).max(1000).default([]),
    /** The env to run in; default: the project's default env. */
    envId: z.string().min(1).max(128).optional(),
    /** GPU indices to give the job (it waits until they are free); [] hides every GPU; absent: all visible. */
    gpus: z.array(z.number().int().min(0).max(1023)).max(64).optional(),
    name: z.string().min(1).max(200).optional(),
    /** The working folder; default: the project folder. */
    cwd: path.optional(),
    /** Continue this run (same run id) from its last checkpoint, given as ORRERY_RESUME. */
    resumeFromRun: runId.optional(),
    /** Where to run it; default: `slurm`/`ray` when `cluster` is given (its profile's kind), else `local`. */
    backend: z.enum(jobBackends).optional(),
    /** The cluster profile (id or name) for a Slurm or Ray job. */
    cluster: z.string().min(1).max(200).optional(),
    /** Resources for a cluster job; the profile's defaults fill what is not given. */
    resources: jobResourcesSchema.optional(),
  })
  .strict();

/** A slice of a job's log: `offset` counts every byte the stream ever wrote, rotated parts included. */
export const jobLogSliceSchema = z.object({
  text: z.string(),
  /** Where `text` starts (later than asked when the asked part was rotated away). */
  offset: z.number().int(),
  nextOffset: z.number().int(),
  /** Bytes the stream has written so far. */
  size: z.number().int(),
  /** The oldest offset still on disk. */
  firstOffset: z.number().int(),
});

const byId = z.object({ id: jobIdSchema }).strict();

/** A sweep: one spec fanned out into trials, each a tracked run with its params. */
export const sweepSchema = z.object({
  id: z.string(),
  name: z.string(),
  script: z.string(),
  backend: z.enum(jobBackends),
  clusterId: z.string().nullable(),
  /** The metric to compare trials by, and whether lower or higher is better. */
  metric: z.string().nullable(),
  goal: z.enum(['minimize', 'maximize']).nullable(),
  trialCount: z.number().int(),
  /** The Slurm array job id, when it ran as one. */
  externalId: z.string().nullable(),
  createdAt: z.number(),
  /** Trials per job state. */
  states: z.partialRecord(z.enum(jobStates), z.number().int()),
});

/** One trial of a sweep: its params, job and run, and the run's value of the sweep's metric (last logged). */
export const sweepTrialSchema = z.object({
  sweepId: z.string(),
  index: z.number().int(),
  jobId: z.string(),
  runId: z.string(),
  params: z.record(z.string(), z.unknown()),
  state: z.enum(jobStates),
  metric: z.number().nullable(),
});

const sweepInput = z
  .object({
    /** The spec's YAML text (see docs or `orrery sweep --help`); errors name its line and column. */
    spec: z.string().min(1).max(1_000_000),
    /** Where relative paths of the spec start (the folder the spec file is in); default: the project folder. */
    cwd: path.optional(),
    /** Overrides the spec's cluster. */
    cluster: z.string().min(1).max(200).optional(),
    /** Overrides the spec's backend. */
    backend: z.enum(jobBackends).optional(),
    envId: z.string().min(1).max(128).optional(),
  })
  .strict();

/** Calls on the local job queue. */
export const jobCalls = {
  'job.submit': call('Queue a Python script as a job (it starts when the concurrency limit and its GPUs allow)', submitInput, jobSchema),
  'job.list': call(
    "The open project's jobs, newest first",
    z.object({ states: z.array(z.enum(jobStates)).optional(), limit: z.number().int().min(1).max(10_000).optional() }).strict().optional(),
    z.array(jobSchema),
  ),
  'job.get': call('One job', byId, jobSchema),
  'job.cancel': call('Cancel a queued or running job (its process group gets SIGTERM, then SIGKILL after the grace period)', byId, jobSchema),
  'job.retry': call('Run a job again as a new job and a new run (attempt + 1)', byId, jobSchema),
  'job.resume': call("Run a job again in the same run from the run's last checkpoint (ORRERY_RESUME)", byId, jobSchema),
  'job.logs': call(
    "Read a job's stdout or stderr from an offset (at most `limit` bytes, default 256 KiB)",
    z
      .object({
        id: jobIdSchema,
        stream: z.enum(jobStreams),
        offset: z.number().int().min(0).optional(),
        limit: z.number().int().min(1).max(4 * 1024 * 1024).optional(),
      })
      .strict(),
    jobLogSliceSchema,
  ),
  'job.concurrency': call('How many jobs of the open project may run at once', noInput, z.object({ limit: z.number().int() })),
  'job.sweep': call(
    'Start a sweep from a YAML spec: a grid or random search over params, each trial a tracked run (a Slurm array on Slurm, N jobs on local)',
    sweepInput,
    z.object({ sweep: sweepSchema, jobs: z.array(jobSchema) }),
  ),
  'job.sweeps': call("The open project's sweeps, newest first", noInput, z.array(sweepSchema)),
  'job.sweepTrials': call(
    "A sweep's trials with their params, states and metric values (best first when the sweep names a metric)",
    z.object({ id: z.string().min(1).max(64) }).strict(),
    z.array(sweepTrialSchema),
  ),
  'job.setConcurrency': call(
    'Set how many jobs of the open project may run at once (queued jobs start at once if the limit rose)',
    z.object({ limit: z.number().int().min(1).max(64) }).strict(),
    z.object({ limit: z.number().int() }),
  ),
} as const;

/** Events about jobs, delivered per job id. */
export const jobEvents = {
  'job.changed': event('A job was queued, started, or ended', z.object({ job: jobSchema })),
  'job.log': event(
    'New output of a running job (batched; under heavy output a notice says how much was skipped, readable with job.logs)',
    z.object({
      jobId: jobIdSchema,
      stream: z.enum(jobStreams),
      text: z.string(),
      /** Offset of `text` in the stream (as in job.logs). */
      offset: z.number().int(),
      /** Bytes skipped before `text` to keep up. */
      skipped: z.number().int(),
    }),
  ),
} as const;

/** A job as services and clients hold it. */
export type Job = Readonly<z.output<typeof jobSchema>>;
/** The states of a job: queued → running → succeeded | failed | cancelled | lost. */
export type JobState = (typeof jobStates)[number];
/** A job's output stream. */
export type JobStream = (typeof jobStreams)[number];
/** Where a job runs. */
export type JobBackendName = (typeof jobBackends)[number];
/** Resources asked of a cluster. */
export type JobResourcesInput = z.output<typeof jobResourcesSchema>;
export type Sweep = Readonly<z.output<typeof sweepSchema>>;
export type SweepTrial = Readonly<z.output<typeof sweepTrialSchema>>;
