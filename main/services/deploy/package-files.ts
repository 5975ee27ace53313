import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, copyFile, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Readable } from 'node:stream';
import * as tar from 'tar';
import { OrreryError } from '../../../app/contract';
import type { PackageManifest, PackageTarget } from '../../../app/contract/packages';

/** The onnxruntime-node binary folder a target needs (the only one of its five platforms a package carries). */
export function binaryFolder(target: PackageTarget): string {
  return target === 'linux-x64' ? 'bin/napi-v6/linux/x64' : 'bin/napi-v6/linux/arm64';
}

/** `<model>-v<N>` with the model's name made safe for a file name. */
export function packageTop(modelName: string, version: number): string {
  return `${modelName.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[.-]+/, '') || 'model'}-v${version}`;
}

/** The folder of an installed package, found from its entry module (walking up to its package.json). */
async function packageRoot(resolvedEntry: string, name: string): Promise<string> {
  let dir = path.dirname(resolvedEntry);
  for (;;) {
    const manifest = await readFile(path.join(dir, 'package.json'), 'utf8').catch(() => null);
    if (manifest !== null && (JSON.parse(manifest) as { name?: string }).name === name) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new OrreryError('unavailable', `The ${name} package was not found beside Orrery; reinstall Orrery (npm ci).`);
    dir = parent;
  }
}

/** Where onnxruntime-node and onnxruntime-common lie in Orrery's own node_modules, and their version. */
export async function runtimeSources(): Promise<{ node: string; common: string; version: string }> {
  const here = createRequire(__filename);
  let nodeEntry: string;
  try {
    nodeEntry = here.resolve('onnxruntime-node');
  } catch (error) {
    throw new OrreryError('unavailable', 'onnxruntime-node is not installed beside Orrery, so no package can carry it; reinstall Orrery (npm ci).', { cause: error });
  }
  const node = await packageRoot(nodeEntry, 'onnxruntime-node');
  const common = await packageRoot(createRequire(path.join(node, 'package.json')).resolve('onnxruntime-common'), 'onnxruntime-common');
  const { version } = JSON.parse(await readFile(path.join(node, 'package.json'), 'utf8')) as { version: string };
  return { node, common, version };
}

/** Relative paths of the files under `dir`, sorted, with `/` separators. */
async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(dir, relative)));
    else if (entry.isFile()) out.push(relative);
  }
  return out.sort();
}

/** Copies what a runtime needs: package.json, readme / licence, `dist/` without maps and typings, and `extra` folders. */
async function copyRuntime(from: string, to: string, extra: readonly string[]): Promise<void> {
  const keep = (file: string): boolean =>
    /^(package\.json|README\.md|LICENSE[^/]*|ThirdPartyNotices[^/]*)$/.test(file) ||
    (file.startsWith('dist/') && !file.endsWith('.map') && !file.endsWith('.d.ts')) ||
    extra.some((folder) => file.startsWith(`${folder}/`));
  const files = (await listFiles(from)).filter((file) => !file.startsWith('node_modules/') && keep(file));
  for (const file of files) {
    await mkdir(path.dirname(path.join(to, file)), { recursive: true });
    await copyFile(path.join(from, file), path.join(to, file));
    const { mode } = await stat(path.join(from, file));
    await chmod(path.join(to, file), mode & 0o755);
  }
  if (extra.length > 0 && !files.some((file) => file.startsWith(`${extra[0]}/`))) {
    throw new OrreryError('unavailable', `${path.basename(from)} here has no ${extra[0]} binary; reinstall onnxruntime-node (its package ships the Linux binaries).`);
  }
}

/** What goes into a package folder besides the runtimes. */
export interface PackageContent {
  readonly manifest: PackageManifest;
  readonly modelFile: string;
  readonly golden: unknown;
  /** resources/edge-runner: run.mjs, run.py, bin/run. */
  readonly runnerDir: string;
}

/** Writes the package folder: manifest, model, golden self-test, runners, trimmed runtimes, then SHA256SUMS over all of them. */
export async function writePackageFolder(folder: string, content: PackageContent): Promise<number> {
  await mkdir(path.join(folder, 'selftest'), { recursive: true });
  await mkdir(path.join(folder, 'bin'), { recursive: true });
  await writeFile(path.join(folder, 'manifest.json'), `${JSON.stringify(content.manifest, null, 2)}\n`);
  await copyFile(content.modelFile, path.join(folder, 'model.onnx'));
  await chmod(path.join(folder, 'model.onnx'), 0o644);
  await writeFile(path.join(folder, 'selftest', 'golden.json'), `${JSON.stringify(content.golden)}\n`);
  for (const [file, mode] of [
    ['run.mjs', 0o644],
    ['run.py', 0o644],
    ['bin/run', 0o755],
  ] as const) {
    await copyFile(path.join(content.runnerDir, file), path.join(folder, file));
    await chmod(path.join(folder, file), mode);
  }
  const runtimes = await runtimeSources();
  await copyRuntime(runtimes.node, path.join(folder, 'node_modules', 'onnxruntime-node'), [binaryFolder(content.manifest.target)]);
  await copyRuntime(runtimes.common, path.join(folder, 'node_modules', 'onnxruntime-common'), []);
  return writeChecksums(folder);
}

/** The sha256 of a file, streamed. */
export async function sha256File(file: string): Promise<string> {
  const digest = createHash('sha256');
  for await (const chunk of createReadStream(file)) digest.update(chunk as Buffer);
  return digest.digest('hex');
}

/** Writes SHA256SUMS (`<hex>  <path>`, sha256sum -c compatible) over every other file; answers how many. */
async function writeChecksums(folder: string): Promise<number> {
  const files = (await listFiles(folder)).filter((file) => file !== 'SHA256SUMS');
  const lines: string[] = [];
  for (const file of files) {
    if (/[\n\\]/.test(file)) throw new Error(`A package file name cannot hold a newline or backslash: ${file}`);
    lines.push(`${await sha256File(path.join(folder, file))}  ${file}`);
  }
  await writeFile(path.join(folder, 'SHA256SUMS'), `${lines.join('\n')}\n`);
  return files.length;
}

/** The tar.gz of `<parent>/<top>/` as a stream (one top folder, modes kept, owners left out). */
export function tarStream(parent: string, top: string): Readable {
  return tar.create({ gzip: { level: 6 }, cwd: parent, portable: true }, [top]) as unknown as Readable;
}
