import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { OrreryError } from '../../../app/contract';
import type { WrittenTensor } from './export-process';

type Ort = typeof import('onnxruntime-node');
type Values = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

/** Relative differences divide by |expected|, floored here so values near zero do not make them meaningless. */
export const relativeFloor = 1e-6;

/** How two output tensors differ: largest absolute and relative difference, and the reference's largest magnitude. */
export interface Difference {
  maxAbs: number;
  maxRel: number;
  maxExpected: number;
  /** Set when they cannot be compared number by number (shapes differ, a NaN on one side only). */
  problem: string | null;
}

/** Loads onnxruntime-node on first use (the main bundle stays fast to start). */
export async function loadOrt(): Promise<Ort> {
  try {
    return await import('onnxruntime-node');
  } catch (error) {
    throw new OrreryError('unavailable', `onnxruntime-node could not be loaded (${(error as Error).message}); run npm install again.`, { cause: error });
  }
}

function typedValues(dtype: WrittenTensor['dtype'], bytes: Buffer): Values {
  const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  switch (dtype) {
    case 'float32':
      return new Float32Array(copy);
    case 'float64':
      return new Float64Array(copy);
    case 'int32':
      return new Int32Array(copy);
    case 'int64':
      return new BigInt64Array(copy);
    case 'bool':
      return new Uint8Array(copy);
  }
}

/** A tensor the export script wrote, as onnxruntime's Tensor; its byte count must match its dims. */
export async function readWrittenTensor(ort: Ort, written: WrittenTensor): Promise<Tensor> {
  const bytes = await readFile(written.file);
  const values = typedValues(written.dtype, bytes);
  const count = written.dims.reduce((product, d) => product * d, 1);
  if (values.length !== count) {
    throw new OrreryError('invalid_file', `${path.basename(written.file)} holds ${values.length} values where [${written.dims.join(', ')}] needs ${count}; export again.`);
  }
  return new ort.Tensor(written.dtype, values, written.dims);
}

function asNumber(value: number | bigint | boolean | undefined): number {
  return typeof value === 'bigint' ? Number(value) : Number(value ?? Number.NaN);
}

/** Compares an output of the ONNX model with the original's, value by value. */
export function compareValues(actual: ArrayLike<number | bigint>, actualDims: readonly number[], expected: ArrayLike<number | bigint>, expectedDims: readonly number[]): Difference {
  const result: Difference = { maxAbs: 0, maxRel: 0, maxExpected: 0, problem: null };
  if (actualDims.length !== expectedDims.length || actualDims.some((d, i) => d !== expectedDims[i]) || actual.length !== expected.length) {
    return { ...result, maxAbs: Number.MAX_VALUE, maxRel: Number.MAX_VALUE, problem: `shape [${actualDims.join(', ')}] where the original gives [${expectedDims.join(', ')}]` };
  }
  for (let i = 0; i < expected.length; i++) {
    const a = asNumber(actual[i]);
    const e = asNumber(expected[i]);
    if (Number.isNaN(a) || Number.isNaN(e)) {
      if (Number.isNaN(a) && Number.isNaN(e)) continue;
      return { ...result, maxAbs: Number.MAX_VALUE, maxRel: Number.MAX_VALUE, problem: `NaN at index ${i} on the ${Number.isNaN(a) ? 'ONNX' : 'original'} side only` };
    }
    const abs = Math.abs(a - e);
    result.maxAbs = Math.max(result.maxAbs, abs);
    result.maxRel = Math.max(result.maxRel, abs / Math.max(Math.abs(e), relativeFloor));
    result.maxExpected = Math.max(result.maxExpected, Math.abs(e));
  }
  return result;
}

/** Opens a session on one intra-op thread (stable timings); a file that does not load is named with onnxruntime's words. */
export async function openSession(ort: Ort, file: string): Promise<InferenceSession> {
  try {
    return await ort.InferenceSession.create(file, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  } catch (error) {
    const message = (error as Error).message.split('\n')[0]?.slice(0, 600) ?? '';
    throw new OrreryError('invalid_file', `The exported ${path.basename(file)} does not load in onnxruntime-node: ${message}. Try another --opset.`, { cause: error });
  }
}

/** Runs the ONNX file on the sample inputs and compares every output the original gave, by name. */
export async function measureDifference(ort: Ort, session: InferenceSession, inputs: readonly WrittenTensor[], expected: readonly WrittenTensor[]): Promise<Difference> {
  const feeds: Record<string, Tensor> = {};
  for (const [index, input] of inputs.entries()) feeds[session.inputNames[index] ?? input.name] = await readWrittenTensor(ort, input);
  let results: InferenceSession.OnnxValueMapType;
  try {
    results = await session.run(feeds);
  } catch (error) {
    throw new OrreryError('invalid_file', `The exported model fails in onnxruntime-node on the sample inputs: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
  const total: Difference = { maxAbs: 0, maxRel: 0, maxExpected: 0, problem: null };
  for (const output of expected) {
    const actual = results[output.name];
    if (!actual) {
      return { ...total, maxAbs: Number.MAX_VALUE, maxRel: Number.MAX_VALUE, problem: `the ONNX model has no output ${output.name} (it has ${session.outputNames.join(', ')})` };
    }
    const reference = await readWrittenTensor(ort, output);
    const difference = compareValues(actual.data as Values, actual.dims, reference.data as Values, reference.dims);
    if (difference.problem) return { ...difference, problem: `output ${output.name}: ${difference.problem}` };
    total.maxAbs = Math.max(total.maxAbs, difference.maxAbs);
    total.maxRel = Math.max(total.maxRel, difference.maxRel);
    total.maxExpected = Math.max(total.maxExpected, difference.maxExpected);
  }
  return total;
}

/** Median latency (ms) of one-sample runs, after a warm-up; bounded in count and time. */
export async function medianLatencyMs(ort: Ort, session: InferenceSession, input: WrittenTensor, options: { warmup: number; iterations: number; budgetMs: number }): Promise<number> {
  const batch = await readWrittenTensor(ort, input);
  const perSample = input.dims.slice(1).reduce((product, d) => product * d, 1);
  const first = (batch.data as Values).slice(0, perSample);
  const feeds = { [session.inputNames[0] ?? input.name]: new ort.Tensor(input.dtype, first, [1, ...input.dims.slice(1)]) };
  for (let i = 0; i < options.warmup; i++) await session.run(feeds);
  const times: number[] = [];
  const started = performance.now();
  while (times.length < options.iterations && (times.length < 5 || performance.now() - started < options.budgetMs)) {
    const t0 = performance.now();
    await session.run(feeds);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const mid = Math.floor(times.length / 2);
  return times.length % 2 === 1 ? times[mid]! : (times[mid - 1]! + times[mid]!) / 2;
}
