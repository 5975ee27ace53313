// A real core over temp folders for the Slurm tests: a project whose default env is Debian's Python, a cluster
// profile for the loopback cluster (local transport), engine polling every 200 ms, and helpers.
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Job } from '../../app/contract/jobs';
import { createCore, type Core } from '../../main/core/core';
import { silentLogger } from '../../main/core/logger';

export interface SlurmWorld {
  readonly core: Core;
  readonly base: string;
  readonly projectDir: string;
  readonly env: NodeJS.ProcessEnv;
  /** The cluster profile's id (named "loop"). */
  readonly clusterId: string;
  script(name: string, body: string): Promise<string>;
  /** Disposes the core (jobs keep running on Slurm) and builds a new one over the same folders. */
  restart(): Promise<Core>;
  dispose(): Promise<void>;
}

export async function slurmWorld(profile: Record<string, unknown> = {}): Promise<SlurmWorld> {
  const base = await realpath(await mkdtemp(path.join(os.tmpdir(), 'orrery-slurm-')));
  const projectDir = path.join(base, 'project');
  const home = path.join(base, 'home');
  await mkdir(home, { recursive: true });
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8', USER: os.userInfo().username };
  const make = () =>
    createCore({
      host: 'cli',
      env,
      userHome: path.join(base, 'orrery'),
      allowedRoots: [base],
      logger: silentLogger,
      jobOptions: { graceMs: 1000, telemetryMs: 500, pollMs: 100, enginePollMs: 200 },
    });
  let current = make();
  await current.services.projects.create({ path: projectDir });
  const python = await current.services.envs.register('/usr/bin/python3');
  await current.services.envs.setDefault(python.id);
  const cluster = current.services.clusters.add({ name: 'loop', kind: 'slurm', ...profile } as never);
  return {
    get core() {
      return current;
    },
    base,
    projectDir,
    env,
    clusterId: cluster.id,
    async script(name, body) {
      const file = path.join(projectDir, name);
      await writeFile(file, body);
      return file;
    },
    async restart() {
      await current.dispose();
      current = make();
      await current.services.projects.open(projectDir);
      return current;
    },
    async dispose() {
      for (const job of current.services.jobs.list({ states: ['queued', 'running'] })) await current.services.jobs.cancel(job.id).catch(() => undefined);
      await current.dispose();
      await rm(base, { recursive: true, force: true });
    },
  };
}

/** The job once it has ended and was finalized. */
export function ended(world: SlurmWorld, job: Job): Promise<Job> {
  return world.core.services.jobs.waitForEnd(job.id);
}
