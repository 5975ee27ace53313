// InferenceService with its real worker thread (out/main/inference-worker.cjs, built by the vitest global setup)
// and real onnxruntime-node: results equal a session run in this process; bad inputs and cancellation answer errors.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrreryError, type OnnxInfo } from '../../../../../app/contract';
import type { Task } from '../../../../../main/core/tasks';
import { InferenceService } from '../../../../../main/services/models/inference';
import { inspectOnnxFile } from '../../../../../main/services/models/onnx-info';
import { encodeModel, mlpModel, OnnxType } from './onnx-builder';

let dir = '';
let mlpFile = '';
let mlp: OnnxInfo;
let identityFile = '';
let identity: OnnxInfo;
const service = new InferenceService();

function task(controller = new AbortController()): Task & { seen: Array<[number, number | null]> } {
  const seen: Array<[number, number | null]> = [];
  return {
    id: 't',
    signal: controller.signal,
    seen,
    progress: (done, total) => seen.push([done, total]),
    output: () => undefined,
    throwIfCancelled: () => {
      if (controller.signal.aborted) throw new OrreryError('cancelled', 'cancelled');
    },
  };
}

async function codeOf(work: Promise<unknown>): Promise<string> {
  const error = await work.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(OrreryError);
  return `${(error as OrreryError).code}: ${(error as OrreryError).message}`;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'orrery-inference-'));
  mlpFile = path.join(dir, 'mlp.onnx');
  await writeFile(mlpFile, encodeModel(mlpModel({ sizes: [4, 16, 3], softmax: true, metadata: { labels: 'cat,dog,bird' } })));
  mlp = await inspectOnnxFile(mlpFile, 'mlp');
  identityFile = path.join(dir, 'identity.onnx');
  await writeFile(
    identityFile,
    encodeModel({
      nodes: [{ op: 'Identity', inputs: ['image'], outputs: ['pixels'] }],
      inputs: [{ name: 'image', elemType: OnnxType.float, dims: [1, 3, 2, 2] }],
      outputs: [{ name: 'pixels', elemType: OnnxType.float, dims: [1, 3, 2, 2] }],
      metadata: { mean: '0.5,0.5,0.5', std: '0.5,0.5,0.5' },
    }),
  );
  identity = await inspectOnnxFile(identityFile, 'identity');
});

afterAll(async () => {
  service.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('inference in the worker', () => {
  it('loads the model in the worker during inspection (nothing unsupported)', () => {
    expect(mlp.unsupported).toEqual([]);
    expect(mlp.inputs).toEqual([{ name: 'x', dtype: 'float32', dims: ['batch', 4] }]);
  });

  it('answers what a session in this process answers, with the top-k labelled', async () => {
    const rows = [
      [0.1, -0.2, 0.3, 0.4],
      [1, 2, 3, 4],
    ];
    const result = await service.infer(mlpFile, mlp, { kind: 'tensors', tensors: { x: { data: rows } } }, dir);
    const session = await ort.InferenceSession.create(mlpFile);
    const bare = await session.run({ x: new ort.Tensor('float32', Float32Array.from(rows.flat()), [2, 4]) });
    await session.release();
    expect(result.outputs).toHaveLength(1);
    expect(result.outputs[0]).toMatchObject({ name: 'y', dtype: 'float32', dims: [2, 3] });
    expect(result.outputs[0]!.data).toEqual(Array.from(bare.y!.data as Float32Array));
    expect(result.topK).toBeNull();
    expect(result.latencyMs).toBeGreaterThan(0);

    const one = await service.infer(mlpFile, mlp, { kind: 'csv', row: '0.1,-0.2,0.3,0.4' }, dir);
    expect(one.outputs[0]!.data).toEqual(Array.from(bare.y!.data as Float32Array).slice(0, 3));
    expect(one.topK!.map((entry) => entry.label).sort()).toEqual(['bird', 'cat', 'dog']);
    expect(one.topK![0]!.score).toBe(Math.max(...(one.outputs[0]!.data as number[])));
  });

  it('decodes an image in the worker, normalized as the metadata declares', async () => {
    const png = new PNG({ width: 2, height: 2 });
    png.data.set([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255]);
    await writeFile(path.join(dir, 'tiny.png'), PNG.sync.write(png));
    const result = await service.infer(identityFile, identity, { kind: 'image', path: 'tiny.png' }, dir);
    // (pixel / 255 - 0.5) / 0.5: red channel of red, green, blue, white pixels; then green; then blue.
    expect(result.outputs[0]!.data).toEqual([1, -1, -1, 1, -1, 1, -1, 1, -1, -1, 1, 1]);
    expect(await codeOf(service.infer(identityFile, identity, { kind: 'image', path: 'missing.png' }, dir))).toMatch(/^not_found: Cannot read the image/);
    await writeFile(path.join(dir, 'fake.png'), 'GIF89a');
    expect(await codeOf(service.infer(identityFile, identity, { kind: 'image', path: 'fake.png' }, dir))).toMatch(/^invalid_file: .*neither a PNG nor a JPEG/);
  });

  it('decodes a JPEG too (a solid grey, so lossy coding keeps it within a level or two)', async () => {
    const pixels = Buffer.alloc(8 * 8 * 4, 0);
    for (let i = 0; i < 64; i++) pixels.set([191, 191, 191, 255], i * 4);
    await writeFile(path.join(dir, 'grey.jpg'), jpeg.encode({ width: 8, height: 8, data: pixels }, 95).data);
    const result = await service.infer(identityFile, identity, { kind: 'image', path: path.join(dir, 'grey.jpg') }, '/elsewhere');
    // Resized 8 × 8 → 2 × 2; (191 / 255 - 0.5) / 0.5 ≈ 0.498.
    for (const value of result.outputs[0]!.data as number[]) expect(value).toBeCloseTo(0.498, 1);
  });

  it('refuses a wrong shape with the signature, before onnxruntime sees it', async () => {
    expect(await codeOf(service.infer(mlpFile, mlp, { kind: 'tensors', tensors: { x: { data: [[1, 2, 3]] } } }, dir))).toMatch(/^invalid_input: .*x: float32 \[batch, 4\]/);
  });

  it('benchmarks every thread count and batch size with progress, reusing cached sessions', async () => {
    const t = task();
    const rows = await service.bench(mlpFile, mlp, { threads: [1, 2], batchSizes: [1, 4], warmup: 3, iterations: 25 }, t);
    expect(rows.map((row) => [row.threads, row.batch])).toEqual([
      [1, 1],
      [1, 4],
      [2, 1],
      [2, 4],
    ]);
    for (const row of rows) {
      expect(row.histogram.counts.reduce((a, b) => a + b, 0)).toBe(25);
      expect(row.p50Ms).toBeGreaterThan(0);
      expect(row.p50Ms).toBeLessThanOrEqual(row.p99Ms);
    }
    expect(t.seen.at(-1)).toEqual([4 * 28, 4 * 28]);
  });

  it('keeps answering across more thread counts than it keeps sessions for', async () => {
    const threads = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const rows = await service.bench(mlpFile, mlp, { threads, batchSizes: [2], warmup: 0, iterations: 3 }, task());
    expect(rows.map((row) => row.threads)).toEqual(threads);
    const again = await service.infer(mlpFile, mlp, { kind: 'csv', row: '1,2,3,4' }, dir);
    expect(again.outputs[0]!.dims).toEqual([1, 3]);
  });

  it('stops a benchmark when its task is cancelled', async () => {
    const controller = new AbortController();
    const running = service.bench(mlpFile, mlp, { threads: [1], batchSizes: [1], warmup: 0, iterations: 5_000_000 }, task(controller));
    setTimeout(() => controller.abort(), 200);
    expect(await codeOf(running)).toMatch(/^cancelled/);
    // The worker still answers afterwards.
    const after = await service.infer(mlpFile, mlp, { kind: 'csv', row: '1,2,3,4' }, dir);
    expect(after.outputs[0]!.dims).toEqual([1, 3]);
  });
});

describe('where a run happens', () => {
  it('runs a model in the worker first, then on this thread once its runs are known to be short, with the same answer', async () => {
    const adaptive = new InferenceService({ inlineBudgetMs: 1000 });
    try {
      const input = { kind: 'tensors' as const, tensors: { x: { data: [[0.1, 0.2, 0.3, 0.4]] } } };
      expect(adaptive.placement(mlp)).toBe('worker');
      const first = await adaptive.infer(mlpFile, mlp, input, dir);
      expect(adaptive.placement(mlp)).toBe('inline');
      const second = await adaptive.infer(mlpFile, mlp, input, dir);
      expect(second.outputs).toEqual(first.outputs);
      expect(second.topK).toEqual(first.topK);
      // A wrong shape on the inline path is the same invalid_input as in the worker.
      expect(await codeOf(adaptive.infer(mlpFile, mlp, { kind: 'tensors', tensors: { x: { data: [[1, 2, 3]] } } }, dir))).toMatch(/^invalid_input: .*expects/);
    } finally {
      adaptive.dispose();
    }
  });

  it('keeps every run in the worker when its budget is 0 (a model slower than the budget never blocks the caller)', async () => {
    const offThread = new InferenceService({ inlineBudgetMs: 0 });
    try {
      const input = { kind: 'tensors' as const, tensors: { x: { data: [[0.1, 0.2, 0.3, 0.4]] } } };
      await offThread.infer(mlpFile, mlp, input, dir);
      await offThread.infer(mlpFile, mlp, input, dir);
      expect(offThread.placement(mlp)).toBe('worker');
    } finally {
      offThread.dispose();
    }
  });
});
