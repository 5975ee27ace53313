// Sweeps: a spec fanned out as one Slurm array (every trial a tracked run with its params and metric, compared
// best first), as queued local jobs, and as one sandbox job per trial; a spec with a typo refused with its line and
// column.
import { afterEach, describe, expect, it } from 'vitest';
import { dockerAvailable } from '../../main/services/sandbox/docker';
import { skipWithoutSlurm } from '../fixtures/slurm/cluster';
import { slurmWorld, type SlurmWorld } from './slurm-harness';

const skip = skipWithoutSlurm();
let world: SlurmWorld | null = null;

afterEach(async () => {
  await world?.dispose();
  world = null;
});

// The trial reads its params from ORRERY_PARAMS (and, with pass_params: args, from its arguments too).
const trialScript = [
  'import json, os, sys, orrery',
  'params = json.loads(os.environ["ORRERY_PARAMS"])',
  'run = orrery.init()',
  'loss = (params["lr"] - 0.3) ** 2 + params["depth"]',
  'run.log({"val/loss": loss}, step=0)',
  'print("trial", os.environ.get("ORRERY_TRIAL"), "argv", sys.argv[1:], flush=True)',
  'run.finish()',
  '',
].join('\n');

async function waitAll(target: SlurmWorld, ids: readonly string[]): Promise<void> {
  await Promise.all(ids.map((id) => target.core.services.jobs.waitForEnd(id)));
}

describe.skipIf(skip)('sweeps', () => {
  it('fans a grid out as one Slurm array; each trial is a run with its params, compared by the metric', { timeout: 90_000 }, async () => {
    world = await slurmWorld();
    await world.script('trial.py', trialScript);
    const spec = 'name: lr-depth\nscript: trial.py\nparams:\n  lr: [0.1, 0.3, 0.5]\n  depth: [1, 2]\nmetric: val/loss\ngoal: minimize\ncluster: loop\npass_params: args\nresources:\n  memoryMb: 200\n';
    const { sweep, jobs } = await world.core.services.jobs.sweep({ spec });
    expect(sweep).toMatchObject({ name: 'lr-depth', trialCount: 6, backend: 'slurm', clusterId: world.clusterId, metric: 'val/loss', goal: 'minimize' });
    expect(sweep.externalId).toMatch(/^\d+$/);
    expect(jobs.map((job) => job.externalId)).toEqual([0, 1, 2, 3, 4, 5].map((i) => `${sweep.externalId}_${i}`));
    await waitAll(world, jobs.map((job) => job.id));
    const trials = world.core.services.jobs.sweepTrials(sweep.id);
    expect(trials.every((trial) => trial.state === 'succeeded')).toBe(true);
    expect(trials[0]).toMatchObject({ params: { lr: 0.3, depth: 1 }, metric: 1 });
    expect(trials.map((trial) => trial.metric)).toEqual([...trials.map((trial) => trial.metric!)].sort((a, b) => a - b));
    for (const trial of trials) {
      const run = world.core.services.tracking.get(trial.runId);
      expect(run.params).toEqual(trial.params);
      expect(run.status).toBe('finished');
      const out = (await world.core.services.jobs.logs({ id: trial.jobId, stream: 'stdout' })).text;
      expect(out).toBe(`trial ${trial.index} argv ['--lr', '${String(trial.params.lr)}', '--depth', '${String(trial.params.depth)}']\n`);
    }
    expect(world.core.services.jobs.sweeps()[0]).toMatchObject({ id: sweep.id, states: { succeeded: 6 } });
  });

  it('runs random trials as local jobs when no cluster is named', { timeout: 90_000 }, async () => {
    world = await slurmWorld();
    await world.script('trial.py', trialScript);
    await world.core.services.jobs.setConcurrency(2);
    const spec = 'script: trial.py\ntrials: 4\nseed: 3\nparams:\n  lr: {min: 0.01, max: 1, log: true}\n  depth: {values: [1, 2, 3]}\nmetric: val/loss\n';
    const { sweep, jobs } = await world.core.services.jobs.sweep({ spec });
    expect(sweep.backend).toBe('local');
    expect(jobs.every((job) => job.backend === 'local' && job.externalId === null)).toBe(true);
    await waitAll(world, jobs.map((job) => job.id));
    const trials = world.core.services.jobs.sweepTrials(sweep.id);
    expect(trials).toHaveLength(4);
    for (const trial of trials) {
      expect(trial.state).toBe('succeeded');
      expect(trial.metric).toBeCloseTo(((trial.params.lr as number) - 0.3) ** 2 + (trial.params.depth as number));
      expect(world.core.services.tracking.get(trial.runId).params).toEqual(trial.params);
    }
  });

  it('runs each trial as a job of its own on a backend without arrays (the Docker sandbox)', { timeout: 180_000 }, async (context) => {
    const available = await dockerAvailable();
    if (!available.ok) {
      if (process.env.CI) throw new Error(`CI needs Docker for the sandbox sweep: ${available.message}`);
      context.skip();
    }
    world = await slurmWorld();
    await world.script('trial.py', trialScript);
    const { sweep, jobs } = await world.core.services.jobs.sweep({ spec: 'script: trial.py\nbackend: sandbox\nparams:\n  lr: [0.3, 0.5]\n  depth: [1]\nmetric: val/loss\n' });
    expect(sweep).toMatchObject({ backend: 'sandbox', externalId: null, trialCount: 2 });
    expect(new Set(jobs.map((job) => job.externalId)).size).toBe(2);
    await waitAll(world, jobs.map((job) => job.id));
    const trials = world.core.services.jobs.sweepTrials(sweep.id);
    expect(trials.map((trial) => [trial.state, trial.params.lr])).toEqual([
      ['succeeded', 0.3],
      ['succeeded', 0.5],
    ]);
    expect(trials[0]!.metric).toBeCloseTo(1);
  });

  it('refuses a spec with a typo, naming its line and column, and starts nothing', async () => {
    world = await slurmWorld();
    await world.script('trial.py', trialScript);
    const error = await world.core.services.jobs.sweep({ spec: 'script: trial.py\nparams:\n  lr: [0.1]\nclustr: loop\n' }).catch((caught: unknown) => caught as Error);
    expect((error as Error).message).toBe(
      'Sweep spec, line 4, column 1: unknown key "clustr" (did you mean "cluster"?); the keys are name, script, args, params, trials, seed, metric, goal, backend, cluster, resources, pass_params.',
    );
    expect(world.core.services.jobs.list({})).toEqual([]);
    expect(world.core.services.jobs.sweeps()).toEqual([]);
  });
});
