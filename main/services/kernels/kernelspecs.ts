// Kernelspec discovery: kernel.json files under the Jupyter data paths (an env's prefix, JUPYTER_PATH, the
// user's data folder, /usr/local and /usr), a spec synthesized for an env with ipykernel but no spec, and
// the check that a spec's interpreter exists.
import { access, constants, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Env, KernelSpec } from '../../../app/models';

/** A kernelspec with what launching needs beyond the contract's view (its extra environment variables). */
export interface ResolvedSpec extends KernelSpec {
  readonly env: Record<string, string>;
}

/** The kernels folders searched, in Jupyter's priority order (the env's own prefix right after the user's). */
export function kernelSpecDirs(processEnv: NodeJS.ProcessEnv, envPrefixes: readonly string[] = []): string[] {
  const home = processEnv.HOME ?? os.homedir();
  const dataDir = processEnv.JUPYTER_DATA_DIR ?? path.join(processEnv.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'jupyter');
  const fromPath = (processEnv.JUPYTER_PATH ?? '').split(path.delimiter).filter(Boolean);
  const dirs = [
    ...fromPath.map((dir) => path.join(dir, 'kernels')),
    path.join(dataDir, 'kernels'),
    ...envPrefixes.map((prefix) => path.join(prefix, 'share', 'jupyter', 'kernels')),
    '/usr/local/share/jupyter/kernels',
    '/usr/share/jupyter/kernels',
  ];
  return [...new Set(dirs.map((dir) => path.resolve(dir)))];
}

async function isExecutable(file: string): Promise<boolean> {
  return access(file, constants.X_OK).then(() => true, () => false);
}

/** Why a spec cannot start (its program is missing or not executable), else null. */
export async function specProblem(argv: readonly string[], processEnv: NodeJS.ProcessEnv): Promise<string | null> {
  const program = argv[0];
  if (!program) return 'its argv is empty';
  if (path.isAbsolute(program)) {
    return (await isExecutable(program)) ? null : `its interpreter ${program} does not exist or is not executable`;
  }
  for (const dir of (processEnv.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    if (await isExecutable(path.join(dir, program))) return null;
  }
  return `its program "${program}" is not on PATH`;
}

interface KernelJson {
  argv?: unknown;
  display_name?: unknown;
  language?: unknown;
  interrupt_mode?: unknown;
  env?: unknown;
}

/** Reads one kernel.json; null when it is missing or unreadable. */
export async function readSpec(resourceDir: string, envId: string | null, processEnv: NodeJS.ProcessEnv): Promise<ResolvedSpec | null> {
  let json: KernelJson;
  try {
    json = JSON.parse(await readFile(path.join(resourceDir, 'kernel.json'), 'utf8')) as KernelJson;
  } catch {
    return null;
  }
  const argv = Array.isArray(json.argv) ? json.argv.filter((a): a is string => typeof a === 'string') : [];
  const name = path.basename(resourceDir).toLowerCase();
  const env: Record<string, string> = {};
  if (json.env && typeof json.env === 'object') for (const [k, v] of Object.entries(json.env)) if (typeof v === 'string') env[k] = v;
  return {
    name,
    displayName: typeof json.display_name === 'string' ? json.display_name : name,
    language: typeof json.language === 'string' ? json.language : 'python',
    argv,
    interruptMode: json.interrupt_mode === 'message' ? 'message' : 'signal',
    resourceDir,
    envId,
    problem: await specProblem(argv, processEnv),
    env,
  };
}

/** Every spec in the given folders; a name found earlier wins (Jupyter's rule). */
export async function findSpecs(dirs: readonly string[], processEnv: NodeJS.ProcessEnv, envIdOf: (dir: string) => string | null = () => null): Promise<ResolvedSpec[]> {
  const byName = new Map<string, ResolvedSpec>();
  for (const dir of dirs) {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (!entry.isDirectory() && !entry.isSymbolicLink()) continue;
      const name = entry.name.toLowerCase();
      if (byName.has(name)) continue;
      const spec = await readSpec(path.join(dir, entry.name), envIdOf(dir), processEnv);
      if (spec) byName.set(name, spec);
    }
  }
  return [...byName.values()];
}

/** True when argv[0] names a generic Python (python, python3, python3.11), which an env's interpreter replaces. */
export function isGenericPython(program: string): boolean {
  return /^python(\d+(\.\d+)?)?$/.test(path.basename(program));
}

/** The specs an env brings: those in its prefix, bound to it; or one synthesized when it has ipykernel but no spec. */
export async function envSpecs(env: Env, processEnv: NodeJS.ProcessEnv): Promise<ResolvedSpec[]> {
  const dir = path.join(env.prefix, 'share', 'jupyter', 'kernels');
  const own = (await findSpecs([dir], processEnv)).map((spec) => ({ ...spec, name: `${env.id}:${spec.name}`, envId: env.id }));
  if (own.some((spec) => spec.language === 'python') || !env.hasIpykernel) return own;
  const argv = [env.python, '-m', 'ipykernel_launcher', '-f', '{connection_file}'];
  const synthesized: ResolvedSpec = {
    name: `${env.id}:python3`,
    displayName: `Python ${env.version} (${env.name})`,
    language: 'python',
    argv,
    interruptMode: 'signal',
    resourceDir: null,
    envId: env.id,
    problem: env.missing ? `the env ${env.name} is missing (${env.prefix})` : await specProblem(argv, processEnv),
    env: {},
  };
  return [...own, synthesized];
}

/** The argv to launch: placeholders filled, and a generic python replaced by the env's interpreter. */
export function launchArgv(spec: ResolvedSpec, connectionFile: string, env: Env | null): string[] {
  return spec.argv.map((arg, index) => {
    if (index === 0 && env && isGenericPython(arg)) return env.python;
    return arg.replaceAll('{connection_file}', connectionFile).replaceAll('{resource_dir}', spec.resourceDir ?? '');
  });
}

/** The contract's view of a spec (without its env variables). */
export function publicSpec(spec: ResolvedSpec): KernelSpec {
  const { env: _env, ...rest } = spec;
  return rest;
}
