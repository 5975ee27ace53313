import { afterEach, describe, expect, it } from 'vitest';
import { decodeServerFrame } from '../../../../app/contract';
import { Outbox, type OutboxSocket } from '../../../../main/server/ws-outbox';

/** A socket whose unsent byte count the test controls; `drain` flushes it and runs the send callbacks. */
class FakeSocket implements OutboxSocket {
  bufferedAmount = 0;
  readyState = 1;
  readonly sent: unknown[] = [];
  readonly raw: string[] = [];
  private callbacks: Array<() => void> = [];

  send(data: string, callback?: (error?: Error) => void): void {
    this.raw.push(data);
    this.sent.push(decodeServerFrame(data));
    this.bufferedAmount += data.length;
    if (callback) this.callbacks.push(() => callback());
  }

  drain(): void {
    this.bufferedAmount = 0;
    const callbacks = this.callbacks;
    this.callbacks = [];
    for (const callback of callbacks) callback();
  }
}

const limits = { highWater: 100, maxQueued: 1000 };
const filler = { t: 'result', seq: 0, ok: true, value: 'x'.repeat(200) } as const;

/** Sends one large frame so the socket is over its high-water mark (as a slow client's would be). */
function clog(socket: FakeSocket, box: Outbox): void {
  box.pushFrame(filler);
  expect(socket.bufferedAmount).toBeGreaterThan(limits.highWater);
  socket.sent.length = 0;
}
let outbox: Outbox | null = null;
afterEach(() => outbox?.dispose());

describe('Outbox backpressure', () => {
  it('sends at once while the socket drains', () => {
    const socket = new FakeSocket();
    outbox = new Outbox(socket, () => undefined, limits);
    outbox.pushEvent('terminal.data', 't1', { data: 'a' });
    outbox.pushFrame({ t: 'result', seq: 1, ok: true, value: null });
    expect(socket.sent).toEqual([
      { t: 'event', event: 'terminal.data', id: 't1', payload: { data: 'a' } },
      { t: 'result', seq: 1, ok: true, value: null },
    ]);
  });

  it('joins terminal output while the client is slow, losing no byte and keeping order', () => {
    const socket = new FakeSocket();
    outbox = new Outbox(socket, () => undefined, limits);
    clog(socket, outbox);
    for (let i = 0; i < 50; i++) outbox.pushEvent('terminal.data', 't1', { data: String(i % 10).repeat(3) });
    outbox.pushEvent('terminal.exit', 't1', { exitCode: 0, signal: null });
    expect(socket.sent).toEqual([]);
    socket.drain();
    expect(socket.sent).toHaveLength(1);
    socket.drain();
    const expected = Array.from({ length: 50 }, (_, i) => String(i % 10).repeat(3)).join('');
    expect(socket.sent).toEqual([
      { t: 'event', event: 'terminal.data', id: 't1', payload: { data: expected } },
      { t: 'event', event: 'terminal.exit', id: 't1', payload: { exitCode: 0, signal: null } },
    ]);
  });

  it('keeps what an output event says it left out: it goes as JSON, in order with the joined output around it', () => {
    const socket = new FakeSocket();
    outbox = new Outbox(socket, () => undefined, limits);
    outbox.pushEvent('terminal.data', 't1', { data: 'now', skipped: 5000 });
    clog(socket, outbox);
    outbox.pushEvent('terminal.data', 't1', { data: 'a' });
    outbox.pushEvent('terminal.data', 't1', { data: 'b', skipped: 123 });
    outbox.pushEvent('terminal.data', 't1', { data: 'c' });
    for (let i = 0; i < 4; i++) socket.drain();
    expect(socket.sent).toEqual([
      { t: 'event', event: 'terminal.data', id: 't1', payload: { data: 'a' } },
      { t: 'event', event: 'terminal.data', id: 't1', payload: { data: 'b', skipped: 123 } },
      { t: 'event', event: 'terminal.data', id: 't1', payload: { data: 'c' } },
    ]);
  });

  it('starts a new frame once joined output would pass 1 MiB, losing nothing', () => {
    const socket = new FakeSocket();
    outbox = new Outbox(socket, () => undefined, { highWater: 100, maxQueued: 8 * 1024 * 1024 });
    clog(socket, outbox);
    const piece = '漢'.repeat(256 * 1024);
    for (let i = 0; i < 6; i++) outbox.pushEvent('terminal.data', 't1', { data: piece });
    for (let i = 0; i < 10 && socket.sent.length < 2; i++) socket.drain();
    const frames = socket.sent as { payload: { data: string } }[];
    expect(frames.map((f) => f.payload.data.length)).toEqual([4 * piece.length, 2 * piece.length]);
    expect(frames.map((f) => f.payload.data).join('')).toBe(piece.repeat(6));
  });

  it('sends stream output as a stream frame with the output unescaped, and other events as JSON', () => {
    const socket = new FakeSocket();
    outbox = new Outbox(socket, () => undefined, { highWater: 10_000, maxQueued: 100_000 });
    outbox.pushEvent('terminal.data', 't1', { data: 'a\r\n"é' });
    outbox.pushEvent('terminal.data', 'odd\u0000id', { data: 'b' });
    outbox.pushEvent('terminal.exit', 't1', { exitCode: 0, signal: null });
    expect(socket.raw[0]).toBe('\u0000terminal.data\u0000t1\u0000a\r\n"é');
    expect(JSON.parse(socket.raw[1]!)).toEqual({ t: 'event', event: 'terminal.data', id: 'odd\u0000id', payload: { data: 'b' } });
    expect(JSON.parse(socket.raw[2]!)).toEqual({ t: 'event', event: 'terminal.exit', id: 't1', payload: { exitCode: 0, signal: null } });
    expect(socket.sent[0]).toEqual({ t: 'event', event: 'terminal.data', id: 't1', payload: { data: 'a\r\n"é' } });
  });

  it('keeps only the newest snapshot of a state event, at its newest position', () => {
    const socket = new FakeSocket();
    outbox = new Outbox(socket, () => undefined, limits);
    clog(socket, outbox);
    outbox.pushEvent('project.changed', '', { project: null });
    outbox.pushFrame({ t: 'result', seq: 7, ok: true, value: 1 });
    outbox.pushEvent('project.changed', '', { project: null, n: 2 } as never);
    socket.drain();
    expect(socket.sent).toEqual([
      { t: 'result', seq: 7, ok: true, value: 1 },
      { t: 'event', event: 'project.changed', id: '', payload: { project: null, n: 2 } },
    ]);
  });

  it('gives up on a client that stops reading once the queue passes its bound', () => {
    const socket = new FakeSocket();
    let overflowed = 0;
    outbox = new Outbox(socket, () => overflowed++, limits);
    clog(socket, outbox);
    for (let i = 0; i < 20; i++) outbox.pushEvent('terminal.data', 't1', { data: 'x'.repeat(60) });
    expect(overflowed).toBe(1);
    expect(outbox.pendingBytes).toBe(0);
    socket.drain();
    expect(socket.sent).toEqual([]);
  });
});
