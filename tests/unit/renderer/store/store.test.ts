import { describe, expect, it } from 'vitest';
import type { Settings } from '../../../../app/models';
import { ClientError } from '../../../../renderer/client/client-error';
import { resolveTheme } from '../../../../renderer/store/app-slice';
import { connectStore, createAppStore, loadAll } from '../../../../renderer/store/store';
import { describeGpus } from '../../../../renderer/store/system-slice';
import { fakeClient, settle } from '../fake-client';
import { appInfo, infoOf, noGpu, recentOf, sample, second, settings } from '../fixtures';

function services(overrides: Parameters<typeof fakeClient>[0] = {}) {
  let current: typeof sample | null = sample;
  let stored: Settings = settings;
  return fakeClient({
    'app.info': () => appInfo,
    'settings.get': () => stored,
    'settings.update': (patch) => (stored = { ...stored, ...(patch as Partial<Settings>) }),
    'project.current': () => current,
    'project.recent': () => recentOf(...(current === second ? [second, sample] : [sample])),
    'project.info': () => infoOf(current ?? sample),
    'project.open': (input) => {
      const path = (input as { path: string }).path;
      if (path === second.path) return (current = second);
      if (path === sample.path) return (current = sample);
      throw new ClientError('not_found', `No Orrery project in ${path}; create one there instead.`);
    },
    'project.close': () => {
      current = null;
      return { closed: true };
    },
    'system.info': () => noGpu,
    ...overrides,
  });
}

describe('the app store over a client', () => {
  it('fills app, settings, project, recent, info and system from the services', async () => {
    const fake = services();
    const store = createAppStore(fake.client);
    expect(store.getState().current).toBeNull();
    expect(store.getState().projectKnown).toBe(false);
    await loadAll(store);
    await settle();
    const state = store.getState();
    expect(state.appInfo?.host).toBe('web');
    expect(state.settings?.theme).toBe('dark');
    expect(state.current?.name).toBe('sample');
    expect(state.projectKnown).toBe(true);
    expect(state.recent.map((r) => r.name)).toEqual(['sample']);
    expect(state.info?.journalMode).toBe('wal');
    expect(state.system?.gpus).toEqual([]);
  });

  it('follows project.changed and settings.changed events (the cache is main\'s, not invented)', async () => {
    const fake = services();
    const store = createAppStore(fake.client);
    const disconnect = connectStore(store, fake.client);
    await loadAll(store);
    fake.emit('project.changed', '', { project: second });
    expect(store.getState().current?.id).toBe('prj_second');
    expect(store.getState().info).toBeNull(); // stale facts dropped at once, asked again
    fake.emit('settings.changed', '', { ...settings, theme: 'light' });
    expect(store.getState().settings?.theme).toBe('light');
    disconnect();
    fake.emit('settings.changed', '', { ...settings, theme: 'system' });
    expect(store.getState().settings?.theme).toBe('light');
    expect(fake.registry.size).toBe(0);
  });

  it('opens a project and refreshes recent; a failure throws the ClientError for the form', async () => {
    const fake = services();
    const store = createAppStore(fake.client);
    await loadAll(store);
    await store.getState().openProject(second.path);
    await settle();
    expect(store.getState().current?.name).toBe('second');
    expect(store.getState().recent.map((r) => r.name)).toEqual(['second', 'sample']);
    const error = await store.getState().openProject('/home/u/nothing').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'not_found' });
    expect(store.getState().current?.name).toBe('second');
  });

  it('closes the project; a failing close becomes an error notice', async () => {
    const fake = services();
    const store = createAppStore(fake.client);
    await loadAll(store);
    await store.getState().closeProject();
    expect(store.getState().current).toBeNull();
    const failing = services({ 'project.close': () => Promise.reject(new ClientError('conflict', 'A job is still writing.')) });
    const other = createAppStore(failing.client);
    await loadAll(other);
    await other.getState().closeProject();
    expect(other.getState().current?.name).toBe('sample');
    expect(other.getState().notices.map((n) => n.message)).toEqual(['Could not close the project: A job is still writing.']);
  });

  it('toggles the theme from what is painted, through settings.update', async () => {
    const fake = services();
    const store = createAppStore(fake.client);
    await loadAll(store);
    await store.getState().toggleTheme();
    expect(store.getState().settings?.theme).toBe('light');
    expect(fake.calls.filter((c) => c.name === 'settings.update').map((c) => c.input)).toEqual([{ theme: 'light' }]);
    await store.getState().setTheme('system');
    store.getState().setSystemPrefersDark(false);
    await store.getState().toggleTheme(); // system paints light → dark
    expect(store.getState().settings?.theme).toBe('dark');
  });

  it('asks everything again after the connection comes back', async () => {
    const fake = services();
    const store = createAppStore(fake.client);
    connectStore(store, fake.client);
    await loadAll(store);
    const before = fake.namesCalled().filter((n) => n === 'project.current').length;
    fake.setConnection('disconnected');
    expect(store.getState().connection).toBe('disconnected');
    fake.setConnection('connected');
    await settle();
    expect(store.getState().connection).toBe('connected');
    expect(fake.namesCalled().filter((n) => n === 'project.current').length).toBe(before + 1);
  });

  it('keeps going when a call fails: the error is kept, the rest still loads', async () => {
    const fake = services({ 'system.info': () => Promise.reject(new ClientError('internal', 'nvidia-smi hung')) });
    const store = createAppStore(fake.client);
    await loadAll(store);
    expect(store.getState().systemError).toBe('nvidia-smi hung');
    expect(store.getState().current?.name).toBe('sample');
  });
});

describe('workbench slice', () => {
  it('opens areas as tabs, focuses an open one, closes to the neighbour, cycles with wrap', () => {
    const store = createAppStore(fakeClient({}).client);
    const s = () => store.getState();
    expect(s().tabs).toEqual(['projects']);
    s().openArea('terminal');
    s().openArea('notebooks');
    s().openArea('terminal');
    expect(s().tabs).toEqual(['projects', 'terminal', 'notebooks']);
    expect(s().activeTab).toBe('terminal');
    s().cycleTab(1);
    expect(s().activeTab).toBe('notebooks');
    s().cycleTab(1);
    expect(s().activeTab).toBe('projects');
    s().cycleTab(-1);
    expect(s().activeTab).toBe('notebooks');
    s().closeTab();
    expect(s().tabs).toEqual(['projects', 'terminal']);
    expect(s().activeTab).toBe('terminal');
    s().closeTab('projects');
    expect(s().activeTab).toBe('terminal');
    s().closeTab();
    expect(s().tabs).toEqual([]);
    expect(s().activeTab).toBeNull();
    s().cycleTab(1);
    expect(s().activeTab).toBeNull();
  });

  it('a dialog replaces the palette; New Terminal shows the Terminal area and bumps its request', () => {
    const store = createAppStore(fakeClient({}).client);
    store.getState().setPaletteOpen(true);
    store.getState().openDialog({ kind: 'create' });
    expect(store.getState().paletteOpen).toBe(false);
    expect(store.getState().dialog).toEqual({ kind: 'create' });
    store.getState().requestNewTerminal();
    expect(store.getState().activeTab).toBe('terminal');
    expect(store.getState().newTerminalRequest).toBe(1);
  });
});

describe('status texts', () => {
  it('says "GPU: none" without GPUs and names them otherwise', () => {
    const gpu = { index: 0, name: 'NVIDIA H100', uuid: 'u', memoryTotalMiB: 1, memoryUsedMiB: 0, utilizationPercent: null, temperatureC: null, powerW: null };
    expect(describeGpus(noGpu)).toBe('GPU: none');
    expect(describeGpus({ ...noGpu, gpus: [gpu] })).toBe('GPU: NVIDIA H100');
    expect(describeGpus({ ...noGpu, gpus: [gpu, { ...gpu, index: 1 }] })).toBe('GPUs: 2× NVIDIA H100');
    expect(describeGpus(null)).toBe('GPU: …');
  });

  it('resolves the system theme by the preference', () => {
    expect(resolveTheme('system', true)).toBe('dark');
    expect(resolveTheme('system', false)).toBe('light');
    expect(resolveTheme('light', true)).toBe('light');
    expect(resolveTheme(undefined, false)).toBe('light');
  });
});

describe('notices', () => {
  it('keeps the newest few, and a keyed notice replaces the older one with its key', () => {
    const store = createAppStore(fakeClient({}).client);
    const s = () => store.getState();
    s().notify('info', 'Opened a', 'project');
    s().notify('error', 'unrelated');
    s().notify('info', 'Opened b', 'project');
    expect(s().notices.map((n) => n.message)).toEqual(['unrelated', 'Opened b']);
    for (let i = 0; i < 6; i++) s().notify('info', `n${i}`);
    expect(s().notices.map((n) => n.message)).toEqual(['n2', 'n3', 'n4', 'n5']);
    s().dismissNotice(s().notices[0]!.id);
    expect(s().notices).toHaveLength(3);
  });
});
