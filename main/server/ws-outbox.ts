import { encodeStreamFrame, fitsStreamFrame, type EventName, type ServerFrame } from '../../app/contract';

/**
 * How queued events of one kind are kept while a client is slow:
 * - `concat`: stream output (`{data}`) is appended to the queued event of the same id, never dropped; it goes out
 *   as a stream frame (`encodeStreamFrame`: no JSON escaping of the output);
 * - `latest`: a state snapshot replaces the queued one of the same id (only the newest state matters);
 * - anything else is queued in order as it is.
 */
export type Coalescing = 'concat' | 'latest';

/** The coalescing rule per event; later issues add their streams (job.log…) and snapshots here. */
export const eventCoalescing: Partial<Record<EventName, Coalescing>> = {
  'terminal.data': 'concat',
  'project.changed': 'latest',
  'settings.changed': 'latest',
  'task.progress': 'latest',
};

/** The part of a WebSocket the outbox needs (the `ws` WebSocket fits). */
export interface OutboxSocket {
  readonly bufferedAmount: number;
  readonly readyState: number;
  send(data: string, callback?: (error?: Error) => void): void;
}

/** Limits of one outbox, in bytes (UTF-16 units for queued strings, close enough for a bound). */
export interface OutboxLimits {
  /** Above this much unsent data in the socket, frames wait in the queue. */
  readonly highWater: number;
  /** Above this much queued, the client is given up on (see `onOverflow`). */
  readonly maxQueued: number;
}

/** Defaults: 1 MiB in the socket, 32 MiB queued per connection. */
export const defaultOutboxLimits: OutboxLimits = { highWater: 1024 * 1024, maxQueued: 32 * 1024 * 1024 };

/** Largest joined stream frame, in characters: queued output beyond it starts a new frame (one page task stays small). */
const maxJoinedChars = 1024 * 1024;

type Entry =
  | { kind: 'text'; text: string; bytes: number; dead: boolean }
  | { kind: 'concat'; event: string; id: string; key: string; chunks: string[]; bytes: number; dead: boolean }
  | { kind: 'latest'; event: string; id: string; key: string; payload: unknown; bytes: number; dead: boolean };

const open = 1;

/**
 * Per-connection send queue with bounded memory. While the socket drains, frames go straight out;
 * once `bufferedAmount` passes the high-water mark they queue, coalesced by `eventCoalescing`. If a
 * client stops reading long enough for the queue to pass `maxQueued`, `onOverflow` runs (the session
 * closes the socket with 1013 and the client reconnects and redraws from `terminal.replay`): output is
 * never dropped silently, and a stalled tab cannot grow the host's memory without bound.
 */
export class Outbox {
  private readonly queue: Entry[] = [];
  private readonly latestByKey = new Map<string, Entry>();
  private queuedBytes = 0;
  private retry: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly afterSend = (error?: Error) => {
    if (!error) this.flush();
  };

  constructor(
    private readonly socket: OutboxSocket,
    private readonly onOverflow: () => void,
    private readonly limits: OutboxLimits = defaultOutboxLimits,
  ) {}

  /** Bytes waiting in the queue (not yet handed to the socket). */
  get pendingBytes(): number {
    return this.queuedBytes;
  }

  /** Sends (or queues, in order) a result or error frame. */
  pushFrame(frame: ServerFrame): void {
    const text = JSON.stringify(frame);
    if (this.canSendNow()) return this.send(text);
    this.enqueue({ kind: 'text', text, bytes: text.length, dead: false });
  }

  /** Sends (or queues, coalesced) one event for a subscription. */
  pushEvent(event: EventName, id: string, payload: unknown): void {
    const rule = eventCoalescing[event];
    const stream = rule === 'concat' && isDataPayload(payload) && fitsStreamFrame(id);
    if (this.canSendNow()) return this.send(stream ? encodeStreamFrame(event, id, payload.data) : JSON.stringify({ t: 'event', event, id, payload } satisfies ServerFrame));
    const key = `${event}\u0000${id}`;
    if (stream) return this.enqueueData(event, id, key, payload.data);
    if (rule === 'latest') {
      const previous = this.latestByKey.get(key);
      if (previous && !previous.dead) {
        previous.dead = true;
        this.queuedBytes -= previous.bytes;
      }
      const entry: Entry = { kind: 'latest', event, id, key, payload, bytes: JSON.stringify(payload).length, dead: false };
      this.latestByKey.set(key, entry);
      return this.enqueue(entry);
    }
    const text = JSON.stringify({ t: 'event', event, id, payload } satisfies ServerFrame);
    this.enqueue({ kind: 'text', text, bytes: text.length, dead: false });
  }

  /** Drops the queue and stops retrying (the socket closed). */
  dispose(): void {
    this.closed = true;
    this.queue.length = 0;
    this.latestByKey.clear();
    this.queuedBytes = 0;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
  }

  private canSendNow(): boolean {
    return this.queue.length === 0 && this.socket.bufferedAmount < this.limits.highWater;
  }

  private send(text: string): void {
    if (this.closed || this.socket.readyState !== open) return;
    this.socket.send(text, this.afterSend);
  }

  private enqueueData(event: string, id: string, key: string, data: string): void {
    const tail = this.queue[this.queue.length - 1];
    if (tail && tail.kind === 'concat' && tail.key === key && !tail.dead && tail.bytes + data.length <= maxJoinedChars) {
      tail.chunks.push(data);
      tail.bytes += data.length;
      this.queuedBytes += data.length;
      this.checkBound();
      return;
    }
    this.enqueue({ kind: 'concat', event, id, key, chunks: [data], bytes: data.length, dead: false });
  }

  private enqueue(entry: Entry): void {
    if (this.closed) return;
    this.queue.push(entry);
    this.queuedBytes += entry.bytes;
    if (this.checkBound()) this.flush();
  }

  /** False (and the client given up on) when the queue passed its bound. */
  private checkBound(): boolean {
    if (this.queuedBytes <= this.limits.maxQueued) return true;
    this.dispose();
    this.onOverflow();
    return false;
  }

  /** Hands queued frames to the socket while it is below the high-water mark. */
  private flush(): void {
    while (!this.closed && this.queue.length > 0 && this.socket.bufferedAmount < this.limits.highWater) {
      const entry = this.queue.shift()!;
      if (entry.dead) continue;
      this.queuedBytes -= entry.bytes;
      if (entry.kind !== 'text' && this.latestByKey.get(entry.key) === entry) this.latestByKey.delete(entry.key);
      this.send(serialize(entry));
    }
    if (!this.closed && this.queue.length > 0 && !this.retry) {
      // Send callbacks normally drive the flush; this covers data that drained without one of ours.
      this.retry = setTimeout(() => {
        this.retry = null;
        this.flush();
      }, 25);
      this.retry.unref();
    }
  }
}

/** Output that a stream frame carries whole: `{data}` alone (an event that also says what was left out goes as JSON). */
function isDataPayload(payload: unknown): payload is { data: string } {
  if (typeof payload !== 'object' || payload === null) return false;
  const { data, skipped } = payload as { data?: unknown; skipped?: unknown };
  return typeof data === 'string' && skipped === undefined;
}

function serialize(entry: Entry): string {
  switch (entry.kind) {
    case 'text':
      return entry.text;
    case 'concat':
      return encodeStreamFrame(entry.event, entry.id, entry.chunks.join(''));
    case 'latest':
      return JSON.stringify({ t: 'event', event: entry.event, id: entry.id, payload: entry.payload });
  }
}
