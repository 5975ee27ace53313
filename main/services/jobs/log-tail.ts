import { watch, type FSWatcher } from 'node:fs';
import type { JobStream } from '../../../app/contract/jobs';
import { completeUtf8Length, leadingContinuation, type JobLogs, type WriterPause } from './job-logs';

/** One batch of new output, as `job.log` carries it. */
export interface LogBatch {
  readonly stream: JobStream;
  readonly text: string;
  readonly offset: number;
  readonly skipped: number;
}

/** How a tail paces itself. */
export interface LogTailOptions {
  /** Milliseconds between reads; each read yields at most one batch per stream (100 ms: ≤ 20 events a second per job). */
  readonly intervalMs: number;
  /** Most bytes one batch carries; a stream further behind jumps ahead and says how much it skipped. */
  readonly maxBatchBytes: number;
}

/** The shortest delay between two checks (a writer outrunning the cap is checked this often). */
const hurriedMs = 5;

export const defaultTailOptions: LogTailOptions = { intervalMs: 100, maxBatchBytes: 16 * 1024 };

/**
 * Follows a job's two log files while it runs: each tick rotates a file past its cap, then emits what is new
 * (bounded per tick, so 1 GB of output costs the UI a few hundred KB a second). Starting from `from` lets a
 * re-adopted job continue where the files are now instead of replaying them.
 */
export class LogTail {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private watcher: FSWatcher | null = null;
  private kickTimer: NodeJS.Timeout | null = null;
  /** When batches were last emitted (at most one per stream per interval). */
  private lastEmit = Number.NEGATIVE_INFINITY;
  /** Delay of the next check: sooner while a writer's pace would reach the rotation point before the interval. */
  private nextDelayMs = hurriedMs;
  /** Each stream's logical size at the last check, to measure how fast it grows. */
  private readonly seen: Record<JobStream, { at: number; size: number } | null> = { stdout: null, stderr: null };
  private readonly positions: Record<JobStream, number>;

  constructor(
    private readonly logs: JobLogs,
    private readonly emit: (batch: LogBatch) => void,
    private readonly options: LogTailOptions = defaultTailOptions,
    from: Partial<Record<JobStream, number>> = {},
    private readonly pause?: WriterPause,
  ) {
    this.positions = { stdout: from.stdout ?? 0, stderr: from.stderr ?? 0 };
  }

  start(): void {
    this.schedule();
    try {
      // inotify says when a file grows, so a writer that bursts (GB/s into the page cache) meets a rotation check
      // within a few ms instead of at the next tick. Where watching fails (some network filesystems) the ticks,
      // paced by the writer's speed, still check.
      this.watcher = watch(this.logs.folder, (_event, name) => {
        if (name === 'stdout.log' || name === 'stderr.log') this.kick();
      });
      this.watcher.on('error', () => this.watcher?.close());
      this.watcher.unref();
    } catch {
      this.watcher = null;
    }
  }

  /** A rotation check soon (at most one every `hurriedMs`), between the ticks. */
  private kick(): void {
    if (this.stopped || this.kickTimer) return;
    this.kickTimer = setTimeout(() => {
      const check = async () => {
        for (const stream of ['stdout', 'stderr'] as const) await this.logs.rotateIfNeeded(stream, this.pause).catch(() => false);
      };
      // Serialized with the ticks: a tick and a kick never rotate the same file at once.
      this.running = (this.running ?? Promise.resolve()).then(check).finally(() => {
        this.kickTimer = null;
      });
    }, hurriedMs);
  }

  /** Stops ticking (after the tick in progress). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.kickTimer) clearTimeout(this.kickTimer);
    this.timer = null;
    this.kickTimer = null;
    this.watcher?.close();
    this.watcher = null;
    await this.running;
  }

  /** Stops, then reads once more so the last lines a process wrote before it ended are emitted. */
  async drain(): Promise<void> {
    await this.stop();
    await this.tick(true);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const run: Promise<void> = (this.running ?? Promise.resolve()).then(() => this.tick()).finally(() => {
        if (this.running === run) this.running = null;
        this.schedule();
      });
      this.running = run;
    }, this.nextDelayMs);
  }

  /**
   * One check of both streams: rotation when past the cap, then (once an interval has passed, or when `force`d)
   * what is new. Errors (a file removed under it) skip the stream; the next tick tries again.
   */
  async tick(force = false): Promise<void> {
    const emit = force || Date.now() - this.lastEmit >= this.options.intervalMs;
    if (emit) this.lastEmit = Date.now();
    let delay = this.options.intervalMs;
    for (const stream of ['stdout', 'stderr'] as const) {
      try {
        await this.logs.rotateIfNeeded(stream, this.pause);
        if (emit) await this.readStream(stream);
        delay = Math.min(delay, await this.paceOf(stream));
      } catch {
        // Transient: the next tick reads again.
      }
    }
    this.nextDelayMs = delay;
  }

  /** How soon the stream, growing as fast as since the last check, reaches the rotation point (ms, at least hurriedMs). */
  private async paceOf(stream: JobStream): Promise<number> {
    const { size, base } = await this.logs.extent(stream);
    const now = Date.now();
    const last = this.seen[stream];
    this.seen[stream] = { at: now, size };
    // A first look measures the pace soon after; a stream that did not grow is checked at the interval.
    if (!last) return hurriedMs;
    if (size <= last.size || now <= last.at) return this.options.intervalMs;
    const bytesPerMs = (size - last.size) / (now - last.at);
    const room = this.logs.capBytes / 2 - (size - base);
    return Math.max(hurriedMs, Math.min(this.options.intervalMs, room / bytesPerMs / 2));
  }

  private async readStream(stream: JobStream): Promise<void> {
    const { size, firstOffset } = await this.logs.extent(stream);
    let position = Math.max(this.positions[stream], firstOffset);
    if (size <= position) return;
    let skipped = position - this.positions[stream];
    if (size - position > this.options.maxBatchBytes) {
      skipped += size - this.options.maxBatchBytes - position;
      position = size - this.options.maxBatchBytes;
    }
    const read = await this.logs.read(stream, position, this.options.maxBatchBytes);
    let bytes = read.bytes;
    let offset = read.offset;
    skipped += offset - position;
    if (skipped > 0) {
      const lead = leadingContinuation(bytes);
      bytes = bytes.subarray(lead);
      offset += lead;
      skipped += lead;
    }
    const whole = completeUtf8Length(bytes);
    this.positions[stream] = offset + whole;
    if (whole === 0 && skipped === 0) return;
    this.emit({ stream, text: bytes.subarray(0, whole).toString('utf8'), offset, skipped });
  }
}
