// export-parity: the PyTorch template's CNN (default size) and MLP, trained briefly by the template itself on
// Debian's torch, exported by Orrery (resources/python/orrery_export, then parity in onnxruntime-node on 256
// seeded random inputs the tracer never saw). Target: the CNN's max absolute difference ≤ 1e-4. The baseline
// in the same run is a bare torch.onnx.export of the same checkpoint with no parity check, for the time.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import type { Task } from '../../main/core/tasks';
import { exportToOnnx, ParityError, type ExportOutcome } from '../../main/services/models/export';
import { figure, median, repoRoot, summary } from './lib';

const run = promisify(execFile);
const python = '/usr/bin/python3';
const samples = 256;
const target = 1e-4;
const factory = 'templates/pytorch-classifier/train.py:make_model';

const quietTask: Task = { id: 'bench', signal: new AbortController().signal, progress: () => undefined, output: () => undefined, throwIfCancelled: () => undefined };

const bareExport = `
import sys, time, argparse, torch
sys.path.insert(0, "templates/pytorch-classifier")
from train import make_model
args = argparse.Namespace(model=sys.argv[1], hidden=64, classes=4, features=20)
model = make_model(args)
model.load_state_dict(torch.load(sys.argv[2], map_location="cpu")["model"])
model.eval()
shape = (2, 1, 16, 16) if args.model == "cnn" else (2, 20)
started = time.perf_counter()
torch.onnx.export(model, (torch.randn(*shape),), sys.argv[3], input_names=["input"], output_names=["output"],
                  dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}, do_constant_folding=True)
print((time.perf_counter() - started) * 1000)
`;

async function exportOnce(project: string, kind: 'cnn' | 'mlp', workDir: string): Promise<{ outcome: ExportOutcome; ms: number }> {
  const started = performance.now();
  try {
    const [outcome] = await exportToOnnx(
      {
        python,
        modelFile: path.join(project, `${kind}.pt`),
        format: 'pytorch',
        modelClass: factory,
        runParams: { model: kind, hidden: 64, classes: 4, features: 20 },
        ...(kind === 'cnn' ? { inputShape: [1, 16, 16] } : {}),
        tolerance: target,
        samples,
        quantize: false,
        workDir,
        projectPath: project,
      },
      quietTask,
    );
    return { outcome: outcome!, ms: performance.now() - started };
  } catch (error) {
    if (error instanceof ParityError) return { outcome: error.outcomes[0]!, ms: performance.now() - started };
    throw error;
  }
}

async function main(): Promise<void> {
  const base = await mkdtemp(path.join(os.tmpdir(), 'orrery-bench-export-'));
  const project = path.join(base, 'project');
  try {
    await mkdir(path.join(project, 'templates', 'pytorch-classifier'), { recursive: true });
    const script = path.join(project, 'templates', 'pytorch-classifier', 'train.py');
    await copyFile(path.join(repoRoot, 'resources', 'templates', 'pytorch-classifier', 'train.py'), script);
    for (const kind of ['cnn', 'mlp'] as const) {
      await run(python, [script, '--model', kind, '--epochs', '3', '--samples', '2000', '--device', 'cpu', '--checkpoint', `${kind}.pt`], { cwd: project, timeout: 300_000 });
    }
    const results: Record<string, { outcome: ExportOutcome; times: number[]; bare: number[] }> = {};
    for (const kind of ['cnn', 'mlp'] as const) {
      const times: number[] = [];
      const bare: number[] = [];
      let outcome: ExportOutcome | null = null;
      for (let round = 0; round < 3; round++) {
        const measured = await exportOnce(project, kind, path.join(base, `${kind}-${round}`));
        outcome = measured.outcome;
        times.push(measured.ms);
        const bareStarted = performance.now();
        await run(python, ['-c', bareExport, kind, `${kind}.pt`, path.join(base, `${kind}-${round}-bare.onnx`)], { cwd: project, timeout: 120_000 });
        bare.push(performance.now() - bareStarted);
      }
      results[kind] = { outcome: outcome!, times, bare };
    }
    const cnn = results['cnn']!;
    const mlp = results['mlp']!;
    for (const [kind, result] of Object.entries(results)) {
      const parity = result.outcome.parity!;
      figure(`${kind}: max abs difference (${samples} samples)`, parity.maxAbs.toExponential(2));
      figure(`${kind}: max relative difference`, parity.maxRel.toExponential(2));
      figure(`${kind}: Orrery export + parity, median of 3`, median(result.times), 'ms');
      figure(`${kind}: bare python + torch.onnx.export, median of 3`, median(result.bare), 'ms');
    }
    const within = cnn.outcome.parity!.passed && cnn.outcome.parity!.maxAbs <= target;
    figure('cnn within 1e-4', String(within));
    summary('export-parity', {
      cnn_max_abs: cnn.outcome.parity!.maxAbs.toExponential(2),
      cnn_max_rel: cnn.outcome.parity!.maxRel.toExponential(2),
      mlp_max_abs: mlp.outcome.parity!.maxAbs.toExponential(2),
      cnn_within_1e4: within,
      cnn_export_ms: median(cnn.times),
      cnn_bare_export_ms: median(cnn.bare),
    });
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
