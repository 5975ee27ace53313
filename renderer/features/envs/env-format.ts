import type { CallInput } from '../../../app/contract';
import type { Env, EnvLock } from '../../../app/models';

/** How an env is named in one line: `Python 3.11.2 · .venv` (an env's folder name; an interpreter's kind). */
export function describeEnv(env: Env): string {
  const python = `Python ${env.version}`;
  if (env.kind === 'system' || env.kind === 'pyenv') return `${python} · ${env.kind}`;
  const folder = env.prefix.split(/[\\/]/).filter(Boolean).pop();
  return `${python} · ${folder ?? env.name}`;
}

/** Why a missing env is greyed out. */
export function missingReason(env: Env): string {
  return `Missing: ${env.python} no longer exists (the env folder was deleted or moved). Recreate it from a snapshot, or choose another environment.`;
}

const kindOrder: Readonly<Record<Env['kind'], number>> = { venv: 0, uv: 1, conda: 2, system: 3, pyenv: 4 };

/** The order the list shows: the project's env first, then project-like kinds, then interpreters; missing ones last. */
export function sortEnvs(envs: readonly Env[], defaultId: string | null): Env[] {
  return [...envs].sort(
    (a, b) =>
      Number(b.id === defaultId) - Number(a.id === defaultId) ||
      Number(a.missing) - Number(b.missing) ||
      kindOrder[a.kind] - kindOrder[b.kind] ||
      a.name.localeCompare(b.name, undefined, { numeric: true }) ||
      a.python.localeCompare(b.python, undefined, { numeric: true }),
  );
}

/** Where packages to install come from. */
export const installSources = [
  { id: 'spec', label: 'Name or spec', placeholder: 'numpy==1.26.4 "pandas>=2"' },
  { id: 'requirements', label: 'Requirements file', placeholder: '/path/to/requirements.txt' },
  { id: 'file', label: 'Wheel or sdist file', placeholder: '/path/to/pkg-1.0-py3-none-any.whl' },
  { id: 'editable', label: 'Editable folder', placeholder: '/path/to/project (installed with -e)' },
  { id: 'git', label: 'Git URL', placeholder: 'git+file:///path/to/repo or https://host/repo.git@v1' },
] as const;

/** One of `installSources`. */
export type InstallSource = (typeof installSources)[number]['id'];

/** Splits a line of specs on whitespace, keeping quoted parts together (`"pandas >= 2"`). */
export function splitSpecs(text: string): string[] {
  const out: string[] = [];
  for (const match of text.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) {
    const spec = (match[1] ?? match[2] ?? match[3] ?? '').trim();
    if (spec) out.push(spec);
  }
  return out;
}

/** A git URL as pip takes it: `git+` added when the URL does not say it already. */
export function gitSpec(url: string): string {
  const trimmed = url.trim();
  if (/^git\+/.test(trimmed) || /^[A-Za-z0-9_.-]+\s*@\s*git\+/.test(trimmed)) return trimmed;
  return `git+${trimmed}`;
}

/** The env.install input for what the form holds; throws an Error that says what to type when it is empty. */
export function installInput(id: string, source: InstallSource, value: string, upgrade: boolean): Omit<CallInput<'env.install'>, 'taskId'> {
  const text = value.trim();
  if (!text) throw new Error(emptyMessage[source]);
  const base = { id, ...(upgrade ? { upgrade: true } : {}) };
  switch (source) {
    case 'spec':
      return { ...base, specs: splitSpecs(text) };
    case 'requirements':
      return { ...base, specs: [], requirementsFile: text };
    case 'file':
      return { ...base, specs: [text] };
    case 'editable':
      return { ...base, specs: [], editable: [text] };
    case 'git':
      return { ...base, specs: [gitSpec(text)] };
  }
}

const emptyMessage: Readonly<Record<InstallSource, string>> = {
  spec: 'Type a package name or spec, e.g. numpy or "numpy>=1.26".',
  requirements: 'Type the full path of a requirements file.',
  file: 'Type the full path of a wheel (.whl) or sdist (.tar.gz, .zip).',
  editable: 'Type the full path of a folder with a pyproject.toml or setup.py.',
  git: 'Type a git URL, e.g. git+file:///path/to/repo.',
};

/** The two snapshots of a diff, older first (`from`), whichever order they were picked in. */
export function diffOrder(a: EnvLock, b: EnvLock): { from: EnvLock; to: EnvLock } {
  return a.createdAt <= b.createdAt ? { from: a, to: b } : { from: b, to: a };
}

/** The first characters of a sha256, enough to tell snapshots apart. */
export function shortHash(hash: string): string {
  return hash.replace(/^sha256:/, '').slice(0, 12);
}

/** The default folder of a new venv or uv env: `<project>/.venv`. */
export function defaultEnvPath(projectPath: string | null | undefined): string {
  if (!projectPath) return '';
  const separator = projectPath.includes('\\') && !projectPath.includes('/') ? '\\' : '/';
  return `${projectPath.replace(/[\\/]+$/, '')}${separator}.venv`;
}
