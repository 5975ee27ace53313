// ONNX inspection, inference and latency benchmarks through the core's dispatcher (onnxruntime-node in the
// inference worker), and `orrery model inspect|bench|infer` as users run them (out/main/cli.cjs in a child process).
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrreryError, type ModelVersion } from '../../app/contract';
import { encodeModel, mlpModel, OnnxType } from '../unit/main/services/models/onnx-builder';
import { bundledCli } from './cli-harness';
import { trackingWorld, type TrackingWorld } from './tracking-harness';

const repoRoot = path.resolve(__dirname, '..', '..');
let world: TrackingWorld;
let version: ModelVersion;
let mlpFile = '';

async function failure(work: Promise<unknown>): Promise<OrreryError> {
  const error = await work.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(OrreryError);
  return error as OrreryError;
}

beforeAll(async () => {
  world = await trackingWorld('orrery-models-onnx-');
  mlpFile = path.join(world.project, 'mlp.onnx');
  await writeFile(mlpFile, encodeModel(mlpModel({ sizes: [4, 16, 3], softmax: true, metadata: { labels: 'setosa,versicolor,virginica' } })));
  await writeFile(path.join(world.project, 'notes.onnx'), 'these are notes, not a model');
  const unknownOp = { nodes: [{ op: 'FooBar', inputs: ['x'], outputs: ['y'] }], inputs: [{ name: 'x', elemType: OnnxType.float, dims: [1] }], outputs: [{ name: 'y', elemType: OnnxType.float, dims: [1] }] };
  await writeFile(path.join(world.project, 'custom.onnx'), encodeModel(unknownOp));
  version = await world.call('model.register', { name: 'iris-mlp', file: 'mlp.onnx' });
}, 120_000);
afterAll(() => world.dispose());

describe('ONNX models through the core', () => {
  it('inspects a registered version and a file alike', async () => {
    const info = await world.call('model.inspect', { target: { versionId: version.id } });
    expect(info).toMatchObject({
      sha256: version.sha256,
      size: version.size,
      inputs: [{ name: 'x', dtype: 'float32', dims: ['batch', 4] }],
      outputs: [{ name: 'y', dtype: 'float32', dims: ['batch', 3] }],
      operators: { MatMul: 2, Add: 2, Relu: 1, Softmax: 1 },
      parameters: 4 * 16 + 16 + 16 * 3 + 3,
      unsupported: [],
    });
    expect(await world.call('model.inspect', { target: { file: mlpFile } })).toEqual(info);
  });

  it('names what onnxruntime cannot run, and refuses a file that is not ONNX', async () => {
    const custom = await world.call('model.inspect', { target: { file: path.join(world.project, 'custom.onnx') } });
    expect(custom.unsupported).toEqual(['operator FooBar (opset 17)']);
    const notOnnx = await failure(world.call('model.inspect', { target: { file: path.join(world.project, 'notes.onnx') } }));
    expect(notOnnx.code).toBe('invalid_file');
    expect(notOnnx.message).toMatch(/notes\.onnx is not an ONNX model/);
  });

  it('runs a version on tensors and a CSV row, with labelled top-k; a wrong shape answers the signature', async () => {
    const result = await world.call('model.infer', { target: { versionId: version.id }, input: { kind: 'tensors', tensors: { x: { data: [[5.1, 3.5, 1.4, 0.2]] } } } });
    expect(result.outputs[0]).toMatchObject({ name: 'y', dtype: 'float32', dims: [1, 3] });
    const scores = result.outputs[0]!.data as number[];
    expect(scores.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(result.topK![0]!.label).toBe(['setosa', 'versicolor', 'virginica'][scores.indexOf(Math.max(...scores))]);
    const csv = await world.call('model.infer', { target: { versionId: version.id }, input: { kind: 'csv', row: '5.1,3.5,1.4,0.2' } });
    expect(csv.outputs[0]!.data).toEqual(scores);

    const wrong = await failure(world.call('model.infer', { target: { versionId: version.id }, input: { kind: 'tensors', tensors: { x: { data: [[1, 2]] } } } }));
    expect(wrong.code).toBe('invalid_input');
    expect(wrong.message).toContain('the model expects x: float32 [batch, 4]');
    const dtype = await failure(world.call('model.infer', { target: { versionId: version.id }, input: { kind: 'tensors', tensors: { x: { data: [[1, 2, 3, 4]], dtype: 'int64' } } } }));
    expect(dtype.message).toMatch(/Input x is int64; the model expects x: float32/);
  });

  it('benchmarks a version per thread count and batch size, stores it and lists it', async () => {
    const result = await world.call('model.bench', { target: { versionId: version.id }, threads: [1, 2], batchSizes: [1, 8], warmup: 2, iterations: 30 });
    expect(result).toMatchObject({ versionId: version.id, sha256: version.sha256, warmup: 2, iterations: 30 });
    expect(result.rows.map((row) => `${row.threads}×${row.batch}`)).toEqual(['1×1', '1×8', '2×1', '2×8']);
    for (const row of result.rows) expect(row.histogram.counts.reduce((a, b) => a + b, 0)).toBe(30);
    const stored = await world.call('model.benchmarks', { versionId: version.id });
    expect(stored.map((bench) => bench.id)).toContain(result.id);
  }, 120_000);
});

describe('orrery model inspect | bench | infer', () => {
  let cli = '';
  let env: NodeJS.ProcessEnv;
  const orrery = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: world.project, env, encoding: 'utf8', timeout: 120_000 });

  beforeAll(async () => {
    cli = bundledCli();
    await mkdir(path.join(world.base, 'cli-home'), { recursive: true });
    env = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', NODE_PATH: path.join(repoRoot, 'node_modules'), ORRERY_HOME: path.join(world.base, 'cli-home'), ORRERY_ROOTS: world.base, ORRERY_PROJECT: world.project };
  }, 300_000);

  it('inspects a file and a version as text and JSON', () => {
    const text = orrery('model', 'inspect', 'mlp.onnx');
    expect(text.stderr).toBe('');
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/Inputs\n\s+x\s+float32 \[batch, 4\]/);
    expect(text.stdout).toMatch(/Runs here\s+yes/);
    expect(text.stdout).toMatch(/MatMul\s+2/);
    const json = JSON.parse(orrery('model', 'inspect', 'iris-mlp@1', '--json').stdout) as { sha256: string };
    expect(json.sha256).toBe(version.sha256);
    const bad = orrery('model', 'inspect', 'notes.onnx');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/is not an ONNX model/);
  });

  it('benchmarks with a threads sweep and prints the table and histograms', () => {
    const bench = orrery('model', 'bench', 'mlp.onnx', '--threads', '1,2', '--batch', '1,4', '--warmup', '2', '--iterations', '20');
    expect(bench.status).toBe(0);
    expect(bench.stdout).toMatch(/threads\s+batch\s+p50 ms\s+p95 ms\s+p99 ms/);
    expect(bench.stdout.match(/^Latency, /gm)).toHaveLength(4);
    expect(bench.stdout).toMatch(/ms\s+█+ \d+/);
    const usage = orrery('model', 'bench', 'mlp.onnx', '--threads', '0');
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/--threads 0: give whole numbers from 1 to 256/);
  }, 120_000);

  it('runs once on a CSV row and answers the expected signature for a wrong one', () => {
    const ok = orrery('model', 'infer', 'iris-mlp@1', '--csv', '5.1,3.5,1.4,0.2');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^y float32 \[1, 3\]: \[/);
    expect(ok.stdout).toMatch(/Top\n\s+(setosa|versicolor|virginica)\s+0\.\d{4}/);
    const wrong = orrery('model', 'infer', 'mlp.onnx', '--csv', '1,2');
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/the model expects x: float32 \[batch, 4\]/);
  }, 120_000);
});
