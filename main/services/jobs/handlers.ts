import type { Handlers } from '../../core/dispatch';
import type { JobService } from './job-service';

/** The handlers of the sweep calls (the other job calls are bound in main/core/handlers.ts). */
export function jobSweepHandlers(jobs: JobService): Pick<Handlers, 'job.sweep' | 'job.sweeps' | 'job.sweepTrials'> {
  return {
    'job.sweep': (input) => jobs.sweep(input),
    'job.sweeps': () => jobs.sweeps(),
    'job.sweepTrials': (input) => jobs.sweepTrials(input.id),
  };
}
