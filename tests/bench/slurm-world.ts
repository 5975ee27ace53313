import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createCore, type Core } from '../../main/core/core';
import { silentLogger } from '../../main/core/logger';
import { repoRoot } from './lib';

export const runFile = promisify(execFile);

/** How often both Orrery and the bare baseline ask squeue (the same pace, so the ratio is Orrery's own cost). */
export const pollMs = 250;

/** A core with a project (default env: Debian's python3) and a cluster profile "loop" for the loopback Slurm. */
export interface BenchWorld {
  readonly core: Core;
  readonly base: string;
  readonly project: string;
  script(name: string, body: string): Promise<string>;
  dispose(): Promise<void>;
}

export async function benchWorld(name: string): Promise<BenchWorld> {
  await runFile('sinfo', ['-h']).catch(() => {
    throw new Error('Slurm does not answer; start the loopback cluster with `bash scripts/slurm-cluster.sh start`');
  });
  const base = await realpath(await mkdtemp(path.join(os.tmpdir(), `orrery-bench-${name}-`)));
  const project = path.join(base, 'project');
  await mkdir(path.join(base, 'home'), { recursive: true });
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: path.join(base, 'home'), LANG: 'C.UTF-8', USER: os.userInfo().username };
  const core = createCore({
    host: 'cli',
    env,
    userHome: path.join(base, 'orrery'),
    allowedRoots: [base],
    logger: silentLogger,
    resourcesDir: path.join(repoRoot, 'resources'),
    jobOptions: { enginePollMs: pollMs },
  });
  await core.services.projects.create({ path: project });
  const python = await core.services.envs.register('/usr/bin/python3');
  await core.services.envs.setDefault(python.id);
  core.services.clusters.add({ name: 'loop', kind: 'slurm' });
  return {
    core,
    base,
    project,
    async script(file, body) {
      const full = path.join(project, file);
      await writeFile(full, body);
      return full;
    },
    async dispose() {
      await core.dispose();
      await rm(base, { recursive: true, force: true });
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** States of jobs by id from one squeue call (array tasks one a line). */
export async function squeueStates(): Promise<Map<string, string>> {
  const { stdout } = await runFile('squeue', ['-h', '-r', '-t', 'all', '--me', '-o', '%i|%T']);
  return new Map(stdout.split('\n').filter(Boolean).map((line) => line.split('|') as [string, string]));
}

/** Polls squeue every `pollMs` until each id is in an end state. */
export async function waitBare(ids: readonly string[]): Promise<void> {
  const ends = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'OUT_OF_MEMORY', 'NODE_FAIL']);
  for (;;) {
    const states = await squeueStates();
    if (ids.every((id) => ends.has(states.get(id) ?? ''))) return;
    await sleep(pollMs);
  }
}
