import { useEffect, useState, type KeyboardEvent } from 'react';
import { useAppStore, useAppStoreApi } from '../../store/context';
import type { Job, JobsPanel } from '../../store/jobs-slice';
import { formatTime } from '../../ui/format';
import { ClustersPanel } from './clusters-panel';
import { describeEnd, engineIdLabel, formatDuration, isEnded, jobDuration, resourcesLabel, scriptName, whereLabel } from './job-format';
import { JobLog } from './job-log';
import { NewJobDialog } from './new-job-dialog';
import { SweepsPanel } from './sweeps-panel';
import './jobs.css';
import { useNow } from '../../ui/use-now';

function StateBadge({ job }: { job: Job }) {
  return (
    <span className={`job-state is-${job.state}`} data-testid="job-state">
      {job.state}
    </span>
  );
}

function JobList({ jobs, selectedId, now }: { jobs: readonly Job[]; selectedId: string | null; now: number }) {
  const store = useAppStoreApi();
  const concurrency = useAppStore((s) => s.jobConcurrency);
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    event.preventDefault();
    const index = jobs.findIndex((j) => j.id === selectedId);
    const next = jobs[Math.max(0, Math.min(jobs.length - 1, index + (event.key === 'ArrowDown' ? 1 : -1)))];
    if (next) {
      store.getState().selectJob(next.id);
      document.getElementById(`job-row-${next.id}`)?.focus();
    }
  };
  const clusters = useAppStore((s) => s.clusters);
  const running = jobs.filter((j) => j.state === 'running').length;
  const queued = jobs.filter((j) => j.state === 'queued').length;
  return (
    <section className="card job-list" aria-label="Jobs">
      <div className="job-list-head">
        <h3>Jobs</h3>
        <button type="button" className="button is-primary" onClick={() => store.getState().setNewJobOpen(true)}>
          New job…
        </button>
      </div>
      <p className="muted job-queue-line">
        {running} running, {queued} queued ·{' '}
        <label>
          at most{' '}
          <select
            className="inline-select"
            aria-label="Jobs that may run at once"
            value={concurrency ?? 1}
            onChange={(e) => void store.getState().setJobConcurrency(Number(e.target.value))}
          >
            {[1, 2, 3, 4, 6, 8].map((n) => (
              <option key={n}>{n}</option>
            ))}
          </select>{' '}
          at once on this machine
        </label>
      </p>
      {jobs.length === 0 ? (
        <p className="muted">No jobs yet. Start one with New job… or from a terminal with `orrery run train.py`.</p>
      ) : (
        <ul className="job-rows" role="listbox" aria-label="Jobs, newest first" onKeyDown={onKeyDown}>
          {jobs.map((job) => {
            const duration = jobDuration(job, now);
            return (
              <li
                key={job.id}
                id={`job-row-${job.id}`}
                role="option"
                aria-selected={job.id === selectedId}
                tabIndex={job.id === selectedId || (!selectedId && job === jobs[0]) ? 0 : -1}
                className={`job-row${job.id === selectedId ? ' is-selected' : ''}`}
                onClick={() => store.getState().selectJob(job.id)}
                data-testid="job-row"
              >
                <StateBadge job={job} />
                <span className="job-row-name">{job.name}</span>
                <span className="job-row-meta muted">
                  {scriptName(job.script)}
                  {job.attempt > 1 ? ` · attempt ${job.attempt}` : ''} · {duration === null ? `queued ${formatTime(job.createdAt)}` : formatDuration(duration)}
                </span>
                <span className="job-row-where muted" data-testid="job-where">
                  {whereLabel(job, clusters)}
                  {job.externalId && job.backend !== 'local' ? ` · ${job.externalId}` : ''}
                  {job.engineState && job.backend !== 'local' ? ` · ${job.engineState}` : ''}
                </span>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

function JobDetail({ job, now }: { job: Job; now: number }) {
  const store = useAppStoreApi();
  const [stream, setStream] = useState<'stdout' | 'stderr'>('stdout');
  // job.cancel answers once the process group is gone (up to the SIGKILL grace period).
  const [cancelling, setCancelling] = useState(false);
  const ended = isEnded(job);
  const envName = useAppStore((s) => (job.envId ? (s.envs.find((e) => e.id === job.envId)?.name ?? job.envId) : null));
  const clusters = useAppStore((s) => s.clusters);
  const duration = jobDuration(job, now);
  const end = describeEnd(job);
  const engineId = engineIdLabel(job);
  const resources = resourcesLabel(job.resources);
  const openRun = () => {
    store.getState().openArea('experiments');
    store.getState().openRun(job.runId);
  };
  return (
    <section className="card job-detail" aria-label={`Job ${job.name}`}>
      <div className="card-head">
        <div>
          <p className="eyebrow">
            job · <StateBadge job={job} />
          </p>
          <h2 data-testid="job-name">{job.name}</h2>
          <p className="muted mono">
            {job.script} {job.args.join(' ')}
          </p>
        </div>
        <div className="job-actions">
          {!ended && (
            <button
              type="button"
              className="button"
              disabled={cancelling}
              onClick={() => {
                setCancelling(true);
                void store.getState().jobAction('cancel', job.id).finally(() => setCancelling(false));
              }}
            >
              {cancelling ? 'Cancelling…' : 'Cancel'}
            </button>
          )}
          {ended && (
            <button type="button" className="button" onClick={() => void store.getState().jobAction('retry', job.id)} title="Run again as a new job and a new run">
              Retry
            </button>
          )}
          {ended && job.state !== 'succeeded' && (
            <button type="button" className="button" onClick={() => void store.getState().jobAction('resume', job.id)} title="Continue the same run from its last checkpoint (ORRERY_RESUME)">
              Resume
            </button>
          )}
          <button type="button" className="button is-primary" onClick={openRun}>
            Open run
          </button>
        </div>
      </div>
      <dl className="job-facts">
        <dt>Runs on</dt>
        <dd data-testid="job-runs-on">{whereLabel(job, clusters)}</dd>
        {engineId && (
          <>
            <dt>Engine</dt>
            <dd className="mono" data-testid="job-engine">
              {engineId}
              {job.engineState ? ` · ${job.engineState}` : ''}
            </dd>
          </>
        )}
        {job.reason && (
          <>
            <dt>Reason</dt>
            <dd data-testid="job-reason">{job.reason}</dd>
          </>
        )}
        {resources && (
          <>
            <dt>Resources</dt>
            <dd>{resources}</dd>
          </>
        )}
        <dt>Run</dt>
        <dd className="mono">{job.runId}</dd>
        <dt>Environment</dt>
        <dd>{envName ?? "the project's default"}</dd>
        {job.backend === 'local' && (
          <>
            <dt>GPUs</dt>
            <dd>{job.gpus === null ? 'all visible' : job.gpus.length === 0 ? 'none' : job.gpus.join(', ')}</dd>
          </>
        )}
        <dt>Queued</dt>
        <dd>{formatTime(job.createdAt)}</dd>
        <dt>Ran</dt>
        <dd>{duration === null ? 'not started' : `${formatDuration(duration)}${ended ? '' : ' so far'}`}</dd>
        {end && (
          <>
            <dt>Ended</dt>
            <dd>{end}</dd>
          </>
        )}
        {job.retryOf && (
          <>
            <dt>{job.resumeFrom ? 'Resumes' : 'Retries'}</dt>
            <dd className="mono">{job.retryOf}</dd>
          </>
        )}
        {job.pid !== null && (
          <>
            <dt>Process</dt>
            <dd className="mono">{job.pid}</dd>
          </>
        )}
      </dl>
      {job.error && (
        <p className={job.state === 'failed' || job.state === 'lost' ? 'form-error' : 'muted'} role={job.state === 'failed' ? 'alert' : undefined}>
          {job.error}
        </p>
      )}
      <div className="job-log-tabs" role="tablist" aria-label="Log stream">
        {(['stdout', 'stderr'] as const).map((s) => (
          <button key={s} type="button" role="tab" aria-selected={stream === s} className={`tab-button${stream === s ? ' is-active' : ''}`} onClick={() => setStream(s)}>
            {s}
          </button>
        ))}
      </div>
      <JobLog key={`${job.id}:${stream}`} jobId={job.id} stream={stream} live={!ended} />
    </section>
  );
}

const panels: readonly { readonly id: JobsPanel; readonly label: string }[] = [
  { id: 'jobs', label: 'Jobs' },
  { id: 'sweeps', label: 'Sweeps' },
  { id: 'clusters', label: 'Clusters' },
];

function PanelTabs() {
  const store = useAppStoreApi();
  const panel = useAppStore((s) => s.jobsPanel);
  return (
    <div className="job-panel-tabs" role="tablist" aria-label="Jobs panels">
      {panels.map((p) => (
        <button key={p.id} type="button" role="tab" aria-selected={panel === p.id} className={`tab-button${panel === p.id ? ' is-active' : ''}`} onClick={() => store.getState().setJobsPanel(p.id)}>
          {p.label}
        </button>
      ))}
    </div>
  );
}

/**
 * The Jobs area: the queue of every backend (newest first, each job saying where it runs), the picked job's facts,
 * actions and live logs, the sweeps with their trials, the cluster profiles, and the new-job wizard.
 */
export function JobsArea() {
  const store = useAppStoreApi();
  const jobs = useAppStore((s) => s.jobs);
  const selectedId = useAppStore((s) => s.selectedJobId);
  const error = useAppStore((s) => s.jobsError);
  const newJobOpen = useAppStore((s) => s.newJobOpen);
  const panel = useAppStore((s) => s.jobsPanel);
  const project = useAppStore((s) => s.current?.path ?? null);
  const now = useNow(jobs.some((j) => !isEnded(j)));
  useEffect(() => {
    void store.getState().loadJobs();
  }, [store, project]);
  useEffect(() => {
    void store.getState().loadClusters();
  }, [store]);
  const selected = jobs.find((j) => j.id === selectedId) ?? jobs[0] ?? null;
  return (
    <section className="jobs-area" aria-label="Jobs area">
      <div className="job-side">
        <PanelTabs />
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        {panel === 'jobs' && <JobList jobs={jobs} selectedId={selected?.id ?? null} now={now} />}
        {panel === 'sweeps' && <SweepsPanel />}
        {panel === 'clusters' && <ClustersPanel />}
      </div>
      <div className="job-main">
        {selected ? (
          <JobDetail key={selected.id} job={selected} now={now} />
        ) : (
          <section className="card">
            <p className="muted">Queue a training script with New job…: a template, or a script of the project, in the env of your choice.</p>
          </section>
        )}
      </div>
      {newJobOpen && <NewJobDialog onClose={() => store.getState().setNewJobOpen(false)} />}
    </section>
  );
}
