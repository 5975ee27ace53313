// Activation variables for each env kind, and the commands that create and install.
import { describe, expect, it } from 'vitest';
import type { Env } from '../../../../../app/models';
import { activationEnv, binDirOf } from '../../../../../main/services/envs/activation';
import { createCommand } from '../../../../../main/services/envs/create';
import { parsePipList, pipInstallArgs, pipUninstallArgs } from '../../../../../main/services/envs/packages';
import { matchEnv } from '../../../../../main/services/envs/resolve-env';

const env = (over: Partial<Env>): Env => ({
  id: 'env_1',
  name: '.venv (proj)',
  kind: 'venv',
  python: '/p/.venv/bin/python',
  prefix: '/p/.venv',
  realPath: '/usr/bin/python3.11',
  version: '3.11.2',
  hasIpykernel: true,
  hasPip: true,
  sources: ['project'],
  probedAt: 1,
  missing: false,
  ...over,
});

describe('activation', () => {
  it('puts a venv first on PATH, sets VIRTUAL_ENV, drops PYTHONHOME and a previous venv', () => {
    const out = activationEnv(env({}), { PATH: '/old/venv/bin:/usr/bin:/p/.venv/bin', VIRTUAL_ENV: '/old/venv', PYTHONHOME: '/x', KEEP: '1' }, 'linux');
    expect(out).toEqual({ PATH: '/p/.venv/bin:/usr/bin', VIRTUAL_ENV: '/p/.venv', VIRTUAL_ENV_PROMPT: '.venv (proj)', KEEP: '1' });
  });

  it('sets CONDA_PREFIX for conda, PYENV_VERSION for pyenv, and only PATH for the system Python', () => {
    const conda = activationEnv(env({ kind: 'conda', prefix: '/c/envs/r', name: 'r', python: '/c/envs/r/bin/python' }), { PATH: '/usr/bin', VIRTUAL_ENV: '/v' }, 'linux');
    expect(conda).toMatchObject({ PATH: '/c/envs/r/bin:/usr/bin', CONDA_PREFIX: '/c/envs/r', CONDA_DEFAULT_ENV: 'r' });
    expect(conda.VIRTUAL_ENV).toBeUndefined();
    const pyenv = activationEnv(env({ kind: 'pyenv', prefix: '/h/.pyenv/versions/3.11.7', python: '/h/.pyenv/versions/3.11.7/bin/python3' }), { PATH: '/usr/bin' }, 'linux');
    expect(pyenv).toEqual({ PATH: '/h/.pyenv/versions/3.11.7/bin:/usr/bin', PYENV_VERSION: '3.11.7' });
    expect(activationEnv(env({ kind: 'system', prefix: '/usr', python: '/usr/bin/python3' }), { PATH: '/bin' }, 'linux')).toEqual({ PATH: '/usr/bin:/bin' });
    expect(binDirOf(env({}), 'win32')).toMatch(/Scripts$/);
  });
});

describe('commands', () => {
  it('builds venv, uv and conda create commands, refusing a missing tool', () => {
    const plan = { kind: 'venv' as const, prefix: '/p/.venv', python: '/usr/bin/python3', systemSitePackages: true, conda: null, uv: null };
    expect(createCommand(plan)).toEqual({ file: '/usr/bin/python3', args: ['-m', 'venv', '--system-site-packages', '/p/.venv'] });
    expect(createCommand({ ...plan, kind: 'uv', uv: '/bin/uv', python: '3.12' })).toEqual({ file: '/bin/uv', args: ['venv', '--python', '3.12', '--system-site-packages', '/p/.venv'] });
    expect(createCommand({ ...plan, kind: 'conda', conda: '/bin/mamba', prefix: null, name: 'r', python: '3.11' })).toEqual({ file: '/bin/mamba', args: ['create', '-y', '-n', 'r', 'python=3.11'] });
    expect(() => createCommand({ ...plan, kind: 'uv' })).toThrow(/uv is not installed/);
    expect(() => createCommand({ ...plan, kind: 'conda' })).toThrow(/conda, mamba or micromamba is not installed/);
  });

  it('builds pip install and uninstall arguments and refuses options posing as specs', () => {
    expect(pipInstallArgs({ specs: ['numpy>=1', '/w/a.whl'], requirementsFile: '/r.txt', editable: ['/src'], upgrade: true })).toEqual([
      '-m', 'pip', 'install', '--upgrade', 'numpy>=1', '/w/a.whl', '-r', '/r.txt', '-e', '/src',
    ]);
    expect(() => pipInstallArgs({ specs: ['--index-url=http://x'] })).toThrow(/not a package spec/);
    expect(() => pipInstallArgs({ specs: [] })).toThrow(/Nothing to install/);
    expect(pipUninstallArgs(['a', 'b.c'])).toEqual(['-m', 'pip', 'uninstall', '-y', 'a', 'b.c']);
    expect(() => pipUninstallArgs(['-r'])).toThrow(/not a package name/);
  });

  it('parses pip list JSON after warnings, with editable locations', () => {
    const stdout = 'WARNING: something\n[{"name": "zeta", "version": "1"}, {"name": "Alpha", "version": "2", "editable_project_location": "/src/alpha"}]\n';
    expect(parsePipList(stdout)).toEqual([
      { name: 'Alpha', version: '2', editableLocation: '/src/alpha' },
      { name: 'zeta', version: '1', editableLocation: null },
    ]);
  });

  it('finds an env by id, name or path, and says when a name is unknown or shared', () => {
    const a = env({});
    const b = env({ id: 'env_2', name: 'research', prefix: '/h/.virtualenvs/research', python: '/h/.virtualenvs/research/bin/python' });
    const c = env({ id: 'env_3', name: 'research', prefix: '/x/research', python: '/x/research/bin/python' });
    expect(matchEnv([a, b], 'env_2', '/')).toBe(b);
    expect(matchEnv([a, b], 'Research', '/')).toBe(b);
    expect(matchEnv([a, b], '.venv', '/p')).toBe(a);
    expect(matchEnv([a, b], './.venv/bin/python', '/p')).toBe(a);
    expect(matchEnv([a, b], '/elsewhere', '/')).toBeNull();
    expect(() => matchEnv([a, b], 'nope', '/')).toThrow(/No environment "nope"/);
    expect(() => matchEnv([a, b, c], 'research', '/')).toThrow(/2 environments are named/);
  });
});
