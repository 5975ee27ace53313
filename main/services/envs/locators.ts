import { access, constants, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ProcessRunner } from '../../core/process-runner';
import { pyenvRoot, type Candidate } from './probe';

/** What locators look at. */
export interface LocatorContext {
  readonly env: NodeJS.ProcessEnv;
  readonly home: string;
  readonly runner: ProcessRunner;
  /** The open project's folder (its `.venv`, `venv`, `env`), or null. */
  readonly projectPath: string | null;
}

/** A locator: answers the interpreters it finds (never throws; a missing tool finds nothing). */
export type Locator = (context: LocatorContext) => Promise<Candidate[]>;

const pythonNames = /^python(3(\.\d+)?)?$/;

/** True when `file` exists and is executable. */
export async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

/** The interpreter of an env folder (`bin/python`, `bin/python3`, Windows `Scripts/python.exe`), or null. */
export async function interpreterIn(prefix: string): Promise<string | null> {
  for (const rel of ['bin/python', 'bin/python3', 'Scripts/python.exe', 'python.exe']) {
    const file = path.join(prefix, rel);
    if (await isExecutable(file)) return file;
  }
  return null;
}

/** The folders of $PATH, in order, without duplicates. */
function pathDirs(env: NodeJS.ProcessEnv): string[] {
  return [...new Set((env.PATH ?? '').split(path.delimiter).filter((dir) => path.isAbsolute(dir)))];
}

/** The pyenv versions its shims run now: PYENV_VERSION, else `$PYENV_ROOT/version` (`system` left out). */
async function pyenvSelected(env: NodeJS.ProcessEnv, home: string): Promise<string[]> {
  let text = env.PYENV_VERSION ?? '';
  if (!text) text = await readFile(path.join(pyenvRoot(env, home), 'version'), 'utf8').catch(() => '');
  return text
    .split(/[\s:]+/)
    .map((name) => name.trim())
    .filter((name) => name && !name.startsWith('#') && name !== 'system');
}

/**
 * pyenv's shims, resolved without running them (each shim is a shell script that starts pyenv, ~150 ms): a shim
 * stands for the same program in the selected version's bin; shims of versions not selected are left out.
 */
async function pyenvShims(dir: string, names: readonly string[], env: NodeJS.ProcessEnv, home: string): Promise<Candidate[]> {
  const versions = await pyenvSelected(env, home);
  const found: Candidate[] = [];
  for (const name of names) {
    for (const version of versions) {
      const file = path.join(pyenvRoot(env, home), 'versions', version, 'bin', name);
      if (await isExecutable(file)) {
        found.push({ python: file, source: 'path' });
        break;
      }
    }
  }
  return found;
}

/** python, python3 and python3.x in each folder of PATH (pyenv shims resolved to the version they run). */
export const pathLocator: Locator = async ({ env, home }) => {
  const found: Candidate[] = [];
  const shims = path.join(pyenvRoot(env, home), 'shims');
  for (const dir of pathDirs(env)) {
    const names = (await listDir(dir)).filter((name) => pythonNames.test(name));
    if (path.resolve(dir) === shims) {
      found.push(...(await pyenvShims(dir, names.sort(), env, home)));
      continue;
    }
    for (const name of names.sort()) {
      const file = path.join(dir, name);
      if (await isExecutable(file)) found.push({ python: file, source: 'path' });
    }
  }
  return found;
};

/** Every pyenv version (`$PYENV_ROOT/versions/*`), and pyenv-virtualenv envs below them. */
export const pyenvLocator: Locator = async ({ env, home }) => {
  const versions = path.join(pyenvRoot(env, home), 'versions');
  const found: Candidate[] = [];
  for (const name of await listDir(versions)) {
    const python = await interpreterIn(path.join(versions, name));
    if (python) found.push({ python, source: 'pyenv' });
    for (const inner of await listDir(path.join(versions, name, 'envs'))) {
      const innerPython = await interpreterIn(path.join(versions, name, 'envs', inner));
      if (innerPython) found.push({ python: innerPython, source: 'pyenv', name: inner });
    }
  }
  return found;
};

/** Env folders (holding pyvenv.cfg or conda-meta) directly below `dir`. */
async function envFoldersIn(dir: string, source: string): Promise<Candidate[]> {
  const found: Candidate[] = [];
  for (const name of await listDir(dir)) {
    const candidate = await envFolder(path.join(dir, name), source);
    if (candidate) found.push(candidate);
  }
  return found;
}

/** A candidate for an env folder (one with pyvenv.cfg or conda-meta and an interpreter), or null. */
async function envFolder(folder: string, source: string, name?: string): Promise<Candidate | null> {
  const marked = (await exists(path.join(folder, 'pyvenv.cfg'))) || (await exists(path.join(folder, 'conda-meta')));
  if (!marked) return null;
  const python = await interpreterIn(folder);
  return python ? { python, source, ...(name ? { name } : {}) } : null;
}

/** True when the path exists (any kind of file). */
export async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/** `.venv`, `venv`, `env` (and `.env` when it is a venv) in the open project. */
export const projectLocator: Locator = async ({ projectPath }) => {
  if (!projectPath) return [];
  const found = await Promise.all(['.venv', 'venv', 'env', '.env'].map((name) => envFolder(path.join(projectPath, name), 'project')));
  return found.filter((candidate): candidate is Candidate => candidate !== null);
};

/** ~/.virtualenvs (virtualenvwrapper), ~/.venvs, and $WORKON_HOME. */
export const virtualenvsLocator: Locator = async ({ env, home }) => {
  const dirs = new Set([path.join(home, '.virtualenvs'), path.join(home, '.venvs')]);
  if (env.WORKON_HOME) dirs.add(env.WORKON_HOME);
  const lists = await Promise.all([...dirs].map((dir) => envFoldersIn(dir, 'virtualenvs')));
  return lists.flat();
};

/** The first of conda, mamba, micromamba found (CONDA_EXE, MAMBA_EXE, PATH, the known roots), or null. */
export async function findCondaTool(env: NodeJS.ProcessEnv, home: string): Promise<string | null> {
  const explicit = [env.CONDA_EXE, env.MAMBA_EXE].filter((file): file is string => Boolean(file));
  for (const file of explicit) if (await isExecutable(file)) return file;
  for (const dir of pathDirs(env)) {
    for (const name of ['conda', 'mamba', 'micromamba']) {
      if (await isExecutable(path.join(dir, name))) return path.join(dir, name);
    }
  }
  for (const root of condaRoots(home)) {
    for (const rel of ['bin/conda', 'condabin/conda', 'bin/mamba', 'bin/micromamba']) {
      if (await isExecutable(path.join(root, rel))) return path.join(root, rel);
    }
  }
  return null;
}

/** Where conda-like installers put their base env. */
export function condaRoots(home: string): string[] {
  return ['miniconda3', 'anaconda3', 'miniforge3', 'mambaforge', 'micromamba', 'micromamba-root'].map((name) => path.join(home, name)).concat('/opt/conda');
}

/** Env prefixes from `conda env list --json` (micromamba answers the same shape). */
async function condaListed(tool: string, context: LocatorContext): Promise<string[]> {
  const result = await context.runner.run(tool, ['env', 'list', '--json'], { timeoutMs: 15_000, env: context.env });
  if (result.code !== 0) return [];
  try {
    const parsed = JSON.parse(result.stdout) as { envs?: unknown };
    return Array.isArray(parsed.envs) ? parsed.envs.filter((item): item is string => typeof item === 'string') : [];
  } catch {
    return [];
  }
}

/** conda, mamba and micromamba envs: the tool's own list, the known roots and their envs/, ~/.conda/environments.txt. */
export const condaLocator: Locator = async (context) => {
  const { env, home } = context;
  const prefixes = new Set<string>();
  const tool = await findCondaTool(env, home);
  if (tool) for (const prefix of await condaListed(tool, context)) prefixes.add(prefix);
  for (const root of condaRoots(home)) {
    prefixes.add(root);
    for (const name of await listDir(path.join(root, 'envs'))) prefixes.add(path.join(root, 'envs', name));
  }
  try {
    const text = await readFile(path.join(home, '.conda', 'environments.txt'), 'utf8');
    for (const line of text.split('\n')) if (line.trim()) prefixes.add(line.trim());
  } catch {
    // No environments.txt: conda never ran for this user.
  }
  const roots = new Set(condaRoots(home));
  if (tool) roots.add(path.dirname(path.dirname(tool)));
  const found = await Promise.all([...prefixes].map((prefix) => envFolder(prefix, 'conda', condaName(prefix, roots))));
  return found.filter((candidate): candidate is Candidate => candidate !== null);
};

/** A conda env's name: `base (miniforge3)` for an installation's root, else the env's folder name. */
function condaName(prefix: string, roots: ReadonlySet<string>): string {
  return roots.has(prefix) ? `base (${path.basename(prefix)})` : path.basename(prefix);
}

/** The `uv` program on PATH (or ~/.local/bin, ~/.cargo/bin), or null. */
export async function findUv(env: NodeJS.ProcessEnv, home: string): Promise<string | null> {
  const dirs = [...pathDirs(env), path.join(home, '.local', 'bin'), path.join(home, '.cargo', 'bin')];
  for (const dir of dirs) if (await isExecutable(path.join(dir, 'uv'))) return path.join(dir, 'uv');
  return null;
}

/** uv-managed interpreters (`uv python list --only-installed`) when uv exists. */
export const uvLocator: Locator = async (context) => {
  const uv = await findUv(context.env, context.home);
  if (!uv) return [];
  const result = await context.runner.run(uv, ['python', 'list', '--only-installed', '--output-format', 'json'], { timeoutMs: 15_000, env: context.env });
  if (result.code !== 0) return [];
  try {
    const items = JSON.parse(result.stdout) as { path?: unknown }[];
    return items
      .map((item) => item.path)
      .filter((file): file is string => typeof file === 'string' && path.isAbsolute(file))
      .map((python) => ({ python, source: 'uv' }));
  } catch {
    return [];
  }
};

/** Every built-in locator; they run concurrently. */
export const allLocators: readonly Locator[] = [pathLocator, pyenvLocator, projectLocator, virtualenvsLocator, condaLocator, uvLocator];
