import { OrreryError } from '../../../app/contract';
import type { InferResult, ModelVersion, OnnxInfo, TensorInfo } from '../../../app/contract/models';
import type { PackageManifest, PackageTarget } from '../../../app/contract/packages';
import { seededRandom } from '../../../app/lib/random';
import { imageSpec, labelsOf } from '../models/preprocess';

/** The tolerance a package's self-test allows between its outputs and Orrery's (onnxruntime on another CPU differs a little). */
export const goldenTolerance = { atol: 1e-4, rtol: 1e-3 } as const;

/** A tensor as golden.json holds it. */
export interface GoldenTensor {
  readonly dtype: string;
  readonly dims: number[];
  readonly data: unknown[];
}

/** One self-test case: the inputs and the outputs Orrery's own inference gave for them. */
export interface GoldenCase {
  readonly inputs: Record<string, GoldenTensor>;
  readonly outputs: Record<string, GoldenTensor>;
}

/** `selftest/golden.json`. */
export interface Golden {
  readonly format: 'orrery-golden/1';
  readonly seed: number;
  readonly tolerance: typeof goldenTolerance;
  readonly cases: GoldenCase[];
}

/** Metadata keys that declare image preprocessing (bare or with `preprocess.`), as preprocess.ts reads them. */
const imageKeys = ['image_size', 'resize', 'mean', 'std', 'scale', 'layout', 'color'];

/** The image preprocessing the model's metadata declares, or null when it declares none. */
export function preprocessingOf(info: OnnxInfo): Record<string, unknown> | null {
  const declared = imageKeys.some((key) => info.metadata[key] !== undefined || info.metadata[`preprocess.${key}`] !== undefined);
  if (!declared) return null;
  const spec = imageSpec(info);
  return { kind: 'image', ...spec };
}

/** The manifest of a package (binding layout: resources/edge-runner/README.md). */
export function buildManifest(options: {
  version: ModelVersion;
  info: OnnxInfo;
  target: PackageTarget;
  onnxruntime: string;
  orrery: string;
  createdAt: number;
}): PackageManifest {
  const { version, info } = options;
  return {
    format: 'orrery-edge-package/1',
    model: { name: version.modelName, version: version.version, versionId: version.id, lineageId: version.lineage.runId, sha256: info.sha256 },
    target: options.target,
    io: { inputs: info.inputs, outputs: info.outputs },
    preprocessing: preprocessingOf(info),
    labels: labelsOf(info),
    versions: { onnxruntime: options.onnxruntime, opset: info.opsets[''] ?? info.opsets['ai.onnx'] ?? null, orrery: options.orrery },
    createdAt: new Date(options.createdAt).toISOString(),
    entry: 'bin/run',
  };
}


/** A random input of the declared shape (dynamic dims → 1): floats in [0, 1), integers 0..9, booleans 0 / 1. */
export function goldenInput(input: TensorInfo, random: () => number): GoldenTensor {
  const dims = input.dims.map((d) => (typeof d === 'number' && d > 0 ? d : 1));
  const count = dims.reduce((a, b) => a * b, 1);
  if (count > 1_000_000) throw new OrreryError('too_large', `Input ${input.name} has ${count} elements; a package's self-test keeps inputs under a million.`);
  let draw: () => number;
  if (/^float|^double/.test(input.dtype)) draw = () => Math.round(random() * 1e6) / 1e6;
  else if (input.dtype === 'bool') draw = () => (random() < 0.5 ? 0 : 1);
  else if (/int/.test(input.dtype)) draw = () => Math.floor(random() * 10);
  else throw new OrreryError('invalid_input', `Input ${input.name} is ${input.dtype}; an edge package's self-test can only make numeric inputs, so this model cannot be packaged.`);
  return { dtype: input.dtype, dims, data: Array.from({ length: count }, draw) };
}

/** Golden cases: seeded inputs run through `infer` (Orrery's own inference), inputs and outputs kept. */
export async function goldenCases(info: OnnxInfo, count: number, seed: number, infer: (inputs: Record<string, GoldenTensor>) => Promise<InferResult>): Promise<Golden> {
  const random = seededRandom(seed);
  const cases: GoldenCase[] = [];
  for (let i = 0; i < count; i++) {
    const inputs = Object.fromEntries(info.inputs.map((input) => [input.name, goldenInput(input, random)]));
    const result = await infer(inputs);
    const outputs = Object.fromEntries(result.outputs.map((output) => [output.name, { dtype: output.dtype, dims: output.dims, data: output.data }]));
    cases.push({ inputs, outputs });
  }
  return { format: 'orrery-golden/1', seed, tolerance: goldenTolerance, cases };
}
