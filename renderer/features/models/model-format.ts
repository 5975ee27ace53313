import type { CallInput } from '../../../app/contract';
import type { BenchResult, InferInput, OnnxInfo, TensorInfo } from '../../../app/contract/models';

/** Bytes as B / KB / MB / GB (base 1024). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

/** A count with thousands separators (1234567 → 1,234,567). */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** Milliseconds, three significant figures. */
export function formatMs(ms: number): string {
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(ms >= 1 ? 2 : 3)} ms`;
}

/** A tensor's shape as the inspector shows it: [batch, 3, 224, 224], '?' for an unknown dim. */
export function formatDims(dims: TensorInfo['dims']): string {
  return `[${dims.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}

/** A shape with concrete sizes for a sample input: symbolic or unknown dims become 1. */
export function concreteDims(dims: TensorInfo['dims']): number[] {
  return dims.map((d) => (typeof d === 'number' && d > 0 ? d : 1));
}

/** Operators by count, most used first (ties by name). */
export function operatorRows(info: OnnxInfo): Array<{ op: string; count: number }> {
  return Object.entries(info.operators)
    .map(([op, count]) => ({ op, count }))
    .sort((a, b) => b.count - a.count || a.op.localeCompare(b.op));
}

/** Opsets as 'ai.onnx 17, ai.onnx.ml 3'. */
export function formatOpsets(opsets: OnnxInfo['opsets']): string {
  return Object.entries(opsets)
    .map(([domain, version]) => `${domain === '' ? 'ai.onnx' : domain} ${version}`)
    .join(', ');
}

/** Most elements a sample tensor gets written out in full; bigger ones are a flat array with dims. */
const sampleLimit = 4096;

/** A JSON text of sample input tensors for the form: zeros of each input's shape (symbolic dims as 1). */
export function sampleTensorsText(inputs: readonly TensorInfo[]): string {
  const tensors: Record<string, { dims: number[]; data: number[] }> = {};
  for (const input of inputs) {
    const dims = concreteDims(input.dims);
    const size = dims.reduce((a, b) => a * b, 1);
    tensors[input.name] = { dims, data: new Array<number>(Math.min(size, sampleLimit)).fill(0) };
  }
  return JSON.stringify(tensors, null, 1).replace(/\n\s+(-?\d)/g, ' $1').replace(/\n\s+\]/g, ' ]');
}

/** The tensors typed in the form as an inference input; throws a message that says what to write. */
export function parseTensorsText(text: string, inputs: readonly TensorInfo[]): InferInput {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`The tensors are not valid JSON (${error instanceof Error ? error.message : String(error)}): write {"input name": {"dims": [1, 4], "data": [...]}}.`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('Write an object with one entry per input: {"input name": {"dims": [1, 4], "data": [...]}}.');
  const tensors: Record<string, { dims?: number[]; data: unknown[]; dtype?: string }> = {};
  for (const [name, raw] of Object.entries(value as Record<string, unknown>)) {
    if (!inputs.some((i) => i.name === name)) throw new Error(`"${name}" is not an input of the model; its inputs are ${inputs.map((i) => i.name).join(', ')}.`);
    if (Array.isArray(raw)) {
      tensors[name] = { data: raw };
      continue;
    }
    if (typeof raw !== 'object' || raw === null || !Array.isArray((raw as { data?: unknown }).data)) throw new Error(`"${name}" needs a "data" array (nested, or flat with "dims").`);
    const { dims, data, dtype } = raw as { dims?: unknown; data: unknown[]; dtype?: unknown };
    if (dims !== undefined && (!Array.isArray(dims) || !dims.every((d) => Number.isInteger(d) && (d as number) >= 0))) throw new Error(`"${name}".dims must be a list of whole numbers.`);
    tensors[name] = { data, ...(dims ? { dims: dims as number[] } : {}), ...(typeof dtype === 'string' ? { dtype } : {}) };
  }
  const missing = inputs.filter((i) => !(i.name in tensors)).map((i) => i.name);
  if (missing.length > 0) throw new Error(`Give a tensor for ${missing.join(', ')}.`);
  return { kind: 'tensors', tensors };
}

/** A list of whole numbers typed as '1, 2, 4'; throws naming the bad part. */
export function parseIntList(text: string, what: string): number[] {
  const parts = text.split(/[\s,]+/).filter((p) => p !== '');
  if (parts.length === 0) throw new Error(`Give at least one ${what}.`);
  return parts.map((part) => {
    const n = Number(part);
    if (!Number.isInteger(n) || n < 1) throw new Error(`"${part}" is not a ${what}: write whole numbers from 1, separated by commas.`);
    return n;
  });
}

/** One bar of the latency histogram. */
export interface HistogramBar {
  readonly label: string;
  readonly from: number;
  readonly count: number;
}

/** The histogram of one benchmark row as bars (labelled by their lower edge). */
export function histogramBars(row: BenchResult['rows'][number]): HistogramBar[] {
  return row.histogram.counts.map((count, i) => {
    const from = row.histogram.edges[i] ?? 0;
    return { label: from.toFixed(from >= 10 ? 1 : 3), from, count };
  });
}

/** Threads vs p50 latency: one point per thread count, one series per batch size (key `b{batch}`). */
export function threadsSeries(rows: BenchResult['rows']): { data: Array<Record<string, number>>; batches: number[] } {
  const batches = [...new Set(rows.map((r) => r.batch))].sort((a, b) => a - b);
  const threads = [...new Set(rows.map((r) => r.threads))].sort((a, b) => a - b);
  const data = threads.map((t) => {
    const point: Record<string, number> = { threads: t };
    for (const row of rows) if (row.threads === t) point[`b${row.batch}`] = row.p50Ms;
    return point;
  });
  return { data, batches };
}

/** The fastest setting of a benchmark by p50 per item (latency / batch), or null when empty. */
export function bestRow(rows: BenchResult['rows']): BenchResult['rows'][number] | null {
  let best: BenchResult['rows'][number] | null = null;
  for (const row of rows) if (!best || row.p50Ms / row.batch < best.p50Ms / best.batch) best = row;
  return best;
}

/** An export request's shape typed as '1, 28, 28' (empty: from the version's metadata). */
export function parseShape(text: string): number[] | undefined {
  return text.trim() === '' ? undefined : parseIntList(text, 'dimension');
}

/** The export wizard's fields as typed. */
export interface ExportFields {
  readonly envId: string;
  readonly modelClass: string;
  readonly classArgs: string;
  readonly shape: string;
  readonly opset: string;
  readonly tolerance: string;
  readonly samples: string;
  readonly quantize: boolean;
}

/** The export request from the wizard's fields (empty fields left to the service's defaults); throws saying what to write. */
export function exportRequest(versionId: string, fields: ExportFields): Omit<CallInput<'model.export'>, 'taskId'> {
  const tolerance = Number(fields.tolerance);
  if (fields.tolerance.trim() === '' || !Number.isFinite(tolerance) || tolerance < 0) throw new Error(`"${fields.tolerance}" is not a tolerance: write a number such as 1e-4.`);
  let classArgs: Record<string, unknown> | undefined;
  if (fields.classArgs.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(fields.classArgs);
    } catch (error) {
      throw new Error(`The class arguments are not valid JSON (${error instanceof Error ? error.message : String(error)}): write an object such as {"hidden": 64}.`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('The class arguments must be a JSON object, such as {"hidden": 64}.');
    classArgs = parsed as Record<string, unknown>;
  }
  const modelClass = fields.modelClass.trim();
  if (modelClass !== '' && !/^([A-Za-z_][\w.]*|[^\s:]+\.py):[A-Za-z_]\w*$/.test(modelClass)) {
    throw new Error(`"${modelClass}" is not a model class: write module.path:ClassName (model:Net) or a file in the project and a name in it (src/train.py:make_model).`);
  }
  const inputShape = parseShape(fields.shape);
  return {
    versionId,
    tolerance,
    samples: parseIntList(fields.samples, 'sample count')[0]!,
    quantize: fields.quantize,
    ...(fields.envId ? { envId: fields.envId } : {}),
    ...(modelClass ? { modelClass } : {}),
    ...(classArgs ? { classArgs } : {}),
    ...(inputShape ? { inputShape } : {}),
    ...(fields.opset.trim() ? { opset: parseIntList(fields.opset, 'opset')[0]! } : {}),
  };
}

/** One line of the versions comparison: a stored benchmark's fastest setting (p50 per item). */
export interface BenchCompareRow {
  readonly id: string;
  readonly label: string;
  readonly versionId: string | null;
  readonly createdAt: number;
  readonly best: BenchResult['rows'][number];
}

/** Benchmarks of several versions side by side, by their fastest setting, fastest first. */
export function compareBenchmarks(results: readonly BenchResult[]): BenchCompareRow[] {
  return results
    .map((r) => ({ id: r.id, label: r.label, versionId: r.versionId, createdAt: r.createdAt, best: bestRow(r.rows) }))
    .filter((r): r is BenchCompareRow => r.best !== null)
    .sort((a, b) => a.best.p50Ms / a.best.batch - b.best.p50Ms / b.best.batch);
}
