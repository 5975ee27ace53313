import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { encodeStreamFrame } from '../../../../app/contract/stream-frame';
import { ClientError } from '../../../../renderer/client/client-error';
import { createClient } from '../../../../renderer/client/client';
import type { ConnectionState, OrreryClient } from '../../../../renderer/client/types';
import { backoffDelay, createWebSocketTransport, type SocketConstructor } from '../../../../renderer/client/websocket-transport';
import { TestWsServer } from './ws-test-server';

let server: TestWsServer;
let client: OrreryClient;
let states: ConnectionState[];

function connect(): OrreryClient {
  const transport = createWebSocketTransport(server.url, { WebSocketImpl: WebSocket as unknown as SocketConstructor, initialBackoffMs: 20, maxBackoffMs: 100 });
  client = createClient(transport);
  states = [client.connection.get()];
  client.connection.subscribe((state) => states.push(state));
  return client;
}

beforeEach(async () => {
  server = await TestWsServer.start();
});

afterEach(async () => {
  client?.dispose();
  await server.close();
});

describe('WebSocket transport over a real socket', () => {
  it('sends call frames and matches results by seq, even out of order', async () => {
    connect();
    const first = client.call('app.info', undefined);
    const second = client.call('project.open', { path: '/tmp/x' });
    await server.until(() => server.framesOf('call').length === 2, 'two call frames');
    const [a, b] = server.framesOf('call');
    expect(a).toMatchObject({ t: 'call', name: 'app.info' });
    expect(b).toMatchObject({ t: 'call', name: 'project.open', input: { path: '/tmp/x' } });
    expect(a?.seq).not.toBe(b?.seq);
    server.send({ t: 'result', seq: b?.seq, ok: true, value: { second: true } });
    server.send({ t: 'result', seq: a?.seq, ok: true, value: { first: true } });
    await expect(first).resolves.toEqual({ first: true });
    await expect(second).resolves.toEqual({ second: true });
    expect(states).toEqual(['connecting', 'connected']);
  });

  it('turns an error result into a ClientError with its code and message', async () => {
    connect();
    const call = client.call('project.open', { path: '/nope' });
    await server.until(() => server.framesOf('call').length === 1, 'the call');
    server.send({ t: 'result', seq: server.framesOf('call')[0]?.seq, ok: false, error: { code: 'not_found', message: 'No project at /nope.' } });
    const error = await call.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientError);
    expect(error).toMatchObject({ code: 'not_found', message: 'No project at /nope.', call: 'project.open' });
  });

  it('delivers stream frames as { data } events, with the output exactly as sent', async () => {
    connect();
    const got: string[] = [];
    client.on('terminal.data', 't1', (p) => got.push(p.data));
    await server.until(() => server.framesOf('sub').length === 1, 'the sub frame');
    server.socket.send(encodeStreamFrame('terminal.data', 't1', 'a\r\n"\u0000é漢'));
    server.send({ t: 'event', event: 'terminal.data', id: 't1', payload: { data: 'json' } });
    await server.until(() => got.length === 2, 'delivery');
    expect(got).toEqual(['a\r\n"\u0000é漢', 'json']);
  });

  it('reference-counts subscriptions per (event, id) and delivers to every listener', async () => {
    connect();
    const got: string[] = [];
    const offA = client.on('terminal.data', 't1', (p) => got.push(`a:${p.data}`));
    const offB = client.on('terminal.data', 't1', (p) => got.push(`b:${p.data}`));
    const offOther = client.on('terminal.data', 't2', (p) => got.push(`other:${p.data}`));
    await server.until(() => server.framesOf('sub').length === 2, 'two sub frames');
    expect(server.framesOf('sub')).toEqual([
      { t: 'sub', event: 'terminal.data', id: 't1' },
      { t: 'sub', event: 'terminal.data', id: 't2' },
    ]);
    server.send({ t: 'event', event: 'terminal.data', id: 't1', payload: { data: 'x' } });
    await server.until(() => got.length === 2, 'delivery');
    expect(got.sort()).toEqual(['a:x', 'b:x']);

    offA();
    offA(); // twice is harmless and must not drop B's subscription
    offOther();
    await server.until(() => server.framesOf('unsub').length === 1, 'the unsub of t2');
    expect(server.framesOf('unsub')).toEqual([{ t: 'unsub', event: 'terminal.data', id: 't2' }]);
    offB();
    await server.until(() => server.framesOf('unsub').length === 2, 'the unsub of t1');
    expect(server.framesOf('unsub')[1]).toEqual({ t: 'unsub', event: 'terminal.data', id: 't1' });
  });

  it('delivers any id to a "*" listener, with the id the event concerns', async () => {
    connect();
    const got: Array<[string, string]> = [];
    client.on('task.progress', '*', (p, id) => got.push([id, p.message]));
    await server.until(() => server.framesOf('sub').length === 1, 'sub');
    server.send({ t: 'event', event: 'task.progress', id: 'task_1', payload: { done: 1, total: 2, message: 'half', finished: null } });
    await server.until(() => got.length === 1, 'delivery');
    expect(got).toEqual([['task_1', 'half']]);
  });

  it('queues calls made before the socket opens and sends them once it does', async () => {
    connect();
    const call = client.call('settings.get', undefined); // socket still connecting
    await server.until(() => server.framesOf('call').length === 1, 'the queued call');
    server.send({ t: 'result', seq: server.framesOf('call')[0]?.seq, ok: true, value: 'ok' });
    await expect(call).resolves.toBe('ok');
  });

  it('on a lost connection: rejects in-flight calls as unavailable, reconnects, subscribes again', async () => {
    connect();
    const events: string[] = [];
    client.on('project.changed', '', (p) => events.push(p.project?.name ?? 'none'));
    const inFlight = client.call('project.current', undefined);
    await server.until(() => server.framesOf('call').length === 1 && server.framesOf('sub').length === 1, 'call and sub');
    server.socket.terminate();

    const error = await inFlight.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientError);
    expect((error as ClientError).code).toBe('unavailable');

    await server.until(() => server.sockets.length === 2 && server.framesOf('sub').length === 2, 'the second connection and its sub');
    expect(server.framesOf('sub')[1]).toEqual({ t: 'sub', event: 'project.changed', id: '' });
    await server.until(() => states[states.length - 1] === 'connected', 'connected again');
    expect(states).toEqual(['connecting', 'connected', 'disconnected', 'connected']);

    server.send({ t: 'event', event: 'project.changed', id: '', payload: { project: null } });
    await server.until(() => events.length === 1, 'an event on the new connection');
    const after = client.call('project.current', undefined);
    await server.until(() => server.framesOf('call').length === 2, 'a call on the new connection');
    server.send({ t: 'result', seq: server.framesOf('call')[1]?.seq, ok: true, value: null });
    await expect(after).resolves.toBeNull();
  });

  it('keeps trying while the host is down and reports disconnected', async () => {
    connect();
    await server.until(() => states.includes('connected'), 'connected');
    const url = server.url;
    await server.close();
    await server.until(() => states[states.length - 1] === 'disconnected', 'disconnected');
    const call = client.call('app.info', undefined);
    const error = await call.catch((e: unknown) => e);
    expect((error as ClientError).code).toBe('unavailable');
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws$/);
    server = await TestWsServer.start(); // a fresh one for afterEach
  });

  it('dispose rejects pending calls and stops reconnecting', async () => {
    connect();
    const call = client.call('app.info', undefined);
    await server.until(() => server.framesOf('call').length === 1, 'the call');
    client.dispose();
    await expect(call).rejects.toMatchObject({ code: 'unavailable' });
    await new Promise((r) => setTimeout(r, 150));
    expect(server.sockets).toHaveLength(1);
    await expect(client.call('app.info', undefined)).rejects.toMatchObject({ code: 'unavailable' });
  });
});

describe('backoffDelay', () => {
  it('doubles from the first delay and stops at the cap', () => {
    expect([0, 1, 2, 3, 4, 10, 100].map((n) => backoffDelay(n, 250, 5000))).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000]);
  });
});
