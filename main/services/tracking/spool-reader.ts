import { open, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

/** The 8 bytes a metrics file starts with. */
export const metricsMagic = 'ORRMET1\n';

/** `run.json` as the SDK or the job service writes it (docs/tracking-spool.md); unknown fields are ignored. */
export const runFileSchema = z.object({
  version: z.number().optional(),
  id: z.string().min(1),
  name: z.string().nullish(),
  created_at: z.number(),
  params: z.record(z.string(), z.unknown()).nullish(),
  tags: z.array(z.string()).nullish(),
  source: z.string().nullish(),
  job_id: z.string().nullish(),
  env_lock_id: z.string().nullish(),
  pid: z.number().nullish(),
  host: z.string().nullish(),
  argv: z.array(z.string()).nullish(),
  cwd: z.string().nullish(),
  git_commit: z.string().nullish(),
  python: z.string().nullish(),
});

/** A parsed `run.json`. */
export type RunFile = z.infer<typeof runFileSchema>;

const time = z.number();
/** One line of an `events.<writer>.jsonl` file. */
export const spoolEventSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('start'), time, pid: z.number().nullish() }),
  z.object({ t: z.literal('params'), params: z.record(z.string(), z.unknown()) }),
  z.object({ t: z.literal('tags'), tags: z.array(z.string()) }),
  z.object({
    t: z.literal('artifact'),
    name: z.string(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    size: z.number().int().nonnegative(),
    kind: z.enum(['artifact', 'checkpoint', 'log']),
    step: z.number().nullish(),
    time,
  }),
  z.object({ t: z.literal('artifact_error'), name: z.string(), message: z.string(), time }),
  z.object({ t: z.literal('warning'), message: z.string(), time }),
  z.object({ t: z.literal('finish'), status: z.enum(['finished', 'failed', 'killed', 'lost']), time, exit_code: z.number().nullish() }),
]);

/** A parsed spool event. */
export type SpoolEvent = z.infer<typeof spoolEventSchema>;

/** What the whole lines of an events file held: parsed events, and lines that did not parse (kept as warnings). */
export interface ParsedLines {
  readonly events: SpoolEvent[];
  readonly invalid: string[];
  /** Bytes consumed: up to and including the last `\n`; a torn last line waits for the next pass. */
  readonly consumed: number;
}

/** Parses the whole lines of `bytes` (a slice of an events file starting at a line boundary). */
export function parseEventLines(bytes: Uint8Array): ParsedLines {
  const lastNewline = bytes.lastIndexOf(0x0a);
  if (lastNewline < 0) return { events: [], invalid: [], consumed: 0 };
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, lastNewline + 1).toString('utf8');
  const events: SpoolEvent[] = [];
  const invalid: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      invalid.push(line);
      continue;
    }
    const parsed = spoolEventSchema.safeParse(value);
    if (parsed.success) events.push(parsed.data);
    else if (!(typeof value === 'object' && value !== null && 't' in value && typeof value.t === 'string' && !knownTypes.has(value.t))) invalid.push(line);
    // An event type this version does not know (a newer SDK) is skipped silently.
  }
  return { events, invalid, consumed: lastNewline + 1 };
}

const knownTypes = new Set(['start', 'params', 'tags', 'artifact', 'artifact_error', 'warning', 'finish']);

/** One whole frame of a metrics file: a key and its columns (views into the read buffer, no copy). */
export interface MetricFrame {
  readonly key: string;
  readonly steps: Float64Array;
  readonly times: Float64Array;
  readonly values: Float64Array;
}

/** What the whole frames of a metrics slice held. */
export interface ParsedFrames {
  readonly frames: MetricFrame[];
  /** Bytes consumed (whole frames, and the magic when the slice starts the file). */
  readonly consumed: number;
  /** Set when the bytes cannot be a metrics file (wrong magic, absurd key length): the file is skipped. */
  readonly error?: string;
}

const pad8 = (n: number) => (n + 7) & ~7;
/** Longest key accepted; a longer length field means the file is not what it should be. */
const maxKeyBytes = 4096;

/**
 * Parses the whole frames of a metrics slice. `bytes` must start at an 8-byte-aligned file offset and sit at an
 * 8-aligned offset of its ArrayBuffer, so the columns are viewed as Float64Arrays without copying.
 */
export function parseMetricFrames(bytes: Uint8Array, fileOffset: number): ParsedFrames {
  if (bytes.byteOffset % 8 !== 0 || fileOffset % 8 !== 0) throw new Error('parseMetricFrames needs 8-byte aligned input');
  let at = 0;
  if (fileOffset === 0) {
    if (bytes.length < 8) return { frames: [], consumed: 0 };
    if (Buffer.from(bytes.buffer, bytes.byteOffset, 8).toString('latin1') !== metricsMagic) {
      return { frames: [], consumed: 0, error: 'it does not start with ORRMET1' };
    }
    at = 8;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const frames: MetricFrame[] = [];
  while (bytes.length - at >= 8) {
    const keyLength = view.getUint32(at, true);
    const n = view.getUint32(at + 4, true);
    if (keyLength === 0 || keyLength > maxKeyBytes) return { frames, consumed: at, error: `a frame at byte ${fileOffset + at} has key length ${keyLength}` };
    const size = 8 + pad8(keyLength) + 24 * n;
    if (bytes.length - at < size) break;
    const key = Buffer.from(bytes.buffer, bytes.byteOffset + at + 8, keyLength).toString('utf8');
    const base = bytes.byteOffset + at + 8 + pad8(keyLength);
    frames.push({
      key,
      steps: new Float64Array(bytes.buffer, base, n),
      times: new Float64Array(bytes.buffer, base + 8 * n, n),
      values: new Float64Array(bytes.buffer, base + 16 * n, n),
    });
    at += size;
  }
  return { frames, consumed: at };
}

/** Bytes from the slice's start to the end of its first frame (the magic included at offset 0); null before a whole header. */
export function firstFrameEnd(bytes: Uint8Array, fileOffset: number): number | null {
  const at = fileOffset === 0 ? 8 : 0;
  if (bytes.length < at + 8) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return at + 8 + pad8(view.getUint32(at, true)) + 24 * view.getUint32(at + 4, true);
}

/** Reads the bytes of a file from `offset` to its end (at most `limit`), into an 8-aligned buffer. */
export async function readFrom(file: string, offset: number, limit: number): Promise<Uint8Array> {
  // One stat answers the common case (nothing new) without opening the file: a project of 10,000 finished runs
  // is checked on every open and every CLI command.
  if ((await stat(file)).size <= offset) return new Uint8Array(0);
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const length = Math.max(0, Math.min(size - offset, limit));
    // A fresh ArrayBuffer starts 8-aligned (Buffer.allocUnsafe may hand out an odd slice of its pool).
    const bytes = new Uint8Array(new ArrayBuffer(length));
    let read = 0;
    while (read < length) {
      const { bytesRead } = await handle.read(bytes, read, length - read, offset + read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return read === length ? bytes : bytes.subarray(0, read);
  } finally {
    await handle.close();
  }
}

/** The files of one run folder, by role. */
export interface RunFolder {
  readonly runId: string;
  readonly dir: string;
  readonly hasRunFile: boolean;
  /** Writer name → file name, for `events.<writer>.jsonl`. */
  readonly events: ReadonlyMap<string, string>;
  /** Writer name → file name, for `metrics.<writer>.bin`. */
  readonly metrics: ReadonlyMap<string, string>;
}

const eventsFile = /^events\.(.+)\.jsonl$/;
const metricsFile = /^metrics\.(.+)\.bin$/;
/** Run ids the SDK makes (32 hex) or a job sets: letters, digits, `-` and `_`. */
export const runIdPattern = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/** Lists a run folder's spool files; null when the folder is gone. */
export async function listRunFolder(trackingDir: string, runId: string): Promise<RunFolder | null> {
  const dir = path.join(trackingDir, runId);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw error;
  }
  const events = new Map<string, string>();
  const metrics = new Map<string, string>();
  for (const name of names) {
    const e = eventsFile.exec(name);
    if (e) events.set(e[1]!, name);
    const m = metricsFile.exec(name);
    if (m) metrics.set(m[1]!, name);
  }
  return { runId, dir, hasRunFile: names.includes('run.json'), events, metrics };
}

/** The run ids that have a folder under the tracking folder. */
export async function listRunIds(trackingDir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(trackingDir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return entries.filter((e) => e.isDirectory() && runIdPattern.test(e.name)).map((e) => e.name);
}

/** Reads and checks `run.json`; null while it does not exist yet (a writer is about to rename it in place). */
export async function readRunFile(dir: string): Promise<{ run: RunFile; size: number } | { error: string } | null> {
  let text: string;
  try {
    text = await readFile(path.join(dir, 'run.json'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { error: `run.json is not JSON: ${(error as Error).message}` };
  }
  const parsed = runFileSchema.safeParse(value);
  if (!parsed.success) return { error: `run.json does not match the spool format: ${parsed.error.issues[0]?.message ?? 'invalid'}` };
  return { run: parsed.data, size: Buffer.byteLength(text) };
}
