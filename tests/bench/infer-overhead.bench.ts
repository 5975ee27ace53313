// `npm run bench -- infer-overhead`: what Orrery's inference path adds to onnxruntime-node's own session.run.
// The model: an MLP (1024 → 1536 → 1536 → 1536 → 10, MatMul + Add + Relu, softmax, 6.3 M parameters) written by
// the test encoder, about 1 ms a run on one intra-op thread. Both paths use the same session options (1 intra-op thread) in the
// same process, in interleaved blocks so drift on a shared machine hits both alike:
//  - bare: `session.run` on a pre-built Float32Array tensor in this thread;
//  - Orrery: InferenceService.infer with a JSON tensor (nested arrays → typed array, signature checks), session.run
//    where the service places it (a model measured under its inline budget runs on the calling thread, others in the
//    inference worker thread), the outputs back as arrays and the top-k.
// Figures: median per call of each path, the median overhead (Orrery − bare) and the ratio, where the service ran
// the model; and where the overhead goes: session.run as Orrery timed it, a round trip to the worker with no run, and the
// same comparison on a model that does almost nothing (Identity on the same 1024 floats), where the main thread
// has no time to fall asleep while the worker runs.
// Goals: overhead ≤ 50 µs, ratio ≤ 1.1.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { InferenceService } from '../../main/services/models/inference';
import { inspectOnnxFile } from '../../main/services/models/onnx-info';
import { encodeModel, mlpModel, OnnxType } from '../unit/main/services/models/onnx-builder';
import { figure, median, percentile, repoRoot, summary } from './lib';

const sizes = [1024, 1536, 1536, 1536, 10];
const blocks = 20;
const callsPerBlock = 50;
const warmup = 50;
const goalOverheadUs = 50;
const goalRatio = 1.1;

/** Both paths on an Identity model (1024 floats in and out), interleaved the same way: the path's own cost. */
async function tinyOverhead(service: InferenceService, dir: string, row: number[]): Promise<{ bareMs: number; orreryMs: number }> {
  const file = path.join(dir, 'identity.onnx');
  const value = { name: 'x', elemType: OnnxType.float, dims: ['batch', row.length] as Array<string | number> };
  writeFileSync(file, encodeModel({ nodes: [{ op: 'Identity', inputs: ['x'], outputs: ['y'] }], inputs: [value], outputs: [{ ...value, name: 'y' }] }));
  const info = await inspectOnnxFile(file, 'tiny', (f) => service.checkLoads(f));
  const session = await ort.InferenceSession.create(file, { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1 });
  const tensor = new ort.Tensor('float32', Float32Array.from(row), [1, row.length]);
  const input = { kind: 'tensors' as const, tensors: { x: { data: [row] } } };
  const bare: number[] = [];
  const orrery: number[] = [];
  for (let block = 0; block < blocks + 2; block++) {
    for (let i = 0; i < callsPerBlock; i++) {
      const started = performance.now();
      await session.run({ x: tensor });
      if (block >= 2) bare.push(performance.now() - started);
    }
    for (let i = 0; i < callsPerBlock; i++) {
      const started = performance.now();
      await service.infer(file, info, input, dir);
      if (block >= 2) orrery.push(performance.now() - started);
    }
  }
  await session.release();
  return { bareMs: median(bare), orreryMs: median(orrery) };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'orrery-infer-bench-'));
  const service = new InferenceService({ workerFile: path.join(repoRoot, 'out', 'main', 'inference-worker.cjs'), inferThreads: 1 });
  try {
    const file = path.join(dir, 'mlp.onnx');
    writeFileSync(file, encodeModel(mlpModel({ sizes, softmax: true, seed: 7 })));
    const info = await inspectOnnxFile(file, 'bench', (f) => service.checkLoads(f));
    const row = Array.from({ length: sizes[0]! }, (_, i) => Math.sin(i));
    const input = { kind: 'tensors' as const, tensors: { x: { data: [row] } } };

    const inWorker: number[] = [];
    const roundTrip: number[] = [];
    const session = await ort.InferenceSession.create(file, { executionProviders: ['cpu'], graphOptimizationLevel: 'all', intraOpNumThreads: 1, interOpNumThreads: 1 });
    const tensor = new ort.Tensor('float32', Float32Array.from(row), [1, sizes[0]!]);
    const bareCall = async (): Promise<number> => {
      const started = performance.now();
      await session.run({ x: tensor });
      return performance.now() - started;
    };
    const orreryCall = async (): Promise<number> => {
      const started = performance.now();
      const result = await service.infer(file, info, input, dir);
      const elapsed = performance.now() - started;
      inWorker.push(result.latencyMs);
      return elapsed;
    };
    for (let i = 0; i < warmup; i++) {
      await bareCall();
      await orreryCall();
    }
    // Same answer both ways (the figure compares like with like).
    const bareOut = (await session.run({ x: tensor })).y!.data as Float32Array;
    const orreryOut = (await service.infer(file, info, input, dir)).outputs[0]!.data as number[];
    const maxDiff = Math.max(...orreryOut.map((v, i) => Math.abs(v - bareOut[i]!)));

    const bare: number[] = [];
    const orrery: number[] = [];
    inWorker.length = 0;
    for (let block = 0; block < blocks; block++) {
      const first = block % 2 === 0 ? bare : orrery;
      const second = first === bare ? orrery : bare;
      for (let i = 0; i < callsPerBlock; i++) first.push(await (first === bare ? bareCall() : orreryCall()));
      for (let i = 0; i < callsPerBlock; i++) second.push(await (second === bare ? bareCall() : orreryCall()));
    }
    await session.release();
    for (let i = 0; i < 200; i++) {
      const started = performance.now();
      await service.checkLoads(file);
      roundTrip.push(performance.now() - started);
    }

    const tiny = await tinyOverhead(service, dir, row);

    const bareMs = median(bare);
    const orreryMs = median(orrery);
    const overheadUs = (orreryMs - bareMs) * 1000;
    const ratio = orreryMs / bareMs;
    console.log(`model: MLP ${sizes.join(' → ')}, ${info.parameters.toLocaleString('en-US')} parameters, 1 intra-op thread; ${blocks * callsPerBlock} calls per path`);
    figure('bare session.run median', bareMs, 'ms');
    figure('bare session.run p95', percentile(bare, 95), 'ms');
    figure('Orrery InferenceService.infer median', orreryMs, 'ms');
    figure('Orrery InferenceService.infer p95', percentile(orrery, 95), 'ms');
    figure('where Orrery ran it', service.placement(info));
    figure('of which session.run as Orrery timed it', median(inWorker), 'ms');
    figure('worker round trip without a run', median(roundTrip) * 1000, 'µs');
    figure('tiny model (Identity): bare / Orrery median', `${tiny.bareMs.toFixed(3)} / ${tiny.orreryMs.toFixed(3)}`, 'ms');
    figure('tiny model: overhead per call', (tiny.orreryMs - tiny.bareMs) * 1000, 'µs');
    figure('median overhead per call', overheadUs, 'µs');
    figure('ratio Orrery / bare', ratio);
    figure('max |difference| of outputs', maxDiff);
    figure('load average (1 min) / cores', `${os.loadavg()[0]!.toFixed(2)} / ${os.cpus().length}`);
    const pass = overheadUs <= goalOverheadUs && ratio <= goalRatio && maxDiff === 0;
    figure('goal', `overhead ≤ ${goalOverheadUs} µs and ratio ≤ ${goalRatio}: ${pass ? 'met' : 'NOT met'}`);
    summary('infer-overhead', { bare_ms: bareMs, orrery_ms: orreryMs, overhead_us: overheadUs, ratio, pass });
  } finally {
    service.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
