import path from 'node:path';
import type { Env } from '../../../app/models';

/** The folder of an env's programs: `bin` (or `Scripts` on Windows) of its prefix, or the interpreter's folder. */
export function binDirOf(env: Env, platform: NodeJS.Platform = process.platform): string {
  if (env.kind === 'system' || env.kind === 'pyenv') return path.dirname(env.python);
  return platform === 'win32' ? path.join(env.prefix, 'Scripts') : path.join(env.prefix, 'bin');
}

function pathKey(base: NodeJS.ProcessEnv): string {
  return Object.keys(base).find((key) => key.toUpperCase() === 'PATH') ?? 'PATH';
}

/**
 * Variables that activate `env` for a child process, as `source bin/activate` / `conda activate` would: the env's
 * bin first on PATH (a previously active venv's bin taken out), VIRTUAL_ENV (venv, uv) or CONDA_PREFIX (conda),
 * PYTHONHOME removed. The base is not changed.
 */
export function activationEnv(env: Env, base: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...base };
  const key = pathKey(base);
  const bin = binDirOf(env, platform);
  const delimiter = platform === 'win32' ? ';' : ':';
  const previous = [base.VIRTUAL_ENV, base.CONDA_PREFIX]
    .filter((prefix): prefix is string => Boolean(prefix))
    .map((prefix) => path.join(prefix, platform === 'win32' ? 'Scripts' : 'bin'));
  const rest = (base[key] ?? '').split(delimiter).filter((dir) => dir && dir !== bin && !previous.includes(dir));
  out[key] = [bin, ...rest].join(delimiter);
  delete out.PYTHONHOME;
  delete out.VIRTUAL_ENV;
  delete out.CONDA_PREFIX;
  delete out.CONDA_DEFAULT_ENV;
  delete out.PYENV_VERSION;
  if (env.kind === 'venv' || env.kind === 'uv') {
    out.VIRTUAL_ENV = env.prefix;
    out.VIRTUAL_ENV_PROMPT = env.name;
  } else if (env.kind === 'conda') {
    out.CONDA_PREFIX = env.prefix;
    out.CONDA_DEFAULT_ENV = env.name;
  } else if (env.kind === 'pyenv') {
    // pyenv's shims pick the version from PYENV_VERSION before any .python-version file.
    out.PYENV_VERSION = path.basename(env.prefix);
  }
  return out;
}

/**
 * `activationEnv` for a terminal's shell, plus ORRERY_ENV_KIND, _PREFIX and _BIN: the terminal's start-up file
 * activates the env again from them after the user's own start-up files have run (and then unsets them).
 */
export function terminalActivationEnv(env: Env, base: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): NodeJS.ProcessEnv {
  return { ...activationEnv(env, base, platform), ORRERY_ENV_KIND: env.kind, ORRERY_ENV_PREFIX: env.prefix, ORRERY_ENV_BIN: binDirOf(env, platform) };
}
