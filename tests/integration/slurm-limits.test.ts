// Jobs the loopback Slurm cluster kills: one past its time limit (--time=1 minute, Slurm checks about every 30 s,
// so this waits up to ~2.5 minutes) and one over its memory (--mem, enforced here by jobacct_gather's
// OverMemoryKill since TaskPlugin=task/none has no cgroups): each ends failed with the reason recorded.
import { afterEach, describe, expect, it } from 'vitest';
import { skipWithoutSlurm } from '../fixtures/slurm/cluster';
import { ended, slurmWorld, type SlurmWorld } from './slurm-harness';

const skip = skipWithoutSlurm();
let world: SlurmWorld | null = null;

afterEach(async () => {
  await world?.dispose();
  world = null;
});

describe.skipIf(skip)('Slurm limits', () => {
  it('records a job killed at its time limit as failed, reason "time limit"', { timeout: 240_000 }, async () => {
    world = await slurmWorld();
    const script = await world.script('sleepy.py', 'import time\nprint("sleeping", flush=True)\ntime.sleep(600)\n');
    const job = await world.core.services.jobs.submit({ script, args: [], cluster: 'loop', resources: { timeLimitMinutes: 1 } });
    const done = await ended(world, job);
    expect(done).toMatchObject({ state: 'failed', engineState: 'TIMEOUT', reason: 'time limit' });
    expect(done.error).toMatch(/time limit/);
    expect((await world.core.services.jobs.logs({ id: job.id, stream: 'stdout' })).text).toBe('sleeping\n');
    expect(world.core.services.tracking.get(job.runId).status).toBe('failed');
  });

  it('records a job killed for its memory as failed, reason "memory limit"', { timeout: 120_000 }, async () => {
    world = await slurmWorld();
    const script = await world.script('hungry.py', 'import time\nblock = bytearray(400 * 1024 * 1024)\nprint("allocated", flush=True)\ntime.sleep(30)\n');
    const job = await world.core.services.jobs.submit({ script, args: [], cluster: 'loop', resources: { memoryMb: 60 } });
    const done = await ended(world, job);
    expect(done).toMatchObject({ state: 'failed', engineState: 'OUT_OF_MEMORY', reason: 'memory limit' });
    expect(done.error).toMatch(/memory limit/);
  });
});
