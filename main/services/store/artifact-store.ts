import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { OrreryError } from '../../../app/contract';
import type { Clock } from '../../core/clock';
import type { Db } from './open-database';

/** A stored blob: where it lies and how to read it. */
export interface ArtifactInfo {
  readonly hash: string;
  readonly size: number;
  readonly path: string;
  createReadStream(): Readable;
}

/** What `put` stored; `created` is false when the same content was already there. */
export interface PutResult {
  readonly hash: string;
  readonly size: number;
  readonly path: string;
  readonly created: boolean;
}

/** The outcome of re-hashing a blob. */
export interface VerifyResult {
  readonly hash: string;
  readonly ok: boolean;
  /** The sha256 of the bytes on disk now. */
  readonly actual: string;
  readonly size: number;
}

/** Content accepted by `put`: a Node stream or any (async) iterable of byte chunks. */
export type ArtifactSource = Readable | AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;

const sha256Pattern = /^[0-9a-f]{64}$/;
const staleTempMs = 60 * 60 * 1000;

/** True for a sha256 in the form the store uses (64 lowercase hex); the only strings that become blob paths. */
export function isSha256(value: unknown): value is string {
  return typeof value === 'string' && sha256Pattern.test(value);
}

/**
 * Content-addressed blobs under `.orrery/artifacts/sha256/<2 hex>/<62 hex>`, recorded in the `artifacts`
 * table. Writes stream into `tmp/`, are fsynced, then renamed into place, so a blob path never holds
 * partial content.
 */
export class ArtifactStore {
  constructor(private readonly deps: { root: string; db: Db; clock: Clock }) {}

  /** Where the blob of `hash` lives (whether or not it exists); refuses anything but a sha256. */
  blobPath(hash: string): string {
    if (!isSha256(hash)) {
      throw new OrreryError('invalid_input', `hash: "${String(hash).slice(0, 80)}" is not a sha256 (64 lowercase hex characters).`);
    }
    return path.join(this.deps.root, 'sha256', hash.slice(0, 2), hash.slice(2));
  }

  /** Streams content in, hashing as it writes; stores it once however often it is put. */
  async put(source: ArtifactSource, options: { mediaType?: string } = {}): Promise<PutResult> {
    const tmpDir = path.join(this.deps.root, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    const tmp = path.join(tmpDir, `${randomBytes(12).toString('hex')}.part`);
    let hash: string;
    let size: number;
    try {
      ({ hash, size } = await writeHashed(tmp, source));
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
    const target = this.blobPath(hash);
    let created = false;
    try {
      await mkdir(path.dirname(target), { recursive: true });
      const existing = await sizeOf(target);
      if (existing === size) {
        await rm(tmp, { force: true });
      } else {
        // Missing, or damaged (wrong size): the fresh copy replaces it atomically.
        await rename(tmp, target);
        await syncDirectory(path.dirname(target));
        created = true;
      }
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
    this.deps.db
      .prepare('INSERT INTO artifacts (sha256, size, created_at, media_type) VALUES (?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING')
      .run(hash, size, this.deps.clock.now(), options.mediaType ?? null);
    return { hash, size, path: target, created };
  }

  /** Stores a file's content (the file itself is left where it is). */
  putFile(file: string, options: { mediaType?: string } = {}): Promise<PutResult> {
    return this.put(createReadStream(file), options);
  }

  /** Stores bytes held in memory. */
  putBuffer(buffer: Uint8Array, options: { mediaType?: string } = {}): Promise<PutResult> {
    return this.put([buffer], options);
  }

  /** True when the blob of `hash` is on disk. */
  async has(hash: string): Promise<boolean> {
    return (await sizeOf(this.blobPath(hash))) !== null;
  }

  /** The blob of `hash`; `not_found` when it is not in this project. */
  async get(hash: string): Promise<ArtifactInfo> {
    const file = this.blobPath(hash);
    const size = await sizeOf(file);
    if (size === null) throw new OrreryError('not_found', `No artifact sha256:${hash} in this project.`);
    return { hash, size, path: file, createReadStream: () => createReadStream(file) };
  }

  /** Re-hashes the blob of `hash` and says whether its bytes still match their name. */
  async verify(hash: string): Promise<VerifyResult> {
    const { path: file } = await this.get(hash);
    const digest = createHash('sha256');
    let size = 0;
    for await (const chunk of createReadStream(file)) {
      digest.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
    const actual = digest.digest('hex');
    return { hash, ok: actual === hash, actual, size };
  }

  /** Removes temp files left by puts that a crash interrupted (older than an hour, so live puts are safe). */
  async removeStaleTemp(): Promise<number> {
    const tmpDir = path.join(this.deps.root, 'tmp');
    let names: string[];
    try {
      names = await readdir(tmpDir);
    } catch {
      return 0;
    }
    let removed = 0;
    for (const name of names) {
      if (!name.endsWith('.part')) continue;
      const file = path.join(tmpDir, name);
      const info = await stat(file).catch(() => null);
      if (info && this.deps.clock.now() - info.mtimeMs > staleTempMs) {
        await rm(file, { force: true });
        removed++;
      }
    }
    return removed;
  }
}

async function writeHashed(file: string, source: ArtifactSource): Promise<{ hash: string; size: number }> {
  const digest = createHash('sha256');
  let size = 0;
  const handle = await open(file, 'wx', 0o644);
  try {
    for await (const chunk of source) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      digest.update(bytes);
      size += bytes.length;
      let offset = 0;
      while (offset < bytes.length) {
        const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
        offset += bytesWritten;
      }
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { hash: digest.digest('hex'), size };
}

async function sizeOf(file: string): Promise<number | null> {
  try {
    return (await stat(file)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Makes the rename itself durable; some platforms cannot open a folder, which is harmless to skip. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort
  }
}
