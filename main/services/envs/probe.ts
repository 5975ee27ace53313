import { createHash } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { OrreryError } from '../../../app/contract';
import type { Env } from '../../../app/models';
import type { ProcessRunner } from '../../core/process-runner';

/** What `orrery_env_probe.py` prints. */
export interface ProbeResult {
  readonly version: string;
  readonly prefix: string;
  readonly base_prefix: string;
  readonly executable: string;
  readonly kind: 'venv' | 'uv' | 'conda' | 'base';
  readonly ipykernel: boolean;
  readonly pip: boolean;
  readonly purelib: string | null;
  readonly platlib: string | null;
  readonly scripts: string | null;
}

/** A candidate interpreter a locator found, with where it came from. */
export interface Candidate {
  readonly python: string;
  readonly source: string;
  /** A name the locator knows (a conda env's name). */
  readonly name?: string;
}

/** How long one probe may take before the candidate is skipped. */
export const probeTimeoutMs = 8_000;

/** Variables that would make the probed interpreter describe some other environment. */
const leaking = ['PYTHONHOME', 'PYTHONPATH', 'PYTHONSTARTUP', 'VIRTUAL_ENV', 'CONDA_PREFIX', '__PYVENV_LAUNCHER__'];

/** The parent's variables without those that change which environment a Python sees. */
export function probeEnv(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' };
  for (const key of leaking) delete env[key];
  return env;
}

/** Runs the probe script with `python`; throws `process_failed` (or `not_found`) with what went wrong. */
export async function runProbe(
  runner: ProcessRunner,
  python: string,
  script: string,
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
): Promise<ProbeResult> {
  const result = await runner.run(python, [script], { timeoutMs: probeTimeoutMs, env: probeEnv(env), ...(signal ? { signal } : {}) });
  if (result.code === null && /ENOENT/.test(result.stderr)) {
    throw new OrreryError('not_found', `${python} does not exist; give the path of a Python interpreter or of an env folder.`);
  }
  if (result.code !== 0) {
    const tail = (result.stderr || result.stdout).trim().split('\n').slice(-3).join(' | ');
    throw new OrreryError('process_failed', `${python} is not a working Python interpreter (${tail || `exit ${String(result.code)}`}).`);
  }
  const line = result.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as ProbeResult;
  } catch {
    throw new OrreryError('process_failed', `${python} printed something other than the probe's JSON; is it a Python interpreter?`);
  }
}

/** The stable id of an env: a hash of its real prefix and real interpreter (one prefix can hold several Pythons). */
export function envIdFor(realPrefix: string, realInterpreter: string): string {
  return `env_${createHash('sha256').update(`${realPrefix}\0${realInterpreter}`).digest('hex').slice(0, 16)}`;
}

async function realOrSame(file: string): Promise<string> {
  try {
    return await realpath(file);
  } catch {
    return file;
  }
}

/** Where pyenv keeps its Pythons (PYENV_ROOT, else ~/.pyenv). */
export function pyenvRoot(env: NodeJS.ProcessEnv, home: string): string {
  return env.PYENV_ROOT || path.join(home, '.pyenv');
}

/** Tells the kind of a base interpreter by where its real prefix lies. */
function baseKind(realPrefix: string, env: NodeJS.ProcessEnv, home: string): Env['kind'] {
  const pyenv = path.join(pyenvRoot(env, home), 'versions') + path.sep;
  if (realPrefix.startsWith(pyenv)) return 'pyenv';
  if (realPrefix.includes(`${path.sep}uv${path.sep}python${path.sep}`)) return 'uv';
  return 'system';
}

/** A display name: the conda env's name, the venv's folder, "Python 3.11.7 (pyenv)". */
function displayName(kind: Env['kind'], probe: ProbeResult, candidate: Candidate): string {
  if (candidate.name) return candidate.name;
  if (kind === 'venv' || kind === 'uv' || kind === 'conda') {
    const folder = path.basename(probe.prefix);
    if (kind === 'conda' || !['.venv', 'venv', 'env', '.env'].includes(folder)) return folder;
    return `${folder} (${path.basename(path.dirname(probe.prefix))})`;
  }
  return `Python ${probe.version} (${kind})`;
}

/** The interpreter to show and run: the env's own `bin/python` when the candidate is a link to it. */
function interpreterOf(kind: Env['kind'], probe: ProbeResult, candidate: Candidate): string {
  if (kind === 'system' || kind === 'pyenv') return candidate.python;
  const own = path.dirname(candidate.python);
  return own.startsWith(probe.prefix) ? candidate.python : path.join(probe.prefix, 'bin', 'python');
}

/** Turns a probe into an Env (identity from real paths, so a venv made from /usr/bin/python3 stays its own env). */
export async function envFromProbe(
  probe: ProbeResult,
  candidate: Candidate,
  context: { env: NodeJS.ProcessEnv; home: string; now: number },
): Promise<Env> {
  const [realPrefix, realInterpreter] = await Promise.all([realOrSame(probe.prefix), realOrSame(probe.executable || candidate.python)]);
  const kind: Env['kind'] = probe.kind === 'base' ? baseKind(realPrefix, context.env, context.home) : probe.kind;
  return {
    id: envIdFor(realPrefix, realInterpreter),
    name: displayName(kind, probe, candidate),
    kind,
    python: interpreterOf(kind, probe, candidate),
    prefix: probe.prefix,
    realPath: realInterpreter,
    version: probe.version,
    hasIpykernel: probe.ipykernel,
    hasPip: probe.pip,
    sources: [candidate.source],
    probedAt: context.now,
    missing: false,
  };
}

/** Ranks an interpreter path for display: one inside the env's own prefix first (not a shim), then the shorter. */
function interpreterRank(env: Env, python: string): number {
  return (python.startsWith(env.prefix + path.sep) ? 0 : 10_000) + python.length;
}

/** Merges two resolutions of one env: the sources joined, the best interpreter path kept. */
export function mergeEnvs(a: Env, b: Env): Env {
  const sources = [...new Set([...a.sources, ...b.sources])];
  const python = interpreterRank(b, b.python) < interpreterRank(a, a.python) ? b.python : a.python;
  const newer = b.probedAt >= a.probedAt ? b : a;
  return { ...newer, python, sources, name: a.name.startsWith('Python ') ? newer.name : a.name };
}
