import { pathToFileURL } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { callChannel, callNames, eventChannels, type OrreryBridge } from '../../../app/contract';
import { createDispatcher, type Handlers } from '../../../main/core/dispatch';
import { EventBus } from '../../../main/core/event-bus';
import { silentLogger } from '../../../main/core/logger';
import { bindContractToIpc, type IpcMainLike } from '../../../main/ipc/bind-ipc';
import { createSenderCheck } from '../../../main/windows/security';
import { createBridge, type IpcRendererLike } from '../../../preload/bridge';
import { FakeIpcMain, FakeIpcRenderer, FakeWebContents, fakeContextBridge, fakeFrame, ipcEvent } from '../main/platform/fake-electron';

// The preload's only import: replaced here, exactly as the sandbox would hand it `electron`.
vi.mock('electron', async () => {
  const fakes = await import('../main/platform/fake-electron');
  return { contextBridge: fakes.fakeContextBridge(), ipcRenderer: new fakes.FakeIpcRenderer() };
});

type Fakes = { contextBridge: ReturnType<typeof fakeContextBridge>; ipcRenderer: FakeIpcRenderer };

describe('preload/index.ts', () => {
  it('exposes window.orrery: one function per contract call plus subscribe, and nothing else', async () => {
    await import('../../../preload/index');
    const { contextBridge } = (await import('electron')) as unknown as Fakes;
    expect([...contextBridge.exposed.keys()]).toEqual(['orrery']);
    const bridge = contextBridge.exposed.get('orrery') as Record<string, unknown>;
    expect(Object.keys(bridge).sort()).toEqual([...callNames, 'subscribe'].sort());
    for (const [key, value] of Object.entries(bridge)) expect(typeof value, key).toBe('function');
    for (const generic of ['invoke', 'send', 'on', 'ipcRenderer', 'call']) expect(bridge[generic], generic).toBeUndefined();
    expect(Object.isFrozen(bridge)).toBe(true);
  });

  it('sends each call on its own channel through the sandbox’s ipcRenderer', async () => {
    await import('../../../preload/index');
    const { contextBridge, ipcRenderer } = (await import('electron')) as unknown as Fakes;
    const bridge = contextBridge.exposed.get('orrery') as OrreryBridge;
    await bridge['terminal.write']({ id: 't1', data: 'ls\n' });
    expect(ipcRenderer.invoked.at(-1)).toEqual({ channel: callChannel('terminal.write'), args: [{ id: 't1', data: 'ls\n' }] });
  });
});

describe('createBridge', () => {
  it('answers a failed IPC (uncloneable input, main gone) as an internal error result, not a rejection', async () => {
    const ipc = new FakeIpcRenderer();
    ipc.answer = () => Promise.reject(new Error('An object could not be cloned.'));
    const bridge = createBridge(ipc as unknown as IpcRendererLike);
    const answer = await bridge['project.open']({ path: '/tmp/x' });
    expect(answer).toEqual({ ok: false, error: { code: 'internal', message: 'project.open did not reach the main process: An object could not be cloned.' } });
  });

  it('refuses unknown events, bad ids and missing listeners, asking main for nothing', () => {
    const ipc = new FakeIpcRenderer();
    const bridge = createBridge(ipc as unknown as IpcRendererLike);
    const subscribeAny = bridge.subscribe as unknown as (event: unknown, id: unknown, listener: unknown) => unknown;
    expect(() => subscribeAny('terminal.secrets', 't1', () => undefined)).toThrow(/no event named/);
    expect(() => subscribeAny('constructor', 't1', () => undefined)).toThrow(/no event named/);
    expect(() => subscribeAny('terminal.data', 7, () => undefined)).toThrow(/event id/);
    expect(() => subscribeAny('terminal.data', 'x'.repeat(201), () => undefined)).toThrow(/event id/);
    expect(() => subscribeAny('terminal.data', 't1', 'not a function')).toThrow(/listener/);
    expect(ipc.sentToMain).toEqual([]);
  });

  it('asks main once per (event, id) however many listeners, and unsubscribes with the last', () => {
    const ipc = new FakeIpcRenderer();
    const bridge = createBridge(ipc as unknown as IpcRendererLike);
    const first = bridge.subscribe('terminal.data', 't1', () => undefined);
    const second = bridge.subscribe('terminal.data', 't1', () => undefined);
    const other = bridge.subscribe('terminal.data', 't2', () => undefined);
    expect(ipc.sentToMain).toEqual([
      { channel: eventChannels.subscribe, args: [{ event: 'terminal.data', id: 't1' }] },
      { channel: eventChannels.subscribe, args: [{ event: 'terminal.data', id: 't2' }] },
    ]);
    first();
    first();
    expect(ipc.sentToMain).toHaveLength(2);
    second();
    expect(ipc.sentToMain.at(-1)).toEqual({ channel: eventChannels.unsubscribe, args: [{ event: 'terminal.data', id: 't1' }] });
    other();
    expect(ipc.sentToMain).toHaveLength(4);
    // Listening again after the last unsubscribe asks main again.
    bridge.subscribe('terminal.data', 't1', () => undefined);
    expect(ipc.sentToMain.at(-1)).toEqual({ channel: eventChannels.subscribe, args: [{ event: 'terminal.data', id: 't1' }] });
  });

  it('fans a delivered event out to that id’s listeners and the wildcard’s, with the real id', () => {
    const ipc = new FakeIpcRenderer();
    const bridge = createBridge(ipc as unknown as IpcRendererLike);
    const seen: string[] = [];
    bridge.subscribe('task.progress', 'a', (payload, id) => seen.push(`a:${id}:${payload.message}`));
    bridge.subscribe('task.progress', '*', (payload, id) => seen.push(`*:${id}:${payload.message}`));
    bridge.subscribe('terminal.data', 'a', () => seen.push('wrong event'));
    const progress = (message: string) => ({ done: 0, total: null, message, finished: null });
    ipc.deliver(eventChannels.deliver, { event: 'task.progress', id: 'a', payload: progress('one') });
    ipc.deliver(eventChannels.deliver, { event: 'task.progress', id: 'b', payload: progress('two') });
    ipc.deliver(eventChannels.deliver, 'garbage');
    ipc.deliver(eventChannels.deliver, { event: 'task.progress' });
    expect(seen).toEqual(['a:a:one', '*:a:one', '*:b:two']);
  });

  it('keeps delivering to the other listeners when one throws', () => {
    const ipc = new FakeIpcRenderer();
    const bridge = createBridge(ipc as unknown as IpcRendererLike);
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const seen: string[] = [];
    bridge.subscribe('terminal.data', 't1', () => {
      throw new Error('listener bug');
    });
    bridge.subscribe('terminal.data', 't1', (payload) => seen.push(payload.data));
    ipc.deliver(eventChannels.deliver, { event: 'terminal.data', id: 't1', payload: { data: 'x' } });
    expect(seen).toEqual(['x']);
    expect(errors).toHaveBeenCalledTimes(1);
    errors.mockRestore();
  });
});

describe('preload ⇄ main, wired together', () => {
  it('a call and a subscription made through window.orrery reach the real dispatcher and bus', async () => {
    const appUrl = pathToFileURL('/opt/orrery/out/renderer/index.html').href;
    const ipcMain = new FakeIpcMain();
    const bus = new EventBus();
    const seen: unknown[] = [];
    const handlers = Object.fromEntries(callNames.map((name) => [name, (input: unknown) => (seen.push([name, input]), { ok: true })])) as unknown as Handlers;
    bindContractToIpc({
      ipcMain: ipcMain as unknown as IpcMainLike,
      dispatch: createDispatcher(handlers, silentLogger),
      bus,
      isTrustedSender: createSenderCheck(appUrl),
      logger: silentLogger,
    });
    // The page's side: a renderer whose messages arrive at ipcMain from the app page's top frame.
    const contents = new FakeWebContents();
    const event = ipcEvent(contents, fakeFrame(appUrl));
    const renderer = new FakeIpcRenderer();
    renderer.answer = (channel, ...args) => ipcMain.invoke(channel, event, ...args);
    renderer.send = (channel: string, ...args: unknown[]) => void ipcMain.emit(channel, event, ...args);
    const bridge = createBridge(renderer as unknown as IpcRendererLike);

    expect(await bridge['terminal.kill']({ id: 't9' })).toEqual({ ok: true, value: { ok: true } });
    expect(seen).toEqual([['terminal.kill', { id: 't9' }]]);
    expect(await bridge['terminal.kill']({ id: '' })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });

    const output: string[] = [];
    const stop = bridge.subscribe('terminal.data', 't9', (payload) => output.push(payload.data));
    bus.publish('terminal.data', 't9', { data: 'orrery-42' });
    for (const message of contents.sent) renderer.deliver(message.channel, message.args[0]);
    expect(output).toEqual(['orrery-42']);
    stop();
    expect(bus.size).toBe(0);
  });
});
