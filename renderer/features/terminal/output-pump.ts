import { unseenRun } from '../../../app/lib/terminal-lines';

/** The part of an xterm.js Terminal the pump writes to. */
export interface WriteTarget {
  write(data: string, callback?: () => void): void;
}

const nonAscii = /[^\x00-\x7f]/;

/** Bytes a string takes as UTF-8 (what the pty sent), counted without encoding it. */
export function utf8Length(text: string): number {
  // Terminal output is mostly ASCII: one native scan answers that case.
  if (!nonAscii.test(text)) return text.length;
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    // Two more bytes for U+0800..U+FFFF, one for U+0080..U+07FF; a surrogate pair (4 bytes) is two units of 2.
    bytes += code < 0x800 || (code >= 0xd800 && code <= 0xdfff) ? 1 : 2;
  }
  return bytes;
}

/** What a piece of output is: live output (acknowledged to main), a replay (redraw), or a notice the UI adds. */
export type OutputKind = 'live' | 'replay' | 'notice';

/** Tuning of the pump. */
export interface PumpOptions {
  /** Largest single write: xterm.js parses a write in one go, so this bounds one main-thread task. */
  readonly maxWriteChars: number;
  /** During a flood, writes are spaced at least this far apart so output gathers into larger writes. */
  readonly floodIntervalMs: number;
  /** A write at least this large marks a flood (an interactive trickle is written at once). */
  readonly floodChars: number;
  /**
   * Lines the terminal can still show: its scrollback plus twice its rows (see `skipUnseen`). Absent: every
   * character is parsed.
   */
  readonly keepLines?: () => number;
}

/** Live output at least this long is looked at for lines that would scroll out unseen. */
const skipScanChars = 256 * 1024;
/** A run of unseen lines shorter than this is parsed anyway (not worth the copy). */
const skipMinChars = 64 * 1024;
/**
 * Measured with `npm run bench -- terminal`: spacing writes in a flood cuts Chromium's drawing work (xterm.js
 * draws at most once per write). 100 ms and 2 MiB writes took less page CPU per MB than 50 ms and 1 MiB on a
 * busy 2-core machine (a 2 MiB parse holds the page for a few tens of ms); 200 ms and 4 MiB gained nothing more.
 */
export const defaultPumpOptions: PumpOptions = { maxWriteChars: 2 * 1024 * 1024, floodIntervalMs: 100, floodChars: 64 * 1024 };

/**
 * Feeds output to xterm.js one write at a time: while xterm parses, arriving output queues here and then goes in
 * one joined write (up to `maxWriteChars`). During a flood, writes are also spaced `floodIntervalMs` apart, so
 * xterm parses fewer, larger writes and redraws less often per megabyte (drawing is most of its cost); a trickle
 * is written at once. Nothing waits inside xterm beyond one write, far from its 50 MB discard limit.
 * `onWritten` reports each write once xterm has processed it.
 */
export class OutputPump {
  private readonly queue: { data: string; kind: OutputKind }[] = [];
  private queuedChars = 0;
  private inFlight = 0;
  private lastWriteAt = 0;
  private flooding = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;

  constructor(
    private readonly target: WriteTarget,
    private readonly onWritten: (chunk: string, kind: OutputKind) => void = () => undefined,
    private readonly options: PumpOptions = defaultPumpOptions,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Output, in order. */
  push(data: string, kind: OutputKind = 'live'): void {
    if (this.disposed || data.length === 0) return;
    this.queue.push({ data, kind });
    this.queuedChars += data.length;
    this.schedule();
  }

  /** Characters not yet processed by xterm.js (queued here or in flight). */
  get backlog(): number {
    return this.queuedChars + this.inFlight;
  }

  /** Stops writing; callbacks still due are ignored. */
  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    this.queue.length = 0;
    this.queuedChars = 0;
  }

  private schedule(): void {
    if (this.disposed || this.inFlight > 0 || this.timer !== undefined || this.queue.length === 0) return;
    const wait = this.flooding ? this.lastWriteAt + this.options.floodIntervalMs - this.now() : 0;
    if (wait <= 0 || this.queuedChars >= this.options.maxWriteChars) return this.writeNext();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.writeNext();
    }, wait);
  }

  private writeNext(): void {
    if (this.disposed || this.queue.length === 0) return;
    this.skipUnseen();
    const kind = this.queue[0]!.kind;
    const parts: string[] = [];
    let size = 0;
    // Joins queued output of the same kind up to the write limit.
    while (this.queue.length > 0 && this.queue[0]!.kind === kind && size < this.options.maxWriteChars) {
      const part = this.queue.shift()!.data;
      parts.push(part);
      size += part.length;
    }
    const chunk = parts.length === 1 ? parts[0]! : parts.join('');
    this.queuedChars -= chunk.length;
    this.inFlight = chunk.length;
    this.flooding = chunk.length >= this.options.floodChars || (this.flooding && this.queuedChars > 0);
    this.lastWriteAt = this.now();
    this.target.write(chunk, () => {
      if (this.disposed) return;
      this.inFlight = 0;
      this.onWritten(chunk, kind);
      this.schedule();
    });
  }

  /**
   * During a flood, output can hold far more lines than the terminal keeps (see app/lib/terminal-lines.ts): a plain
   * run of lines that would scroll out unseen is counted as written (and acknowledged) without being parsed.
   */
  private skipUnseen(): void {
    const keep = this.options.keepLines?.();
    if (keep === undefined || this.queue[0]?.kind !== 'live' || this.queuedChars < skipScanChars) return;
    let count = 0;
    while (count < this.queue.length && this.queue[count]!.kind === 'live') count++;
    const text = count === 1 ? this.queue[0]!.data : this.queue.slice(0, count).map((item) => item.data).join('');
    if (text.length < skipScanChars) return;
    const run = unseenRun(text, keep, skipMinChars);
    if (!run) return;
    const unseen = text.slice(run.start, run.end);
    const rest = text.slice(0, run.start) + text.slice(run.end);
    this.queue.splice(0, count, { data: rest, kind: 'live' });
    this.queuedChars -= unseen.length;
    this.onWritten(unseen, 'live');
  }
}
