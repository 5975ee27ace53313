// Export to ONNX for real: Debian's Python (torch 1.13, scikit-learn) runs resources/python/orrery_export on
// checkpoints made here by the PyTorch template and small scripts, and onnxruntime-node checks parity on the
// same sample inputs. Bad input (a tampered checkpoint, a class that does not fit, a value the tracer freezes, an env without skl2onnx or onnxruntime) answers a clear error.
import { execFile, spawnSync } from 'node:child_process';
import { access, copyFile, cp, mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOrreryError } from '../../app/contract';
import type { Task } from '../../main/core/tasks';
import { exportToOnnx, ParityError, type ExportRequest } from '../../main/services/models/export';
import { bundledCli } from './cli-harness';

const run = promisify(execFile);
const repoRoot = path.resolve(__dirname, '..', '..');
const python = '/usr/bin/python3';
const templateFactory = 'templates/pytorch-classifier/train.py:make_model';
const cnnParams = { model: 'cnn', hidden: 16, classes: 4, features: 20 };
let base = '';
let project = '';
let work = 0;

/** A task that records what it reports; `abort` cancels it. */
function recordingTask(): Task & { events: string[]; outputs: string[]; abort: () => void } {
  const controller = new AbortController();
  const events: string[] = [];
  const outputs: string[] = [];
  return {
    id: 'task_export_test',
    signal: controller.signal,
    events,
    outputs,
    abort: () => controller.abort(),
    progress: (done, total, message) => events.push(`${done}/${total ?? '?'} ${message}`),
    output: (_stream, text) => outputs.push(text),
    throwIfCancelled: () => {
      if (controller.signal.aborted) throw new Error('cancelled');
    },
  };
}

function request(fields: Partial<ExportRequest> & Pick<ExportRequest, 'modelFile' | 'format'>): ExportRequest {
  work += 1;
  return { python, tolerance: 1e-4, samples: 16, quantize: false, workDir: path.join(base, `work-${work}`), projectPath: project, ...fields };
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string; error: unknown }> {
  try {
    await promise;
  } catch (error) {
    if (isOrreryError(error)) return { code: error.code, message: error.message, error };
    throw error;
  }
  throw new Error('expected the export to fail');
}

const fixtures = `
import pickle, sys, torch
from torch import nn
sys.path.insert(0, ".")
from nets import Branchy, Rescaled
torch.manual_seed(0)
torch.save(Branchy().state_dict(), "branchy.pt")
torch.save(Rescaled().state_dict(), "rescaled.pt")
torch.jit.script(Branchy()).save("branchy-script.pt")
from sklearn.linear_model import LogisticRegression
import numpy as np
x = np.random.default_rng(0).standard_normal((60, 5)); y = (x[:, 0] > 0).astype(int)
pickle.dump(LogisticRegression().fit(x, y), open("logreg.pkl", "wb"))
`;

const nets = `
import torch
from torch import nn


class Branchy(nn.Module):
    """Its output depends on the data through Python control flow: tracing freezes one branch, scripting keeps both."""

    def __init__(self, width: int = 8):
        super().__init__()
        self.linear = nn.Linear(6, width)

    def forward(self, x):
        y = self.linear(x)
        if bool(y.sum() > 0):
            return y * 2.0
        return -y


class Rescaled(nn.Module):
    """Divides by the batch's largest value taken as a Python float: the tracer records it as a constant."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(6, 4)

    def forward(self, x):
        return self.linear(x) / float(x.abs().max())
`;

beforeAll(async () => {
  base = await realpath(await mkdtemp(path.join(os.tmpdir(), 'orrery-export-')));
  project = path.join(base, 'project');
  await mkdir(path.join(project, 'templates', 'pytorch-classifier'), { recursive: true });
  await copyFile(path.join(repoRoot, 'resources', 'templates', 'pytorch-classifier', 'train.py'), path.join(project, 'templates', 'pytorch-classifier', 'train.py'));
  await writeFile(path.join(project, 'nets.py'), nets);
  await writeFile(path.join(project, 'slow_net.py'), 'import time\ntime.sleep(600)\n');
  const train = path.join(project, 'templates', 'pytorch-classifier', 'train.py');
  const tiny = ['--epochs', '1', '--samples', '200', '--device', 'cpu', '--hidden', '16'];
  await run(python, [train, '--model', 'cnn', ...tiny, '--checkpoint', 'cnn.pt'], { cwd: project, timeout: 120_000 });
  await run(python, [train, '--model', 'mlp', ...tiny, '--checkpoint', 'mlp.pt'], { cwd: project, timeout: 120_000 });
  await run(python, ['-c', fixtures], { cwd: project, timeout: 120_000 });
}, 240_000);

afterAll(() => rm(base, { recursive: true, force: true }));

describe('export to ONNX', () => {
  it('exports the template CNN from its checkpoint with a dynamic batch axis and parity within 1e-4', async () => {
    const task = recordingTask();
    const wanted = request({ modelFile: path.join(project, 'cnn.pt'), format: 'pytorch', modelClass: templateFactory, runParams: cnnParams, inputShape: [1, 16, 16], metadata: { labels: '["0","45","90","135"]' } });
    const [onnx, ...rest] = await exportToOnnx(wanted, task);
    expect(rest).toEqual([]);
    expect(onnx).toMatchObject({ kind: 'onnx', file: path.join(wanted.workDir, 'model.onnx'), opset: 14, quantization: null });
    expect(onnx!.parity).toMatchObject({ tolerance: 1e-4, samples: 16, passed: true });
    expect(onnx!.parity!.maxAbs).toBeLessThanOrEqual(1e-4);
    expect(onnx!.parity!.maxRel).toBeGreaterThanOrEqual(0);
    expect(task.events[0]).toMatch(/^0\/5 loading cnn\.pt/);
    expect(task.events).toContainEqual(expect.stringMatching(/^4\/5 checking parity in onnxruntime-node on 16 sample inputs/));
    expect(task.events.at(-1)).toMatch(/^5\/5 exported with max abs difference/);
    // Protocol lines are progress, not output.
    expect(task.outputs.join('')).not.toMatch(/"progress"/);

    const session = await ort.InferenceSession.create(onnx!.file);
    const batch = await session.run({ input: new ort.Tensor('float32', new Float32Array(3 * 256).fill(0.5), [3, 1, 16, 16]) });
    expect(batch['output']!.dims).toEqual([3, 4]);
    await session.release();
    const { stdout } = await run(python, ['-c', 'import onnx, sys, json; m = onnx.load(sys.argv[1]); print(json.dumps({p.key: p.value for p in m.metadata_props}))', onnx!.file]);
    expect(JSON.parse(stdout)).toEqual({ 'orrery.source_format': 'pytorch', 'orrery.input_shape': '[1, 16, 16]', labels: '["0","45","90","135"]' });
  }, 120_000);

  it('tells the input shape from a first Linear layer and honours the opset asked for', async () => {
    const [onnx] = await exportToOnnx(request({ modelFile: path.join(project, 'mlp.pt'), format: 'pytorch', modelClass: templateFactory, runParams: { ...cnnParams, model: 'mlp' }, opset: 13, samples: 4 }), recordingTask());
    expect(onnx).toMatchObject({ kind: 'onnx', opset: 13, parity: { samples: 4, passed: true } });
  }, 120_000);

  it('exports a TorchScript file, whose scripted control flow survives into the ONNX graph', async () => {
    const [onnx] = await exportToOnnx(request({ modelFile: path.join(project, 'branchy-script.pt'), format: 'torchscript', inputShape: [6], samples: 32 }), recordingTask());
    expect(onnx!.parity).toMatchObject({ passed: true, samples: 32 });
    const { stdout } = await run(python, ['-c', 'import onnx, sys; print(sorted({n.op_type for n in onnx.load(sys.argv[1]).graph.node}))', onnx!.file]);
    expect(stdout).toMatch(/'If'/);
  }, 120_000);

  it('fails with the numbers when the export computes something else (a value the tracer froze into a constant)', async () => {
    const wanted = request({ modelFile: path.join(project, 'rescaled.pt'), format: 'pytorch', modelClass: 'nets:Rescaled', inputShape: [6], samples: 64 });
    const failed = await failure(exportToOnnx(wanted, recordingTask()));
    expect(failed.code).toBe('invalid_input');
    expect(failed.message).toMatch(/differs from the original by up to [\d.e+-]+ \(relative [\d.e+-]+\) on 64 sample inputs, above the tolerance 0\.0001/);
    expect(failed.message).toMatch(/--tolerance/);
    expect(failed.error).toBeInstanceOf(ParityError);
    const outcomes = (failed.error as ParityError).outcomes;
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]!.parity).toMatchObject({ passed: false, samples: 64 });
    expect(outcomes[0]!.parity!.maxAbs).toBeGreaterThan(1e-4);
  }, 120_000);

  it('names what does not fit when the class arguments differ from the trained model', async () => {
    const failed = await failure(exportToOnnx(request({ modelFile: path.join(project, 'cnn.pt'), format: 'pytorch', modelClass: templateFactory, runParams: cnnParams, classArgs: { hidden: 32 }, inputShape: [1, 16, 16] }), recordingTask()));
    expect(failed.code).toBe('invalid_input');
    expect(failed.message).toMatch(/The checkpoint's weights do not fit templates\/pytorch-classifier\/train\.py:make_model: .*size mismatch/);
    expect(failed.message).toMatch(/--args/);
  }, 60_000);

  it('answers a clear error for a tampered checkpoint, a missing class, an unknown module and a missing input shape', async () => {
    const bytes = await readFile(path.join(project, 'cnn.pt'));
    const tampered = path.join(base, 'tampered.pt');
    await writeFile(tampered, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const broken = await failure(exportToOnnx(request({ modelFile: tampered, format: 'pytorch', modelClass: templateFactory, runParams: cnnParams, inputShape: [1, 16, 16] }), recordingTask()));
    expect(broken).toMatchObject({ code: 'invalid_file' });
    expect(broken.message).toMatch(/tampered\.pt could not be read as a PyTorch checkpoint/);

    const noClass = await failure(exportToOnnx(request({ modelFile: path.join(project, 'cnn.pt'), format: 'pytorch' }), recordingTask()));
    expect(noClass).toMatchObject({ code: 'invalid_input' });
    expect(noClass.message).toMatch(/name the model's class or factory \(--class module:Class/);

    const unknown = await failure(exportToOnnx(request({ modelFile: path.join(project, 'branchy.pt'), format: 'pytorch', modelClass: 'models.missing:Net', inputShape: [6] }), recordingTask()));
    expect(unknown.message).toMatch(/Could not import models\.missing from the project .*ModuleNotFoundError/);

    const noShape = await failure(exportToOnnx(request({ modelFile: path.join(project, 'cnn.pt'), format: 'pytorch', modelClass: templateFactory, runParams: cnnParams }), recordingTask()));
    expect(noShape.message).toMatch(/--input-shape 1,28,28/);
  }, 120_000);

  it('says which package the env lacks: onnxruntime for int8 (before any work) and skl2onnx for scikit-learn', async () => {
    const quantized = request({ modelFile: path.join(project, 'cnn.pt'), format: 'pytorch', modelClass: templateFactory, runParams: cnnParams, inputShape: [1, 16, 16], quantize: true });
    const noOrt = await failure(exportToOnnx(quantized, recordingTask()));
    expect(noOrt.code).toBe('unavailable');
    expect(noOrt.message).toMatch(/int8 quantization needs the Python onnxruntime .* export without --quantize/);
    await expect(access(path.join(quantized.workDir, 'model.onnx'))).rejects.toThrow();

    const sklearn = await failure(exportToOnnx(request({ modelFile: path.join(project, 'logreg.pkl'), format: 'sklearn' }), recordingTask()));
    expect(sklearn.code).toBe('unavailable');
    expect(sklearn.message).toMatch(/needs skl2onnx, which this environment lacks/);
  }, 120_000);

  it('refuses formats it cannot export and a missing interpreter', async () => {
    expect(await failure(exportToOnnx(request({ modelFile: path.join(project, 'cnn.pt'), format: 'onnx' }), recordingTask()))).toMatchObject({ code: 'invalid_input' });
    const missing = await failure(exportToOnnx({ ...request({ modelFile: path.join(project, 'cnn.pt'), format: 'pytorch' }), python: path.join(base, 'no-python') }, recordingTask()));
    expect(missing.code).toBe('not_found');
  });

  // The module sleeps for 10 minutes on import: only a killed process lets this end within the test's time.
  it('kills the Python process when the task is cancelled', async () => {
    const task = recordingTask();
    const pending = exportToOnnx(request({ modelFile: path.join(project, 'branchy.pt'), format: 'pytorch', modelClass: 'slow_net:Net', inputShape: [6] }), task);
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (task.events.length > 0) {
          clearInterval(poll);
          resolve();
        }
      }, 20);
    });
    task.abort();
    expect(await failure(pending)).toMatchObject({ code: 'cancelled' });
  }, 60_000);
});

// `orrery model export` as users run it (out/main/cli.cjs in a child process): a version registered from the
// template's checkpoint, exported with the class and its arguments given on the command line.
describe('orrery model export', () => {
  let cli = '';
  let env: NodeJS.ProcessEnv;
  let cliProject = '';
  const orrery = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: base, env, encoding: 'utf8', timeout: 180_000 });

  beforeAll(async () => {
    cli = bundledCli();
    cliProject = path.join(base, 'cli-project');
    await mkdir(path.join(base, 'home'), { recursive: true });
    env = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', NODE_PATH: path.join(repoRoot, 'node_modules'), ORRERY_HOME: path.join(base, 'home'), ORRERY_ROOTS: base, ORRERY_PROJECT: cliProject };
    expect(orrery('project', 'create', cliProject).status).toBe(0);
    await cp(path.join(project, 'templates'), path.join(cliProject, 'templates'), { recursive: true });
    for (const file of ['cnn.pt', 'rescaled.pt', 'nets.py']) await copyFile(path.join(project, file), path.join(cliProject, file));
    expect(orrery('model', 'register', 'bars', '--file', 'cli-project/cnn.pt', '--format', 'pytorch').status).toBe(0);
    expect(orrery('model', 'register', 'rescaled', '--file', 'cli-project/rescaled.pt', '--format', 'pytorch').status).toBe(0);
  }, 300_000);

  it('exports a version, prints the parity and records the export on the version', () => {
    const args = JSON.stringify({ model: 'cnn', hidden: 16, classes: 4 });
    const exported = orrery('model', 'export', 'bars@1', '--class', templateFactory, '--args', args, '--input-shape', '1,16,16', '--samples', '8', '--env', python);
    expect(exported.status).toBe(0);
    expect(exported.stdout).toMatch(/^onnx \(mexp_[a-z0-9]+\): [\d.]+ KiB, opset 14, sha256 [0-9a-f]{12}\n  parity passed: max abs [\d.]+e[-+]\d+, max rel [\d.]+e[-+]\d+ on 8 samples \(tolerance 0\.0001\)\n$/);
    expect(exported.stderr).toMatch(/… checking parity in onnxruntime-node on 8 sample inputs/);
    const shown = JSON.parse(orrery('model', 'show', 'bars@1', '--json').stdout) as { exports: Array<{ kind: string; parity: { passed: boolean } }> };
    expect(shown.exports).toMatchObject([{ kind: 'onnx', parity: { passed: true } }]);
  }, 180_000);

  it('exits 1 with the numbers when parity fails, and keeps the export marked as failing', () => {
    const failed = orrery('model', 'export', 'rescaled@1', '--class', 'nets:Rescaled', '--input-shape', '6', '--env', python);
    expect(failed.status).toBe(1);
    expect(failed.stderr).toMatch(/differs from the original by up to .* above the tolerance 0\.0001/);
    const shown = JSON.parse(orrery('model', 'show', 'rescaled@1', '--json').stdout) as { exports: unknown[] };
    expect(shown.exports).toMatchObject([{ kind: 'onnx', parity: { passed: false, samples: 16, tolerance: 1e-4 } }]);
  }, 180_000);

  it('refuses malformed options as usage errors before any work', () => {
    const badArgs = orrery('model', 'export', 'bars@1', '--class', templateFactory, '--args', '[1]');
    expect(badArgs.status).toBe(2);
    expect(badArgs.stderr).toMatch(/--args \[1\]: give a JSON object/);
    expect(orrery('model', 'export', 'bars@1', '--class', 'train.make_model').stderr).toMatch(/write module\.path:ClassName/);
    expect(orrery('model', 'export', 'bars@1', '--tolerance', 'small').stderr).toMatch(/--tolerance small: give a number of at least 0/);
  }, 60_000);
});
