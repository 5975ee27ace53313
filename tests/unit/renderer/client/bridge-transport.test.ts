import { describe, expect, it } from 'vitest';
import type { BridgeResult, OrreryBridge } from '../../../../app/contract';
import { createBridgeTransport } from '../../../../renderer/client/bridge-transport';
import { createClient } from '../../../../renderer/client/client';
import { ClientError } from '../../../../renderer/client/client-error';

type Listener = (payload: unknown, id: string) => void;

/** A stand-in for the preload's `window.orrery`: records calls and subscriptions. */
function fakeBridge(answers: Record<string, BridgeResult | Error>) {
  const calls: Array<[string, unknown]> = [];
  const subs: Array<{ event: string; id: string; listener: Listener; active: boolean }> = [];
  const bridge: Record<string, unknown> = {
    subscribe(event: string, id: string, listener: Listener) {
      const entry = { event, id, listener, active: true };
      subs.push(entry);
      return () => {
        entry.active = false;
      };
    },
  };
  for (const [name, answer] of Object.entries(answers)) {
    bridge[name] = async (input: unknown) => {
      calls.push([name, input]);
      if (answer instanceof Error) throw answer;
      return answer;
    };
  }
  const emit = (event: string, id: string, payload: unknown) => {
    for (const sub of subs) if (sub.active && sub.event === event && (sub.id === id || sub.id === '*')) sub.listener(payload, id);
  };
  return { bridge: bridge as unknown as OrreryBridge, calls, subs, emit };
}

describe('bridge transport', () => {
  it('answers the value of an ok BridgeResult and passes the input through', async () => {
    const { bridge, calls } = fakeBridge({ 'project.open': { ok: true, value: { name: 'p' } } });
    const client = createClient(createBridgeTransport(bridge));
    await expect(client.call('project.open', { path: '/p' })).resolves.toEqual({ name: 'p' });
    expect(calls).toEqual([['project.open', { path: '/p' }]]);
  });

  it('throws a ClientError carrying the code of a failed BridgeResult', async () => {
    const { bridge } = fakeBridge({ 'project.open': { ok: false, error: { code: 'path_outside_root', message: 'Choose a folder inside /home.' } } });
    const client = createClient(createBridgeTransport(bridge));
    const error = await client.call('project.open', { path: '/etc' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientError);
    expect(error).toMatchObject({ code: 'path_outside_root', message: 'Choose a folder inside /home.' });
  });

  it('reports an IPC failure as unavailable and a missing function as unknown_call', async () => {
    const { bridge } = fakeBridge({ 'app.info': new Error('channel closed') });
    const client = createClient(createBridgeTransport(bridge));
    await expect(client.call('app.info', undefined)).rejects.toMatchObject({ code: 'unavailable' });
    await expect(client.call('system.info', undefined)).rejects.toMatchObject({ code: 'unknown_call' });
  });

  it('subscribes once per (event, id) and releases the preload subscription with the last listener', () => {
    const { bridge, subs, emit } = fakeBridge({});
    const client = createClient(createBridgeTransport(bridge));
    const got: string[] = [];
    const offA = client.on('terminal.exit', 't1', (p) => got.push(`a${p.exitCode}`));
    const offB = client.on('terminal.exit', 't1', (p) => got.push(`b${p.exitCode}`));
    expect(subs).toHaveLength(1);
    emit('terminal.exit', 't1', { exitCode: 3, signal: null });
    expect(got).toEqual(['a3', 'b3']);
    offA();
    expect(subs[0]?.active).toBe(true);
    offB();
    expect(subs[0]?.active).toBe(false);
    emit('terminal.exit', 't1', { exitCode: 4, signal: null });
    expect(got).toEqual(['a3', 'b3']);
  });

  it('does not hand a "*" listener\'s events to the listeners of one id twice', () => {
    const { bridge, emit } = fakeBridge({});
    const client = createClient(createBridgeTransport(bridge));
    const got: string[] = [];
    client.on('task.progress', '*', (_p, id) => got.push(`any:${id}`));
    client.on('task.progress', 'k', (_p, id) => got.push(`k:${id}`));
    emit('task.progress', 'k', { done: 0, total: null, message: '', finished: null });
    expect(got.sort()).toEqual(['any:k', 'k:k']);
  });
});
