import { outputBatch } from './pty-protocol';

/** Timer functions, handed in so tests can drive time. */
export interface BatchTimers {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const nodeTimers: BatchTimers = {
  set: (callback, ms) => setTimeout(callback, ms),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** A chunk of output: text, or the pty's bytes (then the limits count bytes). */
type Chunk = string | Uint8Array;

const joinStrings = (parts: readonly string[]): string => parts.join('');

/**
 * Collects one terminal's output chunks and hands them on as one: `maxDelayMs` after the first waiting chunk,
 * or at once when `maxChars` are waiting. Keeps a flood to a few large messages. Chunks are strings unless a
 * `join` for another kind (Buffer.concat for bytes) is given.
 */
export class OutputBatcher<T extends Chunk = string> {
  private readonly pending: T[] = [];
  private pendingChars = 0;
  private timer: unknown = null;

  constructor(
    private readonly deliver: (data: T) => void,
    private readonly limits: { readonly maxDelayMs: number; readonly maxChars: number } = outputBatch,
    private readonly timers: BatchTimers = nodeTimers,
    private readonly join: (parts: readonly T[]) => T = joinStrings as unknown as (parts: readonly T[]) => T,
  ) {}

  /** Adds a chunk; may deliver synchronously when the batch is full. */
  push(data: T): void {
    if (data.length === 0) return;
    this.pending.push(data);
    this.pendingChars += data.length;
    if (this.pendingChars >= this.limits.maxChars) this.flush();
    else if (this.timer === null) this.timer = this.timers.set(() => this.flush(), this.limits.maxDelayMs);
  }

  /** Delivers whatever waits now (before an exit message, so no output follows it). */
  flush(): void {
    if (this.timer !== null) {
      this.timers.clear(this.timer);
      this.timer = null;
    }
    if (this.pendingChars === 0) return;
    const data = this.pending.length === 1 ? this.pending[0]! : this.join(this.pending);
    this.pending.length = 0;
    this.pendingChars = 0;
    this.deliver(data);
  }

  /** Drops waiting output and the timer. */
  dispose(): void {
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = null;
    this.pending.length = 0;
    this.pendingChars = 0;
  }
}
