import path from 'node:path';
import type { Command } from 'commander';
import type { BenchResult, InferInput, OnnxInfo, TensorInfo } from '../../../app/contract';
import { formatBytes } from '../../../app/lib/format';
import { newId } from '../../../app/lib/ids';
import { cliCall, printJson, usageError, withCore, type CliContext } from '../cli-context';
import { intList, openModelProject, targetOf } from './model-common';
import { table } from './format';

function dims(tensor: TensorInfo): string {
  return `[${tensor.dims.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}

/** An inspection as text: signature, opsets, operators by count, parameters, metadata, the first nodes. */
export function describeOnnx(info: OnnxInfo, graphLines = 20): string {
  const lines = [
    table([
      ['Size', formatBytes(info.size)],
      ['sha256', info.sha256],
      ['IR version', String(info.irVersion)],
      ['Producer', info.producer || '-'],
      ['Opsets', Object.entries(info.opsets).map(([domain, version]) => `${domain || 'ai.onnx'} ${version}`).join(', ') || '-'],
      ['Nodes', String(info.nodes)],
      ['Parameters', `${info.parameters.toLocaleString('en-US')} (${formatBytes(info.parameterBytes)})`],
      ['Runs here', info.unsupported.length === 0 ? 'yes (onnxruntime-node loads it)' : `no: ${info.unsupported.join('; ')}`],
    ]),
    'Inputs',
    table(info.inputs.map((input) => [input.name, `${input.dtype} ${dims(input)}`])),
    'Outputs',
    table(info.outputs.map((output) => [output.name, `${output.dtype} ${dims(output)}`])),
    'Operators',
    table(Object.entries(info.operators).sort((a, b) => b[1] - a[1]).map(([op, count]) => [op, String(count)])),
  ];
  const metadata = Object.entries(info.metadata);
  if (metadata.length > 0) lines.push('Metadata', table(metadata.map(([key, value]) => [key, value.length > 80 ? `${value.slice(0, 79)}…` : value])));
  if (info.graph.length > 0) {
    lines.push(`Graph (first ${Math.min(graphLines, info.graph.length)} of ${info.nodes} nodes)`);
    for (const node of info.graph.slice(0, graphLines)) lines.push(`  ${node.op.padEnd(16)} ${node.inputs.join(', ')} → ${node.outputs.join(', ')}${node.name ? `  (${node.name})` : ''}`);
  }
  return lines.join('\n');
}

function ms(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(3);
}

/** A latency histogram as text bars (bucket lower edge in ms, count). */
export function histogramText(histogram: BenchResult['rows'][number]['histogram'], width = 40): string {
  const max = Math.max(1, ...histogram.counts);
  return histogram.edges
    .map((edge, i) => {
      const count = histogram.counts[i] ?? 0;
      const bar = '█'.repeat(Math.round((count / max) * width)) || (count > 0 ? '▏' : '');
      return `  ${ms(edge).padStart(9)} ms  ${bar} ${count}`;
    })
    .join('\n');
}

/** A benchmark as text: one line per (threads, batch), then each setting's histogram. */
export function describeBench(result: BenchResult): string {
  const header = `threads  batch       p50 ms       p95 ms       p99 ms      mean ms   items/s`;
  const rows = result.rows.map(
    (row) =>
      `${String(row.threads).padStart(7)}  ${String(row.batch).padStart(5)}  ${ms(row.p50Ms).padStart(11)}  ${ms(row.p95Ms).padStart(11)}  ${ms(row.p99Ms).padStart(11)}  ${ms(row.meanMs).padStart(11)}  ${row.throughputPerS.toFixed(1).padStart(8)}`,
  );
  const histograms = result.rows.map((row) => `Latency, ${row.threads} thread${row.threads === 1 ? '' : 's'}, batch ${row.batch}\n${histogramText(row.histogram)}`);
  return [`${result.label}: ${result.warmup} warm-up, ${result.iterations} timed runs per setting`, header, ...rows, '', ...histograms].join('\n');
}

function positiveInt(command: Command, option: string, value: string | undefined, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > max) usageError(command, `${option} ${value}: give a whole number from 0 to ${max}.`);
  return n;
}

/** The input of `orrery model infer` from its options: exactly one of --input, --image, --csv. */
function inferInput(command: Command, options: { input?: string; image?: string; csv?: string }): InferInput {
  const given = [options.input, options.image, options.csv].filter((v) => v !== undefined).length;
  if (given !== 1) usageError(command, 'give exactly one of --input JSON (input name → {data, dims?}), --image FILE or --csv ROW.');
  if (options.image !== undefined) return { kind: 'image', path: options.image };
  if (options.csv !== undefined) return { kind: 'csv', row: options.csv };
  let tensors: unknown;
  try {
    tensors = JSON.parse(options.input!);
  } catch {
    usageError(command, `--input: give JSON such as '{"x": {"data": [[1, 2, 3, 4]]}}'.`);
  }
  return { kind: 'tensors', tensors: tensors as Extract<InferInput, { kind: 'tensors' }>['tensors'] };
}

/** `orrery model inspect|bench|infer FILE|REF`: ONNX files or registered versions, in onnxruntime-node. */
export function registerOnnxCommands(model: Command, ctx: CliContext): void {
  model
    .command('inspect')
    .description('What an ONNX file (or a registered version) holds: inputs, outputs, opsets, operators, parameters, metadata, graph')
    .argument('<target>', 'an .onnx file or a version (id, name@3, name@alias)')
    .option('--json', 'print the contract output as JSON')
    .action(async (argument: string, options: { json?: boolean }, command: Command) => {
      await withCore(ctx, 'cli', async (core) => {
        await openModelProject(ctx, command, core);
        const { target } = await targetOf(ctx, core, argument);
        const info = await cliCall(core, 'model.inspect', { target });
        if (options.json) printJson(ctx, info);
        else ctx.io.out(`${describeOnnx(info)}\n`);
      });
    });

  model
    .command('bench')
    .description('Latency benchmark in onnxruntime-node: warm-up, then p50 / p95 / p99 and throughput per thread count and batch size; stored')
    .argument('<target>', 'an .onnx file or a version (id, name@3, name@alias)')
    .option('--threads <list>', 'intra-op thread counts, such as 1,2,4 (default 1..cores)')
    .option('--batch <list>', 'batch sizes, such as 1,8 (default 1)')
    .option('--warmup <n>', 'warm-up runs per setting (default 20)')
    .option('--iterations <n>', 'timed runs per setting (default 200)')
    .option('--json', 'print the contract output as JSON')
    .action(async (argument: string, options: { threads?: string; batch?: string; warmup?: string; iterations?: string; json?: boolean }, command: Command) => {
      const threads = intList(command, '--threads', options.threads, 1, 256);
      const batchSizes = intList(command, '--batch', options.batch, 1, 4096);
      const warmup = positiveInt(command, '--warmup', options.warmup, 10_000);
      const iterations = positiveInt(command, '--iterations', options.iterations, 100_000);
      if (iterations === 0) usageError(command, '--iterations 0: give at least 1.');
      await withCore(ctx, 'cli', async (core) => {
        await openModelProject(ctx, command, core);
        const { target } = await targetOf(ctx, core, argument);
        const result = await cliCall(core, 'model.bench', {
          target,
          taskId: newId('task'),
          ...(threads !== undefined ? { threads } : {}),
          ...(batchSizes !== undefined ? { batchSizes } : {}),
          ...(warmup !== undefined ? { warmup } : {}),
          ...(iterations !== undefined ? { iterations } : {}),
        });
        if (options.json) printJson(ctx, result);
        else ctx.io.out(`${describeBench(result)}\n`);
      });
    });

  model
    .command('infer')
    .description('Run the model once on JSON tensors, an image (resized / normalized as its metadata declares) or a CSV row')
    .argument('<target>', 'an .onnx file or a version (id, name@3, name@alias)')
    .option('--input <json>', 'tensors as JSON: {"x": {"data": [[…]], "dims": [1, 4]}}')
    .option('--image <file>', 'a PNG or JPEG file')
    .option('--csv <row>', 'one CSV row of numbers')
    .option('--json', 'print the contract output as JSON')
    .action(async (argument: string, options: { input?: string; image?: string; csv?: string; json?: boolean }, command: Command) => {
      const input = inferInput(command, options);
      if (input.kind === 'image') input.path = path.resolve(ctx.io.cwd, input.path);
      await withCore(ctx, 'cli', async (core) => {
        await openModelProject(ctx, command, core);
        const { target } = await targetOf(ctx, core, argument);
        const result = await cliCall(core, 'model.infer', { target, input });
        if (options.json) {
          printJson(ctx, result);
          return;
        }
        const lines = result.outputs.map((o) => `${o.name} ${o.dtype} [${o.dims.join(', ')}]: ${JSON.stringify(o.data.slice(0, 20))}${o.data.length > 20 ? ` … (${o.data.length} values)` : ''}`);
        if (result.topK) lines.push('Top', table(result.topK.map((t) => [t.label ?? `#${t.index}`, t.score.toFixed(4)])));
        lines.push(`latency ${ms(result.latencyMs)} ms`);
        ctx.io.out(`${lines.join('\n')}\n`);
      });
    });
}
