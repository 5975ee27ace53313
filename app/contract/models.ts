import { z } from 'zod';
import { ack, call, noInput } from './define';

/**
 * Models: a registry of versions with lineage (run → params, env lock, git commit, dataset hashes → version →
 * exports), ONNX inspection and inference (onnxruntime-node, off the UI thread), latency benchmarks, and export to
 * ONNX with a parity check. Model files are blobs of the project's artifact store (content-addressed).
 */

const id = z.string().min(1).max(128).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits, _ . : and - only');
const filePath = z.string().min(1).max(4096);

export const modelFormats = ['onnx', 'pytorch', 'torchscript', 'sklearn', 'other'] as const;
export const modelStages = ['none', 'staging', 'production', 'archived'] as const;

/** A dataset file the version was trained on, by content hash. */
export const datasetRefSchema = z.object({ path: z.string(), sha256: z.string(), size: z.number().int() });

/** Where a version came from: the run and what the run recorded. */
export const lineageSchema = z.object({
  runId: z.string().nullable(),
  runName: z.string().nullable(),
  params: z.record(z.string(), z.unknown()),
  /** Last value of each metric of the run. */
  metrics: z.record(z.string(), z.number()),
  envLockId: z.string().nullable(),
  gitCommit: z.string().nullable(),
  datasets: z.array(datasetRefSchema),
});

/** One registered version of a model. */
export const modelVersionSchema = z.object({
  id,
  modelId: id,
  modelName: z.string(),
  version: z.number().int().min(1),
  format: z.enum(modelFormats),
  /** The file's blob in the artifact store, and its name. */
  sha256: z.string(),
  fileName: z.string(),
  size: z.number().int(),
  source: z.enum(['run-artifact', 'file']),
  stage: z.enum(modelStages),
  aliases: z.array(z.string()),
  notes: z.string().nullable(),
  lineage: lineageSchema,
  createdAt: z.number(),
});

export const modelSchema = z.object({
  id,
  name: z.string(),
  description: z.string().nullable(),
  latestVersion: z.number().int().nullable(),
  /** alias → version number. */
  aliases: z.record(z.string(), z.number().int()),
  createdAt: z.number(),
  updatedAt: z.number(),
});

/** A tensor's declared type and shape (a dim is a number, a symbolic name, or null when unknown). */
export const tensorInfoSchema = z.object({
  name: z.string(),
  dtype: z.string(),
  dims: z.array(z.union([z.number().int(), z.string(), z.null()])),
});

/** What an ONNX file holds. */
export const onnxInfoSchema = z.object({
  sha256: z.string(),
  size: z.number().int(),
  irVersion: z.number().int(),
  producer: z.string(),
  /** domain → opset version ('' is ai.onnx). */
  opsets: z.record(z.string(), z.number().int()),
  inputs: z.array(tensorInfoSchema),
  outputs: z.array(tensorInfoSchema),
  /** Operator type → count, over the main graph and its subgraphs. */
  operators: z.record(z.string(), z.number().int()),
  nodes: z.number().int(),
  /** Parameters (elements of the initializers) and their bytes. */
  parameters: z.number().int(),
  parameterBytes: z.number().int(),
  /** metadata_props: preprocessing (resize, mean, std), labels, … as the exporter wrote them. */
  metadata: z.record(z.string(), z.string()),
  /** A summary of the graph for the view: the first nodes in order, with their inputs and outputs. */
  graph: z.array(z.object({ name: z.string(), op: z.string(), inputs: z.array(z.string()), outputs: z.array(z.string()) })),
  /** Operators or opsets onnxruntime-node here does not support, named (empty when it loads). */
  unsupported: z.array(z.string()),
});

/** A model file to use: a registered version, one of its exports, or a file inside the allowed roots. */
export const modelTargetSchema = z.union([
  z.object({ versionId: id }).strict(),
  z.object({ exportId: id }).strict(),
  z.object({ file: filePath }).strict(),
]);

/** A tensor as JSON: nested arrays of numbers (or a flat array with dims). */
export const tensorJsonSchema = z.object({
  dims: z.array(z.number().int().min(0)).optional(),
  data: z.array(z.unknown()),
  dtype: z.string().optional(),
});

export const inferInputSchema = z.union([
  z.object({ kind: z.literal('tensors'), tensors: z.record(z.string(), tensorJsonSchema) }).strict(),
  /** An image file, resized and normalized as the model's metadata declares. */
  z.object({ kind: z.literal('image'), path: filePath }).strict(),
  /** A CSV row: its numbers become the single input (1 × n). */
  z.object({ kind: z.literal('csv'), row: z.string().max(100_000) }).strict(),
]);

export const inferResultSchema = z.object({
  outputs: z.array(z.object({ name: z.string(), dtype: z.string(), dims: z.array(z.number().int()), data: z.array(z.unknown()) })),
  /** Top-k of the first output when it is a score vector (labels from the metadata when present). */
  topK: z.array(z.object({ index: z.number().int(), label: z.string().nullable(), score: z.number() })).nullable(),
  latencyMs: z.number(),
});

/** A latency benchmark: settings and results (stored, drawn, compared across versions). */
export const benchResultSchema = z.object({
  id,
  versionId: z.string().nullable(),
  sha256: z.string(),
  label: z.string(),
  warmup: z.number().int(),
  iterations: z.number().int(),
  /** One row per (threads, batch) setting. */
  rows: z.array(
    z.object({
      threads: z.number().int(),
      batch: z.number().int(),
      p50Ms: z.number(),
      p95Ms: z.number(),
      p99Ms: z.number(),
      meanMs: z.number(),
      throughputPerS: z.number(),
      /** Latencies (ms) of the histogram: bucket lower edges and counts. */
      histogram: z.object({ edges: z.array(z.number()), counts: z.array(z.number().int()) }),
    }),
  ),
  createdAt: z.number(),
});

/** An export of a version (ONNX, or its int8 quantization) with its parity check. */
export const modelExportSchema = z.object({
  id,
  versionId: id,
  kind: z.enum(['onnx', 'onnx-int8']),
  sha256: z.string(),
  size: z.number().int(),
  opset: z.number().int().nullable(),
  /** Max absolute / relative difference on the sample inputs, and the tolerance it was checked against. */
  parity: z.object({ maxAbs: z.number(), maxRel: z.number(), tolerance: z.number(), samples: z.number().int(), passed: z.boolean() }).nullable(),
  /** For int8: size and p50 latency before and after. */
  quantization: z.object({ sizeBefore: z.number().int(), sizeAfter: z.number().int(), p50MsBefore: z.number(), p50MsAfter: z.number() }).nullable(),
  fromExportId: z.string().nullable(),
  createdAt: z.number(),
});

/** Calls of the models area. */
export const modelCalls = {
  'model.list': call('Registered models, newest change first', noInput, z.array(modelSchema)),
  'model.get': call('A model (by id or name) and its versions, newest first', z.object({ id: z.string().min(1).max(200) }).strict(), z.object({ model: modelSchema, versions: z.array(modelVersionSchema) })),
  'model.version': call('One version, by id, or by model name and version number or alias (name@3, name@production)', z.object({ ref: z.string().min(1).max(300) }).strict(), modelVersionSchema),
  'model.register': call(
    'Register a version: a file of a run (its artifact or checkpoint name) or any file inside the allowed roots; lineage and metrics are copied from the run',
    z
      .object({
        name: z.string().min(1).max(200).regex(/^[A-Za-z0-9][A-Za-z0-9_. -]*$/, 'a model name such as iris-classifier'),
        runId: z.string().min(1).max(128).optional(),
        /** The run's artifact or checkpoint name (default: its last checkpoint). */
        artifact: z.string().min(1).max(1000).optional(),
        file: filePath.optional(),
        format: z.enum(modelFormats).optional(),
        notes: z.string().max(20_000).optional(),
        /** Dataset files (relative to the project) hashed into the lineage. */
        datasets: z.array(filePath).max(1000).optional(),
      })
      .strict(),
    modelVersionSchema,
  ),
  'model.update': call(
    "Change a version's stage or notes",
    z.object({ versionId: id, stage: z.enum(modelStages).optional(), notes: z.string().max(20_000).nullable().optional() }).strict(),
    modelVersionSchema,
  ),
  'model.alias': call(
    'Point an alias (champion, candidate, …) at a version, or remove it with versionId null',
    z.object({ modelId: id, alias: z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, 'an alias such as champion'), versionId: id.nullable() }).strict(),
    modelSchema,
  ),
  'model.deleteVersion': call('Delete a version (its exports too); the blobs stay in the artifact store', z.object({ versionId: id }).strict(), ack),
  'model.card': call('The model card of a version: an HTML page from its lineage, metrics, signature, exports and benchmarks', z.object({ versionId: id }).strict(), z.object({ html: z.string() })),
  'model.inspect': call('What an ONNX file holds: inputs and outputs, opsets, operators, parameters, metadata, a graph summary', z.object({ target: modelTargetSchema }).strict(), onnxInfoSchema),
  'model.infer': call(
    'Run the model once in onnxruntime-node (off the main thread) on tensors, an image or a CSV row; a wrong shape or dtype answers invalid_input with the expected signature',
    z.object({ target: modelTargetSchema, input: inferInputSchema }).strict(),
    inferResultSchema,
  ),
  'model.bench': call(
    'Latency benchmark: warm-up, then p50 / p95 / p99 and throughput for each intra-op thread count and batch size; stored',
    z
      .object({
        target: modelTargetSchema,
        threads: z.array(z.number().int().min(1).max(256)).min(1).max(16).optional(),
        batchSizes: z.array(z.number().int().min(1).max(4096)).min(1).max(16).optional(),
        warmup: z.number().int().min(0).max(10_000).default(20),
        iterations: z.number().int().min(1).max(100_000).default(200),
        taskId: id.optional(),
      })
      .strict(),
    benchResultSchema,
  ),
  'model.benchmarks': call('Stored benchmarks of a version (or of every version of a model), newest first', z.object({ versionId: id.optional(), modelId: id.optional() }).strict(), z.array(benchResultSchema)),
  'model.export': call(
    "Export a version to ONNX through the env's Python (PyTorch: torch.onnx.export with a dynamic batch axis; scikit-learn: skl2onnx), check parity on sample inputs, optionally quantize to int8 (onnxruntime in the env)",
    z
      .object({
        versionId: id,
        envId: z.string().min(1).max(128).optional(),
        /** For a PyTorch checkpoint: `module.path:ClassName` (importable from the project), and its constructor's JSON kwargs. */
        modelClass: z.string().max(500).optional(),
        classArgs: z.record(z.string(), z.unknown()).optional(),
        /** The input's shape without the batch axis, e.g. [1, 28, 28]; default: from the version's metadata. */
        inputShape: z.array(z.number().int().min(1)).max(8).optional(),
        opset: z.number().int().min(7).max(25).optional(),
        tolerance: z.number().min(0).default(1e-4),
        samples: z.number().int().min(1).max(1000).default(16),
        quantize: z.boolean().default(false),
        taskId: id.optional(),
      })
      .strict(),
    z.array(modelExportSchema),
  ),
  'model.exports': call('Exports of a version, newest first', z.object({ versionId: id }).strict(), z.array(modelExportSchema)),
} as const;

export type ModelFormat = (typeof modelFormats)[number];
export type ModelStage = (typeof modelStages)[number];
export type Lineage = z.output<typeof lineageSchema>;
export type ModelVersion = z.output<typeof modelVersionSchema>;
export type Model = z.output<typeof modelSchema>;
export type TensorInfo = z.output<typeof tensorInfoSchema>;
export type OnnxInfo = z.output<typeof onnxInfoSchema>;
export type ModelTarget = z.output<typeof modelTargetSchema>;
export type InferInput = z.output<typeof inferInputSchema>;
export type InferResult = z.output<typeof inferResultSchema>;
export type BenchResult = z.output<typeof benchResultSchema>;
export type ModelExport = z.output<typeof modelExportSchema>;
