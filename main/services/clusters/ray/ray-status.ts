import type { BackendStatus } from '../../jobs/backend';
import type { RayJobDetails } from './ray-client';

/** Exit code of coreutils `timeout` when it stopped the command (the time limit Orrery wraps Ray entrypoints in). */
export const timeoutExitCode = 124;

/**
 * Ray's job states onto Orrery's: PENDING → queued, RUNNING → running, SUCCEEDED → succeeded, FAILED → failed
 * (Ray's message as the reason, "time limit" when our `timeout` wrapper ended it), STOPPED → cancelled; a job the
 * cluster no longer knows (null: deleted, or the cluster restarted and lost it) → lost.
 */
export function mapRayStatus(details: RayJobDetails | null): BackendStatus {
  if (!details) return { state: 'lost', engineState: 'UNKNOWN', reason: 'the Ray cluster no longer knows this job (it was deleted, or the cluster restarted)' };
  const times = { startedAt: details.start_time ?? null, endedAt: details.end_time ?? null };
  const exitCode = details.driver_exit_code ?? null;
  const message = details.message?.trim() || undefined;
  switch (details.status) {
    case 'PENDING':
      return { state: 'queued', engineState: 'PENDING', ...(message ? { reason: message } : {}), ...times, startedAt: null, endedAt: null };
    case 'RUNNING':
      return { state: 'running', engineState: 'RUNNING', ...times, endedAt: null };
    case 'SUCCEEDED':
      return { state: 'succeeded', engineState: 'SUCCEEDED', exitCode: exitCode ?? 0, ...times };
    case 'STOPPED':
      return { state: 'cancelled', engineState: 'STOPPED', reason: message ?? 'stopped', exitCode, ...times };
    case 'FAILED': {
      const timedOut = exitCode === timeoutExitCode && details.metadata?.orrery_time_limit_s !== undefined;
      return { state: 'failed', engineState: timedOut ? 'TIMEOUT' : 'FAILED', reason: timedOut ? 'time limit' : (message ?? 'failed'), exitCode, ...times };
    }
    default:
      return { state: 'lost', engineState: String(details.status), reason: `Ray reports an unknown state ${String(details.status)}` };
  }
}

/** One state for a sweep fanned out as several Ray jobs: running while any runs, failed if any failed, else the common end. */
export function aggregateStatus(trials: readonly BackendStatus[]): BackendStatus {
  if (trials.length === 0) return mapRayStatus(null);
  const has = (state: BackendStatus['state']) => trials.some((trial) => trial.state === state);
  const endedAt = trials.every((trial) => trial.endedAt) ? Math.max(...trials.map((trial) => trial.endedAt ?? 0)) : null;
  const startedList = trials.map((trial) => trial.startedAt).filter((time): time is number => typeof time === 'number');
  const startedAt = startedList.length > 0 ? Math.min(...startedList) : null;
  const count = (state: BackendStatus['state']) => trials.filter((trial) => trial.state === state).length;
  const summary = `${count('succeeded')}/${trials.length} succeeded, ${count('failed')} failed, ${count('running')} running, ${count('queued')} pending`;
  const state: BackendStatus['state'] = has('running')
    ? 'running'
    : has('queued')
      ? startedAt === null
        ? 'queued'
        : 'running'
      : has('failed')
        ? 'failed'
        : has('lost')
          ? 'lost'
          : has('cancelled')
            ? 'cancelled'
            : 'succeeded';
  return { state, engineState: summary, ...(state === 'failed' || state === 'lost' || state === 'cancelled' ? { reason: summary } : {}), startedAt, endedAt: state === 'running' || state === 'queued' ? null : endedAt };
}
