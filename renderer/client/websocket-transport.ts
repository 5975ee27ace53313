import type { CallName, ClientFrame, ErrorCode, ServerFrame } from '../../app/contract';
import { decodeServerFrame } from '../../app/contract/stream-frame';
import { ClientError } from './client-error';
import { ConnectionStateCell } from './connection-source';
import { anyEventId, ListenerRegistry } from './listener-registry';
import type { Transport } from './types';

/** The part of the WebSocket API the transport uses (the browser's, or `ws` in tests). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

/** A constructor of SocketLike. */
export type SocketConstructor = new (url: string) => SocketLike;

/** Tuning of the WebSocket transport; the defaults suit the browser. */
export interface WebSocketTransportOptions {
  readonly WebSocketImpl?: SocketConstructor;
  /** First reconnect delay; doubles per failed attempt up to `maxBackoffMs`. */
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

interface PendingCall {
  readonly name: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: ClientError) => void;
}

const lostMessage = 'The connection to the Orrery host was lost; the call did not finish. It reconnects by itself: try again in a moment.';

/** The delay before reconnect attempt `attempt` (0-based): exponential, capped. */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 20));
}

/**
 * The web host transport: wire frames over one WebSocket. Calls are matched to results by `seq`; a call made
 * while the socket is not open waits for the next open (and fails with `unavailable` if that attempt fails).
 * Subscriptions are reference-counted per (event, id) and sent again after every reconnect.
 */
export function createWebSocketTransport(url: string, options: WebSocketTransportOptions = {}): Transport {
  const Impl = options.WebSocketImpl ?? (globalThis.WebSocket as unknown as SocketConstructor);
  const initialMs = options.initialBackoffMs ?? 250;
  const maxMs = options.maxBackoffMs ?? 5000;
  const registry = new ListenerRegistry();
  const connection = new ConnectionStateCell('connecting');
  const pending = new Map<number, PendingCall>();
  const queued: Array<{ frame: ClientFrame; call: PendingCall }> = [];
  let socket: SocketLike | null = null;
  let open = false;
  let seq = 0;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let disposed = false;

  const send = (frame: ClientFrame): boolean => {
    if (!socket || !open) return false;
    try {
      socket.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  };

  const failAll = (): void => {
    const calls = [...pending.values(), ...queued.map((q) => q.call)];
    pending.clear();
    queued.length = 0;
    for (const call of calls) call.reject(new ClientError('unavailable', lostMessage, call.name));
  };

  const onOpen = (): void => {
    open = true;
    attempt = 0;
    for (const { event, id } of registry.pairs()) send({ t: 'sub', event, id });
    for (const { frame, call } of queued.splice(0)) {
      if (frame.t === 'call' && send(frame)) pending.set(frame.seq, call);
      else call.reject(new ClientError('unavailable', lostMessage, call.name));
    }
    connection.set('connected');
  };

  const onMessage = (data: unknown): void => {
    let frame: ServerFrame;
    try {
      frame = decodeServerFrame(typeof data === 'string' ? data : String(data));
    } catch {
      console.warn('orrery: the host sent a frame that is neither JSON nor a stream frame');
      return;
    }
    if (frame.t === 'result') {
      const call = pending.get(frame.seq);
      if (!call) return;
      pending.delete(frame.seq);
      if (frame.ok) call.resolve(frame.value);
      else call.reject(toClientError(frame.error, call.name));
    } else if (frame.t === 'event') {
      registry.deliver(frame.event, frame.id, frame.payload);
      if (frame.id !== anyEventId) registry.deliver(frame.event, anyEventId, frame.payload, frame.id);
    } else if (frame.t === 'error') {
      console.warn(`orrery: the host could not read a frame: ${frame.error?.message}`);
    }
  };

  const onClose = (): void => {
    open = false;
    socket = null;
    failAll();
    if (disposed) return;
    connection.set('disconnected');
    const delay = backoffDelay(attempt++, initialMs, maxMs);
    timer = setTimeout(connect, delay);
  };

  function connect(): void {
    timer = undefined;
    if (disposed) return;
    let next: SocketLike;
    try {
      next = new Impl(url);
    } catch (error) {
      console.error('orrery: cannot open the WebSocket', error);
      onClose();
      return;
    }
    socket = next;
    next.onopen = () => onOpen();
    next.onmessage = (event) => onMessage(event.data);
    next.onerror = () => undefined; // a close event always follows
    next.onclose = () => {
      if (socket === next) onClose();
    };
  }

  connect();

  return {
    connection,
    call(name: CallName, input: unknown) {
      return new Promise<unknown>((resolve, reject) => {
        const call: PendingCall = { name, resolve, reject };
        if (disposed) return reject(new ClientError('unavailable', 'The client was closed.', name));
        const frame: ClientFrame = { t: 'call', seq: ++seq, name, input };
        if (send(frame)) pending.set(frame.seq, call);
        else queued.push({ frame, call });
      });
    },
    subscribe(event, id, listener) {
      if (registry.add(event, id, listener).first) send({ t: 'sub', event, id });
      let removed = false;
      return () => {
        if (removed) return;
        removed = true;
        if (registry.remove(event, id, listener).last) send({ t: 'unsub', event, id });
      };
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      if (timer !== undefined) clearTimeout(timer);
      const current = socket;
      socket = null;
      open = false;
      current?.close(1000, 'client closed');
      failAll();
      registry.clear();
      connection.set('disconnected');
    },
  };
}

function toClientError(error: { code?: unknown; message?: unknown } | undefined, name: string): ClientError {
  const code = (typeof error?.code === 'string' ? error.code : 'internal') as ErrorCode;
  const message = typeof error?.message === 'string' ? error.message : `${name} failed.`;
  return new ClientError(code, message, name);
}
