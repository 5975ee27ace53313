// A Ray cluster profile used by the real job service (`job.submit` with `cluster`): the job goes through the
// RayBackend to the Ray Jobs API test server, is tracked like a local job (states, logs, the run and its metrics),
// and is cancelled through Ray's stop.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRayServer, type RayServer } from '../ray-server/start-ray-server';
import { jobWorld, until, type JobWorld } from './jobs-harness';

let world: JobWorld;
let ray: RayServer;

beforeAll(async () => {
  ray = await startRayServer();
  world = await jobWorld();
  world.core.services.clusters.add({ name: 'ray-local', kind: 'ray', address: ray.address });
}, 120_000);

afterAll(async () => {
  await world?.dispose();
  await ray?.stop();
});

describe('jobs on a Ray cluster', () => {
  it('runs, streams its log and records its metrics like a local job', async () => {
    const script = await world.script(
      'ray_train.py',
      ['import orrery', 'run = orrery.init(params={"lr": 0.5})', 'for step in range(4):', '    run.log({"loss": 4 - step}, step=step)', 'run.finish()', 'print("ray job done")'].join('\n'),
    );
    const job = await world.core.services.jobs.submit({ script, args: [], cluster: 'ray-local' });
    expect(job).toMatchObject({ backend: 'ray', externalId: `orrery-${job.id}` });
    const ended = await world.core.services.jobs.waitForEnd(job.id);
    expect(ended).toMatchObject({ state: 'succeeded', engineState: 'SUCCEEDED', exitCode: 0 });
    await until(async () => (await world.core.services.jobs.logs({ id: job.id, stream: 'stdout' })).text.includes('ray job done'), 'the Ray log');
    await until(() => {
      const run = world.core.services.tracking.get(job.runId);
      return run.metrics.loss === 1;
    }, 'the run metrics');
    expect(world.core.services.tracking.get(job.runId).params).toMatchObject({ lr: 0.5 });
  });

  it('cancels a running job through Ray stop', async () => {
    const script = await world.script('ray_sleep.py', 'import time\nprint("sleeping", flush=True)\ntime.sleep(120)');
    const job = await world.core.services.jobs.submit({ script, args: [], cluster: 'ray-local' });
    await until(() => world.core.services.jobs.get(job.id).state === 'running', 'the Ray job to run');
    const cancelled = await world.core.services.jobs.cancel(job.id);
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.engineState).toBe('STOPPED');
  });
});
