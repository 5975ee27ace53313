import { describe, expect, it } from 'vitest';
import type { Env } from '../../../../app/models';
import { buildCommands } from '../../../../renderer/app/commands';
import { ClientError } from '../../../../renderer/client/client-error';
import { describeEnv } from '../../../../renderer/features/envs/env-format';
import { mergeListAnswer, upsertEnv } from '../../../../renderer/store/envs-slice';
import { connectStore, createAppStore, loadAll } from '../../../../renderer/store/store';
import { fakeClient, settle } from '../fake-client';
import { infoOf, sample, second } from '../fixtures';
import { envOf, lockOf, projectVenv, pyenvPython, systemPython } from './fixtures';

/** A promise with its resolve, to hold a call open while events arrive. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

function services(overrides: Parameters<typeof fakeClient>[0] = {}) {
  let current = sample;
  const defaults = new Map<string, Env | null>([[sample.path, projectVenv]]);
  const fake = fakeClient({
    'project.current': () => current,
    'project.recent': () => [],
    'project.info': () => infoOf(current),
    'project.open': (input) => (current = (input as { path: string }).path === second.path ? second : sample),
    'env.list': () => ({ envs: [systemPython], discovering: false }),
    'env.default': () => defaults.get(current.path) ?? null,
    'env.setDefault': (input) => {
      const id = (input as { id: string | null }).id;
      defaults.set(current.path, [systemPython, pyenvPython, projectVenv].find((e) => e.id === id) ?? null);
      return { ok: true };
    },
    ...overrides,
  });
  return fake;
}

describe('the envs slice', () => {
  it('keeps envs found while env.list is in flight, and fills in as env.found events stream', async () => {
    const answer = deferred<{ envs: Env[]; discovering: boolean }>();
    const fake = services({ 'env.list': () => answer.promise });
    const store = createAppStore(fake.client);
    connectStore(store, fake.client);
    const loading = store.getState().loadEnvs(true);
    expect(fake.calls.find((c) => c.name === 'env.list')?.input).toEqual({ refresh: true });
    expect(store.getState().envsDiscovering).toBe(true);

    // Discovery resolved the venv before the cache answered: the answer must not drop it.
    fake.emit('env.found', '', { env: projectVenv });
    expect(store.getState().envs.map((e) => e.id)).toEqual([projectVenv.id]);
    answer.resolve({ envs: [systemPython], discovering: true });
    await loading;
    expect(store.getState().envs.map((e) => e.id)).toEqual([systemPython.id, projectVenv.id]);
    expect(store.getState().envsDiscovering).toBe(true);

    // More arrive while discovery goes on; a re-probe replaces the record in place.
    fake.emit('env.found', '', { env: pyenvPython });
    fake.emit('env.found', '', { env: { ...systemPython, hasIpykernel: false, probedAt: 2 } });
    expect(store.getState().envs.map((e) => e.id)).toEqual([systemPython.id, projectVenv.id, pyenvPython.id]);
    expect(store.getState().envs[0]?.hasIpykernel).toBe(false);
    fake.emit('env.discovered', '', { count: 3, ms: 120 });
    expect(store.getState().envsDiscovering).toBe(false);
  });

  it('follows env.defaultChanged, and a re-probe of the default env (now missing) updates it too', async () => {
    const fake = services();
    const store = createAppStore(fake.client);
    connectStore(store, fake.client);
    await loadAll(store);
    await settle();
    expect(store.getState().defaultEnv?.id).toBe(projectVenv.id);
    expect(describeEnv(store.getState().defaultEnv as Env)).toBe('Python 3.11.2 · .venv');

    fake.emit('env.defaultChanged', '', { env: pyenvPython });
    expect(store.getState().defaultEnv?.id).toBe(pyenvPython.id);
    expect(store.getState().envs.some((e) => e.id === pyenvPython.id)).toBe(true);
    fake.emit('env.found', '', { env: { ...pyenvPython, missing: true } });
    expect(store.getState().defaultEnv?.missing).toBe(true);
    fake.emit('env.defaultChanged', '', { env: null });
    expect(store.getState().defaultEnv).toBeNull();
  });

  it('drops an env.default answer that is older than a defaultChanged event', async () => {
    const answer = deferred<Env | null>();
    const fake = services({ 'env.default': () => answer.promise });
    const store = createAppStore(fake.client);
    connectStore(store, fake.client);
    const loading = store.getState().loadDefaultEnv();
    fake.emit('env.defaultChanged', '', { env: projectVenv });
    answer.resolve(null);
    await loading;
    expect(store.getState().defaultEnv?.id).toBe(projectVenv.id);
  });

  it('asks for the default env again when the project changes', async () => {
    const fake = services();
    const store = createAppStore(fake.client);
    connectStore(store, fake.client);
    await loadAll(store);
    await settle();
    expect(store.getState().defaultEnv?.id).toBe(projectVenv.id);
    await store.getState().openProject(second.path);
    await settle();
    expect(store.getState().current?.id).toBe(second.id);
    expect(store.getState().defaultEnv).toBeNull(); // the second project has none
  });

  it('sets the default through env.setDefault, and shows a failure as a notice', async () => {
    let fail = false;
    const fake = services({
      'env.setDefault': (input) => {
        if (fail) throw new ClientError('no_project', 'Open a project first.');
        expect(input).toEqual({ id: systemPython.id });
        return { ok: true };
      },
      'env.list': () => ({ envs: [systemPython, projectVenv], discovering: false }),
      'env.default': () => null,
    });
    const store = createAppStore(fake.client);
    await store.getState().loadEnvs(false);
    expect(fake.calls.find((c) => c.name === 'env.list')?.input).toEqual({});
    await store.getState().setDefaultEnv(systemPython.id);
    expect(store.getState().defaultEnv?.id).toBe(systemPython.id);
    fail = true;
    await store.getState().setDefaultEnv(projectVenv.id);
    expect(store.getState().defaultEnv?.id).toBe(systemPython.id);
    expect(store.getState().notices.at(-1)?.message).toMatch(/Open a project first/);
  });

  it('reports a failing env.list without throwing, so the shell still loads', async () => {
    const fake = services({
      'env.list': () => {
        throw new ClientError('unavailable', 'Environments are not built yet.');
      },
    });
    const store = createAppStore(fake.client);
    await loadAll(store);
    expect(store.getState().envsError).toMatch(/not built yet/);
    expect(store.getState().envsDiscovering).toBe(false);
    expect(store.getState().current?.id).toBe(sample.id);
  });

  it('registers an interpreter and selects it; palette commands refresh, create and pick', async () => {
    const custom = envOf({ id: 'env_custom', name: 'custom', kind: 'system' });
    const fake = services({ 'env.register': () => custom });
    const store = createAppStore(fake.client);
    await loadAll(store);
    await store.getState().registerEnv('/opt/custom/bin/python3');
    expect(store.getState().selectedEnvId).toBe(custom.id);
    expect(store.getState().envs.map((e) => e.id)).toContain(custom.id);

    const commands = buildCommands({ store, reloadWindow: () => undefined, newTerminal: () => undefined });
    const byTitle = (title: string) => commands.find((c) => c.title === title);
    await byTitle('Refresh Environments')?.run();
    expect(fake.calls.filter((c) => c.name === 'env.list').at(-1)?.input).toEqual({ refresh: true });
    await byTitle('Create Environment…')?.run();
    expect(store.getState().activeTab).toBe('environments');
    expect(store.getState().envCreateRequest?.fromLock).toBeNull();
    const seq = store.getState().envCreateRequest?.seq ?? 0;
    store.getState().requestCreateEnv(lockOf('lock_a', 5));
    expect(store.getState().envCreateRequest).toEqual({ seq: seq + 1, fromLock: lockOf('lock_a', 5) });
    await byTitle('Select Project Environment…')?.run();
    expect(store.getState().envPickerOpen).toBe(true);
  });

  it('upserts in place and merges an answer with newer finds', () => {
    const older = { ...projectVenv, probedAt: 1 };
    const newer = { ...projectVenv, probedAt: 9 };
    expect(upsertEnv([systemPython, older], newer)).toEqual([systemPython, newer]);
    expect(mergeListAnswer([older, systemPython], new Map([[newer.id, newer], [pyenvPython.id, pyenvPython]]))).toEqual([newer, systemPython, pyenvPython]);
  });
});
