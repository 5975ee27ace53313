import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OrreryError } from '../../../../../app/contract';
import { verifyPackageFile } from '../../../../../main/services/deploy/package-verify';

let dir = '';
const manifest = {
  format: 'orrery-edge-package/1',
  model: { name: 'm', version: 1, versionId: 'mver_a', lineageId: null, sha256: 'ab'.repeat(32) },
  target: 'linux-x64',
  io: { inputs: [], outputs: [] },
  preprocessing: null,
  labels: null,
  versions: { onnxruntime: '1.30.0', opset: 17, orrery: '0.1.0' },
  createdAt: '2026-01-01T00:00:00.000Z',
  entry: 'bin/run',
};
const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Writes m-v1/ with the given files and a SHA256SUMS over `listed` (default: all of them), then tars it. */
async function pack(files: Record<string, string>, options: { listed?: Record<string, string>; sums?: string | null; top?: string } = {}): Promise<string> {
  const top = options.top ?? 'm-v1';
  const root = path.join(dir, 'src', top);
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  }
  const listed = options.listed ?? files;
  const sums = options.sums !== undefined ? options.sums : Object.entries(listed).map(([file, text]) => `${sha(text)}  ${file}\n`).join('');
  if (sums !== null) await writeFile(path.join(root, 'SHA256SUMS'), sums);
  const file = path.join(dir, `${Math.random().toString(36).slice(2)}.tar.gz`);
  await tar.c({ gzip: true, file, cwd: path.join(dir, 'src'), portable: true }, [top]);
  await rm(path.join(dir, 'src'), { recursive: true });
  return file;
}

const good = { 'manifest.json': JSON.stringify(manifest), 'model.onnx': 'weights', 'bin/run': '#!/bin/sh\n' };

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'orrery-pkgverify-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('verifyPackageFile', () => {
  it('accepts a package whose files all match SHA256SUMS, with its manifest', async () => {
    const result = await verifyPackageFile(await pack(good));
    expect(result).toMatchObject({ ok: true, checked: 3, bad: null, manifest: { target: 'linux-x64' } });
    expect(result.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('names a changed file, a missing one and an unlisted one', async () => {
    const changed = await verifyPackageFile(await pack({ ...good, 'model.onnx': 'weightz' }, { listed: good }));
    expect(changed).toMatchObject({ ok: false, bad: { path: 'model.onnx' } });
    expect(changed.bad!.problem).toContain(`differs from ${sha('weights')}`);
    const { 'bin/run': _dropped, ...withoutRun } = good;
    void _dropped;
    const missing = await verifyPackageFile(await pack(withoutRun, { listed: good }));
    expect(missing.bad).toEqual({ path: 'bin/run', problem: 'listed in SHA256SUMS but missing' });
    const extra = await verifyPackageFile(await pack({ ...good, 'node_modules/x.js': 'evil' }, { listed: good }));
    expect(extra.bad).toEqual({ path: 'node_modules/x.js', problem: 'not listed in SHA256SUMS' });
  });

  it('refuses a package without SHA256SUMS, with a malformed one, or without a valid manifest', async () => {
    expect((await verifyPackageFile(await pack(good, { sums: null }))).bad).toMatchObject({ path: 'SHA256SUMS' });
    expect((await verifyPackageFile(await pack(good, { sums: 'not a sum line\n' }))).bad).toMatchObject({ path: 'SHA256SUMS', problem: expect.stringContaining('malformed') });
    const noManifest = await verifyPackageFile(await pack({ ...good, 'manifest.json': '{"format":"other"}' }));
    expect(noManifest).toMatchObject({ ok: false, bad: { path: 'manifest.json' }, manifest: null });
  });

  it('refuses links and a second top folder', async () => {
    const root = path.join(dir, 'src', 'm-v1');
    await mkdir(root, { recursive: true });
    await writeFile(path.join(root, 'model.onnx'), 'weights');
    await symlink('/etc/passwd', path.join(root, 'link'));
    await mkdir(path.join(dir, 'src', 'other'));
    await writeFile(path.join(dir, 'src', 'other', 'f'), 'x');
    const linked = path.join(dir, 'linked.tar.gz');
    await tar.c({ gzip: true, file: linked, cwd: path.join(dir, 'src'), portable: true }, ['m-v1']);
    expect((await verifyPackageFile(linked)).bad).toMatchObject({ path: 'm-v1/link', problem: expect.stringContaining('SymbolicLink') });
    const two = path.join(dir, 'two.tar.gz');
    await tar.c({ gzip: true, file: two, cwd: path.join(dir, 'src'), portable: true }, ['m-v1/model.onnx', 'other']);
    expect((await verifyPackageFile(two)).bad).toMatchObject({ problem: expect.stringContaining('second top folder') });
  });

  it('answers invalid_file for what is not a tar.gz', async () => {
    const text = path.join(dir, 'notes.tar.gz');
    await writeFile(text, 'just text');
    const error = await verifyPackageFile(text).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OrreryError);
    expect((error as OrreryError).code).toBe('invalid_file');
    const truncated = path.join(dir, 'cut.tar.gz');
    await writeFile(truncated, Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02]));
    expect(((await verifyPackageFile(truncated).catch((caught: unknown) => caught)) as OrreryError).code).toBe('invalid_file');
  });
});
