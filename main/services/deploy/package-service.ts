import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { OrreryError, type ParsedInput } from '../../../app/contract';
import type { EdgePackage, PackageTarget, PackageVerifyResult } from '../../../app/contract/packages';
import { checkPathInRoots } from '../../core/paths';
import type { Task } from '../../core/tasks';
import type { OpenProject } from '../projects/project-service';
import type { DeployServiceDeps } from './deploy-service';
import { packageTop, runtimeSources, tarStream, writePackageFolder } from './package-files';
import { buildManifest, goldenCases } from './package-manifest';
import { PackageStore } from './package-store';
import { verifyPackageFile } from './package-verify';

/** Steps of a build, for `task.progress`. */
const buildSteps = ['golden outputs', 'package files', 'compressing', 'checking the archive', 'done'] as const;

/**
 * Edge packages: a model version with its metadata, runners, self-test and checksums, as one tar.gz kept in the
 * project's artifact store (content-addressed, written through a temp file and a rename) and listed per version.
 */
export class PackageService {
  constructor(readonly deps: DeployServiceDeps) {}

  /** Builds a package of a version for a target; the version's ONNX file (or its newest ONNX export) goes in. */
  async build(input: ParsedInput<'model.package'>): Promise<EdgePackage> {
    const open = this.deps.projects.requireCurrent();
    const version = this.deps.models.version(input.versionId);
    const target = { versionId: version.id };
    // Both throw clear errors first: a PyTorch version without an export, a file that is not ONNX.
    const resolved = await this.deps.models.resolve(target, open);
    const info = await this.deps.models.inspect(target);
    if (info.unsupported.length > 0) {
      throw new OrreryError('invalid_input', `${resolved.label} uses what onnxruntime cannot run (${info.unsupported.join(', ')}); export it with a supported opset before packaging.`);
    }
    const out = input.out !== undefined ? await checkPathInRoots(path.resolve(open.path, input.out), this.deps.allowedRoots, 'out') : null;
    const top = packageTop(version.modelName, version.version);
    const fileName = `${top}-${input.target}.tar.gz`;
    return this.deps.tasks.run(input.taskId, `Package ${version.modelName}@${version.version} for ${input.target}`, async (task) => {
      const step = (index: number): void => task.progress(index, buildSteps.length - 1, buildSteps[index]!);
      step(0);
      const golden = await goldenCases(info, input.goldenCases, parseInt(info.sha256.slice(0, 8), 16), (inputs) =>
        this.deps.models.infer({ target, input: { kind: 'tensors', tensors: inputs } }),
      );
      task.throwIfCancelled();
      step(1);
      const manifest = buildManifest({ version, info, target: input.target, onnxruntime: (await runtimeSources()).version, orrery: await this.orreryVersion(), createdAt: this.deps.clock.now() });
      const staging = await mkdtemp(path.join(os.tmpdir(), 'orrery-package-'));
      try {
        await writePackageFolder(path.join(staging, top), { manifest, modelFile: resolved.file, golden, runnerDir: path.join(this.deps.resourcesDir, 'edge-runner') });
        task.throwIfCancelled();
        step(2);
        const put = await open.artifacts.put(tarStream(staging, top), { mediaType: 'application/gzip' });
        step(3);
        await this.checkBuilt(put.path, task);
        const saved = new PackageStore({ db: open.db, projectPath: open.path }).add({
          versionId: version.id,
          target: input.target,
          fileName,
          relativePath: path.relative(open.path, put.path),
          sha256: put.hash,
          size: put.size,
          manifest,
          createdAt: this.deps.clock.now(),
        });
        if (out) await copyAtomically(put.path, out);
        step(4);
        this.deps.logger.info('package built', { id: saved.id, versionId: version.id, target: input.target, size: put.size });
        return saved;
      } finally {
        await rm(staging, { recursive: true, force: true });
      }
    });
  }

  /** Packages of a version, or of every version. */
  list(versionId?: string): EdgePackage[] {
    const open = this.deps.projects.requireCurrent();
    if (versionId !== undefined) this.deps.models.version(versionId);
    return this.store(open).list(versionId);
  }

  /** Checks a tar.gz (inside the allowed roots) or a kept package against its SHA256SUMS. */
  async verify(input: ParsedInput<'model.verifyPackage'>): Promise<PackageVerifyResult> {
    let file: string;
    if ('packageId' in input) file = this.store(this.deps.projects.requireCurrent()).get(input.packageId).path;
    else {
      const base = this.deps.projects.current()?.path ?? this.deps.userHome;
      file = await checkPathInRoots(path.resolve(base, input.file), this.deps.allowedRoots, 'file');
    }
    const info = await stat(file).catch(() => null);
    if (!info) throw new OrreryError('not_found', `${file} does not exist; give the path of a package (.tar.gz).`);
    if (!info.isFile()) throw new OrreryError('invalid_input', `${file} is not a file; give the path of a package (.tar.gz).`);
    return verifyPackageFile(file);
  }

  /** Forgets a package (its tar.gz stays in the artifact store, like every blob). */
  delete(packageId: string): { ok: true } {
    this.store(this.deps.projects.requireCurrent()).delete(packageId);
    return { ok: true };
  }

  /** The packages of a target ready to ship (newest first): what a deploy picks from. */
  latestFor(versionId: string, target: PackageTarget): EdgePackage | null {
    return this.list(versionId).find((item) => item.target === target) ?? null;
  }

  dispose(): void {}

  /** A build is checked like any package before it is recorded: a fault of the build never reaches a device. */
  private async checkBuilt(file: string, task: Task): Promise<void> {
    task.throwIfCancelled();
    const result = await verifyPackageFile(file);
    if (!result.ok) throw new OrreryError('internal', `The package just built does not verify (${result.bad?.path}: ${result.bad?.problem}); report this as a bug.`);
  }

  private store(open: OpenProject): PackageStore {
    return new PackageStore({ db: open.db, projectPath: open.path });
  }

  /** Orrery's version: the bundle's (set at build time), else the package.json beside resources/. */
  private async orreryVersion(): Promise<string> {
    if (process.env.ORRERY_VERSION) return process.env.ORRERY_VERSION;
    const text = await readFile(path.join(this.deps.resourcesDir, '..', 'package.json'), 'utf8').catch(() => null);
    return text ? ((JSON.parse(text) as { version?: string }).version ?? 'unknown') : 'unknown';
  }
}

/** Copies a file to `target` through a temp file beside it and a rename: `target` never holds half a package. */
async function copyAtomically(source: string, target: string): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.part`);
  try {
    await copyFile(source, temp);
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw new OrreryError('not_writable', `Cannot write the package to ${target}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
