import { pathToFileURL } from 'node:url';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { callChannel, callNames, eventChannels, OrreryError, type CallName } from '../../../../app/contract';
import { createDispatcher, type CallContext, type Dispatch, type Handlers } from '../../../../main/core/dispatch';
import { EventBus } from '../../../../main/core/event-bus';
import { silentLogger } from '../../../../main/core/logger';
import { bindContractToIpc, type IpcMainLike } from '../../../../main/ipc/bind-ipc';
import { createSenderCheck } from '../../../../main/windows/security';
import { FakeIpcMain, FakeWebContents, fakeFrame, ipcEvent } from '../platform/fake-electron';

const appUrl = pathToFileURL('/opt/orrery/out/renderer/index.html').href;

/** A real dispatcher over handlers for every call: they record what they received; a few answer. */
function recordingDispatcher() {
  const received: { name: CallName; input: unknown; context: CallContext }[] = [];
  const answers: Partial<Record<CallName, unknown>> = {
    'terminal.write': { ok: true },
    'terminal.resize': { ok: true },
    'project.current': null,
  };
  const handlers = Object.fromEntries(
    callNames.map((name) => [
      name,
      (input: unknown, context: CallContext) => {
        received.push({ name, input, context });
        if (name in answers) return answers[name];
        throw new OrreryError('unavailable', `${name} is not part of this test.`);
      },
    ]),
  ) as unknown as Handlers;
  const real = createDispatcher(handlers, silentLogger);
  const dispatch = vi.fn<Dispatch>((name, input, context) => real(name, input, context));
  return { dispatch, received };
}

function setup() {
  const ipcMain = new FakeIpcMain();
  const bus = new EventBus();
  const { dispatch, received } = recordingDispatcher();
  const dispose = bindContractToIpc({
    ipcMain: ipcMain as unknown as IpcMainLike,
    dispatch,
    bus,
    isTrustedSender: createSenderCheck(appUrl),
    logger: silentLogger,
  });
  const contents = new FakeWebContents();
  const trusted = ipcEvent(contents, fakeFrame(`${appUrl}#/terminal`));
  return { ipcMain, bus, dispatch, received, dispose, contents, trusted };
}

type Setup = ReturnType<typeof setup>;

function subscribe(s: Setup, from: ReturnType<typeof ipcEvent>, event: string, id: string) {
  s.ipcMain.emit(eventChannels.subscribe, from, { event, id });
}

function unsubscribe(s: Setup, from: ReturnType<typeof ipcEvent>, event: string, id: string) {
  s.ipcMain.emit(eventChannels.unsubscribe, from, { event, id });
}

function delivered(contents: FakeWebContents) {
  return contents.sent.filter((message) => message.channel === eventChannels.deliver).map((message) => message.args[0]);
}

let s: Setup;
beforeEach(() => {
  s = setup();
});

describe('calls', () => {
  it('registers exactly one handler per contract call, and nothing else', () => {
    expect([...s.ipcMain.handlers.keys()].sort()).toEqual(callNames.map(callChannel).sort());
    for (const count of s.ipcMain.handleCounts.values()) expect(count).toBe(1);
    expect(s.ipcMain.listenerCount(eventChannels.subscribe)).toBe(1);
    expect(s.ipcMain.listenerCount(eventChannels.unsubscribe)).toBe(1);
  });

  it('passes a trusted call to the dispatcher, which parses it before the service sees it', async () => {
    const answer = await s.ipcMain.invoke(callChannel('terminal.resize'), s.trusted, { id: 't1', cols: 120, rows: 40 });
    expect(answer).toEqual({ ok: true, value: { ok: true } });
    expect(s.received).toEqual([{ name: 'terminal.resize', input: { id: 't1', cols: 120, rows: 40 }, context: { host: 'electron', clientId: `wc-${s.contents.id}` } }]);
  });

  it('answers invalid_input naming the field, without calling the service', async () => {
    const answer = (await s.ipcMain.invoke(callChannel('terminal.resize'), s.trusted, { id: 't1', cols: '80', rows: 40 })) as {
      ok: false;
      error: { code: string; message: string };
    };
    expect(answer.ok).toBe(false);
    expect(answer.error.code).toBe('invalid_input');
    expect(answer.error.message).toContain('cols');
    expect(s.received).toEqual([]);
  });

  it('carries service errors as {code, message}', async () => {
    const answer = await s.ipcMain.invoke(callChannel('system.info'), s.trusted, undefined);
    expect(answer).toEqual({ ok: false, error: { code: 'unavailable', message: 'system.info is not part of this test.' } });
  });

  it('refuses untrusted senders with forbidden before the dispatcher is reached', async () => {
    const untrusted = [
      ipcEvent(s.contents, null),
      ipcEvent(s.contents, fakeFrame(appUrl, fakeFrame(appUrl))),
      ipcEvent(s.contents, fakeFrame('https://evil.example/')),
      ipcEvent(s.contents, fakeFrame(pathToFileURL('/tmp/evil.html').href)),
      ipcEvent(s.contents, fakeFrame('about:blank')),
    ];
    for (const event of untrusted) {
      for (const name of ['terminal.write', 'project.current', 'app.pickFolder'] as const) {
        const answer = (await s.ipcMain.invoke(callChannel(name), event, { id: 't', data: 'rm -rf ~\n' })) as { ok: boolean; error?: { code: string } };
        expect(answer.ok).toBe(false);
        expect(answer.error?.code).toBe('forbidden');
      }
    }
    expect(s.dispatch).not.toHaveBeenCalled();
    expect(s.received).toEqual([]);
  });

  it('names each window by its webContents id', async () => {
    const other = new FakeWebContents();
    await s.ipcMain.invoke(callChannel('project.current'), ipcEvent(other, fakeFrame(appUrl)), undefined);
    expect(s.received[0]?.context.clientId).toBe(`wc-${other.id}`);
  });

  it('dispose removes every handler and listener it added', () => {
    s.dispose();
    expect(s.ipcMain.handlers.size).toBe(0);
    expect(s.ipcMain.listenerCount(eventChannels.subscribe)).toBe(0);
    expect(s.ipcMain.listenerCount(eventChannels.unsubscribe)).toBe(0);
  });
});

describe('events', () => {
  it('forwards an event only to windows subscribed to that (event, id)', () => {
    const other = new FakeWebContents();
    subscribe(s, s.trusted, 'terminal.data', 't1');
    subscribe(s, ipcEvent(other, fakeFrame(appUrl)), 'terminal.data', 't2');
    s.bus.publish('terminal.data', 't1', { data: 'hello' });
    s.bus.publish('terminal.data', 't3', { data: 'nobody' });
    s.bus.publish('terminal.exit', 't1', { exitCode: 0, signal: null });
    expect(delivered(s.contents)).toEqual([{ event: 'terminal.data', id: 't1', payload: { data: 'hello' } }]);
    expect(delivered(other)).toEqual([]);
  });

  it('delivers each message once to a window that asked for the id and the wildcard', () => {
    subscribe(s, s.trusted, 'task.progress', 'task-1');
    subscribe(s, s.trusted, 'task.progress', '*');
    subscribe(s, s.trusted, 'task.progress', '*');
    s.bus.publish('task.progress', 'task-1', { done: 1, total: 2, message: 'half', finished: null });
    s.bus.publish('task.progress', 'task-2', { done: 0, total: null, message: 'start', finished: null });
    expect(delivered(s.contents).map((message) => (message as { id: string }).id)).toEqual(['task-1', 'task-2']);
    expect(s.bus.size).toBe(1);
  });

  it('ignores subscriptions from untrusted senders, to unknown events, or with bad ids', () => {
    subscribe(s, ipcEvent(s.contents, fakeFrame('https://evil.example/')), 'terminal.data', 't1');
    subscribe(s, ipcEvent(s.contents, fakeFrame(appUrl, {})), 'terminal.data', 't1');
    subscribe(s, s.trusted, 'terminal.secrets', 't1');
    subscribe(s, s.trusted, 'toString', 't1');
    subscribe(s, s.trusted, 'terminal.data', 'x'.repeat(201));
    s.ipcMain.emit(eventChannels.subscribe, s.trusted, 'terminal.data');
    s.ipcMain.emit(eventChannels.subscribe, s.trusted, null);
    expect(s.bus.size).toBe(0);
    s.bus.publish('terminal.data', 't1', { data: 'x' });
    expect(delivered(s.contents)).toEqual([]);
  });

  it('stops forwarding after unsubscribe, and drops the bus subscription with the last id', () => {
    subscribe(s, s.trusted, 'terminal.data', 't1');
    subscribe(s, s.trusted, 'terminal.data', 't2');
    unsubscribe(s, s.trusted, 'terminal.data', 't1');
    s.bus.publish('terminal.data', 't1', { data: 'gone' });
    s.bus.publish('terminal.data', 't2', { data: 'kept' });
    expect(delivered(s.contents)).toEqual([{ event: 'terminal.data', id: 't2', payload: { data: 'kept' } }]);
    unsubscribe(s, s.trusted, 'terminal.data', 't2');
    expect(s.bus.size).toBe(0);
  });

  it('an untrusted sender cannot unsubscribe a window', () => {
    subscribe(s, s.trusted, 'terminal.data', 't1');
    unsubscribe(s, ipcEvent(s.contents, fakeFrame('https://evil.example/')), 'terminal.data', 't1');
    s.bus.publish('terminal.data', 't1', { data: 'still here' });
    expect(delivered(s.contents)).toHaveLength(1);
  });

  it('removes every subscription of a window when its contents are destroyed', () => {
    const other = new FakeWebContents();
    subscribe(s, s.trusted, 'terminal.data', 't1');
    subscribe(s, s.trusted, 'project.changed', '');
    subscribe(s, ipcEvent(other, fakeFrame(appUrl)), 'terminal.data', 't1');
    expect(s.bus.size).toBe(3);
    s.contents.destroy();
    expect(s.bus.size).toBe(1);
    expect(s.contents.listenerCount('destroyed')).toBe(0);
    expect(() => s.bus.publish('terminal.data', 't1', { data: 'after' })).not.toThrow();
    expect(delivered(other)).toHaveLength(1);
  });

  it('drops a page’s subscriptions when the window loads a new page (reload) or its renderer crashes', () => {
    subscribe(s, s.trusted, 'terminal.data', 't1');
    s.contents.emit('did-start-navigation', { isMainFrame: true, isSameDocument: true });
    expect(s.bus.size).toBe(1);
    s.contents.emit('did-start-navigation', { isMainFrame: false, isSameDocument: false });
    expect(s.bus.size).toBe(1);
    s.contents.emit('did-start-navigation', { isMainFrame: true, isSameDocument: false });
    expect(s.bus.size).toBe(0);
    subscribe(s, s.trusted, 'terminal.data', 't1');
    s.contents.emit('render-process-gone', {}, { reason: 'crashed' });
    expect(s.bus.size).toBe(0);
    expect(s.contents.listenerCount('did-start-navigation')).toBe(0);
  });

  it('dispose ends every subscription', () => {
    subscribe(s, s.trusted, 'terminal.data', 't1');
    subscribe(s, s.trusted, 'settings.changed', '');
    s.dispose();
    expect(s.bus.size).toBe(0);
    expect(s.contents.listenerCount('destroyed')).toBe(0);
  });
});
