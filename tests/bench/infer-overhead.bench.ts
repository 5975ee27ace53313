// `npm run bench -- infer-overhead`: what Orrery's inference path adds to onnxruntime-node's own session.run.
// The model: an MLP (1024 → 1536 → 1536 → 1536 → 10, MatMul + Add + Relu, softmax, 6.3 M parameters) written by
// the test encoder, about 1 ms a run on one intra-op thread. Both paths run the same onnxruntime session (1 intra-op
// thread; the service is handed it as its inline session, so both read the same 25 MB of weights from the same
// memory: two sessions of one model differ by up to 10% in speed, a figure of where the allocator put them, not of
// Orrery), in the same process, call by call (A B B A) so drift on a shared machine hits both alike:
//  - bare: `session.run` on a pre-built Float32Array tensor in this thread;
//  - Orrery: InferenceService.infer with a JSON tensor (nested arrays → typed array, signature checks), session.run
//    where the service places it (a model measured under its inline budget runs on the calling thread, others in the
//    inference worker thread), the outputs back as arrays and the top-k.
// Figures: median per call of each path, the median overhead (of Orrery − bare, pair by pair) and the ratio, where the service ran
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
const calls = 1000;
const warmup = 50;
const goalOverheadUs = 50;
const goalRatio = 1.1;

/** Both paths on an Identity model (1024 floats in and out), interleaved the same way: the path's own cost. */
async function tinyOverhead(service: InferenceService, dir: string, row: number[]): Promise<{ bareMs: number; orreryMs: number }> {
  const file = path.join(dir, 'identity.onnx');
  const value = { name: 'x', elemType: OnnxType.float, dims: ['batch', row.length] as Array<string | number> };
  writeFileSync(file, encodeModel({ nodes: [{ op: 'Identity', inputs: ['x'], outputs: ['y'] }], inputs: [value], outputs: [{ ...value, name: 'y' }] }));
  const info = await inspectOnnxFile(file, 'tiny', (f) => service.checkLoads(f));
  const session = await sessionOf(file);
  const tensor = new ort.Tensor('float32', Float32Array.from(row), [1, row.length]);
  const input = { kind: 'tensors' as const, tensors: { x: { data: [row] } } };
  const timed = async (call: () => Promise<unknown>): Promise<number> => {
    const started = performance.now();
    await call();
    return performance.now() - started;
  };
  const runBare = (): Promise<number> => timed(() => session.run({ x: tensor }));
  const runOrrery = (): Promise<number> => timed(() => service.infer(file, info, input, dir));
  await paired(runBare, runOrrery, 100);
  const { bare, orrery } = await paired(runBare, runOrrery, calls);
  return { bareMs: median(bare), orreryMs: median(orrery) };
}

/** Both paths call by call, in A B B A order, so a burst from a neighbour on this shared machine lands on both. */
async function paired(bareCall: () => Promise<number>, orreryCall: () => Promise<number>, count: number): Promise<{ bare: number[]; orrery: number[]; differences: number[] }> {
  const bare: number[] = [];
  const orrery: number[] = [];
  const differences: number[] = [];
  for (let pair = 0; pair < count; pair++) {
    const bareFirst = pair % 2 === 0;
    const a = await (bareFirst ? bareCall() : orreryCall());
    const b = await (bareFirst ? orreryCall() : bareCall());
    const [bareMs, orreryMs] = bareFirst ? [a, b] : [b, a];
    bare.push(bareMs);
    orrery.push(orreryMs);
    differences.push(orreryMs - bareMs);
  }
  return { bare, orrery, differences };
}

/** One session per model file, run by the bare path and handed to the service as its inline session (which releases it). */
const sessions = new Map<string, Promise<ort.InferenceSession>>();
function sessionOf(file: string): Promise<ort.InferenceSession> {
  let session = sessions.get(file);
  if (!session) {
    session = ort.InferenceSession.create(file, { executionProviders: ['cpu'], graphOptimizationLevel: 'all', intraOpNumThreads: 1, interOpNumThreads: 1 });
    sessions.set(file, session);
  }
  return session;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'orrery-infer-bench-'));
  const service = new InferenceService({ workerFile: path.join(repoRoot, 'out', 'main', 'inference-worker.cjs'), inferThreads: 1, loadSession: sessionOf });
  try {
    const file = path.join(dir, 'mlp.onnx');
    writeFileSync(file, encodeModel(mlpModel({ sizes, softmax: true, seed: 7 })));
    const info = await inspectOnnxFile(file, 'bench', (f) => service.checkLoads(f));
    const row = Array.from({ length: sizes[0]! }, (_, i) => Math.sin(i));
    const input = { kind: 'tensors' as const, tensors: { x: { data: [row] } } };

    const inWorker: number[] = [];
    const roundTrip: number[] = [];
    const session = await sessionOf(file);
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
    await paired(bareCall, orreryCall, warmup);
    // Same answer both ways (the figure compares like with like).
    const bareOut = (await session.run({ x: tensor })).y!.data as Float32Array;
    const orreryOut = (await service.infer(file, info, input, dir)).outputs[0]!.data as number[];
    const maxDiff = Math.max(...orreryOut.map((v, i) => Math.abs(v - bareOut[i]!)));

    inWorker.length = 0;
    const { bare, orrery, differences } = await paired(bareCall, orreryCall, calls);
    for (let i = 0; i < 200; i++) {
      const started = performance.now();
      await service.checkLoads(file);
      roundTrip.push(performance.now() - started);
    }

    const tiny = await tinyOverhead(service, dir, row);

    const bareMs = median(bare);
    const orreryMs = median(orrery);
    const overheadUs = median(differences) * 1000;
    const ratio = orreryMs / bareMs;
    console.log(`model: MLP ${sizes.join(' → ')}, ${info.parameters.toLocaleString('en-US')} parameters, 1 intra-op thread; ${calls} calls per path`);
    figure('bare session.run median', bareMs, 'ms');
    figure('bare session.run p95', percentile(bare, 95), 'ms');
    figure('Orrery InferenceService.infer median', orreryMs, 'ms');
    figure('Orrery InferenceService.infer p95', percentile(orrery, 95), 'ms');
    figure('where Orrery ran it', service.placement(info));
    figure('of which session.run as Orrery timed it', median(inWorker), 'ms');
    figure('worker round trip without a run', median(roundTrip) * 1000, 'µs');
    figure('tiny model (Identity): bare / Orrery median', `${tiny.bareMs.toFixed(3)} / ${tiny.orreryMs.toFixed(3)}`, 'ms');
    figure('tiny model: overhead per call', (tiny.orreryMs - tiny.bareMs) * 1000, 'µs');
    figure('difference of the medians', (orreryMs - bareMs) * 1000, 'µs');
    figure('median overhead per call (Orrery − bare, call by call)', overheadUs, 'µs');
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
