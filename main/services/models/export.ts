import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { OrreryError } from '../../../app/contract';
import type { ModelExport, ModelFormat } from '../../../app/contract/models';
import type { Task } from '../../core/tasks';
import { loadOrt, measureDifference, medianLatencyMs, openSession, type Difference } from './export-parity';
import { defaultExportPythonDir, runExportScript, type ScriptRequest, type ScriptResult } from './export-process';

/**
 * Export to ONNX with a parity check and optional int8 quantization.
 *
 * The env's Python runs `resources/python/orrery_export` (torch.onnx.export with a dynamic batch axis, or skl2onnx;
 * quantize_dynamic from the Python onnxruntime for int8). It also writes `samples` seeded random inputs and the
 * original model's outputs on them; the ONNX file then runs here in onnxruntime-node on the same inputs (so parity
 * needs no Python onnxruntime), compared output by output, by name.
 *
 * Parity: `maxAbs` is the largest |onnx − original| over every output value, `maxRel` the largest
 * |onnx − original| / max(|original|, 1e-6). The fp32 export passes when maxAbs ≤ tolerance; when it does not,
 * the call fails with a ParityError (`invalid_input`, the numbers in its message) that still carries the measured
 * outcomes on `.outcomes`, so the caller can keep the failed export with parity.passed false (ModelService does,
 * for the export list and the card) while the user sees the failure. The int8 copy is measured against its own tolerance (`int8Tolerance`, default 5 % of the largest
 * reference magnitude, never below `tolerance`) and reported with passed true or false without failing the
 * call: quantization trades accuracy on purpose, and its figures (size, p50 latency at batch 1 on one thread,
 * parity) are what the user asked to see.
 */

export interface ExportRequest {
  /** The env's interpreter. */
  python: string;
  modelFile: string;
  format: ModelFormat;
  /** PyTorch checkpoint: `module.path:Name` importable from the project, or `path/to/file.py:Name` relative to it. */
  modelClass?: string;
  /** Keyword arguments of the class (or factory). */
  classArgs?: Record<string, unknown>;
  /** Input shape without the batch axis; default: from the first layer when it is a Linear one (or n_features_in_). */
  inputShape?: number[];
  opset?: number;
  tolerance: number;
  samples: number;
  quantize: boolean;
  /** Where the ONNX files and the sample tensors are written (the caller removes it). */
  workDir: string;
  /** The project folder: the script runs there and imports `modelClass` from it. */
  projectPath: string;
  /**
   * The run's params: a factory of one positional parameter (`make_model(args)`, as training scripts write it) is
   * called with a namespace of these, overridden by `classArgs`.
   */
  runParams?: Record<string, unknown>;
  /** Written into the ONNX file's metadata_props (preprocessing, labels, lineage) when the env has the onnx package. */
  metadata?: Record<string, string>;
  /** Seed of the sample inputs (default 0). */
  seed?: number;
  /** Tolerance of the int8 copy's parity (see above). */
  int8Tolerance?: number;
  /** The folder holding `orrery_export` (default: resources/python of this installation). */
  pythonDir?: string;
  /** The Python process's environment (an env's activation); default: this process's. */
  env?: NodeJS.ProcessEnv;
}

export interface ExportOutcome {
  kind: 'onnx' | 'onnx-int8';
  file: string;
  opset: number | null;
  parity: ModelExport['parity'];
  quantization: ModelExport['quantization'];
}

/** The fp32 export does not match the original within the tolerance; `outcomes` holds what was measured. */
export class ParityError extends OrreryError {
  constructor(
    message: string,
    readonly outcomes: ExportOutcome[],
  ) {
    super('invalid_input', message);
  }
}

/** Share of the largest reference magnitude the int8 copy may differ by, unless `int8Tolerance` says otherwise. */
export const int8ToleranceShare = 0.05;

const exportableFormats: readonly ModelFormat[] = ['pytorch', 'torchscript', 'sklearn'];

function figure(value: number): string {
  return value === Number.MAX_VALUE ? 'unbounded' : value.toPrecision(3);
}

function parityOf(difference: Difference, tolerance: number, samples: number): NonNullable<ModelExport['parity']> {
  return { maxAbs: difference.maxAbs, maxRel: difference.maxRel, tolerance, samples, passed: difference.problem === null && difference.maxAbs <= tolerance };
}

function parityMessage(difference: Difference, tolerance: number, samples: number): string {
  const advice = 'Check that --class and its arguments build the model that was trained';
  if (difference.problem) return `The ONNX export does not match the original on ${samples} sample inputs: ${difference.problem}. ${advice}.`;
  return (
    `The ONNX export differs from the original by up to ${figure(difference.maxAbs)} (relative ${figure(difference.maxRel)}) on ${samples} sample inputs, ` +
    `above the tolerance ${tolerance}. ${advice}, or allow more with --tolerance.`
  );
}

function checkRequest(request: ExportRequest): void {
  if (!exportableFormats.includes(request.format)) {
    throw new OrreryError('invalid_input', `Export to ONNX takes PyTorch checkpoints, TorchScript files and scikit-learn pickles, not ${request.format} models.`);
  }
  if (!Number.isInteger(request.samples) || request.samples < 1) throw new OrreryError('invalid_input', `samples ${request.samples}: give a whole number of at least 1.`);
  if (!(request.tolerance >= 0)) throw new OrreryError('invalid_input', `tolerance ${request.tolerance}: give a number of at least 0.`);
}

function scriptRequest(request: ExportRequest): ScriptRequest {
  return {
    modelFile: request.modelFile,
    format: request.format,
    ...(request.modelClass !== undefined ? { modelClass: request.modelClass } : {}),
    ...(request.classArgs !== undefined ? { classArgs: request.classArgs } : {}),
    ...(request.runParams !== undefined ? { runParams: request.runParams } : {}),
    ...(request.inputShape !== undefined ? { inputShape: request.inputShape } : {}),
    ...(request.opset !== undefined ? { opset: request.opset } : {}),
    ...(request.metadata !== undefined ? { metadata: request.metadata } : {}),
    samples: request.samples,
    seed: request.seed ?? 0,
    quantize: request.quantize,
    outDir: request.workDir,
    projectPath: request.projectPath,
  };
}

/** Exports a model file to ONNX through the env's Python, checks parity in onnxruntime-node, and quantizes to int8 on request. */
export async function exportToOnnx(request: ExportRequest, task: Task): Promise<ExportOutcome[]> {
  checkRequest(request);
  await mkdir(request.workDir, { recursive: true });
  const requestFile = path.join(request.workDir, 'export-request.json');
  await writeFile(requestFile, JSON.stringify(scriptRequest(request)));
  const nodeSteps = request.quantize ? 2 : 1;
  let scriptSteps = 0;
  const script = await runExportScript(task, {
    python: request.python,
    pythonDir: request.pythonDir ?? (await defaultExportPythonDir()),
    requestFile,
    projectPath: request.projectPath,
    env: request.env ?? process.env,
    overall: (total) => {
      scriptSteps = total;
      return total + nodeSteps;
    },
  });
  task.throwIfCancelled();
  return checkExport(request, script, task, { done: scriptSteps, total: scriptSteps + nodeSteps });
}

/** The Node half: parity of the fp32 file, then the int8 copy's parity, sizes and latencies. */
async function checkExport(request: ExportRequest, script: ScriptResult, task: Task, steps: { done: number; total: number }): Promise<ExportOutcome[]> {
  const ort = await loadOrt();
  const sessions: InferenceSession[] = [];
  try {
    task.progress(steps.done, steps.total, `checking parity in onnxruntime-node on ${request.samples} sample inputs`);
    const session = await openSession(ort, script.onnx);
    sessions.push(session);
    const difference = await measureDifference(ort, session, script.inputs, script.outputs);
    const parity = parityOf(difference, request.tolerance, request.samples);
    const outcomes: ExportOutcome[] = [{ kind: 'onnx', file: script.onnx, opset: script.opset, parity, quantization: null }];
    if (!parity.passed) throw new ParityError(parityMessage(difference, request.tolerance, request.samples), outcomes);
    if (script.int8 !== null) {
      task.throwIfCancelled();
      task.progress(steps.done + 1, steps.total, 'measuring the int8 copy: parity, size and latency');
      const quantized = await openSession(ort, script.int8);
      sessions.push(quantized);
      const int8Difference = await measureDifference(ort, quantized, script.inputs, script.outputs);
      const int8Tolerance = request.int8Tolerance ?? Math.max(request.tolerance, int8ToleranceShare * difference.maxExpected);
      const timing = { warmup: 5, iterations: 50, budgetMs: 3000 };
      const input = script.inputs[0]!;
      const [p50MsBefore, p50MsAfter, sizeBefore, sizeAfter] = [
        await medianLatencyMs(ort, session, input, timing),
        await medianLatencyMs(ort, quantized, input, timing),
        (await stat(script.onnx)).size,
        (await stat(script.int8)).size,
      ];
      outcomes.push({
        kind: 'onnx-int8',
        file: script.int8,
        opset: script.opset,
        parity: parityOf(int8Difference, int8Tolerance, request.samples),
        quantization: { sizeBefore, sizeAfter, p50MsBefore, p50MsAfter },
      });
    }
    task.progress(steps.total, steps.total, `exported with max abs difference ${figure(parity.maxAbs)}`);
    return outcomes;
  } finally {
    await Promise.all(sessions.map((s) => s.release().catch(() => undefined)));
  }
}
