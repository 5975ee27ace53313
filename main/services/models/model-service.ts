import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { OrreryError, type ParsedInput } from '../../../app/contract';
import type { BenchResult, InferResult, Model, ModelExport, ModelTarget, ModelVersion, OnnxInfo } from '../../../app/contract/models';
import type { Clock } from '../../core/clock';
import type { Logger } from '../../core/logger';
import { checkPathInRoots } from '../../core/paths';
import type { TaskRegistry } from '../../core/tasks';
import { activationEnv } from '../envs/activation';
import type { EnvService } from '../envs/env-service';
import { listLocks } from '../envs/locks';
import type { OpenProject, ProjectService } from '../projects/project-service';
import { exportToOnnx, ParityError, type ExportOutcome } from './export';
import { InferenceService } from './inference';
import { guessFormat, hashDatasets, hashFile, runFile, runLineage } from './lineage';
import { renderModelCard } from './model-card';
import { inspectOnnxFile } from './onnx-info';
import { ModelRegistry } from './registry';
import { DeploymentStore } from '../deploy/deploy-store';
import { packagesOfVersion } from '../deploy/package-store';

export interface ModelServiceDeps {
  readonly logger: Logger;
  readonly clock: Clock;
  readonly projects: ProjectService;
  readonly envs: EnvService;
  readonly tasks: TaskRegistry;
  readonly allowedRoots: readonly string[];
  /** The environment Python processes start from (an env's activation is laid over it). */
  readonly env: NodeJS.ProcessEnv;
  /** Folder holding `resources/` (`python/orrery_export`, run by the export). */
  readonly resourcesDir: string;
}

/** A model file resolved from a target: where it lies, its content hash, and the version it belongs to. */
export interface ResolvedTarget {
  readonly file: string;
  readonly sha256: string;
  readonly versionId: string | null;
  /** What to call it in benchmarks and messages: `name@3`, `name@3 onnx export`, or the file's name. */
  readonly label: string;
}

/** Inspections kept by content hash (an ONNX file is inspected once however often it is used). */
const inspectionCacheSize = 32;

/**
 * The models area: the project's registry (versions with lineage, aliases, stages, exports, benchmarks, the model
 * card), ONNX inspection, inference and benchmarks (onnxruntime-node in a worker), and export through the env's
 * Python. Every `model.*` call comes here; the registry is built on the open project's store for each call.
 */
export class ModelService {
  private readonly inference = new InferenceService();
  private readonly inspections = new Map<string, OnnxInfo>();

  constructor(private readonly deps: ModelServiceDeps) {}

  // Registry ---------------------------------------------------------------------------------------------

  list(): Model[] {
    return this.registry().list();
  }

  get(id: string): { model: Model; versions: ModelVersion[] } {
    return this.registry().get(id);
  }

  version(ref: string): ModelVersion {
    return this.registry().version(ref);
  }

  /** Registers a version from a run's file (lineage and metrics copied from the run) or from a file in the roots. */
  async register(input: ParsedInput<'model.register'>): Promise<ModelVersion> {
    const open = this.deps.projects.requireCurrent();
    if ((input.runId === undefined) === (input.file === undefined)) {
      throw new OrreryError('invalid_input', 'Give either a run (runId, with its artifact name or its last checkpoint) or a file to register, not both and not neither.');
    }
    if (input.artifact !== undefined && input.runId === undefined) {
      throw new OrreryError('invalid_input', 'artifact names a file of a run; give the run too (runId), or register a file with file.');
    }
    const datasets = await hashDatasets(input.datasets ?? [], open.path, this.deps.allowedRoots);
    const registry = this.registry(open);
    if (input.runId !== undefined) {
      const lineage = runLineage(open.db, input.runId);
      const chosen = runFile(open.db, input.runId, input.artifact);
      const blob = await open.artifacts.get(chosen.sha256).catch((error: unknown) => {
        throw new OrreryError('not_found', `The file ${chosen.name} of run ${input.runId} is missing from the artifact store (sha256:${chosen.sha256}); it cannot be registered.`, {
          cause: error,
        });
      });
      const fileName = path.posix.basename(chosen.name);
      const format = input.format ?? (await guessFormat(fileName, blob.path));
      return registry.register({
        name: input.name,
        format,
        blob: { sha256: chosen.sha256 },
        fileName,
        source: 'run-artifact',
        runId: input.runId,
        notes: input.notes ?? null,
        lineage: { ...lineage, datasets },
      });
    }
    const file = await this.checkedFile(input.file!, open, 'file');
    const fileName = path.basename(file);
    return registry.register({
      name: input.name,
      format: input.format ?? (await guessFormat(fileName, file)),
      blob: { file },
      fileName,
      source: 'file',
      runId: null,
      notes: input.notes ?? null,
      lineage: { runId: null, runName: null, params: {}, metrics: {}, envLockId: null, gitCommit: null, datasets },
    });
  }

  update(input: ParsedInput<'model.update'>): ModelVersion {
    return this.registry().update(input.versionId, {
      ...(input.stage !== undefined ? { stage: input.stage } : {}),
      ...(input.notes !== undefined ? { notes: input.notes } : {}),
    });
  }

  alias(input: ParsedInput<'model.alias'>): Model {
    return this.registry().alias(input.modelId, input.alias, input.versionId);
  }

  deleteVersion(versionId: string): { ok: true } {
    this.registry().deleteVersion(versionId);
    return { ok: true };
  }

  /** The model card of a version: lineage, metrics, the ONNX signature when there is one, exports, benchmarks. */
  async card(versionId: string): Promise<{ html: string }> {
    const open = this.deps.projects.requireCurrent();
    const registry = this.registry(open);
    const version = registry.requireVersion(versionId);
    const { model } = registry.get(version.modelId);
    const exports = registry.exports(versionId);
    const benchmarks = registry.benchmarks({ versionId });
    let signature: OnnxInfo | null = null;
    let signatureNote: string | null = null;
    const onnxSource = version.format === 'onnx' ? { versionId } : exports.find((item) => item.kind === 'onnx') ? { exportId: exports.find((item) => item.kind === 'onnx')!.id } : null;
    if (onnxSource) {
      try {
        signature = await this.inspect(onnxSource);
      } catch (error) {
        signatureNote = `The ONNX signature could not be read: ${error instanceof Error ? error.message : String(error)}`;
      }
    } else {
      signatureNote = `No ONNX file yet: export this ${version.format} version to ONNX to show its inputs and outputs here.`;
    }
    const envLock = version.lineage.envLockId ? (listLocks(open.db).find((lock) => lock.id === version.lineage.envLockId) ?? null) : null;
    const html = renderModelCard({
      project: open.project.name,
      model,
      version,
      exports,
      packages: packagesOfVersion(open.db, open.path, versionId),
      deployments: new DeploymentStore(open.db).list({ versionId }),
      benchmarks,
      signature,
      signatureNote,
      envLock,
      generatedAt: this.deps.clock.now(),
    });
    return { html };
  }

  // ONNX -------------------------------------------------------------------------------------------------

  async inspect(target: ModelTarget): Promise<OnnxInfo> {
    const resolved = await this.resolve(target);
    return this.inspectResolved(resolved);
  }

  async infer(input: ParsedInput<'model.infer'>): Promise<InferResult> {
    const open = this.deps.projects.requireCurrent();
    const resolved = await this.resolve(input.target, open);
    const info = await this.inspectResolved(resolved);
    // An image is read by Orrery: only inside the allowed roots, like every other path.
    const given = input.input.kind === 'image' ? { ...input.input, path: await checkPathInRoots(path.resolve(open.path, input.input.path), this.deps.allowedRoots, 'input.path') } : input.input;
    return this.inference.infer(resolved.file, info, given, open.path);
  }

  async bench(input: ParsedInput<'model.bench'>): Promise<BenchResult> {
    const open = this.deps.projects.requireCurrent();
    const resolved = await this.resolve(input.target, open);
    const info = await this.inspectResolved(resolved);
    const threads = input.threads ?? defaultThreads();
    const batchSizes = input.batchSizes ?? [1];
    const rows = await this.deps.tasks.run(input.taskId, `Benchmark ${resolved.label}`, (task) =>
      this.inference.bench(resolved.file, info, { threads, batchSizes, warmup: input.warmup, iterations: input.iterations }, task),
    );
    return this.registry(open).addBenchmark({
      versionId: resolved.versionId,
      sha256: resolved.sha256,
      label: resolved.label,
      warmup: input.warmup,
      iterations: input.iterations,
      rows,
    });
  }

  benchmarks(input: ParsedInput<'model.benchmarks'>): BenchResult[] {
    return this.registry().benchmarks({
      ...(input.versionId !== undefined ? { versionId: input.versionId } : {}),
      ...(input.modelId !== undefined ? { modelId: input.modelId } : {}),
    });
  }

  // Export -----------------------------------------------------------------------------------------------

  /** Exports a version to ONNX (and int8) through the env's Python; each file becomes a blob and an export row. */
  async export(input: ParsedInput<'model.export'>): Promise<ModelExport[]> {
    const open = this.deps.projects.requireCurrent();
    const registry = this.registry(open);
    const version = registry.requireVersion(input.versionId);
    if (version.format === 'onnx') {
      throw new OrreryError('invalid_input', `${version.modelName}@${version.version} is already ONNX; inspect, benchmark or run it directly.`);
    }
    if (version.format === 'other') {
      throw new OrreryError(
        'invalid_input',
        `${version.modelName}@${version.version} (${version.fileName}) has no known format; register it again with --format pytorch, torchscript or sklearn.`,
      );
    }
    const env = await this.envFor(input.envId);
    const blob = await open.artifacts.get(version.sha256);
    const workDir = await mkdtemp(path.join(os.tmpdir(), 'orrery-export-'));
    const save = async (outcomes: readonly ExportOutcome[]): Promise<ModelExport[]> => {
      const saved: ModelExport[] = [];
      let onnxExportId: string | null = null;
      for (const outcome of outcomes) {
        const put = await open.artifacts.putFile(outcome.file, { mediaType: 'application/onnx' });
        const record = registry.addExport(
          version.id,
          { kind: outcome.kind, opset: outcome.opset, parity: outcome.parity, quantization: outcome.quantization, fromExportId: outcome.kind === 'onnx-int8' ? onnxExportId : null },
          put.hash,
          put.size,
        );
        if (outcome.kind === 'onnx') onnxExportId = record.id;
        saved.push(record);
      }
      return saved;
    };
    try {
      const outcomes = await this.deps.tasks.run(input.taskId, `Export ${version.modelName}@${version.version} to ONNX`, (task) =>
        exportToOnnx(
          {
            python: env.python,
            env: env.processEnv,
            pythonDir: path.join(this.deps.resourcesDir, 'python'),
            modelFile: blob.path,
            format: version.format,
            ...(input.modelClass !== undefined ? { modelClass: input.modelClass } : {}),
            ...(input.classArgs !== undefined ? { classArgs: input.classArgs } : {}),
            ...(input.inputShape !== undefined ? { inputShape: input.inputShape } : {}),
            ...(input.opset !== undefined ? { opset: input.opset } : {}),
            runParams: version.lineage.params,
            metadata: {
              'orrery.model': version.modelName,
              'orrery.version': String(version.version),
              'orrery.version_id': version.id,
              ...(version.lineage.runId ? { 'orrery.run_id': version.lineage.runId } : {}),
            },
            tolerance: input.tolerance,
            samples: input.samples,
            quantize: input.quantize,
            workDir,
            projectPath: open.path,
          },
          task,
        ),
      );
      return await save(outcomes);
    } catch (error) {
      // A failed parity check is kept (parity.passed false, for the card and the export list), and the call fails.
      if (error instanceof ParityError && error.outcomes.length > 0) await save(error.outcomes);
      throw error;
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  }

  exports(versionId: string): ModelExport[] {
    return this.registry().exports(versionId);
  }

  dispose(): void {
    this.inference.dispose();
    this.inspections.clear();
  }

  // Internals --------------------------------------------------------------------------------------------

  /**
   * Resolves a target to a file: an export's blob, a version's blob (for a PyTorch or scikit-learn version, its newest
   * ONNX export), or a file inside the allowed roots (hashed).
   */
  async resolve(target: ModelTarget, open: OpenProject | null = null): Promise<ResolvedTarget> {
    if ('file' in target) {
      const file = await checkPathInRoots(target.file, this.deps.allowedRoots, 'file');
      const info = await stat(file).catch(() => null);
      if (!info) throw new OrreryError('not_found', `${target.file} does not exist; give the path of a model file.`);
      if (!info.isFile()) throw new OrreryError('invalid_input', `${target.file} is not a file; give the path of a model file.`);
      const { sha256 } = await hashFile(file);
      return { file, sha256, versionId: null, label: path.basename(file) };
    }
    const project = open ?? this.deps.projects.requireCurrent();
    const registry = this.registry(project);
    if ('versionId' in target) {
      const version = registry.requireVersion(target.versionId);
      if (version.format !== 'onnx' && version.format !== 'other') {
        // A PyTorch / scikit-learn version runs as its newest ONNX export.
        const exported = registry.exports(version.id).find((item) => item.kind === 'onnx');
        if (!exported) {
          throw new OrreryError(
            'invalid_input',
            `${version.modelName}@${version.version} is a ${version.format} file; export it to ONNX first (\`orrery model export ${version.modelName}@${version.version}\`), then use the version or its export.`,
          );
        }
        const blob = await project.artifacts.get(exported.sha256);
        return { file: blob.path, sha256: exported.sha256, versionId: version.id, label: `${version.modelName}@${version.version} onnx export` };
      }
      const blob = await project.artifacts.get(version.sha256);
      return { file: blob.path, sha256: version.sha256, versionId: version.id, label: `${version.modelName}@${version.version}` };
    }
    const exported = registry.export(target.exportId);
    const version = registry.requireVersion(exported.versionId);
    const blob = await project.artifacts.get(exported.sha256);
    return { file: blob.path, sha256: exported.sha256, versionId: version.id, label: `${version.modelName}@${version.version} ${exported.kind}` };
  }

  private async inspectResolved(resolved: ResolvedTarget): Promise<OnnxInfo> {
    const cached = this.inspections.get(resolved.sha256);
    if (cached) return cached;
    // The load check (which operators onnxruntime lacks) runs in the service's worker, reusing its session cache.
    const info = await inspectOnnxFile(resolved.file, resolved.sha256, (file) => this.inference.checkLoads(file, { sha256: resolved.sha256 }));
    if (this.inspections.size >= inspectionCacheSize) this.inspections.delete(this.inspections.keys().next().value!);
    this.inspections.set(resolved.sha256, info);
    return info;
  }

  private async checkedFile(input: string, open: OpenProject, field: string): Promise<string> {
    const file = await checkPathInRoots(path.resolve(open.path, input), this.deps.allowedRoots, field);
    const info = await stat(file).catch(() => null);
    if (!info) throw new OrreryError('not_found', `${field}: ${input} does not exist; give the path of the model file.`);
    if (!info.isFile()) throw new OrreryError('invalid_input', `${field}: ${input} is not a file; give the path of the model file.`);
    return file;
  }

  /** The interpreter of the env named (id), else of the project's default env, and its activated environment. */
  private async envFor(envId: string | undefined): Promise<{ python: string; processEnv: NodeJS.ProcessEnv }> {
    const env = envId !== undefined ? await this.deps.envs.requireEnv(envId) : await this.deps.envs.getDefault();
    if (!env || env.missing) {
      throw new OrreryError(
        'invalid_input',
        'The project has no default environment to export with; choose one with PyTorch (`--env NAME`, see `orrery env list`) or set a default with `orrery env use NAME`.',
      );
    }
    return { python: env.python, processEnv: activationEnv(env, this.deps.env) };
  }

  private registry(open: OpenProject = this.deps.projects.requireCurrent()): ModelRegistry {
    return new ModelRegistry({ db: open.db, artifacts: open.artifacts, clock: this.deps.clock });
  }
}

/** Thread counts swept by default: 1, 2, 4, … up to the cores of this machine. */
function defaultThreads(): number[] {
  const cores = Math.max(1, os.availableParallelism());
  const out: number[] = [];
  for (let threads = 1; threads < cores; threads *= 2) out.push(threads);
  out.push(cores);
  return [...new Set(out)];
}
