// Slurm over SSH: a real sshd on loopback as the login node of the same one-node cluster. The code and the SDK
// are copied there, the run folder is synced back while the job runs and at its end, a dropped connection does
// not stop the job (Orrery reconnects and catches up on logs and metrics), and an unreachable login node is a
// clear error.
import { mkdir } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOrreryError } from '../../app/contract';
import { skipWithoutSlurm } from '../fixtures/slurm/cluster';
import { startSshd, type SshdFixture } from '../fixtures/sshd/sshd';
import { ended, slurmWorld, type SlurmWorld } from './slurm-harness';

const skip = skipWithoutSlurm();
let sshd: SshdFixture | null = null;

beforeAll(async () => {
  if (!skip) sshd = await startSshd();
});

afterAll(async () => {
  await sshd?.stop();
});

async function sshWorld(): Promise<SlurmWorld> {
  const fixture = sshd!;
  const world = await slurmWorld({ transport: 'ssh', host: fixture.host, port: fixture.port, user: fixture.username, keyPath: fixture.keyPath, knownHostsPath: fixture.knownHostsPath });
  const remoteDir = path.join(world.base, 'login-node');
  await mkdir(remoteDir, { recursive: true });
  world.core.services.clusters.update({ id: world.clusterId, remoteDir } as never);
  return world;
}

const metricsScript = (steps: number, pause: number) =>
  [
    'import os, time, orrery',
    'run = orrery.init(params={"width": 3})',
    `for step in range(${steps}):`,
    '    run.log({"loss": 10.0 - step}, step=step)',
    '    print("tick", step, flush=True)',
    `    time.sleep(${pause})`,
    'print("project", os.environ["ORRERY_PROJECT"])',
    'run.finish()',
    '',
  ].join('\n');

describe.skipIf(skip)('Slurm backend over SSH', () => {
  it('copies the code, runs the job on the login node and brings back logs, params and every metric', { timeout: 60_000 }, async () => {
    const world = await sshWorld();
    try {
      await world.script('helper.py', 'VALUE = 7\n');
      const script = await world.script('train.py', `import helper\nprint("helper", helper.VALUE)\n${metricsScript(5, 0.1)}`);
      const job = await world.core.services.jobs.submit({ script, args: [], cluster: 'loop' });
      const done = await ended(world, job);
      expect(done.state).toBe('succeeded');
      const out = (await world.core.services.jobs.logs({ id: job.id, stream: 'stdout' })).text;
      expect(out).toContain('helper 7\n');
      expect(out).toContain(`project ${path.join(world.base, 'login-node')}`);
      const run = world.core.services.tracking.get(job.runId);
      expect(run.status).toBe('finished');
      expect(run.params).toEqual({ width: 3 });
      expect(run.keys.find((key) => key.key === 'loss')?.count).toBe(5);
      expect(run.metrics.loss).toBe(6);
    } finally {
      await world.dispose();
    }
  });

  it('keeps the job running when the connection drops, then reconnects and catches up on logs and metrics', { timeout: 90_000 }, async () => {
    const world = await sshWorld();
    try {
      const script = await world.script('train.py', metricsScript(20, 0.2));
      const job = await world.core.services.jobs.submit({ script, args: [], cluster: 'loop' });
      const deadline = Date.now() + 30_000;
      while (!(await world.core.services.jobs.logs({ id: job.id, stream: 'stdout' })).text.includes('tick 2') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await sshd!.dropConnections()).toBeGreaterThan(0);
      const done = await ended(world, job);
      expect(done.state).toBe('succeeded');
      const out = (await world.core.services.jobs.logs({ id: job.id, stream: 'stdout' })).text;
      expect(out.match(/^tick \d+$/gm)).toEqual(Array.from({ length: 20 }, (_, i) => `tick ${i}`));
      expect(world.core.services.tracking.get(job.runId).keys.find((key) => key.key === 'loss')?.count).toBe(20);
    } finally {
      await world.dispose();
    }
  });

  it('says the login node cannot be reached, and records the refused job', async () => {
    const closed = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const port = (server.address() as net.AddressInfo).port;
        server.close(() => resolve(port));
      });
    });
    const fixture = sshd!;
    const world = await slurmWorld({ transport: 'ssh', host: '127.0.0.1', port: closed, user: fixture.username, keyPath: fixture.keyPath, knownHostsPath: fixture.knownHostsPath });
    try {
      const script = await world.script('ok.py', 'print(1)\n');
      const error = await world.core.services.jobs.submit({ script, args: [], cluster: 'loop' }).catch((caught: unknown) => caught);
      expect(isOrreryError(error) && error.code).toBe('unavailable');
      expect((error as Error).message).toMatch(/Cannot reach .*127\.0\.0\.1/);
      expect(world.core.services.jobs.list({})[0]).toMatchObject({ state: 'failed', reason: 'submission refused' });
    } finally {
      await world.dispose();
    }
  });
});
