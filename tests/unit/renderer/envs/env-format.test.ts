import { describe, expect, it } from 'vitest';
import { createInputOf, kindAvailability } from '../../../../renderer/features/envs/env-create-dialog';
import { defaultEnvPath, describeEnv, diffOrder, gitSpec, installInput, sortEnvs, splitSpecs } from '../../../../renderer/features/envs/env-format';
import { lockOf, projectVenv, pyenvPython, systemPython } from './fixtures';

describe('env display', () => {
  it('names an env in one line and lists the project env first, missing ones last', () => {
    expect(describeEnv(projectVenv)).toBe('Python 3.11.2 · .venv');
    expect(describeEnv(systemPython)).toBe('Python 3.11.2 · system');
    const gone = { ...projectVenv, id: 'env_gone', name: 'old', missing: true };
    expect(sortEnvs([systemPython, gone, pyenvPython, projectVenv], pyenvPython.id).map((e) => e.id)).toEqual([pyenvPython.id, projectVenv.id, systemPython.id, gone.id]);
    const versions = ['Python 3.10.13 (pyenv)', 'Python 3.9.18 (pyenv)'].map((name, i) => ({ ...pyenvPython, id: `p${i}`, name }));
    expect(sortEnvs(versions, null).map((e) => e.name)).toEqual(['Python 3.9.18 (pyenv)', 'Python 3.10.13 (pyenv)']);
  });

  it('orders a diff older → newer whichever was picked first', () => {
    const a = lockOf('lock_a', 10);
    const b = lockOf('lock_b', 20);
    expect(diffOrder(b, a)).toEqual({ from: a, to: b });
    expect(diffOrder(a, b)).toEqual({ from: a, to: b });
  });

  it('defaults a new env to <project>/.venv', () => {
    expect(defaultEnvPath('/home/u/proj/')).toBe('/home/u/proj/.venv');
    expect(defaultEnvPath(null)).toBe('');
  });
});

describe('install input from the form', () => {
  it('maps each source to env.install fields', () => {
    expect(installInput('e', 'spec', ' numpy "pandas >= 2" ', false)).toEqual({ id: 'e', specs: ['numpy', 'pandas >= 2'] });
    expect(installInput('e', 'requirements', '/p/requirements.txt', true)).toEqual({ id: 'e', upgrade: true, specs: [], requirementsFile: '/p/requirements.txt' });
    expect(installInput('e', 'file', '/p/dist/tiny-1.0-py3-none-any.whl', false)).toEqual({ id: 'e', specs: ['/p/dist/tiny-1.0-py3-none-any.whl'] });
    expect(installInput('e', 'editable', '/p/src/tiny', false)).toEqual({ id: 'e', specs: [], editable: ['/p/src/tiny'] });
    expect(installInput('e', 'git', 'file:///p/repo.git', false)).toEqual({ id: 'e', specs: ['git+file:///p/repo.git'] });
    expect(gitSpec('tiny @ git+file:///p/repo')).toBe('tiny @ git+file:///p/repo');
    expect(splitSpecs(`a 'b c'`)).toEqual(['a', 'b c']);
  });

  it('refuses an empty field with what to type', () => {
    expect(() => installInput('e', 'spec', '  ', false)).toThrow(/package name or spec/);
    expect(() => installInput('e', 'git', '', false)).toThrow(/git URL/);
  });
});

describe('create input from the dialog', () => {
  const tools = { venv: true, conda: null, uv: null, pythons: [{ python: '/usr/bin/python3', version: '3.11.2' }] };

  it('offers only the kinds whose tool exists, saying why the others are off', () => {
    expect(kindAvailability(tools, 'venv')).toEqual({ ok: true, why: '' });
    expect(kindAvailability(tools, 'conda')).toMatchObject({ ok: false, why: expect.stringMatching(/not installed/) });
    expect(kindAvailability(tools, 'uv').ok).toBe(false);
    expect(kindAvailability(null, 'venv').ok).toBe(false);
  });

  it('builds venv, conda and uv inputs; the new env becomes the project default', () => {
    const base = { python: '/usr/bin/python3', location: '/p/.venv', name: '', systemSitePackages: true };
    expect(createInputOf({ ...base, kind: 'venv' })).toEqual({ kind: 'venv', makeDefault: true, python: '/usr/bin/python3', path: '/p/.venv', systemSitePackages: true });
    expect(createInputOf({ ...base, kind: 'uv' })).toEqual({ kind: 'uv', makeDefault: true, python: '/usr/bin/python3', path: '/p/.venv' });
    expect(createInputOf({ ...base, kind: 'conda', python: '3.11', location: '', name: 'ml' })).toEqual({ kind: 'conda', makeDefault: true, python: '3.11', name: 'ml' });
    expect(() => createInputOf({ ...base, kind: 'conda', location: '', name: ' ' })).toThrow(/name/);
    expect(() => createInputOf({ ...base, kind: 'venv', location: '' })).toThrow(/folder/);
  });
});
