import type { StateCreator } from 'zustand';
import type { CallInput, CallOutput } from '../../app/contract';
import { errorMessage } from '../client/client-error';
import type { OrreryClient } from '../client/types';
import type { AppState } from './store';

export type Job = CallOutput<'job.get'>;
export type JobTemplate = CallOutput<'template.list'>[number];
export type JobSubmit = CallInput<'job.submit'>;
export type ClusterProfile = CallOutput<'cluster.list'>[number];
export type ClusterAdd = CallInput<'cluster.add'>;
export type ClusterTest = CallOutput<'cluster.test'>;
export type Sweep = CallOutput<'job.sweeps'>[number];
export type SweepTrial = CallOutput<'job.sweepTrials'>[number];
/** The last `cluster.test` of a profile: under way, answered, or failed with the engine's words. */
export type ClusterTestState = { readonly status: 'testing' } | { readonly status: 'ok'; readonly result: ClusterTest } | { readonly status: 'failed'; readonly message: string };
/** What the Jobs area's side panel lists. */
export type JobsPanel = 'jobs' | 'sweeps' | 'clusters';

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
  readonly jobsPanel: JobsPanel;
  setJobsPanel(panel: JobsPanel): void;
  /** The user's cluster profiles (secrets never reach the renderer, only whether one is stored). */
  readonly clusters: readonly ClusterProfile[];
  readonly clustersError: string | null;
  readonly clusterTests: Readonly<Record<string, ClusterTestState>>;
  loadClusters(): Promise<void>;
  /** Adds a profile; throws for the form to show. */
  addCluster(input: ClusterAdd): Promise<ClusterProfile>;
  removeCluster(id: string): Promise<void>;
  testCluster(id: string): Promise<void>;
  /** The open project's sweeps, newest first, and the trials of those opened. */
  readonly sweeps: readonly Sweep[];
  readonly sweepsError: string | null;
  readonly sweepTrials: Readonly<Record<string, readonly SweepTrial[]>>;
  loadSweeps(): Promise<void>;
  loadSweepTrials(id: string): Promise<void>;
  /** Ticks the sweep's trial runs in the Experiments area and shows them compared. */
  compareSweep(id: string): Promise<void>;
  /** Starts a sweep from its YAML spec (job.sweep); throws for the form to show (a typo's line and column). */
  startSweep(input: CallInput<'job.sweep'>): Promise<Sweep>;
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
    jobsPanel: 'jobs',
    setJobsPanel(panel) {
      set({ jobsPanel: panel });
    },
    ...clusterActions(client, set, get),
    ...sweepActions(client, set, get),
  });
}

type Set = (partial: Partial<AppState>) => void;
type Get = () => AppState;

function clusterActions(client: OrreryClient, set: Set, get: Get) {
  const setTest = (id: string, state: ClusterTestState) => set({ clusterTests: { ...get().clusterTests, [id]: state } });
  return {
    clusters: [] as readonly ClusterProfile[],
    clustersError: null as string | null,
    clusterTests: {} as Readonly<Record<string, ClusterTestState>>,
    async loadClusters() {
      try {
        set({ clusters: await client.call('cluster.list', undefined), clustersError: null });
      } catch (error) {
        set({ clustersError: errorMessage(error) });
      }
    },
    async addCluster(input: ClusterAdd) {
      const added = await client.call('cluster.add', input);
      set({ clusters: [...get().clusters.filter((c) => c.id !== added.id), added] });
      return added;
    },
    async removeCluster(id: string) {
      try {
        await client.call('cluster.remove', { id });
        set({ clusters: get().clusters.filter((c) => c.id !== id) });
      } catch (error) {
        get().notify('error', `Could not remove the cluster profile: ${errorMessage(error)}`, 'job');
      }
    },
    async testCluster(id: string) {
      setTest(id, { status: 'testing' });
      try {
        setTest(id, { status: 'ok', result: await client.call('cluster.test', { id }) });
      } catch (error) {
        setTest(id, { status: 'failed', message: errorMessage(error) });
      }
    },
  };
}

function sweepActions(client: OrreryClient, set: Set, get: Get) {
  return {
    sweeps: [] as readonly Sweep[],
    sweepsError: null as string | null,
    sweepTrials: {} as Readonly<Record<string, readonly SweepTrial[]>>,
    async loadSweeps() {
      if (!get().current) return set({ sweeps: [], sweepTrials: {}, sweepsError: null });
      try {
        set({ sweeps: await client.call('job.sweeps', undefined), sweepsError: null });
      } catch (error) {
        set({ sweepsError: errorMessage(error) });
      }
    },
    async loadSweepTrials(id: string) {
      try {
        const trials = await client.call('job.sweepTrials', { id });
        set({ sweepTrials: { ...get().sweepTrials, [id]: trials } });
      } catch (error) {
        set({ sweepsError: errorMessage(error) });
      }
    },
    async startSweep(input: CallInput<'job.sweep'>) {
      const { sweep, jobs } = await client.call('job.sweep', input);
      let all = get().jobs;
      for (const job of jobs) all = upsertJob(all, job);
      set({ sweeps: [sweep, ...get().sweeps.filter((s) => s.id !== sweep.id)], jobs: all });
      return sweep;
    },
    async compareSweep(id: string) {
      try {
        const trials = await client.call('job.sweepTrials', { id });
        // runs.get answers a run's summary and more; a trial whose run has not started recording yet is left out.
        const runs = await Promise.all(trials.map((trial) => client.call('runs.get', { id: trial.runId }).catch(() => null)));
        const state = get();
        state.clearRunSelection();
        for (const run of runs) if (run) state.toggleRunSelected(run);
        state.showCompare();
      } catch (error) {
        get().notify('error', `Could not compare the sweep's trials: ${errorMessage(error)}`, 'job');
      }
    },
  };
}
