// A real core over temp folders for the env tests: its own ORRERY home, HOME (so ~/.virtualenvs is the test's),
// the machine's PATH and pyenv, pip told to stay offline (no PyPI here), and helpers that build venvs and tiny
// packages (wheel, sdist, failing sdist) locally.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isOrreryError, type EventName, type EventPayload } from '../../app/contract';
import { createCore, type Core } from '../../main/core/core';
import { anyId } from '../../main/core/event-bus';
import { silentLogger } from '../../main/core/logger';

/** The Debian interpreter (with ipykernel) the env tests build venvs from. */
export const systemPython = '/usr/bin/python3';

/** A core with an open project in a temp folder. */
export interface EnvWorld {
  readonly core: Core;
  readonly base: string;
  readonly home: string;
  readonly projectDir: string;
  readonly env: NodeJS.ProcessEnv;
  events<E extends EventName>(name: E): EventPayload<E>[];
  /** A second core over the same folders (the cache as a later start sees it). */
  reopen(): Promise<Core>;
  dispose(): Promise<void>;
}

/** Builds the world; `withProject` false leaves no project open. */
export async function envWorld(options: { withProject?: boolean; base?: string; extraEnv?: NodeJS.ProcessEnv } = {}): Promise<EnvWorld> {
  const base = options.base ?? (await realpath(await mkdtemp(path.join(os.tmpdir(), 'orrery-envs-'))));
  const home = path.join(base, 'home');
  const projectDir = path.join(base, 'project');
  await mkdir(home, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    SHELL: '/bin/bash',
    PYENV_ROOT: process.env.PYENV_ROOT ?? path.join(os.homedir(), '.pyenv'),
    PIP_NO_INDEX: '1',
    PIP_NO_BUILD_ISOLATION: '0',
    ...options.extraEnv,
  };
  const cores: Core[] = [];
  const make = () => {
    const core = createCore({ host: 'cli', env, userHome: path.join(base, 'orrery'), allowedRoots: [base], logger: silentLogger });
    cores.push(core);
    return core;
  };
  const core = make();
  const seen: { name: string; payload: unknown }[] = [];
  for (const name of ['env.found', 'env.discovered', 'env.defaultChanged', 'task.output', 'task.progress'] as const) {
    core.bus.subscribe(name, anyId, (event) => seen.push({ name, payload: event.payload }));
  }
  if (options.withProject !== false) await core.services.projects.create({ path: projectDir });
  return {
    core,
    base,
    home,
    projectDir,
    env,
    events: <E extends EventName>(name: E) => seen.filter((item) => item.name === name).map((item) => item.payload as EventPayload<E>),
    async reopen() {
      const again = make();
      if (options.withProject !== false) await again.services.projects.open(projectDir);
      return again;
    },
    async dispose() {
      for (const made of cores) await made.dispose();
      await rm(base, { recursive: true, force: true });
    },
  };
}

/** A venv from the Debian Python with its site packages (pip, ipykernel come from there); no pip copy, so it is fast. */
export function makeVenv(dir: string, withPip = false): void {
  execFileSync(systemPython, ['-m', 'venv', '--system-site-packages', ...(withPip ? [] : ['--without-pip']), dir], { stdio: 'ignore' });
}

/** Waits for the next `env.discovered` on a core's bus. */
export function nextDiscovered(core: Core): Promise<{ count: number; ms: number }> {
  return new Promise((resolve) => {
    const stop = core.bus.subscribe('env.discovered', anyId, (event) => {
      stop();
      resolve(event.payload);
    });
  });
}

/** A tiny setuptools package written to `dir`; `setupBody` replaces the setup() call (to fail or to sleep). */
export async function writePackage(dir: string, name: string, version: string, setupBody?: string, options: { dataFiles?: readonly string[] } = {}): Promise<string> {
  const folder = path.join(dir, `${name}-src-${version}`);
  await mkdir(path.join(folder, name), { recursive: true });
  await writeFile(path.join(folder, name, '__init__.py'), `VERSION = ${JSON.stringify(version)}\n`);
  // Data files (installed under the env's prefix, in each of these folders): one file, `<name>.txt`.
  const dataFiles = options.dataFiles ?? [];
  if (dataFiles.length > 0) await writeFile(path.join(folder, `${name}.txt`), 'data\n');
  const data = dataFiles.length > 0 ? `, data_files=[${dataFiles.map((to) => `(${JSON.stringify(to)}, [${JSON.stringify(`${name}.txt`)}])`).join(', ')}]` : '';
  await writeFile(
    path.join(folder, 'setup.py'),
    `${setupBody ?? ''}\nfrom setuptools import setup\nsetup(name=${JSON.stringify(name)}, version=${JSON.stringify(version)}, packages=[${JSON.stringify(name)}]${data})\n`,
  );
  return folder;
}

/** Builds a wheel of a package folder into `out` (offline: no build isolation). Answers the wheel's path. */
export function buildWheel(folder: string, out: string): string {
  execFileSync(systemPython, ['-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '--no-index', '-w', out, folder], { stdio: 'ignore', env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1' } });
  const name = path.basename(folder).split('-src-')[0]!;
  const version = path.basename(folder).split('-src-')[1]!;
  return path.join(out, `${name}-${version}-py3-none-any.whl`);
}

/** Builds an sdist (`setup.py sdist`) of a package folder into `out`; answers the archive's path. */
export function buildSdist(folder: string, out: string): string {
  execFileSync(systemPython, ['setup.py', '-q', 'sdist', '-d', out], { cwd: folder, stdio: 'ignore' });
  const name = path.basename(folder).split('-src-')[0]!;
  const version = path.basename(folder).split('-src-')[1]!;
  return path.join(out, `${name}-${version}.tar.gz`);
}

/** The code and message of the OrreryError a promise rejects with. */
export async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isOrreryError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected the call to fail');
}
