// Jobs on the one-node loopback Slurm cluster through the local transport: submit → running → succeeded with logs,
// metrics and params in the project store; a bad partition refused with Slurm's message; cancel; a job killed at its
// time limit and one over its memory; re-attach after a restart.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isOrreryError } from '../../app/contract';
import { skipWithoutSlurm } from '../fixtures/slurm/cluster';
import { ended, slurmWorld, type SlurmWorld } from './slurm-harness';

const skip = skipWithoutSlurm();
let world: SlurmWorld | null = null;

afterEach(async () => {
  await world?.dispose();
  world = null;
});

const trainScript = [
  'import os, sys, time, orrery',
  'run = orrery.init(params={"lr": 0.5})',
  'for step in range(5):',
  '    run.log({"loss": 1.0 / (step + 1)}, step=step)',
  '    print("step", step, flush=True)',
  '    time.sleep(0.2)',
  'print("job", os.environ["ORRERY_JOB_ID"], "run", os.environ["ORRERY_RUN_ID"], "slurm", os.environ.get("SLURM_JOB_ID"))',
  'print("warn", file=sys.stderr)',
  'run.finish()',
  '',
].join('\n');

describe.skipIf(skip)('Slurm backend, local transport', () => {
  it('runs a job to success: engine id, states, logs, metrics, params and the finish event', async () => {
    world = await slurmWorld();
    const script = await world.script('train.py', trainScript);
    const changes: string[] = [];
    world.core.bus.subscribe('job.changed', '*' as never, (event) => changes.push(`${event.payload.job.state}:${event.payload.job.engineState ?? ''}`));
    const job = await world.core.services.jobs.submit({ script, args: [], cluster: 'loop', resources: { cpus: 1, memoryMb: 200, timeLimitMinutes: 5 } });
    expect(job.backend).toBe('slurm');
    expect(job.clusterId).toBe(world.clusterId);
    expect(job.externalId).toMatch(/^\d+$/);
    expect(job.resources).toEqual({ cpus: 1, memoryMb: 200, timeLimitMinutes: 5 });
    const done = await ended(world, job);
    expect(done.state).toBe('succeeded');
    expect(done.exitCode).toBe(0);
    expect(done.engineState).toBe('COMPLETED');
    expect(done.startedAt).not.toBeNull();
    const out = await world.core.services.jobs.logs({ id: job.id, stream: 'stdout' });
    expect(out.text).toContain('step 4\n');
    expect(out.text).toContain(`job ${job.id} run ${job.runId} slurm ${job.externalId}`);
    expect((await world.core.services.jobs.logs({ id: job.id, stream: 'stderr' })).text).toBe('warn\n');
    const run = world.core.services.tracking.get(job.runId);
    expect(run.status).toBe('finished');
    expect(run.params).toEqual({ lr: 0.5 });
    expect(run.metrics.loss).toBeCloseTo(0.2);
    expect(run.keys.find((key) => key.key === 'loss')?.count).toBe(5);
    const events = (await readFile(path.join(world.projectDir, '.orrery', 'tracking', job.runId, `events.job-${job.id}.jsonl`), 'utf8')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events.at(-1)).toMatchObject({ t: 'finish', status: 'finished', exit_code: 0 });
    expect(changes.some((change) => change.startsWith('running:'))).toBe(true);
  });

  it('refuses a job for a partition Slurm does not have, with Slurm\'s message, and records the failure', async () => {
    world = await slurmWorld();
    const script = await world.script('ok.py', 'print("hi")\n');
    const error = await world.core.services.jobs.submit({ script, args: [], cluster: 'loop', resources: { partition: 'nope' } }).catch((caught: unknown) => caught);
    expect(isOrreryError(error)).toBe(true);
    expect((error as Error).message).toMatch(/Slurm \(loop\) refused the job: .*invalid partition/i);
    const [row] = world.core.services.jobs.list({});
    expect(row).toMatchObject({ state: 'failed', backend: 'slurm', reason: 'submission refused' });
    expect(row!.error).toMatch(/invalid partition/i);
  });

  it('cancels a running job with scancel; the state and reason are recorded', async () => {
    world = await slurmWorld();
    const script = await world.script('slow.py', 'import time\nprint("started", flush=True)\ntime.sleep(120)\n');
    const job = await world.core.services.jobs.submit({ script, args: [], cluster: 'loop' });
    const deadline = Date.now() + 20_000;
    while (world.core.services.jobs.get(job.id).state !== 'running' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(world.core.services.jobs.get(job.id).state).toBe('running');
    const cancelled = await world.core.services.jobs.cancel(job.id);
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.engineState).toBe('CANCELLED');
    expect(world.core.services.tracking.get(job.runId).status).toBe('killed');
  });

  it('cancels a job right after submitting it, before Slurm has started it', async () => {
    world = await slurmWorld();
    const script = await world.script('slow.py', 'import time\ntime.sleep(120)\n');
    const job = await world.core.services.jobs.submit({ script, args: [], cluster: 'loop', resources: { cpus: 1 } });
    expect(job.state).toBe('queued');
    const cancelled = await world.core.services.jobs.cancel(job.id);
    expect(cancelled).toMatchObject({ state: 'cancelled', engineState: 'CANCELLED' });
    expect(world.core.services.jobs.get(job.id).state).toBe('cancelled');
  });

  it('retries a failed Slurm job on the same cluster with the same resources, as a new run', async () => {
    world = await slurmWorld();
    const script = await world.script('flaky.py', 'import sys\nprint("attempt")\nsys.exit(2)\n');
    const first = await ended(world, await world.core.services.jobs.submit({ script, args: ['x'], cluster: 'loop', resources: { memoryMb: 150 } }));
    expect(first).toMatchObject({ state: 'failed', exitCode: 2 });
    const again = await world.core.services.jobs.retry(first.id);
    expect(again).toMatchObject({ backend: 'slurm', clusterId: world.clusterId, retryOf: first.id, attempt: 2, args: ['x'], resources: { memoryMb: 150 } });
    expect(again.runId).not.toBe(first.runId);
    expect(again.externalId).not.toBe(first.externalId);
    expect(await ended(world, again)).toMatchObject({ state: 'failed', exitCode: 2 });
  });

  it('re-attaches to a job that outlived a restart and catches up on its logs', async () => {
    world = await slurmWorld();
    const script = await world.script('long.py', 'import time\nfor i in range(6):\n    print("tick", i, flush=True)\n    time.sleep(0.5)\n');
    const job = await world.core.services.jobs.submit({ script, args: [], cluster: 'loop' });
    await new Promise((resolve) => setTimeout(resolve, 800));
    const core = await world.restart();
    const done = await core.services.jobs.waitForEnd(job.id);
    expect(done.state).toBe('succeeded');
    const out = await core.services.jobs.logs({ id: job.id, stream: 'stdout' });
    expect(out.text).toBe([0, 1, 2, 3, 4, 5].map((i) => `tick ${i}\n`).join(''));
  });
});
