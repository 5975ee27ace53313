import { rm } from 'node:fs/promises';
import path from 'node:path';
import { OrreryError } from '../../../app/contract';
import type { ProcessRunner } from '../../core/process-runner';
import type { Task } from '../../core/tasks';
import { exists } from './locators';
import { probeEnv } from './probe';
import { streamProcess } from './stream-process';

/** A resolved creation request: the kind, where, from which Python, and the tools that exist. */
export interface CreatePlan {
  readonly kind: 'venv' | 'conda' | 'uv';
  /** The env folder (conda by name: null, the tool chooses). */
  readonly prefix: string | null;
  readonly name?: string;
  /** venv: the base interpreter; conda/uv: a version like `3.11` (or an interpreter for uv). */
  readonly python: string;
  readonly systemSitePackages: boolean;
  readonly conda: string | null;
  readonly uv: string | null;
}

/**
 * Where a named conda env goes: the first of the tool's envs folders (`conda info --json` envs_dirs; micromamba
 * says "envs directories"), so creation can use `-p` and a cancelled creation can remove its folder. Null when
 * the tool does not say.
 */
export async function condaPrefixFor(runner: ProcessRunner, conda: string, name: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  const result = await runner.run(conda, ['info', '--json'], { timeoutMs: 30_000, env });
  if (result.code !== 0) return null;
  try {
    const info = JSON.parse(result.stdout) as Record<string, unknown>;
    const dirs = info.envs_dirs ?? info['envs directories'];
    const first = Array.isArray(dirs) ? dirs.find((dir): dir is string => typeof dir === 'string' && path.isAbsolute(dir)) : undefined;
    return first ? path.join(first, name) : null;
  } catch {
    return null;
  }
}

/** The program and arguments that create the env of a plan. */
export function createCommand(plan: CreatePlan): { file: string; args: string[] } {
  if (plan.kind === 'venv') {
    const args = ['-m', 'venv'];
    if (plan.systemSitePackages) args.push('--system-site-packages');
    return { file: plan.python, args: [...args, plan.prefix!] };
  }
  if (plan.kind === 'uv') {
    if (!plan.uv) throw new OrreryError('unavailable', 'uv is not installed on this machine; install uv or create a venv instead.');
    const args = ['venv', '--python', plan.python];
    if (plan.systemSitePackages) args.push('--system-site-packages');
    return { file: plan.uv, args: [...args, plan.prefix!] };
  }
  if (!plan.conda) throw new OrreryError('unavailable', 'conda, mamba or micromamba is not installed on this machine; install one or create a venv instead.');
  const where = plan.prefix ? ['-p', plan.prefix] : ['-n', plan.name!];
  return { file: plan.conda, args: ['create', '-y', ...where, `python=${plan.python}`] };
}


/**
 * Runs the creation with its output streamed; on failure or cancel the partial folder is removed.
 * Answers the new env's folder (for a named conda env, the caller finds it from the tool's list).
 */
export async function runCreate(plan: CreatePlan, task: Task, env: NodeJS.ProcessEnv, live: Set<number>): Promise<string | null> {
  if (plan.prefix && (await exists(plan.prefix))) {
    throw new OrreryError('already_exists', `${plan.prefix} already exists; choose another folder or remove it first.`);
  }
  const { file, args } = createCommand(plan);
  task.output('stdout', `$ ${file} ${args.join(' ')}\n`);
  task.progress(0, null, `Creating ${plan.kind} env`);
  try {
    const result = await streamProcess(task, file, args, { env: { ...probeEnv(env), PYTHONUNBUFFERED: '1' }, live });
    if (result.code !== 0) {
      throw new OrreryError('process_failed', `Creating the ${plan.kind} env failed (exit ${String(result.code)}); nothing was kept.\n${result.tail}`);
    }
  } catch (error) {
    if (plan.prefix) await rm(plan.prefix, { recursive: true, force: true });
    throw error;
  }
  return plan.prefix ? path.resolve(plan.prefix) : null;
}
