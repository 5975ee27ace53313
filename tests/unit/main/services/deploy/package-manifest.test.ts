import { describe, expect, it } from 'vitest';
import type { ModelVersion } from '../../../../../app/contract';
import { packageManifestSchema } from '../../../../../app/contract/packages';
import { seededRandom } from '../../../../../app/lib/random';
import { buildManifest, goldenCases, goldenInput, preprocessingOf } from '../../../../../main/services/deploy/package-manifest';
import { binaryFolder, packageTop } from '../../../../../main/services/deploy/package-files';
import { onnxInfo } from '../models/onnx-info-fixture';

const info = onnxInfo;

const version = { id: 'mver_abc', modelName: 'iris net', version: 4, lineage: { runId: 'run123' } } as unknown as ModelVersion;

describe('package manifest', () => {
  it('describes the version, signature, labels, versions and entry in the binding format', () => {
    const manifest = buildManifest({ version, info: info({ metadata: { labels: '["a","b","c"]' } }), target: 'linux-arm64', onnxruntime: '1.30.0', orrery: '0.1.0', createdAt: Date.UTC(2026, 0, 2) });
    expect(packageManifestSchema.parse(manifest)).toEqual(manifest);
    expect(manifest).toMatchObject({
      model: { name: 'iris net', version: 4, versionId: 'mver_abc', lineageId: 'run123', sha256: 'ab'.repeat(32) },
      target: 'linux-arm64',
      labels: ['a', 'b', 'c'],
      preprocessing: null,
      versions: { onnxruntime: '1.30.0', opset: 17, orrery: '0.1.0' },
      createdAt: '2026-01-02T00:00:00.000Z',
      entry: 'bin/run',
    });
  });

  it('carries the image preprocessing the metadata declares, as preprocess.ts reads it', () => {
    const image = info({ inputs: [{ name: 'img', dtype: 'float32', dims: ['n', 3, 'h', 'w'] }], metadata: { 'preprocess.image_size': '32,48', mean: '0.5,0.5,0.5', std: '0.25' } });
    expect(preprocessingOf(image)).toMatchObject({ kind: 'image', height: 32, width: 48, channels: 3, layout: 'NCHW', mean: [0.5, 0.5, 0.5], std: [0.25], dims: [1, 3, 32, 48] });
    expect(() => preprocessingOf(info({ metadata: { mean: '0.5' } }))).toThrow(/one 4-d input/);
  });

  it('names a package folder after the model and version, and picks the one binary of a target', () => {
    expect(packageTop('iris net', 4)).toBe('iris-net-v4');
    expect(packageTop('../x', 1)).toBe('x-v1');
    expect(binaryFolder('linux-x64')).toBe('bin/napi-v6/linux/x64');
    expect(binaryFolder('linux-arm64')).toBe('bin/napi-v6/linux/arm64');
  });
});

describe('golden inputs', () => {
  it('are seeded: the same seed gives the same tensors, of the declared shape with dynamic dims as 1', () => {
    const a = goldenInput({ name: 'x', dtype: 'float32', dims: ['batch', 4, null] }, seededRandom(7));
    const b = goldenInput({ name: 'x', dtype: 'float32', dims: ['batch', 4, null] }, seededRandom(7));
    expect(a).toEqual(b);
    expect(a.dims).toEqual([1, 4, 1]);
    expect(a.data).toHaveLength(4);
    expect(a.data.every((v) => typeof v === 'number' && v >= 0 && v < 1)).toBe(true);
    expect(goldenInput({ name: 'x', dtype: 'float32', dims: [4] }, seededRandom(8)).data).not.toEqual(a.data);
    const ints = goldenInput({ name: 'ids', dtype: 'int64', dims: [2, 3] }, seededRandom(1));
    expect(ints.data.every((v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) < 10)).toBe(true);
    expect(goldenInput({ name: 'm', dtype: 'bool', dims: [5] }, seededRandom(1)).data.every((v) => v === 0 || v === 1)).toBe(true);
  });

  it('refuse inputs that cannot be made (strings) and keep what inference answered', async () => {
    expect(() => goldenInput({ name: 's', dtype: 'string', dims: [1] }, seededRandom(1))).toThrow(/only make numeric inputs/);
    const seen: unknown[] = [];
    const golden = await goldenCases(info(), 2, 42, async (inputs) => {
      seen.push(inputs);
      return { outputs: [{ name: 'y', dtype: 'float32', dims: [1, 3], data: [0.1, 0.2, 0.7] }], topK: null, latencyMs: 1 };
    });
    expect(golden).toMatchObject({ format: 'orrery-golden/1', seed: 42, tolerance: { atol: 1e-4, rtol: 1e-3 } });
    expect(golden.cases).toHaveLength(2);
    expect(golden.cases[0]!.inputs).toEqual(seen[0]);
    expect(golden.cases[0]!.outputs).toEqual({ y: { dtype: 'float32', dims: [1, 3], data: [0.1, 0.2, 0.7] } });
    expect(golden.cases[0]!.inputs.x!.data).not.toEqual(golden.cases[1]!.inputs.x!.data);
  });
});
