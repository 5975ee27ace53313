// Env discovery on this machine's real interpreters: the Debian python3, pyenv's versions, venvs in the project
// and in ~/.virtualenvs; the cache, single flight, a deleted env shown as missing, registering, bad paths.
import { chmod, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Env } from '../../app/models';
import { envWorld, failure, makeVenv, nextDiscovered, systemPython, type EnvWorld } from './envs-harness';

let world: EnvWorld | null = null;
afterEach(async () => {
  await world?.dispose();
  world = null;
});

async function discovered(w: EnvWorld): Promise<Env[]> {
  const done = nextDiscovered(w.core);
  const first = await w.core.services.envs.list({ refresh: true });
  expect(first.discovering).toBe(true);
  await done;
  return (await w.core.services.envs.list({})).envs;
}

describe('env discovery', () => {
  it('finds the system python, pyenv versions, the project venv and ~/.virtualenvs, each once', async () => {
    world = await envWorld();
    makeVenv(path.join(world.projectDir, '.venv'));
    makeVenv(path.join(world.home, '.virtualenvs', 'research'));
    const empty = await world.core.services.envs.list({});
    expect(empty.envs).toEqual([]);
    const envs = await discovered(world);

    const system = envs.find((env) => env.realPath.startsWith('/usr/bin/python3') && env.kind === 'system');
    expect(system).toMatchObject({ kind: 'system', hasIpykernel: true, prefix: '/usr', missing: false });
    expect(system!.version).toMatch(/^3\.11\./);
    const pyenv = envs.find((env) => env.kind === 'pyenv' && env.version === '3.11.7');
    expect(pyenv).toMatchObject({ hasIpykernel: false, hasPip: true });
    expect(pyenv!.sources).toEqual(expect.arrayContaining(['pyenv', 'path']));
    expect(pyenv!.python).toContain('/versions/3.11.7/');
    // Every pyenv version (2.7 included: the probe runs on old Pythons too).
    const versions = path.join(world.env.PYENV_ROOT!, 'versions');
    for (const version of await readdir(versions).catch(() => [] as string[])) {
      expect(envs.map((env) => env.prefix)).toContain(path.join(versions, version));
    }

    const projectVenv = envs.find((env) => env.prefix === path.join(world!.projectDir, '.venv'));
    expect(projectVenv).toMatchObject({ kind: 'venv', sources: ['project'], hasIpykernel: true, python: path.join(world.projectDir, '.venv', 'bin', 'python') });
    // The venv's bin/python is a link to the system interpreter, yet both are listed, with different ids.
    expect(projectVenv!.realPath).toBe(system!.realPath);
    expect(projectVenv!.id).not.toBe(system!.id);
    expect(envs.find((env) => env.prefix.endsWith('/.virtualenvs/research'))).toMatchObject({ kind: 'venv', name: 'research', sources: ['virtualenvs'] });

    // No env twice; every env.found carried a listed env; one env.discovered with the count.
    expect(new Set(envs.map((env) => env.id)).size).toBe(envs.length);
    const ids = new Set(envs.map((env) => env.id));
    expect(world.events('env.found').every((event) => ids.has(event.env.id))).toBe(true);
    expect(world.events('env.discovered')).toEqual([{ count: envs.length, ms: expect.any(Number) as number }]);
  });

  it('answers from the cache at once on a later start, with the same ids, and runs one pass for many refreshes', async () => {
    world = await envWorld();
    const envs = await discovered(world);
    const again = await world.reopen();
    const cached = await again.services.envs.list({});
    expect(cached.discovering).toBe(false);
    expect(cached.envs.map((env) => env.id).sort()).toEqual(envs.map((env) => env.id).sort());

    const done = nextDiscovered(again);
    const counts: number[] = [];
    again.bus.subscribe('env.discovered', '', (event) => counts.push(event.payload.count));
    const results = await Promise.all([again.services.envs.list({ refresh: true }), again.services.envs.list({ refresh: true })]);
    expect(results.every((result) => result.discovering)).toBe(true);
    await done;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(counts).toHaveLength(1);
  });

  it('marks an env whose folder was deleted as missing, and refuses work in it with not_found', async () => {
    world = await envWorld();
    const venv = path.join(world.projectDir, 'venv');
    makeVenv(venv);
    const envs = await discovered(world);
    const listed = envs.find((env) => env.prefix === venv)!;
    expect(listed.missing).toBe(false);
    await world.core.services.envs.setDefault(listed.id);
    await rm(venv, { recursive: true, force: true });

    const after = await world.core.services.envs.list({});
    expect(after.envs.find((env) => env.id === listed.id)).toMatchObject({ missing: true });
    expect(await world.core.services.envs.get(listed.id)).toMatchObject({ missing: true, prefix: venv });
    expect(await world.core.services.envs.getDefault()).toMatchObject({ id: listed.id, missing: true });
    const refused = await failure(world.core.services.envs.packages(listed.id));
    expect(refused.code).toBe('not_found');
    expect(refused.message).toContain('no longer exists');
    expect((await failure(world.core.services.envs.install({ id: listed.id, specs: ['x'] }))).code).toBe('not_found');
    expect((await failure(world.core.services.envs.get('env_nope'))).code).toBe('not_found');
  });

  it('after a pass, drops a vanished env it had discovered but keeps a registered one as missing', async () => {
    world = await envWorld();
    const found = path.join(world.home, '.venvs', 'found');
    const registered = path.join(world.base, 'mine');
    makeVenv(found);
    makeVenv(registered);
    const mine = await world.core.services.envs.register(registered);
    const envs = await discovered(world);
    const discoveredEnv = envs.find((env) => env.prefix === found)!;
    expect(envs.find((env) => env.id === mine.id)).toMatchObject({ missing: false, sources: ['registered'] });
    await rm(found, { recursive: true, force: true });
    await rm(registered, { recursive: true, force: true });
    const after = await discovered(world);
    expect(after.find((env) => env.id === discoveredEnv.id)).toBeUndefined();
    expect(after.find((env) => env.id === mine.id)).toMatchObject({ missing: true });
  });

  it('registers an env folder or interpreter discovery does not see, and refuses bad paths', async () => {
    world = await envWorld();
    const hidden = path.join(world.base, 'elsewhere', 'myenv');
    makeVenv(hidden);
    const registered = await world.core.services.envs.register(hidden);
    expect(registered).toMatchObject({ kind: 'venv', prefix: hidden, sources: ['registered'], name: 'myenv' });
    expect((await world.core.services.envs.register(path.join(hidden, 'bin', 'python'))).id).toBe(registered.id);
    expect((await world.core.services.envs.list({})).envs.map((env) => env.id)).toContain(registered.id);

    expect((await failure(world.core.services.envs.register('relative/path'))).code).toBe('invalid_input');
    expect((await failure(world.core.services.envs.register(path.join(world.base, 'nothing')))).code).toBe('not_found');
    expect((await failure(world.core.services.envs.register(world.base))).code).toBe('invalid_input');
    const notNamedPython = path.join(world.base, 'tool');
    await writeFile(notNamedPython, '#!/bin/sh\ntouch ran\n');
    await chmod(notNamedPython, 0o755);
    expect((await failure(world.core.services.envs.register(notNamedPython))).code).toBe('invalid_input');
    await mkdir(path.join(world.base, 'fakebin'));
    const fake = path.join(world.base, 'fakebin', 'python3');
    await writeFile(fake, '#!/bin/sh\necho not python\n');
    await chmod(fake, 0o755);
    const notPython = await failure(world.core.services.envs.register(fake));
    expect(notPython.code).toBe('process_failed');
    expect(notPython.message).toContain('not a working Python');
  });

  it('lists the Pythons a venv can be built from in env.tools', async () => {
    world = await envWorld();
    const tools = await world.core.services.envs.tools();
    expect(tools.venv).toBe(true);
    expect(tools.pythons[0]).toMatchObject({ python: expect.stringMatching(/python3/) as string });
    expect(tools.pythons.some((entry) => entry.python === systemPython || entry.python === '/bin/python3' || entry.python === '/usr/bin/python3.11')).toBe(true);
    expect(tools.pythons.every((entry) => entry.version.startsWith('3.'))).toBe(true);
  });
});
