import { OrreryError } from '../../../app/contract';
import type { Job, JobBackendName, JobResourcesInput, JobState } from '../../../app/contract/jobs';
import type { Db } from '../store/open-database';

/** A row of the `jobs` table (schema 3, where it runs since schema 9). */
export interface JobRow {
  id: string;
  run_id: string;
  name: string;
  script: string;
  args: string;
  cwd: string;
  env_id: string | null;
  gpus: string | null;
  state: JobState;
  attempt: number;
  retry_of: string | null;
  resume_from: string | null;
  resume_path: string | null;
  env_lock_id: string | null;
  pid: number | null;
  pid_start: number | null;
  exit_code: number | null;
  signal: string | null;
  error: string | null;
  cancel_requested_at: number | null;
  finalized: number;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  backend: JobBackendName;
  cluster_id: string | null;
  external_id: string | null;
  /** JSON of JobResourcesInput. */
  resources: string | null;
  engine_state: string | null;
  reason: string | null;
  /** The folder on the engine's side holding the job's files (logs, exit file). */
  work_dir: string | null;
  sweep_id: string | null;
  /** A sweep trial's params (JSON), given to the job as ORRERY_PARAMS. */
  params: string | null;
}

/** What a new job records. */
export type NewJobRow = Pick<JobRow, 'id' | 'run_id' | 'name' | 'script' | 'args' | 'cwd' | 'env_id' | 'gpus' | 'attempt' | 'retry_of' | 'resume_from' | 'resume_path' | 'created_at'> &
  Partial<Pick<JobRow, 'backend' | 'cluster_id' | 'resources' | 'sweep_id' | 'params'>>;

/** What an engine said about a job, as recorded. */
export interface EngineUpdate {
  readonly engineState: string | null;
  readonly reason: string | null;
}

const terminalStates: readonly JobState[] = ['succeeded', 'failed', 'cancelled', 'lost'];

/** True for a state a job never leaves. */
export function isTerminal(state: JobState): boolean {
  return terminalStates.includes(state);
}

/** The contract's form of a row. */
export function jobFromRow(row: JobRow): Job {
  return {
    id: row.id,
    runId: row.run_id,
    name: row.name,
    script: row.script,
    args: JSON.parse(row.args) as string[],
    cwd: row.cwd,
    envId: row.env_id,
    gpus: row.gpus === null ? null : (JSON.parse(row.gpus) as number[]),
    state: row.state,
    attempt: row.attempt,
    retryOf: row.retry_of,
    resumeFrom: row.resume_from,
    resumePath: row.resume_path,
    envLockId: row.env_lock_id,
    pid: row.pid,
    exitCode: row.exit_code,
    signal: row.signal,
    error: row.error,
    createdAt: row.created_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    backend: row.backend,
    clusterId: row.cluster_id,
    externalId: row.external_id,
    engineState: row.engine_state,
    reason: row.reason,
    resources: row.resources === null ? null : (JSON.parse(row.resources) as JobResourcesInput),
    sweepId: row.sweep_id,
  };
}

/** Reads and writes the `jobs` table; every state change is a guarded UPDATE so two Orrery processes never both claim a job. */
export class JobStore {
  constructor(private readonly db: Db) {}

  insert(row: NewJobRow): JobRow {
    this.db
      .prepare(
        `INSERT INTO jobs (id, run_id, name, script, args, cwd, env_id, gpus, state, attempt, retry_of, resume_from, resume_path, created_at, backend, cluster_id, resources, sweep_id, params)
         VALUES (@id, @run_id, @name, @script, @args, @cwd, @env_id, @gpus, 'queued', @attempt, @retry_of, @resume_from, @resume_path, @created_at, @backend, @cluster_id, @resources, @sweep_id, @params)`,
      )
      .run({ backend: 'local', cluster_id: null, resources: null, sweep_id: null, params: null, ...row });
    return this.require(row.id);
  }

  get(id: string): JobRow | undefined {
    return this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
  }

  /** The row; `not_found` says how to list jobs. */
  require(id: string): JobRow {
    const row = this.get(id);
    if (!row) throw new OrreryError('not_found', `No job ${id} in this project; list them with \`orrery jobs list\`.`);
    return row;
  }

  /** Newest first, optionally of some states. */
  list(states?: readonly JobState[], limit = 1000): JobRow[] {
    if (states && states.length > 0) {
      const marks = states.map(() => '?').join(', ');
      return this.db.prepare(`SELECT * FROM jobs WHERE state IN (${marks}) ORDER BY created_at DESC, rowid DESC LIMIT ?`).all(...states, limit) as JobRow[];
    }
    return this.db.prepare('SELECT * FROM jobs ORDER BY created_at DESC, rowid DESC LIMIT ?').all(limit) as JobRow[];
  }

  /** Queued jobs of the local queue in submission order. */
  queued(): JobRow[] {
    return this.db.prepare("SELECT * FROM jobs WHERE state = 'queued' AND backend = 'local' ORDER BY created_at, rowid").all() as JobRow[];
  }

  /** Running jobs of the local queue (they hold its slots). */
  running(): JobRow[] {
    return this.db.prepare("SELECT * FROM jobs WHERE state = 'running' AND backend = 'local' ORDER BY created_at, rowid").all() as JobRow[];
  }

  /** Local jobs that ended but whose logs and finish event were not written yet (Orrery stopped in between). */
  unfinalized(): JobRow[] {
    return this.db
      .prepare("SELECT * FROM jobs WHERE finalized = 0 AND backend = 'local' AND state IN ('succeeded', 'failed', 'cancelled', 'lost') AND started_at IS NOT NULL")
      .all() as JobRow[];
  }

  /** Jobs on an engine (not the local queue) that Orrery still follows: not ended, or ended but not finalized. */
  engineJobs(): JobRow[] {
    return this.db.prepare("SELECT * FROM jobs WHERE backend != 'local' AND finalized = 0 ORDER BY created_at, rowid").all() as JobRow[];
  }

  /** Records where an engine job went (its id there and its folder) once submitted. */
  setExternal(id: string, externalId: string, workDir: string | null): void {
    this.db.prepare('UPDATE jobs SET external_id = ?, work_dir = ? WHERE id = ?').run(externalId, workDir, id);
  }

  /** An engine job's state as the engine reports it; answers whether anything changed. */
  setEngine(id: string, update: EngineUpdate): boolean {
    return (
      this.db
        .prepare('UPDATE jobs SET engine_state = ?, reason = ? WHERE id = ? AND (engine_state IS NOT ? OR reason IS NOT ?)')
        .run(update.engineState, update.reason, id, update.engineState, update.reason).changes === 1
    );
  }

  /** queued → running for an engine job the engine started (at `startedAt`, the engine's clock when it says). */
  markStarted(id: string, startedAt: number): boolean {
    return this.db.prepare("UPDATE jobs SET state = 'running', started_at = ? WHERE id = ? AND state = 'queued'").run(startedAt, id).changes === 1;
  }

  /** queued|running → an end state for an engine job; false when it had ended already. */
  endEngine(id: string, end: { state: JobState; exitCode: number | null; error: string | null; reason: string | null; engineState: string | null; now: number }): boolean {
    return (
      this.db
        .prepare(
          `UPDATE jobs SET state = ?, exit_code = ?, error = COALESCE(?, error), reason = COALESCE(?, reason), engine_state = COALESCE(?, engine_state),
             ended_at = ?, started_at = COALESCE(started_at, ?) WHERE id = ? AND state IN ('queued', 'running')`,
        )
        .run(end.state, end.exitCode, end.error, end.reason, end.engineState, end.now, end.now, id).changes === 1
    );
  }

  /** queued → running; false when another process (or a cancel) got there first. */
  claim(id: string, now: number): boolean {
    return this.db.prepare("UPDATE jobs SET state = 'running', started_at = ? WHERE id = ? AND state = 'queued'").run(now, id).changes === 1;
  }

  /** running → queued for a job whose process was never started. */
  requeue(id: string): void {
    this.db.prepare("UPDATE jobs SET state = 'queued', started_at = NULL WHERE id = ? AND state = 'running' AND pid IS NULL").run(id);
  }

  /** Records the started process (and the env lock taken for it). */
  setProcess(id: string, pid: number, pidStart: number | null, envLockId: string | null, warning: string | null): void {
    this.db.prepare('UPDATE jobs SET pid = ?, pid_start = ?, env_lock_id = ?, error = ? WHERE id = ?').run(pid, pidStart, envLockId, warning, id);
  }

  /** Marks a cancel wanted (seen by whichever process owns the job); answers the row as it is now. */
  requestCancel(id: string, now: number): JobRow {
    this.db.prepare('UPDATE jobs SET cancel_requested_at = COALESCE(cancel_requested_at, ?) WHERE id = ?').run(now, id);
    return this.require(id);
  }

  /** queued → cancelled (never started); false when it started meanwhile. */
  cancelQueued(id: string, now: number): boolean {
    return this.db.prepare("UPDATE jobs SET state = 'cancelled', ended_at = ?, finalized = 1 WHERE id = ? AND state = 'queued'").run(now, id).changes === 1;
  }

  /** running → an end state; false when another process ended it first (then only that one finalizes). */
  end(id: string, end: { state: JobState; exitCode: number | null; signal: string | null; error: string | null; now: number }): boolean {
    return (
      this.db
        .prepare("UPDATE jobs SET state = ?, exit_code = ?, signal = ?, error = COALESCE(?, error), ended_at = ? WHERE id = ? AND state = 'running'")
        .run(end.state, end.exitCode, end.signal, end.error, end.now, id).changes === 1
    );
  }

  /** A job that failed before its process could start (the env vanished, spawn failed). */
  failStart(id: string, error: string, now: number): void {
    this.db.prepare("UPDATE jobs SET state = 'failed', error = ?, ended_at = ?, finalized = 1 WHERE id = ? AND state = 'running'").run(error, now, id);
  }

  markFinalized(id: string): void {
    this.db.prepare('UPDATE jobs SET finalized = 1 WHERE id = ?').run(id);
  }

  /** The project's concurrency limit (project setting `jobs.concurrency`, default 1). */
  concurrency(): number {
    const row = this.db.prepare("SELECT value FROM project_settings WHERE key = 'jobs.concurrency'").get() as { value: string } | undefined;
    const value = row ? Number(row.value) : 1;
    return Number.isInteger(value) && value >= 1 ? value : 1;
  }

  setConcurrency(limit: number): void {
    this.db
      .prepare("INSERT INTO project_settings (key, value) VALUES ('jobs.concurrency', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
      .run(String(limit));
  }
}
