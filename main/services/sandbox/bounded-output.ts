import { StringDecoder } from 'node:string_decoder';

/** Bytes kept of each stream of a session; the rest is counted and dropped. */
export const defaultOutputCap = 8 * 1024 * 1024;

/** The marker appended to a stream whose output went past the cap. */
export function truncationMarker(dropped: number): string {
  return `\n[… ${dropped} bytes truncated]\n`;
}

/**
 * Keeps the first `cap` bytes of each of a session's streams, counts what it drops, and hands each kept
 * chunk (decoded without splitting UTF-8 characters) to `onText` for streaming. A 1 GB flood thus costs
 * 8 MiB of memory and no more events than 8 MiB of text; the streams are capped apart so a stdout flood
 * cannot hide the error on stderr.
 */
export class BoundedOutput {
  private readonly kept = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  private readonly dropped = { stdout: 0, stderr: 0 };
  private readonly decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  private readonly used = { stdout: 0, stderr: 0 };
  private finished = false;

  constructor(
    private readonly cap: number = defaultOutputCap,
    private readonly onText?: (stream: 'stdout' | 'stderr', text: string) => void,
  ) {}

  /** Takes a chunk of one stream. */
  write(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    const room = Math.max(0, this.cap - this.used[stream]);
    const keep = room >= chunk.length ? chunk : chunk.subarray(0, room);
    this.dropped[stream] += chunk.length - keep.length;
    if (keep.length === 0) return;
    this.used[stream] += keep.length;
    this.kept[stream].push(keep);
    const text = this.decoders[stream].write(keep);
    if (text) this.onText?.(stream, text);
  }

  /** True once anything was dropped. */
  get truncated(): boolean {
    return this.dropped.stdout + this.dropped.stderr > 0;
  }

  /** Bytes dropped from one stream. */
  droppedBytes(stream: 'stdout' | 'stderr'): number {
    return this.dropped[stream];
  }

  /** The kept text of a stream, with the marker when some of it was dropped. */
  text(stream: 'stdout' | 'stderr'): string {
    const body = Buffer.concat(this.kept[stream]).toString('utf8');
    const dropped = this.dropped[stream];
    return dropped > 0 ? body + truncationMarker(dropped) : body;
  }

  /** Streams the markers (once, when the run ended) so a live view shows the truncation too. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    for (const stream of ['stdout', 'stderr'] as const) {
      const rest = this.decoders[stream].end();
      if (rest) this.onText?.(stream, rest);
      if (this.dropped[stream] > 0) this.onText?.(stream, truncationMarker(this.dropped[stream]));
    }
  }
}
