import type { Env, EnvLock } from '../../../../app/models';

/** An env as the service would answer it; fields overridable. */
export function envOf(overrides: Partial<Env> & { id: string }): Env {
  return {
    name: overrides.id,
    kind: 'venv',
    python: `/home/u/${overrides.id}/bin/python`,
    prefix: `/home/u/${overrides.id}`,
    realPath: `/usr/bin/python3.11`,
    version: '3.11.2',
    hasIpykernel: true,
    hasPip: true,
    sources: ['project'],
    probedAt: 1,
    missing: false,
    ...overrides,
  };
}

export const systemPython = envOf({ id: 'env_system', name: 'Python 3.11 (system)', kind: 'system', python: '/usr/bin/python3', prefix: '/usr', sources: ['path'] });
export const pyenvPython = envOf({ id: 'env_pyenv', name: '3.11.7', kind: 'pyenv', version: '3.11.7', hasIpykernel: false, sources: ['pyenv'] });
export const projectVenv = envOf({ id: 'env_venv', name: '.venv', prefix: '/home/u/Orrery/sample/.venv', python: '/home/u/Orrery/sample/.venv/bin/python' });

/** A snapshot record. */
export function lockOf(id: string, createdAt: number, format: EnvLock['format'] = 'pip'): EnvLock {
  return { id, envId: projectVenv.id, envName: '.venv', createdAt, format, hash: `sha256:${id.padEnd(64, '0')}`, packageCount: 3, pythonVersion: '3.11.2', note: null };
}
