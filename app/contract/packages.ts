import { z } from 'zod';
import { ack, call } from './define';
import { tensorInfoSchema } from './models';

/**
 * Edge packages: a registered ONNX version (or a version's newest ONNX export) as one tar.gz holding the model, a
 * manifest (I/O signature, preprocessing, labels, versions, lineage id), Node and Python runners, a self-test with
 * golden inputs and outputs, and SHA256SUMS; the package verifies itself before it runs. Layout: resources/edge-runner/README.md.
 */

const id = z.string().min(1).max(128).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits, _ . : and - only');

/** The devices a package can be built for (the onnxruntime-node binary it carries). */
export const packageTargets = ['linux-x64', 'linux-arm64'] as const;

/** What `manifest.json` of a package says (format `orrery-edge-package/1`). */
export const packageManifestSchema = z.object({
  format: z.literal('orrery-edge-package/1'),
  model: z.object({
    name: z.string(),
    version: z.number().int(),
    versionId: z.string(),
    /** The run the version came from (its lineage in the registry), null for a version registered from a file. */
    lineageId: z.string().nullable(),
    /** SHA-256 of model.onnx. */
    sha256: z.string(),
  }),
  target: z.enum(packageTargets),
  io: z.object({ inputs: z.array(tensorInfoSchema), outputs: z.array(tensorInfoSchema) }),
  /** How an image becomes the input (resize, layout, mean / std), from the model's metadata; null when it declares none. */
  preprocessing: z.record(z.string(), z.unknown()).nullable(),
  labels: z.array(z.string()).nullable(),
  versions: z.object({ onnxruntime: z.string(), opset: z.number().int().nullable(), orrery: z.string() }),
  createdAt: z.string(),
  entry: z.literal('bin/run'),
});

/** A package built and kept in the project (its tar.gz is a blob of the artifact store). */
export const edgePackageSchema = z.object({
  id,
  versionId: id,
  modelName: z.string(),
  version: z.number().int(),
  target: z.enum(packageTargets),
  /** `<model>-v<N>-<target>.tar.gz`. */
  fileName: z.string(),
  /** Where the tar.gz lies now (absolute). */
  path: z.string(),
  sha256: z.string(),
  size: z.number().int(),
  manifest: packageManifestSchema,
  createdAt: z.number(),
});

/** The outcome of checking a package's files against its SHA256SUMS. */
export const packageVerifySchema = z.object({
  ok: z.boolean(),
  file: z.string(),
  /** SHA-256 and size of the tar.gz itself. */
  sha256: z.string(),
  size: z.number().int(),
  /** Files checked against SHA256SUMS. */
  checked: z.number().int(),
  /** The first file that failed (path inside the package) and why; null when every file matched. */
  bad: z.object({ path: z.string(), problem: z.string() }).nullable(),
  manifest: packageManifestSchema.nullable(),
});

/** Calls on edge packages of model versions. */
export const packageCalls = {
  'model.package': call(
    'Build an edge package of a version for a target (its ONNX file, or its newest ONNX export): manifest, runners, golden self-test, SHA256SUMS; a task with progress',
    z
      .object({
        versionId: id,
        target: z.enum(packageTargets),
        /** Also write the tar.gz here (inside the allowed roots), atomically. */
        out: z.string().min(1).max(4096).optional(),
        /** Golden self-test cases (seeded random inputs). */
        goldenCases: z.number().int().min(1).max(32).default(3),
        taskId: id.optional(),
      })
      .strict(),
    edgePackageSchema,
  ),
  'model.packages': call('Packages of a version (or of every version), newest first', z.object({ versionId: id.optional() }).strict(), z.array(edgePackageSchema)),
  'model.verifyPackage': call(
    "Check a package's files against its SHA256SUMS (a .tar.gz inside the allowed roots, or a kept package by id); names the first bad file",
    z.union([z.object({ file: z.string().min(1).max(4096) }).strict(), z.object({ packageId: id }).strict()]),
    packageVerifySchema,
  ),
  'model.deletePackage': call(
    "Forget a package (its tar.gz stays in the artifact store); a version cannot be deleted while it has packages",
    z.object({ packageId: id }).strict(),
    ack,
  ),
} as const;

/** Events of edge packages (progress goes through `task.progress`). */
export const packageEvents = {} as const;

export type PackageTarget = (typeof packageTargets)[number];
export type PackageManifest = z.output<typeof packageManifestSchema>;
export type EdgePackage = z.output<typeof edgePackageSchema>;
export type PackageVerifyResult = z.output<typeof packageVerifySchema>;
