// Shared set-up of the tracking tests: a core over a temp project, and the spool writer script (a Python
// process writing the files exactly as docs/tracking-spool.md says) run as a real python3 process.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CallName, CallOutput } from '../../app/contract';
import { createCore, type Core } from '../../main/core/core';
import { callOrThrow } from '../../main/core/dispatch';
import { silentLogger } from '../../main/core/logger';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const spoolWriter = path.join(__dirname, 'tracking-spool-writer.py');

/** A temp folder holding a user home and one project, opened in a fresh core. */
export interface TrackingWorld {
  readonly base: string;
  readonly project: string;
  readonly core: Core;
  call<N extends CallName>(name: N, input: unknown): Promise<CallOutput<N>>;
  dispose(): Promise<void>;
}

export async function trackingWorld(prefix = 'orrery-tracking-'): Promise<TrackingWorld> {
  const base = await realpath(await mkdtemp(path.join(os.tmpdir(), prefix)));
  const project = path.join(base, 'project');
  const core = createCore({ host: 'cli', env: { ...process.env, ORRERY_HOME: path.join(base, 'home') }, userHome: path.join(base, 'home'), allowedRoots: [base], logger: silentLogger });
  const call = <N extends CallName>(name: N, input: unknown) => callOrThrow(core.dispatch, name, input, { host: 'cli', clientId: 'test' });
  await call('project.create', { path: project });
  return {
    base,
    project,
    core,
    call,
    async dispose() {
      await core.dispose();
      await rm(base, { recursive: true, force: true });
    },
  };
}

/** Runs the spool writer to the end; throws with its stderr when it fails. */
export function writeRun(project: string, runId: string, args: readonly string[] = []): string {
  const result = spawnSync('python3', [spoolWriter, '--project', project, '--run-id', runId, ...args], { encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) throw new Error(`spool writer failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}

/** Starts the spool writer without waiting for it. */
export function startRun(project: string, runId: string, args: readonly string[] = []): ChildProcess {
  return spawn('python3', [spoolWriter, '--project', project, '--run-id', runId, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Waits until `check` answers true (polling every 20 ms, at most `ms`). */
export async function until(check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
