import type { RawData, WebSocket } from 'ws';
import { clientFrameSchema, isEventName, type ServerFrame, type WireError } from '../../app/contract';
import { describeIssues, type Dispatch } from '../core/dispatch';
import type { EventBus } from '../core/event-bus';
import type { Logger } from '../core/logger';
import { Outbox, type OutboxLimits } from './ws-outbox';

/** What one WebSocket connection needs from the core. */
export interface SessionDeps {
  readonly dispatch: Dispatch;
  readonly bus: EventBus;
  readonly logger: Logger;
  readonly clientId: string;
  readonly outboxLimits?: OutboxLimits;
}

/** A live connection: `dispose` removes its subscriptions (the socket's close does the same). */
export interface Session {
  readonly clientId: string;
  readonly subscriptionCount: number;
  dispose(): void;
}

/** Calls one connection may have running at once; more are answered `unavailable` instead of queued without bound. */
const maxCallsInFlight = 256;
/** Subscriptions one connection may hold. */
const maxSubscriptions = 4096;

/** Binds one WebSocket to the contract: frames in → dispatch/subscribe, results and events out. */
export function attachSession(socket: WebSocket, deps: SessionDeps): Session {
  return new WireSession(socket, deps);
}

class WireSession implements Session {
  readonly clientId: string;
  private readonly subscriptions = new Map<string, () => void>();
  private readonly outbox: Outbox;
  private inFlight = 0;
  private disposed = false;

  constructor(
    socket: WebSocket,
    private readonly deps: SessionDeps,
  ) {
    this.clientId = deps.clientId;
    this.outbox = new Outbox(socket, () => socket.close(1013, 'Orrery: this client could not keep up; reconnect to redraw'), deps.outboxLimits);
    socket.on('message', (data: RawData, isBinary: boolean) => this.onFrame(data, isBinary));
    socket.on('close', () => this.dispose());
    socket.on('error', (error) => deps.logger.debug('socket error', { clientId: deps.clientId, error: error.message }));
  }

  get subscriptionCount(): number {
    return this.subscriptions.size;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const unsubscribe of this.subscriptions.values()) unsubscribe();
    this.subscriptions.clear();
    this.outbox.dispose();
  }

  private onFrame(data: RawData, isBinary: boolean): void {
    if (this.disposed) return;
    if (isBinary) return this.sendError({ code: 'invalid_input', message: 'Frames are JSON text; binary frames are not read.' });
    const parsed = parseFrame(rawText(data));
    if (parsed.kind === 'error') return this.sendError(parsed.error);
    if (parsed.kind === 'bad-call') return this.answer({ t: 'result', seq: parsed.seq, ok: false, error: parsed.error });
    const frame = parsed.frame;
    if (frame.t === 'call') return this.call(frame.seq, frame.name, frame.input);
    if (frame.t === 'sub') return this.subscribe(frame.event, frame.id);
    return this.unsubscribe(frame.event, frame.id);
  }

  private sendError(error: WireError): void {
    this.outbox.pushFrame({ t: 'error', error });
  }

  private answer(frame: ServerFrame): void {
    if (!this.disposed) this.outbox.pushFrame(frame);
  }

  private call(seq: number, name: string, input: unknown): void {
    if (this.inFlight >= maxCallsInFlight) {
      const message = `Too many calls in flight (${maxCallsInFlight}); wait for some to answer.`;
      return this.answer({ t: 'result', seq, ok: false, error: { code: 'unavailable', message } });
    }
    this.inFlight++;
    this.deps
      .dispatch(name, input, { host: 'web', clientId: this.clientId })
      .then((result) => this.answer(result.ok ? { t: 'result', seq, ok: true, value: result.value } : { t: 'result', seq, ok: false, error: result.error }))
      .catch((error: unknown) => {
        this.deps.logger.error('dispatch threw', { error: error instanceof Error ? error.message : String(error) });
        this.answer({ t: 'result', seq, ok: false, error: { code: 'internal', message: `${name} failed unexpectedly; see the log.` } });
      })
      .finally(() => this.inFlight--);
  }

  private subscribe(event: string, id: string): void {
    if (!isEventName(event)) return this.sendError(unknownEvent(event));
    const key = `${event}\u0000${id}`;
    if (this.subscriptions.has(key)) return;
    if (this.subscriptions.size >= maxSubscriptions) {
      return this.sendError({ code: 'invalid_input', message: `Too many subscriptions (${maxSubscriptions}) on one connection; unsubscribe some first.` });
    }
    const unsubscribe = this.deps.bus.subscribe(event, id, (message) => this.outbox.pushEvent(message.event, message.id, message.payload));
    this.subscriptions.set(key, unsubscribe);
  }

  private unsubscribe(event: string, id: string): void {
    if (!isEventName(event)) return this.sendError(unknownEvent(event));
    const key = `${event}\u0000${id}`;
    this.subscriptions.get(key)?.();
    this.subscriptions.delete(key);
  }
}

function unknownEvent(event: string): WireError {
  return { code: 'invalid_input', message: `event: there is no event named ${JSON.stringify(event)}.` };
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

type ParsedFrame =
  | { readonly kind: 'frame'; readonly frame: ReturnType<typeof clientFrameSchema.parse> }
  | { readonly kind: 'bad-call'; readonly seq: number; readonly error: WireError }
  | { readonly kind: 'error'; readonly error: WireError };

/**
 * Reads one text frame. A frame that is a call with a usable `seq` but a bad field is answered as
 * that call's result (so the caller's promise settles); anything else unreadable gets an `error` frame.
 */
export function parseFrame(text: string): ParsedFrame {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message.slice(0, 120) : 'unreadable';
    return { kind: 'error', error: { code: 'invalid_input', message: `The frame is not JSON (${reason}).` } };
  }
  const parsed = clientFrameSchema.safeParse(json);
  if (parsed.success) return { kind: 'frame', frame: parsed.data };
  const error: WireError = { code: 'invalid_input', message: `frame: ${describeIssues(parsed.error)}` };
  const seq = callSeq(json);
  return seq === null ? { kind: 'error', error } : { kind: 'bad-call', seq, error };
}

function callSeq(json: unknown): number | null {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return null;
  const record = json as Record<string, unknown>;
  if (record.t !== 'call') return null;
  const seq = record.seq;
  return typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 0 ? seq : null;
}
