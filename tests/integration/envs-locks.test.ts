// Creating envs, the project's default env, locks and recreate, on real venvs: create with output and the partial
// folder removed on failure; the default stored in project.db and used by terminals (which python / $VIRTUAL_ENV);
// pip freeze snapshots with hash, diff, export, and a new env recreated from a snapshot with local wheels only.
import { createHash } from 'node:crypto';
import { access, chmod, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Env } from '../../app/models';
import { anyId } from '../../main/core/event-bus';
import { buildWheel, envWorld, failure, systemPython, writePackage, type EnvWorld } from './envs-harness';

let world: EnvWorld;
let created: Env;
let pkgs: string;

beforeAll(async () => {
  world = await envWorld();
  pkgs = path.join(world.base, 'pkgs');
  await mkdir(pkgs);
});

afterAll(async () => {
  await world.dispose();
});

const exists = (file: string) => access(file).then(() => true, () => false);

describe('env create and the default env', () => {
  it('creates a venv in <project>/.venv with output on the task, and makes it the default', async () => {
    const output: string[] = [];
    world.core.bus.subscribe('task.output', 'task_create', (event) => output.push(event.payload.text));
    created = await world.core.services.envs.create({ kind: 'venv', python: systemPython, systemSitePackages: true, taskId: 'task_create' });
    expect(created).toMatchObject({ kind: 'venv', prefix: path.join(world.projectDir, '.venv'), hasIpykernel: true, sources: ['created'], missing: false });
    expect(output.join('')).toContain('-m venv --system-site-packages');
    expect(await world.core.services.envs.getDefault()).toMatchObject({ id: created.id });
    expect(world.events('env.defaultChanged').at(-1)?.env?.id).toBe(created.id);
    // The default lives in project.db: a later start of the project sees it.
    const again = await world.reopen();
    expect((await again.services.envs.getDefault())?.id).toBe(created.id);
    expect(again.services.envs.defaultEnvCached()?.id).toBe(created.id);
  });

  it('activates the default env for child processes and in the project terminals', async () => {
    const vars = world.core.services.envs.activation(created, { PATH: '/usr/bin:/bin', PYTHONHOME: '/x', HOME: '/h' });
    expect(vars).toMatchObject({ PATH: `${created.prefix}/bin:/usr/bin:/bin`, VIRTUAL_ENV: created.prefix, HOME: '/h' });
    expect(vars.PYTHONHOME).toBeUndefined();

    const terminals = world.core.services.terminals;
    const chunks: string[] = [];
    world.core.bus.subscribe('terminal.data', anyId, (event) => chunks.push(event.payload.data));
    const term = await terminals.create({});
    terminals.write(term.id, 'echo "VENV=$VIRTUAL_ENV"; echo "WHICH=$(which python)"\n');
    const deadline = Date.now() + 15_000;
    while (!/WHICH=\//.test(chunks.join('')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const text = chunks.join('');
    expect(text).toContain(`VENV=${created.prefix}`);
    expect(text).toContain(`WHICH=${created.prefix}/bin/python`);
  });

  it('clears the default and refuses creation it cannot do, removing the partial folder on failure', async () => {
    const envs = world.core.services.envs;
    expect((await failure(envs.create({ kind: 'venv', python: systemPython }))).code).toBe('already_exists');
    expect((await failure(envs.create({ kind: 'venv', path: '/etc/orrery-venv' }))).code).toBe('path_outside_root');
    expect((await failure(envs.create({ kind: 'venv', path: path.join(world.base, 'v2'), python: '/no/such/python' }))).code).toBe('not_found');
    expect((await failure(envs.create({ kind: 'venv', path: path.join(world.base, 'v2'), python: 'banana' }))).code).toBe('invalid_input');
    const tools = await envs.tools();
    if (!tools.conda) expect((await failure(envs.create({ kind: 'conda', name: 'x' }))).code).toBe('unavailable');
    if (!tools.uv) expect((await failure(envs.create({ kind: 'uv', path: path.join(world.base, 'uvenv') }))).code).toBe('unavailable');
    expect((await failure(envs.create({ kind: 'venv', path: path.join(world.base, 'v3'), python: '/bin/false' }))).code).toBe('invalid_input');
    // A base interpreter whose venv step writes part of the folder, then fails: nothing is left behind.
    await mkdir(path.join(world.base, 'badbin'));
    const badPython = path.join(world.base, 'badbin', 'python3');
    await writeFile(badPython, '#!/bin/sh\nfor last; do :; done\nmkdir -p "$last/lib"\necho "venv: disk full" >&2\nexit 1\n');
    await chmod(badPython, 0o755);
    const target = path.join(world.base, 'broken-venv');
    const failed = await failure(envs.create({ kind: 'venv', path: target, python: badPython }));
    expect(failed.code).toBe('process_failed');
    expect(failed.message).toContain('venv: disk full');
    expect(await exists(target)).toBe(false);
    // Cancelled while venv runs (with pip, so it takes a while): no folder left.
    const slow = path.join(world.base, 'cancelled-venv');
    const finished: string[] = [];
    world.core.bus.subscribe('task.progress', 'task_cancel_create', (event) => event.payload.finished && finished.push(event.payload.finished));
    const pending = envs.create({ kind: 'venv', path: slow, python: systemPython, makeDefault: false, taskId: 'task_cancel_create' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    world.core.services.tasks.cancel('task_cancel_create');
    expect((await failure(pending)).code).toBe('cancelled');
    expect(finished).toEqual(['cancelled']);
    expect(await exists(slow)).toBe(false);

    await envs.setDefault(null);
    expect(await envs.getDefault()).toBeNull();
    expect(world.events('env.defaultChanged').at(-1)).toEqual({ env: null });
    await envs.setDefault(created.id);
  });
});

describe('env locks', () => {
  it('snapshots, diffs, exports and recreates from local wheels', async () => {
    const envs = world.core.services.envs;
    const first = await envs.lock(created.id, 'before');
    expect(first).toMatchObject({ envId: created.id, format: 'pip', note: 'before', pythonVersion: created.version });
    const full = await envs.lockGet(first.id);
    expect(full.hash).toBe(createHash('sha256').update(full.content!).digest('hex'));
    expect(full.packageCount).toBeGreaterThan(3);

    const a1 = buildWheel(await writePackage(pkgs, 'orrerya', '1.0'), pkgs);
    const a2 = buildWheel(await writePackage(pkgs, 'orrerya', '2.0'), pkgs);
    const b1 = buildWheel(await writePackage(pkgs, 'orreryb', '1.0'), pkgs);
    await envs.install({ id: created.id, specs: [a1, b1] });
    const second = await envs.lock(created.id);
    await envs.install({ id: created.id, specs: [a2], upgrade: true });
    await envs.uninstall({ id: created.id, names: ['orreryb'] });
    const third = await envs.lock(created.id);

    expect((await envs.locks()).map((lock) => lock.id)).toEqual([third.id, second.id, first.id]);
    expect((await envs.locks()).every((lock) => lock.content === undefined)).toBe(true);
    expect(await envs.locks(created.id)).toHaveLength(3);
    const added = await envs.diff(first.id, second.id);
    expect(added.added.map((entry) => entry.name)).toEqual(['orrerya', 'orreryb']);
    expect(added.removed).toEqual([]);
    expect(added.unchanged).toBe(first.packageCount);
    const changed = await envs.diff(second.id, third.id);
    expect(changed.removed.map((entry) => entry.name)).toEqual(['orreryb']);
    expect(changed.changed).toEqual([{ name: 'orrerya', from: expect.stringContaining('orrerya-1.0') as string, to: expect.stringContaining('orrerya-2.0') as string }]);

    const requirements = await envs.exportLock(third.id, 'requirements');
    expect(requirements.fileName).toBe('requirements.txt');
    expect(requirements.text).toContain('orrerya @ file://');
    const yml = await envs.exportLock(third.id, 'environment-yml');
    expect(yml.fileName).toBe('environment.yml');
    expect(yml.text).toMatch(/^name: /);
    expect(yml.text).toContain(`- python=${created.version.split('.').slice(0, 2).join('.')}`);

    const copy = path.join(world.base, 'recreated');
    const recreated = await envs.recreate({ lockId: third.id, kind: 'venv', path: copy, python: systemPython, systemSitePackages: true, makeDefault: false });
    expect(recreated.prefix).toBe(copy);
    const packages = await envs.packages(recreated.id);
    expect(packages.find((pkg) => pkg.name === 'orrerya')?.version).toBe('2.0');
    expect(packages.find((pkg) => pkg.name === 'orreryb')).toBeUndefined();
    const fourth = await envs.lock(recreated.id);
    expect((await envs.diff(third.id, fourth.id))).toMatchObject({ added: [], removed: [], changed: [] });
    expect((await envs.getDefault())?.id).toBe(created.id);
  });

  it('refuses unknown snapshots and a recreate whose install fails, leaving no folder', async () => {
    const envs = world.core.services.envs;
    expect((await failure(envs.lockGet('lock_nope'))).code).toBe('not_found');
    expect((await failure(envs.diff('lock_nope', 'lock_nope2'))).code).toBe('not_found');
    expect((await failure(envs.exportLock('lock_nope', 'requirements'))).code).toBe('not_found');
    const lock = (await envs.locks())[0]!;
    const onlyOnPypi = await writePackage(pkgs, 'orreryc', '1.0');
    await envs.install({ id: created.id, specs: [], editable: [onlyOnPypi] });
    const withEditable = await envs.lock(created.id);
    expect((await envs.lockGet(withEditable.id)).content).toContain('orreryc');
    expect(lock.id).not.toBe(withEditable.id);
    const target = path.join(world.base, 'recreate-fails');
    const bad = await envs.lock(created.id);
    // A snapshot naming a package no index can give (no PyPI here): the install fails and the env is removed.
    const { core } = world;
    const db = core.services.projects.requireCurrent().db;
    db.prepare('UPDATE env_locks SET content = ? WHERE id = ?').run('orrery-not-on-any-index==9.9\n', bad.id);
    const failed = await failure(envs.recreate({ lockId: bad.id, kind: 'venv', path: target, python: systemPython, makeDefault: false }));
    expect(failed.code).toBe('process_failed');
    expect(await exists(target)).toBe(false);
    expect((await readdir(world.base)).includes('recreate-fails')).toBe(false);
  });
});
