import path from 'node:path';
import { OrreryError } from '../../../app/contract';
import type { Env, EnvPackage } from '../../../app/models';
import type { ProcessRunner } from '../../core/process-runner';
import type { Task } from '../../core/tasks';
import { probeEnv, runProbe } from './probe';
import { takeSnapshot, type EnvSnapshot } from './snapshot';
import { streamProcess } from './stream-process';

/** What running pip or conda in an env needs. */
export interface PackageContext {
  readonly runner: ProcessRunner;
  /** The variables for the child: the env activated on the parent's. */
  readonly env: NodeJS.ProcessEnv;
  readonly probeScript: string;
  readonly conda: string | null;
  readonly live: Set<number>;
  /** Where pip runs (relative paths in requirements files resolve from here): the project folder. */
  readonly cwd?: string;
}

/** Variables that keep pip quiet about itself and never waiting for input. */
function pipEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...probeEnv(env), PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1', PYTHONUNBUFFERED: '1', PIP_PROGRESS_BAR: 'off' };
}

/** Installed packages: `pip list --format=json` (editable locations included), or `conda list --json` in a conda env. */
export async function listPackages(env: Env, context: PackageContext): Promise<EnvPackage[]> {
  if (env.kind === 'conda' && context.conda) return listConda(env, context);
  if (!env.hasPip) throw new OrreryError('unavailable', `${env.name} has no pip; install pip into it (python -m ensurepip) to manage its packages.`);
  const result = await context.runner.run(env.python, ['-m', 'pip', 'list', '--format=json'], { timeoutMs: 60_000, env: pipEnv(context.env) });
  if (result.code !== 0) throw new OrreryError('process_failed', `pip list failed in ${env.name}: ${result.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return parsePipList(result.stdout);
}

/** Parses `pip list --format=json` (the last JSON line; pip may print warnings before it). */
export function parsePipList(stdout: string): EnvPackage[] {
  const line = stdout.trim().split('\n').reverse().find((text) => text.startsWith('[')) ?? '[]';
  const items = JSON.parse(line) as { name: string; version: string; editable_project_location?: string }[];
  return items
    .map((item) => ({ name: item.name, version: item.version, editableLocation: item.editable_project_location ?? null }))
    .sort((a, b) => a.name.localeCompare(b.name, 'en', { sensitivity: 'base' }));
}

async function listConda(env: Env, context: PackageContext): Promise<EnvPackage[]> {
  const result = await context.runner.run(context.conda!, ['list', '-p', env.prefix, '--json'], { timeoutMs: 60_000, env: context.env });
  if (result.code !== 0) throw new OrreryError('process_failed', `conda list failed in ${env.name}: ${result.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const items = JSON.parse(result.stdout) as { name: string; version: string }[];
  return items.map((item) => ({ name: item.name, version: item.version, editableLocation: null }));
}

/** What an install asks for (the contract's input, paths already checked). */
export interface InstallRequest {
  readonly specs: readonly string[];
  readonly requirementsFile?: string;
  readonly editable?: readonly string[];
  readonly upgrade?: boolean;
}

/** The `pip install` arguments for a request; a spec starting with `-` is refused (options are not specs). */
export function pipInstallArgs(request: InstallRequest): string[] {
  const args = ['-m', 'pip', 'install'];
  if (request.upgrade) args.push('--upgrade');
  for (const spec of request.specs) {
    if (spec.startsWith('-')) throw new OrreryError('invalid_input', `"${spec}" is not a package spec; give names, specs, paths or URLs (options are not accepted).`);
    args.push(spec);
  }
  if (request.requirementsFile) args.push('-r', request.requirementsFile);
  for (const folder of request.editable ?? []) args.push('-e', folder);
  if (args.length === 3) throw new OrreryError('invalid_input', 'Nothing to install: give package specs, a requirements file or an editable folder.');
  return args;
}

/**
 * The env's folders pip writes to: site-packages and bin as the interpreter reports them, and the prefix's share,
 * include and etc (a wheel's data files and headers go under the prefix).
 */
async function packageDirs(env: Env, context: PackageContext): Promise<string[]> {
  const probe = await runProbe(context.runner, env.python, context.probeScript, context.env);
  const prefix = path.resolve(env.prefix);
  const reported = [probe.purelib, probe.platlib, probe.scripts].filter((dir): dir is string => Boolean(dir)).map((dir) => path.resolve(dir));
  return [...reported, ...['share', 'include', 'etc'].map((name) => path.join(prefix, name))];
}

/**
 * Runs pip (install or uninstall) in the env with its output streamed; the env's package folders are
 * snapshotted first and restored when pip fails or is cancelled, so a failure leaves the env as it was.
 */
export async function runPip(env: Env, args: readonly string[], task: Task, context: PackageContext): Promise<void> {
  if (!env.hasPip) throw new OrreryError('unavailable', `${env.name} has no pip; install pip into it (python -m ensurepip) first.`);
  const snapshot = await snapshotFor(env, context);
  task.output('stdout', `$ ${env.python} ${args.join(' ')}\n`);
  let failure: unknown = null;
  try {
    const result = await streamProcess(task, env.python, args, { env: pipEnv(context.env), live: context.live, ...(context.cwd ? { cwd: context.cwd } : {}) });
    if (result.code !== 0) failure = new OrreryError('process_failed', `pip ${args[2] ?? ''} failed in ${env.name} (exit ${String(result.code)}); the env was restored.\n${result.tail}`);
  } catch (error) {
    failure = error;
  }
  if (failure) {
    await snapshot?.restore();
    throw failure;
  }
  await snapshot?.discard();
}

/** A snapshot of the env's folders, or null for envs Orrery should not write back into (the system Python). */
async function snapshotFor(env: Env, context: PackageContext): Promise<EnvSnapshot | null> {
  if (env.kind === 'system') return null;
  const dirs = await packageDirs(env, context);
  try {
    return await takeSnapshot(path.resolve(env.prefix), dirs);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      throw new OrreryError('not_writable', `${env.prefix} is not writable by you, so packages cannot be changed there; create a venv from it instead.`);
    }
    throw error;
  }
}

/** Uninstalls packages by name (`pip uninstall -y`), or with conda in a conda env. */
export function pipUninstallArgs(names: readonly string[]): string[] {
  for (const name of names) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new OrreryError('invalid_input', `"${name}" is not a package name.`);
  }
  return ['-m', 'pip', 'uninstall', '-y', ...names];
}
