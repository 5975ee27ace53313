// Locators over fake folders and fake tools (conda, uv are not installed here): what each finds, and that a
// missing folder or tool finds nothing rather than failing.
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProcessRunner } from '../../../../../main/core/process-runner';
import {
  condaLocator,
  findCondaTool,
  findUv,
  pathLocator,
  projectLocator,
  pyenvLocator,
  uvLocator,
  virtualenvsLocator,
  type LocatorContext,
} from '../../../../../main/services/envs/locators';

let root: string;
const runner = createProcessRunner();

async function fakeEnv(prefix: string, marker: 'pyvenv.cfg' | 'conda-meta' | null): Promise<string> {
  await mkdir(path.join(prefix, 'bin'), { recursive: true });
  if (marker === 'pyvenv.cfg') await writeFile(path.join(prefix, marker), 'home = /usr/bin\n');
  if (marker === 'conda-meta') await mkdir(path.join(prefix, marker));
  const python = path.join(prefix, 'bin', 'python');
  await symlink('/usr/bin/python3', python);
  return python;
}

async function fakeTool(dir: string, name: string, stdout: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, name);
  await writeFile(file, `#!/bin/sh\n/bin/cat <<'JSON'\n${stdout}\nJSON\n`);
  await chmod(file, 0o755);
  return file;
}

const context = (over: Partial<LocatorContext>): LocatorContext => ({ env: { PATH: '' }, home: path.join(root, 'home'), runner, projectPath: null, ...over });

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'orrery-locators-'));
  await mkdir(path.join(root, 'home'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('locators', () => {
  it('finds python, python3 and python3.x in PATH folders, once per folder', async () => {
    const bin = path.join(root, 'bin');
    await mkdir(bin);
    for (const name of ['python', 'python3', 'python3.12', 'python3-config', 'pythonista']) await symlink('/usr/bin/python3', path.join(bin, name));
    const found = await pathLocator(context({ env: { PATH: `${bin}:${bin}:relative/dir` } }));
    expect(found.map((item) => path.basename(item.python))).toEqual(['python', 'python3', 'python3.12']);
    expect(found.every((item) => item.source === 'path')).toBe(true);
  });

  it('resolves pyenv shims on PATH to the selected version without running them', async () => {
    const pyenv = path.join(root, 'pyenv');
    await fakeEnv(path.join(pyenv, 'versions', '3.12.1'), null);
    await symlink('/usr/bin/python3', path.join(pyenv, 'versions', '3.12.1', 'bin', 'python3'));
    await mkdir(path.join(pyenv, 'shims'));
    for (const name of ['python', 'python3', 'python3.9']) await fakeTool(path.join(pyenv, 'shims'), name, 'never run');
    await writeFile(path.join(pyenv, 'version'), '3.12.1\n');
    const found = await pathLocator(context({ env: { PATH: path.join(pyenv, 'shims'), PYENV_ROOT: pyenv } }));
    expect(found).toEqual([
      { python: path.join(pyenv, 'versions', '3.12.1', 'bin', 'python'), source: 'path' },
      { python: path.join(pyenv, 'versions', '3.12.1', 'bin', 'python3'), source: 'path' },
    ]);
    // PYENV_VERSION wins over the version file; `system` means the shims fall through to PATH (found there).
    expect(await pathLocator(context({ env: { PATH: path.join(pyenv, 'shims'), PYENV_ROOT: pyenv, PYENV_VERSION: 'system' } }))).toEqual([]);
  });

  it('finds pyenv versions and pyenv-virtualenv envs under PYENV_ROOT', async () => {
    const pyenv = path.join(root, 'pyenv');
    await fakeEnv(path.join(pyenv, 'versions', '3.12.1'), null);
    await fakeEnv(path.join(pyenv, 'versions', '3.12.1', 'envs', 'tools'), 'pyvenv.cfg');
    const found = await pyenvLocator(context({ env: { PYENV_ROOT: pyenv } }));
    expect(found).toEqual([
      { python: path.join(pyenv, 'versions', '3.12.1', 'bin', 'python'), source: 'pyenv' },
      { python: path.join(pyenv, 'versions', '3.12.1', 'envs', 'tools', 'bin', 'python'), source: 'pyenv', name: 'tools' },
    ]);
    expect(await pyenvLocator(context({ env: { PYENV_ROOT: path.join(root, 'none') } }))).toEqual([]);
  });

  it('finds venvs in the project and in ~/.virtualenvs, ~/.venvs, $WORKON_HOME; folders without pyvenv.cfg are not envs', async () => {
    const project = path.join(root, 'project');
    await fakeEnv(path.join(project, '.venv'), 'pyvenv.cfg');
    await fakeEnv(path.join(project, 'env'), null);
    await fakeEnv(path.join(root, 'home', '.virtualenvs', 'a'), 'pyvenv.cfg');
    await fakeEnv(path.join(root, 'home', '.venvs', 'b'), 'pyvenv.cfg');
    await fakeEnv(path.join(root, 'workon', 'c'), 'pyvenv.cfg');
    expect((await projectLocator(context({ projectPath: project }))).map((item) => item.python)).toEqual([path.join(project, '.venv', 'bin', 'python')]);
    expect(await projectLocator(context({}))).toEqual([]);
    const found = await virtualenvsLocator(context({ env: { WORKON_HOME: path.join(root, 'workon') } }));
    expect(found.map((item) => path.basename(path.dirname(path.dirname(item.python)))).sort()).toEqual(['a', 'b', 'c']);
  });

  it('finds conda envs from the tool, the known roots, and environments.txt', async () => {
    const home = path.join(root, 'home');
    await fakeEnv(path.join(home, 'miniforge3'), 'conda-meta');
    await fakeEnv(path.join(home, 'miniforge3', 'envs', 'vision'), 'conda-meta');
    await fakeEnv(path.join(root, 'listed', 'nlp'), 'conda-meta');
    await fakeEnv(path.join(root, 'txt', 'audio'), 'conda-meta');
    await mkdir(path.join(home, '.conda'));
    await writeFile(path.join(home, '.conda', 'environments.txt'), `${path.join(root, 'txt', 'audio')}\n/no/such/env\n`);
    const tools = path.join(root, 'tools');
    await fakeTool(tools, 'conda', JSON.stringify({ envs: [path.join(root, 'listed', 'nlp')] }));
    expect(await findCondaTool({ PATH: tools }, home)).toBe(path.join(tools, 'conda'));
    const found = await condaLocator(context({ env: { PATH: tools } }));
    expect(found.map((item) => item.name).sort()).toEqual(['audio', 'base (miniforge3)', 'nlp', 'vision'].sort());
    expect(found.every((item) => item.source === 'conda')).toBe(true);
    expect(await findCondaTool({ PATH: '' }, home)).toBe(null);
  });

  it('asks uv for its Pythons when uv exists, and finds nothing without it', async () => {
    const tools = path.join(root, 'uvbin');
    const managed = await fakeEnv(path.join(root, 'home', '.local', 'share', 'uv', 'python', 'cpython-3.12'), null);
    await fakeTool(tools, 'uv', JSON.stringify([{ path: managed, version: '3.12.0' }, { path: null }]));
    expect(await findUv({ PATH: tools }, path.join(root, 'home'))).toBe(path.join(tools, 'uv'));
    expect(await uvLocator(context({ env: { PATH: tools } }))).toEqual([{ python: managed, source: 'uv' }]);
    expect(await uvLocator(context({}))).toEqual([]);
  });
});
