import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isOrreryError } from '../../../../../app/contract';
import { silentLogger } from '../../../../../main/core/logger';
import { ArtifactStore, openDatabase, projectMigrations, type Db } from '../../../../../main/services/store';

const sha = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isOrreryError(error)) return error.code;
    throw error;
  }
  return 'resolved';
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('ArtifactStore', () => {
  let dir: string;
  let root: string;
  let db: Db;
  let store: ArtifactStore;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'orrery-artifacts-'));
    root = path.join(dir, '.orrery', 'artifacts');
    db = openDatabase(path.join(dir, 'project.db'), { migrations: projectMigrations, kind: 'project', logger: silentLogger });
    store = new ArtifactStore({ root, db, clock: { now: () => 1234 } });
  });

  afterEach(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('streams content in under sha256/<2>/<62>, records it, and reads it back', async () => {
    const chunks = Array.from({ length: 40 }, (_, i) => Buffer.alloc(64 * 1024, i));
    const whole = Buffer.concat(chunks);
    const result = await store.put(Readable.from(chunks), { mediaType: 'application/octet-stream' });
    expect(result).toEqual({ hash: sha(whole), size: whole.length, path: path.join(root, 'sha256', sha(whole).slice(0, 2), sha(whole).slice(2)), created: true });
    // Compare digests: a deep equality over megabytes is slow in the test runner.
    expect(sha(await readFile(result.path))).toBe(sha(whole));
    expect(db.prepare('SELECT sha256, size, created_at, media_type FROM artifacts').all()).toEqual([
      { sha256: result.hash, size: whole.length, created_at: 1234, media_type: 'application/octet-stream' },
    ]);
    const info = await store.get(result.hash);
    expect(info.size).toBe(whole.length);
    expect(sha(await readAll(info.createReadStream()))).toBe(sha(whole));
    expect(await store.has(result.hash)).toBe(true);
    expect(await readdir(path.join(root, 'tmp'))).toEqual([]);
  });

  it('stores the same content once, from a buffer or a file', async () => {
    const first = await store.putBuffer(Buffer.from('hello artifacts'));
    const source = path.join(dir, 'model.bin');
    await writeFile(source, 'hello artifacts');
    const second = await store.putFile(source);
    expect(second).toEqual({ ...first, created: false });
    expect(first.hash).toBe(sha('hello artifacts'));
    expect(existsSync(source)).toBe(true);
    expect(db.prepare('SELECT count(*) FROM artifacts').pluck().get()).toBe(1);
  });

  it('stores empty content', async () => {
    const result = await store.putBuffer(new Uint8Array());
    expect(result.hash).toBe(sha(''));
    expect(result.size).toBe(0);
    expect((await store.verify(result.hash)).ok).toBe(true);
  });

  it('handles concurrent puts of the same content: one blob, one row, no temp files left', async () => {
    const content = Buffer.alloc(300_000, 7);
    const results = await Promise.all(Array.from({ length: 12 }, () => store.put(Readable.from([content.subarray(0, 100_000), content.subarray(100_000)]))));
    expect(new Set(results.map((r) => r.hash))).toEqual(new Set([sha(content)]));
    expect(results.filter((r) => r.created).length).toBeGreaterThanOrEqual(1);
    expect(await readdir(path.join(root, 'sha256', sha(content).slice(0, 2)))).toEqual([sha(content).slice(2)]);
    expect(sha(await readFile(results[0]!.path))).toBe(sha(content));
    expect(db.prepare('SELECT count(*) FROM artifacts').pluck().get()).toBe(1);
    expect(await readdir(path.join(root, 'tmp'))).toEqual([]);
  });

  it('verify detects a blob whose bytes were changed on disk', async () => {
    const { hash, path: blob } = await store.putBuffer(Buffer.from('checkpoint weights v1'));
    expect(await store.verify(hash)).toEqual({ hash, ok: true, actual: hash, size: 21 });
    await writeFile(blob, 'checkpoint weights v2');
    const report = await store.verify(hash);
    expect(report.ok).toBe(false);
    expect(report.actual).toBe(sha('checkpoint weights v2'));
    expect(report.actual).not.toBe(hash);
  });

  it('a later put of the right content repairs a truncated blob', async () => {
    const { hash, path: blob } = await store.putBuffer(Buffer.from('0123456789'));
    await writeFile(blob, '01234');
    expect((await store.verify(hash)).ok).toBe(false);
    expect((await store.putBuffer(Buffer.from('0123456789'))).created).toBe(true);
    expect((await store.verify(hash)).ok).toBe(true);
  });

  it('leaves no temp file and no blob when the source fails mid-stream', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield Buffer.from('partial ');
      throw new Error('network dropped');
    }
    await expect(store.put(failing())).rejects.toThrow('network dropped');
    expect(await readdir(path.join(root, 'tmp'))).toEqual([]);
    expect(existsSync(path.join(root, 'sha256'))).toBe(false);
    expect(db.prepare('SELECT count(*) FROM artifacts').pluck().get()).toBe(0);
  });

  it('accepts only sha256 hashes, so no path can be formed from user input', async () => {
    for (const bad of ['../../etc/passwd', 'ab/../../x', '', 'A'.repeat(64), 'g'.repeat(64), 'a'.repeat(63), `${'a'.repeat(62)}/x`, '/etc/passwd']) {
      expect(await codeOf(store.get(bad))).toBe('invalid_input');
      expect(await codeOf(store.has(bad))).toBe('invalid_input');
      expect(await codeOf(store.verify(bad))).toBe('invalid_input');
      expect(() => store.blobPath(bad)).toThrow(/not a sha256/);
    }
    expect(await codeOf(store.get('a'.repeat(64)))).toBe('not_found');
    expect(await store.has('a'.repeat(64))).toBe(false);
  });

  it('removes temp files left by crashed puts, but not recent ones', async () => {
    await store.putBuffer(Buffer.from('x'));
    const tmp = path.join(root, 'tmp');
    await writeFile(path.join(tmp, 'old.part'), 'left by a crash');
    await writeFile(path.join(tmp, 'fresh.part'), 'being written');
    const longAgo = new Date(1234 - 2 * 60 * 60 * 1000);
    await utimes(path.join(tmp, 'old.part'), longAgo, longAgo);
    const recent = new Date(1234);
    await utimes(path.join(tmp, 'fresh.part'), recent, recent);
    expect(await store.removeStaleTemp()).toBe(1);
    expect(await readdir(tmp)).toEqual(['fresh.part']);
    expect((await stat(path.join(tmp, 'fresh.part'))).size).toBe(13);
  });
});
