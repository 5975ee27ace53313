import type { Command } from 'commander';
import type { ModelExport } from '../../../app/contract';
import { formatBytes } from '../../../app/lib/format';
import type { Core } from '../../core/core';
import { cliCall, printJson, usageError, withCancellableTask, withCore, type CliContext } from '../cli-context';
import { findEnv } from './env';
import { intList, openModelProject, versionOf } from './model-common';

interface ExportOptions {
  class?: string;
  args?: string;
  inputShape?: string;
  opset?: string;
  tolerance?: string;
  samples?: string;
  quantize?: boolean;
  env?: string;
  json?: boolean;
}

function number(command: Command, option: string, value: string | undefined, check: (n: number) => boolean, want: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === '' || !check(parsed)) usageError(command, `${option} ${value}: give ${want}.`);
  return parsed;
}

function classArgs(command: Command, value: string | undefined): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    usageError(command, `--args ${value}: give a JSON object of the class's keyword arguments, such as '{"hidden": 64}'.`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) usageError(command, `--args ${value}: give a JSON object, such as '{"hidden": 64}'.`);
  return parsed as Record<string, unknown>;
}

/** The contract input of `model.export` from the command's options (usage errors for malformed ones). */
function exportInput(command: Command, options: ExportOptions): Record<string, unknown> {
  const opset = number(command, '--opset', options.opset, (n) => Number.isInteger(n) && n >= 7 && n <= 25, 'a whole number from 7 to 25');
  const tolerance = number(command, '--tolerance', options.tolerance, (n) => Number.isFinite(n) && n >= 0, 'a number of at least 0, such as 1e-4');
  const samples = number(command, '--samples', options.samples, (n) => Number.isInteger(n) && n >= 1 && n <= 1000, 'a whole number from 1 to 1000');
  const inputShape = intList(command, '--input-shape', options.inputShape, 1, 1_000_000);
  const args = classArgs(command, options.args);
  if (options.class !== undefined && !options.class.includes(':')) {
    usageError(command, `--class ${options.class}: write module.path:ClassName, or path/to/file.py:ClassName relative to the project.`);
  }
  return {
    ...(options.class !== undefined ? { modelClass: options.class } : {}),
    ...(args !== undefined ? { classArgs: args } : {}),
    ...(inputShape !== undefined ? { inputShape } : {}),
    ...(opset !== undefined ? { opset } : {}),
    ...(tolerance !== undefined ? { tolerance } : {}),
    ...(samples !== undefined ? { samples } : {}),
    ...(options.quantize ? { quantize: true } : {}),
  };
}

/** Progress and the script's own output on stderr while the export runs; Ctrl+C cancels it (the Python process is killed). */
function followed<T>(ctx: CliContext, core: Core, fn: (taskId: string) => Promise<T>): Promise<T> {
  return withCancellableTask(core, async (taskId) => {
    const stops = [
      core.bus.subscribe('task.progress', taskId, (event) => {
        if (event.payload.finished === null) ctx.io.err(`… ${event.payload.message}\n`);
      }),
      core.bus.subscribe('task.output', taskId, (event) => ctx.io.err(event.payload.text)),
    ];
    try {
      return await fn(taskId);
    } finally {
      for (const stop of stops) stop();
    }
  });
}

/** One export as lines: file, parity, and for int8 the size and latency before and after. */
export function describeExport(item: ModelExport): string {
  const lines = [`${item.kind} (${item.id}): ${formatBytes(item.size)}, opset ${item.opset ?? '-'}, sha256 ${item.sha256.slice(0, 12)}`];
  if (item.parity) {
    const { maxAbs, maxRel, tolerance, samples, passed } = item.parity;
    lines.push(`  parity ${passed ? 'passed' : 'NOT within tolerance'}: max abs ${maxAbs.toExponential(2)}, max rel ${maxRel.toExponential(2)} on ${samples} samples (tolerance ${tolerance})`);
  }
  if (item.quantization) {
    const q = item.quantization;
    lines.push(`  size ${formatBytes(q.sizeBefore)} → ${formatBytes(q.sizeAfter)} (${((100 * q.sizeAfter) / Math.max(1, q.sizeBefore)).toFixed(0)} %)`);
    lines.push(`  p50 latency at batch 1 ${q.p50MsBefore.toFixed(3)} ms → ${q.p50MsAfter.toFixed(3)} ms`);
  }
  return lines.join('\n');
}

/** `orrery model export`. */
export function registerExportCommands(model: Command, ctx: CliContext): void {
  model
    .command('export')
    .description(
      "Export a version to ONNX through an env's Python (PyTorch checkpoint + its class, TorchScript, or scikit-learn with skl2onnx), check parity on sample inputs in onnxruntime-node, and optionally quantize to int8",
    )
    .argument('<ref>', 'the version (name@3, name@production, a version id)')
    .option('--class <module:Class>', 'for a checkpoint of weights: the model class or factory, module.path:Name or path/to/file.py:Name (relative to the project)')
    .option('--args <json>', "the class's keyword arguments as a JSON object (a factory taking one argument gets the run's params overridden by these)")
    .option('--input-shape <dims>', 'the input shape without the batch axis, such as 1,28,28 (default: from a first Linear layer)')
    .option('--opset <n>', "the ONNX opset (default: the exporter's)")
    .option('--tolerance <x>', 'the largest absolute difference allowed between the original and the ONNX model (default 1e-4)')
    .option('--samples <n>', 'how many random sample inputs the parity check runs (default 16)')
    .option('--quantize', 'also write an int8 copy (dynamic quantization; needs onnxruntime in the env) with its size, latency and parity')
    .option('--env <name>', "the environment whose Python exports (id, name or path; default: the project's)")
    .option('--json', 'print the contract output as JSON')
    .action(async (ref: string, options: ExportOptions, command: Command) => {
      const input = exportInput(command, options);
      const exports = await withCore(ctx, 'cli', async (core) => {
        await openModelProject(ctx, command, core);
        const version = await versionOf(core, ref);
        const envId = options.env !== undefined ? (await findEnv(ctx, core, options.env)).id : undefined;
        return followed(ctx, core, (taskId) => cliCall(core, 'model.export', { versionId: version.id, ...input, ...(envId !== undefined ? { envId } : {}), taskId }));
      });
      if (options.json) return printJson(ctx, exports);
      ctx.io.out(`${exports.map(describeExport).join('\n')}\n`);
    });
}
