import type { StateCreator } from 'zustand';
import type { CallInput, CallOutput } from '../../app/contract';
import { errorMessage } from '../client/client-error';
import type { OrreryClient } from '../client/types';
import type { AppState } from './store';

export type Job = CallOutput<'job.get'>;
export type JobTemplate = CallOutput<'template.list'>[number];
export type JobSubmit = CallInput<'job.submit'>;

/** The local job queue as the Jobs area shows it. */
export interface JobsSlice {
  /** Newest first. */
  readonly jobs: readonly Job[];
  readonly jobsError: string | null;
  readonly selectedJobId: string | null;
  readonly jobConcurrency: number | null;
  readonly newJobOpen: boolean;
  /** job.list and job.concurrency for the open project. */
  loadJobs(): Promise<void>;
  /** job.changed arrived: adds the job or replaces its older record. */
  applyJobChanged(job: Job): void;
  selectJob(id: string | null): void;
  /** Cancel, retry or resume; a failure becomes a notice; retry/resume select the new job. */
  jobAction(action: 'cancel' | 'retry' | 'resume', id: string): Promise<void>;
  setJobConcurrency(limit: number): Promise<void>;
  setNewJobOpen(open: boolean): void;
  /** Queues a job (a template is copied into the project first); selects it. Throws for the form to show. */
  submitJob(input: JobSubmit, templateId?: string): Promise<Job>;
}

/** `jobs` with `job` added or replacing the record of the same id, newest first. */
export function upsertJob(jobs: readonly Job[], job: Job): readonly Job[] {
  const rest = jobs.filter((j) => j.id !== job.id);
  const next = [...rest, job];
  return next.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
}

export function createJobsSlice(client: OrreryClient): StateCreator<AppState, [], [], JobsSlice> {
  return (set, get) => ({
    jobs: [],
    jobsError: null,
    selectedJobId: null,
    jobConcurrency: null,
    newJobOpen: false,
    async loadJobs() {
      if (!get().current) {
        set({ jobs: [], jobsError: null, selectedJobId: null, jobConcurrency: null });
        return;
      }
      try {
        const [jobs, concurrency] = await Promise.all([client.call('job.list', undefined), client.call('job.concurrency', undefined)]);
        set({ jobs, jobsError: null, jobConcurrency: concurrency.limit });
      } catch (error) {
        set({ jobsError: errorMessage(error) });
      }
    },
    applyJobChanged(job) {
      set({ jobs: upsertJob(get().jobs, job) });
    },
    selectJob(id) {
      set({ selectedJobId: id });
    },
    async jobAction(action, id) {
      try {
        const job = await client.call(action === 'cancel' ? 'job.cancel' : action === 'retry' ? 'job.retry' : 'job.resume', { id });
        set({ jobs: upsertJob(get().jobs, job), ...(action === 'cancel' ? {} : { selectedJobId: job.id }) });
      } catch (error) {
        get().notify('error', `Could not ${action} the job: ${errorMessage(error)}`, 'job');
      }
    },
    async setJobConcurrency(limit) {
      try {
        const answer = await client.call('job.setConcurrency', { limit });
        set({ jobConcurrency: answer.limit });
      } catch (error) {
        get().notify('error', `Could not change how many jobs run at once: ${errorMessage(error)}`, 'job');
      }
    },
    setNewJobOpen(open) {
      set({ newJobOpen: open });
    },
    async submitJob(input, templateId) {
      let script = input.script;
      if (templateId) script = (await client.call('template.install', { id: templateId })).script;
      const job = await client.call('job.submit', { ...input, script });
      set({ jobs: upsertJob(get().jobs, job), selectedJobId: job.id, newJobOpen: false });
      return job;
    },
  });
}
