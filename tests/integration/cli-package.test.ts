// `orrery model package` and `orrery model verify-package` as users run them (out/main/cli.cjs in a child process):
// a real ONNX model registered from a file, packaged for linux-x64 into --out, verified, then one byte of its
// model.onnx changed inside the tar.gz and the verification names that file with exit code 3.
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeModel, mlpModel } from '../unit/main/services/models/onnx-builder';
import { cliProject, type CliProject } from './cli-harness';

let world: CliProject;
const orrery = (...args: string[]) => world.orrery(...args);

beforeAll(async () => {
  world = await cliProject('orrery-clipackage-');
  await writeFile(path.join(world.project, 'iris.onnx'), encodeModel(mlpModel({ sizes: [4, 8, 3], softmax: true, metadata: { labels: 'a,b,c' } })));
  const registered = orrery('model', 'register', 'iris', '--file', 'proj/iris.onnx');
  if (registered.status !== 0) throw new Error(`register failed: ${registered.stderr}`);
}, 300_000);
afterAll(() => world.dispose());

describe('orrery model package', () => {
  it('packages a version into --out, verifies it, and names a tampered file with exit code 3', async () => {
    const built = orrery('model', 'package', 'iris@1', '--target', 'linux-x64', '--out', 'dist/iris.tar.gz', '--golden', '2');
    expect(built.status).toBe(0);
    expect(built.stderr).toContain('… golden outputs');
    expect(built.stdout).toMatch(/^Packaged iris@1 for linux-x64 \(mpkg_[a-z0-9]+\): iris-v1-linux-x64\.tar\.gz, [\d.]+ MiB\n {2}sha256 ([0-9a-f]{64})\n/);
    const sha = /sha256 ([0-9a-f]{64})/.exec(built.stdout)![1]!;
    const file = path.join(world.base, 'dist', 'iris.tar.gz');
    expect(createHash('sha256').update(await readFile(file)).digest('hex')).toBe(sha);

    const verified = orrery('model', 'verify-package', 'dist/iris.tar.gz');
    expect(verified.stderr).toBe('');
    expect(verified.status).toBe(0);
    expect(verified.stdout).toMatch(new RegExp(`^OK ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: \\d+ files match SHA256SUMS \\(sha256 ${sha}\\)\\n$`));

    const listed = JSON.parse(orrery('model', 'package', 'iris@1', '--target', 'linux-arm64', '--golden', '1', '--json').stdout);
    expect(listed).toMatchObject({ target: 'linux-arm64', manifest: { target: 'linux-arm64', labels: ['a', 'b', 'c'] } });

    const unpacked = path.join(world.base, 'unpacked');
    await mkdir(unpacked);
    await tar.x({ file, cwd: unpacked });
    const model = path.join(unpacked, 'iris-v1', 'model.onnx');
    const bytes = await readFile(model);
    bytes[20] = bytes[20]! ^ 0x01;
    await writeFile(model, bytes);
    await tar.c({ gzip: true, file: path.join(world.base, 'dist', 'bad.tar.gz'), cwd: unpacked, portable: true }, ['iris-v1']);
    const refused = orrery('model', 'verify-package', 'dist/bad.tar.gz');
    expect(refused.status).toBe(3);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/^FAILED .*bad\.tar\.gz: model\.onnx: SHA-256 [0-9a-f]{64} differs from [0-9a-f]{64} in SHA256SUMS\n$/);
  });

  it('answers bad input with usage errors and clear messages', () => {
    const target = orrery('model', 'package', 'iris@1', '--target', 'windows-x64');
    expect(target.status).toBe(2);
    expect(target.stderr).toContain('--target windows-x64: give linux-x64 or linux-arm64.');
    expect(orrery('model', 'package', 'iris@1').status).toBe(2);
    const unknown = orrery('model', 'package', 'nosuch@1', '--target', 'linux-x64');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/^orrery: .*nosuch/);
    const notGzip = orrery('model', 'verify-package', 'proj/iris.onnx');
    expect(notGzip.status).toBe(1);
    expect(notGzip.stderr).toMatch(/is not a gzip file, so not an Orrery edge package/);
  });
});
