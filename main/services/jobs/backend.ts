import type { JobState } from '../../../app/contract/jobs';

/**
 * Where a job runs: the local queue, a Docker sandbox, a Slurm cluster (local or over SSH), a Ray cluster.
 * Every backend is a peer behind this interface; the job service keeps the store, runs, logs-as-artifacts,
 * metrics and lineage the same for all of them.
 */
export type JobBackendKind = 'local' | 'sandbox' | 'slurm' | 'ray';

/** Resources asked for a job; each backend maps what it can (and says what it ignored). */
export interface JobResources {
  readonly cpus?: number;
  readonly memoryMb?: number;
  /** GPU count (cluster) or indices (local, as CUDA_VISIBLE_DEVICES). */
  readonly gpus?: number | readonly number[];
  readonly timeLimitMinutes?: number;
  /** Slurm partition or Ray entrypoint resources queue. */
  readonly partition?: string;
}

/** What a backend is handed to start one job (or one array of trials). */
export interface BackendSubmission {
  readonly jobId: string;
  readonly runId: string;
  readonly name: string;
  /** The script and its arguments, as the user gave them (paths local to the workstation). */
  readonly script: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** The interpreter to run the script with (the env's python, or `python3` on a remote). */
  readonly python: string;
  /** ORRERY_* variables and the env's activation (PATH, VIRTUAL_ENV / CONDA_PREFIX). */
  readonly env: Readonly<Record<string, string>>;
  readonly resources: JobResources;
  /** A sweep fanned out as one array job: trial i gets ORRERY_TRIAL=i and its own run id. */
  readonly array?: {
    readonly count: number;
    readonly runIds: readonly string[];
    /** The Orrery job of each trial (ORRERY_JOB_ID); `jobId` above names the first. */
    readonly jobIds?: readonly string[];
    /** Variables of each trial on top of `env` (ORRERY_PARAMS, ORRERY_TRIAL). */
    readonly taskEnv?: readonly Readonly<Record<string, string>>[];
    /** Arguments of each trial after `args` (params passed as `--name value`). */
    readonly taskArgs?: readonly (readonly string[])[];
  };
}

/** How a backend finds its job again (stored with the job; survives an Orrery restart). */
export interface BackendHandle {
  readonly backend: JobBackendKind;
  /** The engine's id: a pid, a container id, a Slurm job id (`123` or `123_4`), a Ray submission id. */
  readonly externalId: string;
  /** The cluster profile it was sent to, when not local. */
  readonly clusterId?: string;
  /** The folder on the engine's side holding this job's files (logs, exit file), when the engine has one. */
  readonly workDir?: string;
}

/** What `submit` answers: the job's handle, and for an array one handle per task (in trial order). */
export interface BackendSubmitted extends BackendHandle {
  readonly tasks?: readonly BackendHandle[];
}

/** A job's state as the engine reports it, mapped onto Orrery's states. */
export interface BackendStatus {
  readonly state: JobState;
  /** The engine's own state word (RUNNING, TIMEOUT, OUT_OF_MEMORY, PENDING (Resources), …). */
  readonly engineState?: string;
  /** Why it failed, was cancelled or lost (time limit, memory, node failure, the engine's message). */
  readonly reason?: string;
  readonly exitCode?: number | null;
  readonly startedAt?: number | null;
  readonly endedAt?: number | null;
}

/** A slice of a job's output stream; `nextOffset` is where the next read starts. */
export interface BackendLogSlice {
  readonly text: string;
  readonly nextOffset: number;
}

/** One place jobs can run. */
export interface JobBackend {
  readonly kind: JobBackendKind;
  submit(submission: BackendSubmission): Promise<BackendSubmitted>;
  status(handle: BackendHandle): Promise<BackendStatus>;
  /** The states of many jobs in one question to the engine (one squeue for a 100-trial array), by externalId. */
  statusMany?(handles: readonly BackendHandle[]): Promise<ReadonlyMap<string, BackendStatus>>;
  /**
   * Copies what the job's run wrote on the engine's side since the last call (append-only spool files) into the
   * local run folder; backends sharing the project's folder leave this out. Called while it runs and once at the end.
   */
  syncRun?(handle: BackendHandle, runId: string, localRunFolder: string): Promise<void>;
  /** Calls `listener` as soon as the engine can tell the job ended (sooner than the next poll); answers a stop. */
  onEnded?(handle: BackendHandle, listener: () => void): () => void;
  /** Reads the stream from `offset`; following is polling this until the job has ended and the slice is empty. */
  logs(handle: BackendHandle, stream: 'stdout' | 'stderr', offset: number): Promise<BackendLogSlice>;
  cancel(handle: BackendHandle): Promise<void>;
  dispose(): Promise<void>;
}

/** A stored cluster profile, as the job service needs it to build a backend (secrets are fetched separately). */
export interface ClusterProfile {
  readonly id: string;
  readonly name: string;
  readonly kind: 'slurm' | 'ray';
  /** Slurm: commands run on this machine (`local`) or on a login node over SSH (`ssh`). */
  readonly transport?: 'local' | 'ssh';
  readonly host?: string;
  readonly port?: number;
  readonly user?: string;
  /** Private key file for SSH (its passphrase, if any, is a secret). */
  readonly keyPath?: string;
  /** known_hosts file checked for the host key; default: ~/.ssh/known_hosts. */
  readonly knownHostsPath?: string;
  /** Ray: the dashboard / Jobs API address, e.g. http://127.0.0.1:8265. */
  readonly address?: string;
  readonly partition?: string;
  /** Where code and runs go on the cluster (shared or copied); default: ~/.orrery/remote on the login node. */
  readonly remoteDir?: string;
  /** Resources used when a job names none. */
  readonly defaults: JobResources;
}

/** What the job service asks the cluster service for. */
export interface ClusterDirectory {
  /** The profile by id or name; throws not_found (an OrreryError) when there is none. */
  profile(idOrName: string): ClusterProfile;
  /** The profile's decrypted secret (SSH key passphrase, Ray token), or null. */
  secret(id: string): Promise<string | null>;
}

/** What the sandbox service gives the job service: a backend that runs jobs in hardened containers. */
export interface SandboxJobBackends {
  jobBackend(): JobBackend;
}
