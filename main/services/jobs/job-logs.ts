import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { JobStream } from '../../../app/contract/jobs';

/** `.orrery/jobs/<job id>/`: the job's logs, its exit file and its log rotation state. */
export function jobFolder(projectPath: string, jobId: string): string {
  return path.join(projectPath, '.orrery', 'jobs', jobId);
}

/** The live log file of a stream. */
export function logFile(folder: string, stream: JobStream): string {
  return path.join(folder, `${stream}.log`);
}

/** The previous generation of a stream (one kept). */
export function rotatedFile(folder: string, stream: JobStream): string {
  return path.join(folder, `${stream}.log.1`);
}

/** Where the wrapper writes the exit status. */
export function exitFile(folder: string): string {
  return path.join(folder, 'exit-code');
}

/** Default cap of one stream on disk (live file + previous generation). */
export const defaultLogCapBytes = 64 * 1024 * 1024;

/** Holds a job's writers still while its log rotates (SIGSTOP / SIGCONT to its process group). */
export interface WriterPause {
  stop(): void;
  resume(): void;
}

/** A read of a stream: bytes, where they start, and what the stream holds. */
export interface LogRead {
  readonly bytes: Buffer;
  readonly offset: number;
  readonly size: number;
  readonly firstOffset: number;
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}

async function readAt(file: string, position: number, length: number): Promise<Buffer> {
  if (length <= 0) return Buffer.alloc(0);
  const handle = await open(file, 'r').catch(() => null);
  if (!handle) return Buffer.alloc(0);
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, position);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** The length of `bytes` without a UTF-8 sequence cut at its end (so text never ends in half a character). */
export function completeUtf8Length(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const byte = bytes[n - back]!;
    if ((byte & 0xc0) === 0x80) continue;
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;
}

/** Bytes at the start of `bytes` that continue a character begun before it (skipped after a jump). */
export function leadingContinuation(bytes: Uint8Array): number {
  let i = 0;
  while (i < Math.min(3, bytes.length) && (bytes[i]! & 0xc0) === 0x80) i++;
  return i;
}

/**
 * The logs of one job on disk. The child writes the live files itself (O_APPEND descriptors, no pipe), so
 * bounding them is copy-then-truncate, as logrotate's `copytruncate` does: once a live file passes half the cap,
 * its newest half-cap becomes `<stream>.log.1` (replacing the previous one) and the live file is truncated; the child's
 * next write lands at offset 0. Offsets are logical (every byte the stream ever wrote), kept in `rotation.json`.
 */
export class JobLogs {
  private bases: Record<JobStream, number> = { stdout: 0, stderr: 0 };
  private loaded = false;

  constructor(
    readonly folder: string,
    readonly capBytes = defaultLogCapBytes,
  ) {}

  /** Creates the folder and opens both files for appending; the caller hands the descriptors to the child, then closes them. */
  async openForChild(): Promise<{ stdout: number; stderr: number; close(): Promise<void> }> {
    await mkdir(this.folder, { recursive: true });
    const out = await open(logFile(this.folder, 'stdout'), 'a');
    const err = await open(logFile(this.folder, 'stderr'), 'a').catch(async (error: unknown) => {
      await out.close();
      throw error;
    });
    return { stdout: out.fd, stderr: err.fd, close: async () => void (await Promise.all([out.close(), err.close()])) };
  }

  /** Bytes the stream has written so far, and the oldest offset still on disk. */
  async extent(stream: JobStream): Promise<{ size: number; firstOffset: number; base: number }> {
    await this.load();
    const base = this.bases[stream];
    const [live, previous] = await Promise.all([sizeOf(logFile(this.folder, stream)), sizeOf(rotatedFile(this.folder, stream))]);
    return { size: base + live, firstOffset: base - previous, base };
  }

  /** Up to `limit` bytes from `offset` (moved to the oldest kept byte when that part was rotated away). */
  async read(stream: JobStream, offset: number, limit: number): Promise<LogRead> {
    const { size, firstOffset, base } = await this.extent(stream);
    const from = Math.min(Math.max(offset, firstOffset), size);
    const length = Math.min(limit, size - from);
    const bytes =
      from < base
        ? await readAt(rotatedFile(this.folder, stream), from - firstOffset, Math.min(length, base - from))
        : await readAt(logFile(this.folder, stream), from - base, length);
    return { bytes, offset: from, size, firstOffset };
  }

  /**
   * Rotates a stream whose live file passed half the cap; answers whether it did. `pause` (the job's process
   * group stopped) holds the writer while the file is copied and truncated, the backpressure a full pipe would
   * give, so output written during a slow copy neither piles up past the cap nor falls into the truncation.
   */
  async rotateIfNeeded(stream: JobStream, pause?: WriterPause): Promise<boolean> {
    const live = logFile(this.folder, stream);
    const size = await sizeOf(live);
    if (size <= this.capBytes / 2) return false;
    const paused = pause !== undefined;
    if (paused) pause.stop();
    try {
      // Measured again once the writers are held: only a write already in the kernel can still land.
      await this.rotate(stream, live, paused ? await sizeOf(live) : size);
    } finally {
      if (paused) pause.resume();
    }
    return true;
  }

  private async rotate(stream: JobStream, live: string, size: number): Promise<void> {
    await this.load();
    const tmp = `${rotatedFile(this.folder, stream)}.tmp`;
    // Copy what is there, then what arrived meanwhile (a writer not paused, or one that was mid-write), then
    // truncate: without a pause, bytes written in that last instant are lost.
    // Only the newest half-cap is kept (a file that overshot between two checks does not make `.1` bigger).
    await pipeline(createReadStream(live, { start: Math.max(0, size - Math.floor(this.capBytes / 2)), end: size - 1 }), createWriteStream(tmp));
    const handle = await open(live, 'r+');
    let copied = size;
    try {
      const now = (await handle.stat()).size;
      if (now > copied) {
        const more = Buffer.alloc(Math.min(now - copied, 8 * 1024 * 1024));
        const { bytesRead } = await handle.read(more, 0, more.length, copied);
        await writeFile(tmp, more.subarray(0, bytesRead), { flag: 'a' });
        copied += bytesRead;
      }
      await handle.truncate(0);
    } finally {
      await handle.close();
    }
    await rename(tmp, rotatedFile(this.folder, stream));
    this.bases[stream] += copied;
    await writeFile(path.join(this.folder, 'rotation.json'), JSON.stringify(this.bases));
  }

  private async load(): Promise<void> {
    if (this.loaded) return;
    this.loaded = true;
    try {
      const parsed = JSON.parse(await readFile(path.join(this.folder, 'rotation.json'), 'utf8')) as Partial<Record<JobStream, unknown>>;
      for (const stream of ['stdout', 'stderr'] as const) {
        const value = parsed[stream];
        if (typeof value === 'number' && Number.isFinite(value) && value >= 0) this.bases[stream] = value;
      }
    } catch {
      // No rotation yet.
    }
  }
}
