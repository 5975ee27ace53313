// A real core over temp folders for the job tests: a project whose default env is Debian's Python, short grace
// and sampling intervals, and helpers to write scripts and wait for a job's end.
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isOrreryError, type EventName, type EventPayload } from '../../app/contract';
import type { Job } from '../../app/contract/jobs';
import { createCore, type Core } from '../../main/core/core';
import { anyId } from '../../main/core/event-bus';
import { silentLogger } from '../../main/core/logger';

/** The interpreter jobs run with. */
export const systemPython = '/usr/bin/python3';

/** A core with an open project whose default env is `systemPython`. */
export interface JobWorld {
  readonly core: Core;
  readonly base: string;
  readonly projectDir: string;
  readonly env: NodeJS.ProcessEnv;
  /** Events seen on the current core since it was made. */
  events<E extends EventName>(name: E): EventPayload<E>[];
  /** Writes a script into the project and answers its path. */
  script(name: string, body: string): Promise<string>;
  /** Disposes the current core (its jobs keep running) and builds a new one over the same folders. */
  restart(): Promise<Core>;
  dispose(): Promise<void>;
}

/** Options the tests shorten: SIGKILL grace, log cap, sampling. */
export interface JobWorldOptions {
  readonly graceMs?: number;
  readonly logCapBytes?: number;
  readonly extraPath?: string;
}

export async function jobWorld(options: JobWorldOptions = {}): Promise<JobWorld> {
  const base = await realpath(await mkdtemp(path.join(os.tmpdir(), 'orrery-jobs-')));
  const projectDir = path.join(base, 'project');
  const home = path.join(base, 'home');
  await mkdir(home, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    PATH: [options.extraPath, process.env.PATH ?? '/usr/bin:/bin'].filter(Boolean).join(':'),
    HOME: home,
    LANG: 'C.UTF-8',
    PIP_NO_INDEX: '1',
  };
  const seen: { name: string; payload: unknown }[] = [];
  const make = () => {
    const core = createCore({
      host: 'cli',
      env,
      userHome: path.join(base, 'orrery'),
      allowedRoots: [base],
      logger: silentLogger,
      jobOptions: { graceMs: options.graceMs ?? 1000, logCapBytes: options.logCapBytes ?? 64 * 1024 * 1024, telemetryMs: 200, pollMs: 100 },
    });
    seen.length = 0;
    for (const name of ['job.changed', 'job.log'] as const) core.bus.subscribe(name, anyId, (event) => seen.push({ name, payload: event.payload }));
    return core;
  };
  let current = make();
  await current.services.projects.create({ path: projectDir });
  const python = await current.services.envs.register(systemPython);
  await current.services.envs.setDefault(python.id);
  return {
    get core() {
      return current;
    },
    base,
    projectDir,
    env,
    events: <E extends EventName>(name: E) => seen.filter((item) => item.name === name).map((item) => item.payload as EventPayload<E>),
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
      await current.dispose();
      await rm(base, { recursive: true, force: true });
    },
  };
}

/** The job once it has ended (and its logs and finish event are written). */
export function ended(world: JobWorld, job: Job): Promise<Job> {
  return world.core.services.jobs.waitForEnd(job.id);
}

/** Lines of a job's spool events file, parsed. */
export async function jobEvents(world: JobWorld, job: Job): Promise<Record<string, unknown>[]> {
  const file = path.join(world.projectDir, '.orrery', 'tracking', job.runId, `events.job-${job.id}.jsonl`);
  const text = await readFile(file, 'utf8');
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The code of the OrreryError a promise rejects with. */
export async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isOrreryError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a failure');
}

/** Polls `check` every 50 ms until it answers true (bounded: 20 s). */
export async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
