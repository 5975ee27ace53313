import type { EventBus } from '../../core/event-bus';
import type { Logger } from '../../core/logger';
import type { OpenProject } from '../projects/project-service';
import { storeLogs } from './job-launch';
import { jobFolder } from './job-logs';
import { appendEvents, type SpoolEvent } from './job-spool';
import { jobFromRow, JobStore, type JobRow } from './job-store';
import type { RunIngest } from './job-runner';

/** What finishing a job's record needs. */
export interface FinishDeps {
  readonly bus: EventBus;
  readonly logger: Logger;
  readonly ingest: RunIngest | null;
  readonly nowS: () => number;
}

/**
 * The end of every job, whatever ran it: both logs stored as artifacts, the artifact and finish events appended to
 * the run's spool, the run ingested (before the end is announced, so whoever waits for the job finds its run
 * complete), the row marked finalized and `job.changed` published. `stillWanted` lets the caller drop the last
 * steps when the project closed meanwhile (the next open finishes them).
 */
export async function finishJob(deps: FinishDeps, open: OpenProject, row: JobRow, stillWanted: () => boolean): Promise<boolean> {
  const events: SpoolEvent[] = await storeLogs(open.artifacts, jobFolder(open.path, row.id), deps.nowS);
  const status = row.state === 'succeeded' ? 'finished' : row.state === 'cancelled' ? 'killed' : row.state === 'lost' ? 'lost' : 'failed';
  events.push({ t: 'finish', status, time: deps.nowS(), exit_code: row.exit_code });
  await appendEvents(open.path, row.run_id, row.id, events);
  try {
    await deps.ingest?.unwatch(row.run_id);
  } catch (error) {
    deps.logger.warn('unwatching the run of a job failed', { runId: row.run_id, error });
  }
  try {
    await deps.ingest?.ingestRun(row.run_id);
  } catch (error) {
    deps.logger.warn('ingesting the run of a job failed', { job: row.id, error });
  }
  if (!stillWanted()) return false;
  const store = new JobStore(open.db);
  store.markFinalized(row.id);
  deps.bus.publish('job.changed', row.id, { job: jobFromRow(store.require(row.id)) });
  return true;
}
