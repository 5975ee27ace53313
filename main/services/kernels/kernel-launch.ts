// Choosing what to launch: the env (given, else the project's default, else none), its kernelspec (named,
// else its Python spec, else one synthesized), the argv and the activated environment variables.
import path from 'node:path';
import { isOrreryError, OrreryError } from '../../../app/contract';
import type { Env } from '../../../app/models';
import type { Logger } from '../../core/logger';
import type { EnvService } from '../envs/env-service';
import { envSpecs, findSpecs, kernelSpecDirs, launchArgv, type ResolvedSpec } from './kernelspecs';
import type { KernelLaunch } from './kernel-session';

/** A spec chosen to run, with its env (null: a spec from the Jupyter paths, run as it says). */
export interface LaunchChoice {
  readonly spec: ResolvedSpec;
  readonly env: Env | null;
}

/** The project's default env, or null when there is none or the env service cannot tell (not built, no project). */
export async function defaultEnvOrNull(envs: EnvService, logger: Logger): Promise<Env | null> {
  try {
    return await envs.getDefault();
  } catch (error) {
    if (!isOrreryError(error) || !['unavailable', 'no_project'].includes(error.code)) logger.warn('default env unknown', { error: String(error) });
    return null;
  }
}

/** Specs found in the Jupyter data paths (no env). */
export function globalSpecs(processEnv: NodeJS.ProcessEnv): Promise<ResolvedSpec[]> {
  return findSpecs(kernelSpecDirs(processEnv), processEnv);
}

function pickSpec(specs: readonly ResolvedSpec[], specName: string | undefined, where: string): ResolvedSpec {
  if (specName) {
    const named = specs.find((s) => s.name === specName || s.name.endsWith(`:${specName}`));
    if (!named) throw new OrreryError('not_found', `No kernelspec named "${specName}" ${where}. Known: ${specs.map((s) => s.name).join(', ') || 'none'}.`);
    return named;
  }
  const python = specs.find((s) => /(^|:)python3?$/.test(s.name)) ?? specs.find((s) => s.language === 'python') ?? specs[0];
  if (!python) {
    throw new OrreryError('not_found', `No Jupyter kernel was found ${where}. Install ipykernel (pip install ipykernel) in the environment, or choose another environment.`);
  }
  return python;
}

/** Picks the env and spec for a kernel start. */
export async function chooseLaunch(
  envs: EnvService,
  logger: Logger,
  processEnv: NodeJS.ProcessEnv,
  input: { envId?: string | undefined; specName?: string | undefined },
): Promise<LaunchChoice> {
  const env = input.envId ? await envs.get(input.envId) : await defaultEnvOrNull(envs, logger);
  if (env) {
    const own = await envSpecs(env, processEnv);
    const named = input.specName ? own.find((s) => s.name === input.specName || s.name.endsWith(`:${input.specName}`)) : undefined;
    if (named) return { spec: named, env };
    if (input.specName) {
      // A named spec from the Jupyter paths, launched with this env's interpreter and variables.
      return { spec: pickSpec(await globalSpecs(processEnv), input.specName, `in ${env.name} or the Jupyter data paths`), env };
    }
    if (own.length === 0) {
      throw new OrreryError('not_found', `The environment ${env.name} (${env.prefix}) has no ipykernel. Install it there (orrery env install ${env.id} ipykernel), or choose another environment.`);
    }
    return { spec: pickSpec(own, undefined, `in ${env.name}`), env };
  }
  return { spec: pickSpec(await globalSpecs(processEnv), input.specName, 'in the Jupyter data paths'), env: null };
}

/** The launch description for a choice: argv with the env's interpreter, activation variables, cwd = the notebook's folder. */
export function buildLaunch(
  choice: LaunchChoice,
  options: { kernelId: string; notebookPath: string; connectionDir: string; processEnv: NodeJS.ProcessEnv; envs: EnvService; logger: Logger },
): KernelLaunch {
  const { spec, env } = choice;
  if (spec.problem) {
    throw new OrreryError('process_failed', `The kernel "${spec.displayName}" cannot start: ${spec.problem}. Reinstall it or choose another environment.`);
  }
  const base = env ? options.envs.activation(env, options.processEnv) : options.processEnv;
  return {
    kernelId: options.kernelId,
    specName: spec.name,
    argv: (connectionFile) => launchArgv(spec, connectionFile, env),
    env: { ...base, ...spec.env, PYDEVD_DISABLE_FILE_VALIDATION: '1' },
    cwd: path.dirname(options.notebookPath),
    connectionDir: options.connectionDir,
    interruptMode: spec.interruptMode,
    logger: options.logger,
  };
}
