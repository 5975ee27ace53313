import type { BenchResult, Model, ModelVersion, OnnxInfo } from '../../../../app/contract/models';

/** Plausible answers of the model service for the renderer's tests. */
export function modelOf(latestVersion: number, aliases: Record<string, number> = {}): Model {
  return { id: 'mdl_iris', name: 'iris', description: null, latestVersion, aliases, createdAt: 1, updatedAt: 2 };
}

export function versionOf(version: number, patch: Partial<ModelVersion> = {}): ModelVersion {
  return {
    id: `mv_${version}`, modelId: 'mdl_iris', modelName: 'iris', version, format: 'onnx', sha256: `sha${version}`.padEnd(64, '0'), fileName: 'iris.onnx', size: 2048,
    source: 'file', stage: 'none', aliases: [], notes: null,
    lineage: { runId: null, runName: null, params: {}, metrics: {}, envLockId: null, gitCommit: null, datasets: [] }, createdAt: version, ...patch,
  };
}

export const info: OnnxInfo = {
  sha256: 'sha1', size: 2048, irVersion: 8, producer: 'test', opsets: { '': 17, 'ai.onnx.ml': 3 },
  inputs: [{ name: 'x', dtype: 'float32', dims: ['batch', 4] }],
  outputs: [{ name: 'y', dtype: 'float32', dims: ['batch', 3] }],
  operators: { Gemm: 2, Relu: 1, Softmax: 1 }, nodes: 4, parameters: 35, parameterBytes: 140, metadata: { labels: 'setosa,versicolor,virginica' },
  graph: [{ name: 'gemm0', op: 'Gemm', inputs: ['x', 'w0', 'b0'], outputs: ['h'] }], unsupported: [],
};

export function benchOf(id: string, versionId: string): BenchResult {
  const row = (threads: number, batch: number, p50Ms: number) => ({
    threads, batch, p50Ms, p95Ms: p50Ms * 1.5, p99Ms: p50Ms * 2, meanMs: p50Ms * 1.1, throughputPerS: (1000 / p50Ms) * batch,
    histogram: { edges: [p50Ms * 0.5, p50Ms, p50Ms * 1.5], counts: [5, 30, 2] },
  });
  return { id, versionId, sha256: 'sha1', label: 'iris v1', warmup: 2, iterations: 37, rows: [row(1, 1, 0.4), row(2, 1, 0.3), row(1, 8, 1.6), row(2, 8, 1.0)], createdAt: 5 };
}
