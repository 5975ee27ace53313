// Kernelspec discovery: JUPYTER_PATH first, a missing interpreter reported as the spec's problem, an env's
// synthesized spec, and argv[0] replaced by the env's interpreter.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Env } from '../../../../../app/models';
import { envSpecs, findSpecs, isGenericPython, kernelSpecDirs, launchArgv } from '../../../../../main/services/kernels/kernelspecs';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'orrery-specs-'));
  const write = async (root: string, name: string, spec: object) => {
    await mkdir(path.join(root, 'kernels', name), { recursive: true });
    await writeFile(path.join(root, 'kernels', name, 'kernel.json'), JSON.stringify(spec));
  };
  await write(path.join(dir, 'a'), 'Broken', { argv: ['/nonexistent/bin/python3', '-m', 'ipykernel_launcher', '-f', '{connection_file}'], display_name: 'Broken', language: 'python' });
  await write(path.join(dir, 'a'), 'python3', { argv: ['python3', '-m', 'ipykernel_launcher', '-f', '{connection_file}'], display_name: 'First', language: 'python', interrupt_mode: 'message', env: { X: '1' } });
  await write(path.join(dir, 'b'), 'python3', { argv: ['/usr/bin/python3'], display_name: 'Second', language: 'python' });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const env: Env = {
  id: 'env1', name: 'proj-venv', kind: 'venv', python: '/opt/venv/bin/python', prefix: '/opt/venv', realPath: '/usr/bin/python3.11',
  version: '3.11.2', hasIpykernel: true, hasPip: true, sources: ['project'], probedAt: 0, missing: false,
};

describe('kernelspecs', () => {
  it('searches JUPYTER_PATH, the user folder, then /usr/local and /usr', () => {
    const dirs = kernelSpecDirs({ HOME: '/home/u', JUPYTER_PATH: '/j1:/j2' }, ['/opt/venv']);
    expect(dirs).toEqual(['/j1/kernels', '/j2/kernels', '/home/u/.local/share/jupyter/kernels', '/opt/venv/share/jupyter/kernels', '/usr/local/share/jupyter/kernels', '/usr/share/jupyter/kernels']);
  });

  it('reads specs, the first name wins, and a missing interpreter is the spec problem', async () => {
    const specs = await findSpecs([path.join(dir, 'a', 'kernels'), path.join(dir, 'b', 'kernels')], { PATH: '/usr/bin:/bin' });
    expect(specs.map((s) => [s.name, s.displayName])).toEqual([['broken', 'Broken'], ['python3', 'First']]);
    expect(specs[0]!.problem).toMatch(/\/nonexistent\/bin\/python3 does not exist/);
    expect(specs[1]).toMatchObject({ problem: null, interruptMode: 'message', env: { X: '1' } });
    const noPath = await findSpecs([path.join(dir, 'a', 'kernels')], { PATH: '/nowhere' });
    expect(noPath[1]!.problem).toMatch(/not on PATH/);
  });

  it('synthesizes a spec for an env with ipykernel but none of its own, and launches its interpreter', async () => {
    const specs = await envSpecs(env, { PATH: '' });
    expect(specs).toHaveLength(1);
    expect(specs[0]).toMatchObject({ name: 'env1:python3', envId: 'env1', resourceDir: null, argv: ['/opt/venv/bin/python', '-m', 'ipykernel_launcher', '-f', '{connection_file}'] });
    expect(specs[0]!.problem).toMatch(/\/opt\/venv\/bin\/python/);
    expect(await envSpecs({ ...env, hasIpykernel: false }, {})).toEqual([]);
    const [, generic] = await findSpecs([path.join(dir, 'a', 'kernels')], { PATH: '/usr/bin' });
    expect(launchArgv(generic!, '/run/k.json', env)).toEqual(['/opt/venv/bin/python', '-m', 'ipykernel_launcher', '-f', '/run/k.json']);
    expect(launchArgv(generic!, '/run/k.json', null)[0]).toBe('python3');
    expect(isGenericPython('/usr/bin/python3.11')).toBe(true);
    expect(isGenericPython('/usr/bin/R')).toBe(false);
  });
});
