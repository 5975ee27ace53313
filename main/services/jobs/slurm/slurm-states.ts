import type { JobState } from '../../../../app/contract/jobs';
import type { BackendStatus } from '../backend';

/** One line of `squeue -h -r -t all -o '%i|%T|%r|%S|%e'`: a job (or array task) as the controller sees it. */
export interface SqueueEntry {
  /** `123`, or `123_4` for an array task. */
  readonly id: string;
  /** The long state word (PENDING, RUNNING, COMPLETED, TIMEOUT, …). */
  readonly state: string;
  /** The reason column (`None`, `Resources`, `Priority`, `NonZeroExitCode`, `JobLaunchFailure`, …). */
  readonly reason: string;
  /** Start and end in ms since the epoch, when Slurm knows them. */
  readonly startMs: number | null;
  readonly endMs: number | null;
}

/** The format string the backend asks squeue for; `parseSqueue` reads it back. */
export const squeueFormat = '%i|%T|%r|%S|%e';

/** Parses squeue's parsable lines; lines that are not its output (a warning) are skipped. */
export function parseSqueue(text: string): SqueueEntry[] {
  const entries: SqueueEntry[] = [];
  for (const line of text.split('\n')) {
    const parts = line.trim().split('|');
    if (parts.length < 5 || !/^\d+(_\d+)?$/.test(parts[0]!)) continue;
    entries.push({ id: parts[0]!, state: parts[1]!, reason: parts[2]!, startMs: slurmTime(parts[3]!), endMs: slurmTime(parts[4]!) });
  }
  return entries;
}

/** Slurm prints local time without a zone (`2026-11-22T01:43:01`); `N/A`, `Unknown` and `None` mean not known. */
export function slurmTime(text: string): number | null {
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/.test(text)) return null;
  const ms = new Date(text).getTime();
  return Number.isFinite(ms) ? ms : null;
}

/** Readable reasons for the end states whose word alone does not say why. */
const endReasons: Readonly<Record<string, string>> = {
  TIMEOUT: 'time limit',
  OUT_OF_MEMORY: 'memory limit',
  NODE_FAIL: 'node failure',
  BOOT_FAIL: 'node boot failure',
  PREEMPTED: 'preempted',
  DEADLINE: 'deadline reached',
};

/** Slurm's state words (squeue's long form) onto Orrery's states. */
export function mapSlurmState(state: string): JobState {
  const word = state.replace(/\+$/, '').split(/\s+/)[0]!;
  switch (word) {
    case 'PENDING':
    case 'CONFIGURING':
    case 'REQUEUED':
    case 'REQUEUE_FED':
    case 'REQUEUE_HOLD':
    case 'RESV_DEL_HOLD':
      return 'queued';
    case 'RUNNING':
    case 'COMPLETING':
    case 'STAGE_OUT':
    case 'SIGNALING':
    case 'SUSPENDED':
    case 'STOPPED':
    case 'RESIZING':
      return 'running';
    case 'COMPLETED':
      return 'succeeded';
    case 'CANCELLED':
      return 'cancelled';
    case 'NODE_FAIL':
    case 'PREEMPTED':
    case 'BOOT_FAIL':
      return 'lost';
    default:
      // FAILED, TIMEOUT, OUT_OF_MEMORY, DEADLINE, REVOKED, SPECIAL_EXIT, and any word a newer Slurm adds.
      return 'failed';
  }
}

/** How the batch script's exit file reads: `CODE END_SECONDS`. */
export interface ExitRecord {
  readonly code: number;
  readonly endMs: number | null;
}

/** Parses the exit file the batch script's trap writes; null when it is absent or torn. */
export function parseExitRecord(text: string): ExitRecord | null {
  const match = /^(\d+)(?:\s+(\d+))?\s*$/.exec(text.trim());
  if (!match) return null;
  return { code: Number(match[1]), endMs: match[2] ? Number(match[2]) * 1000 : null };
}

/** What the slurmstepd messages in the job's Slurm output say about a kill (the only trace without accounting). */
export function killReason(slurmOutput: string): { engineState: string; reason: string } | null {
  if (/Exceeded (job|step) memory limit|oom-kill|out-of-memory/i.test(slurmOutput)) return { engineState: 'OUT_OF_MEMORY', reason: 'memory limit' };
  if (/DUE TO TIME LIMIT/.test(slurmOutput)) return { engineState: 'TIMEOUT', reason: 'time limit' };
  if (/DUE TO PREEMPTION/.test(slurmOutput)) return { engineState: 'PREEMPTED', reason: 'preempted' };
  if (/DUE TO NODE FAILURE/.test(slurmOutput)) return { engineState: 'NODE_FAIL', reason: 'node failure' };
  if (/\*\*\* JOB \S+ ON \S+ CANCELLED AT \S+ \*\*\*/.test(slurmOutput)) return { engineState: 'CANCELLED', reason: 'cancelled (scancel)' };
  return null;
}

/** The facts the backend gathered about one job; `statusOf` turns them into a BackendStatus. */
export interface SlurmFacts {
  /** squeue's line, or null when the controller no longer lists the job. */
  readonly entry: SqueueEntry | null;
  /** The batch script's exit file, or null when it wrote none (still running, or killed hard). */
  readonly exit: ExitRecord | null;
  /** The Slurm output file's text (slurmstepd's messages), '' when none. */
  readonly slurmOutput: string;
  /** True once the batch script began (it writes a start file first). */
  readonly started: boolean;
  readonly startedMs: number | null;
}

/**
 * The job's status from squeue, the exit file and slurmstepd's messages. squeue wins while it lists the job; once
 * the controller forgot it (MinJobAge passed, or it restarted), the exit file says how it ended; neither: lost.
 */
export function statusOf(facts: SlurmFacts): BackendStatus {
  const { entry, exit } = facts;
  const kill = killReason(facts.slurmOutput);
  const mapped = entry ? mapSlurmState(entry.state) : null;
  // The batch script wrote its exit file: it has ended, even while Slurm still says RUNNING or COMPLETING (epilog).
  if (exit && mapped === 'running') return fromExitFile(facts, exit, kill);
  if (entry && mapped) {
    const engineState = kill && mapped === 'failed' ? kill.engineState : entry.state;
    const startedAt = entry.startMs ?? facts.startedMs;
    if (mapped === 'queued' || mapped === 'running') {
      const waiting = mapped === 'queued' && entry.reason !== 'None' ? entry.reason : undefined;
      return { state: mapped, engineState, ...(waiting ? { reason: waiting } : {}), startedAt: mapped === 'running' ? startedAt : null };
    }
    const reason = kill?.reason ?? endReasons[entry.state] ?? endReasonOf(mapped, entry.reason, exit);
    return { state: mapped === 'succeeded' && exit && exit.code !== 0 ? 'failed' : mapped, engineState, ...(reason ? { reason } : {}), exitCode: exit?.code ?? null, startedAt, endedAt: entry.endMs ?? exit?.endMs ?? null };
  }
  if (exit) return fromExitFile(facts, exit, kill);
  if (kill) return { state: kill.engineState === 'CANCELLED' ? 'cancelled' : 'failed', engineState: kill.engineState, reason: kill.reason, exitCode: null, startedAt: facts.startedMs, endedAt: null };
  return {
    state: 'lost',
    engineState: 'UNKNOWN',
    reason: facts.started
      ? 'Slurm no longer lists the job and its batch script left no exit status (killed hard, or the node went away).'
      : 'Slurm no longer lists the job and it never started (cancelled or purged before it ran).',
    exitCode: null,
    startedAt: facts.startedMs,
    endedAt: null,
  };
}

/** The end the batch script's exit file and slurmstepd's messages tell. */
function fromExitFile(facts: SlurmFacts, exit: ExitRecord, kill: { engineState: string; reason: string } | null): BackendStatus {
  const startedAt = facts.entry?.startMs ?? facts.startedMs;
  if (kill) return { state: kill.engineState === 'CANCELLED' ? 'cancelled' : 'failed', engineState: kill.engineState, reason: kill.reason, exitCode: exit.code, startedAt, endedAt: exit.endMs };
  const state: JobState = exit.code === 0 ? 'succeeded' : 'failed';
  return { state, engineState: exit.code === 0 ? 'COMPLETED' : 'FAILED', ...(exit.code === 0 ? {} : { reason: `exited with code ${exit.code}` }), exitCode: exit.code, startedAt, endedAt: exit.endMs };
}

function endReasonOf(state: JobState, reason: string, exit: ExitRecord | null): string | undefined {
  if (state === 'cancelled') return 'cancelled (scancel)';
  if (state === 'failed') {
    if (exit) return `exited with code ${exit.code}`;
    return reason && reason !== 'None' ? reason : undefined;
  }
  return undefined;
}
