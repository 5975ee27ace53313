import { existsSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type * as Ort from 'onnxruntime-node';
import { errorCodes, OrreryError, type ErrorCode } from '../../../app/contract';
import type { BenchResult, InferInput, InferResult, OnnxInfo, TensorInfo } from '../../../app/contract/models';
import type { Task } from '../../core/tasks';
import type { SessionRef, WireFeed, WireTensor, WireTypedArray, WorkerRequest, WorkerResponse } from './inference-worker';
import { imageSpec, labelsOf, parseCsvRow, signatureOf } from './preprocess';

/**
 * The worker bundle: beside the main bundle (out/main), in out/main next to another bundle folder (out/bench), or
 * the repository's out/main when running from sources (tests).
 */
export function inferenceWorkerFile(): string {
  const candidates = [
    path.join(__dirname, 'inference-worker.cjs'),
    path.join(__dirname, '..', 'main', 'inference-worker.cjs'),
    path.resolve(__dirname, '..', '..', '..', 'out', 'main', 'inference-worker.cjs'),
  ];
  const found = candidates.find((file) => existsSync(file));
  if (!found) throw new OrreryError('unavailable', `The inference worker (inference-worker.cjs) is missing beside ${__dirname}; run \`npm run build\`.`);
  return found;
}

/** A request before it gets its id (Omit over each member of the union). */
type Unsent<T> = T extends unknown ? Omit<T, 'id'> : never;

type Pending = { resolve: (response: Extract<WorkerResponse, { ok: boolean }>) => void; reject: (error: Error) => void; onProgress?: (done: number) => void };

/** One worker thread and its requests; a crash fails what was pending and the next request starts a new one. */
class WorkerClient {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly workerFile: () => string) {}

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.workerFile());
    worker.on('message', (response: WorkerResponse) => {
      const pending = this.pending.get(response.id);
      if (!pending) return;
      if ('progress' in response) pending.onProgress?.(response.progress);
      else {
        this.pending.delete(response.id);
        if (this.pending.size === 0) worker.unref();
        pending.resolve(response);
      }
    });
    const fail = (error: Error): void => {
      if (this.worker === worker) this.worker = null;
      for (const pending of this.pending.values()) pending.reject(new OrreryError('process_failed', `The inference worker stopped: ${error.message}`, { cause: error }));
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
    worker.unref();
    this.worker = worker;
    return worker;
  }

  request(message: Unsent<WorkerRequest>, transfer: ArrayBuffer[] = [], onProgress?: (done: number) => void): { id: number; done: Promise<Extract<WorkerResponse, { ok: boolean }>> } {
    const worker = this.start();
    const id = this.nextId++;
    const done = new Promise<Extract<WorkerResponse, { ok: boolean }>>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
    });
    worker.ref();
    worker.postMessage({ ...message, id }, transfer);
    return { id, done };
  }

  post(message: WorkerRequest): void {
    this.worker?.postMessage(message);
  }

  async dispose(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
  }
}

const typedArrays: Record<string, (length: number) => WireTypedArray> = {
  float32: (n) => new Float32Array(n),
  float64: (n) => new Float64Array(n),
  int8: (n) => new Int8Array(n),
  uint8: (n) => new Uint8Array(n),
  int16: (n) => new Int16Array(n),
  uint16: (n) => new Uint16Array(n),
  int32: (n) => new Int32Array(n),
  uint32: (n) => new Uint32Array(n),
  int64: (n) => new BigInt64Array(n),
  uint64: (n) => new BigUint64Array(n),
  bool: (n) => new Uint8Array(n),
};

function expected(info: OnnxInfo): string {
  return `the model expects ${signatureOf(info.inputs)}`;
}

/** Flattens nested arrays, answering their dims (ragged arrays are refused). */
function flatten(value: unknown, name: string, info: OnnxInfo): { dims: number[]; values: unknown[] } {
  const dims: number[] = [];
  let probe: unknown = value;
  while (Array.isArray(probe)) {
    dims.push(probe.length);
    probe = probe[0];
  }
  const values: unknown[] = [];
  const walk = (node: unknown, depth: number): void => {
    if (depth === dims.length) {
      if (Array.isArray(node)) throw new OrreryError('invalid_input', `Input ${name} is a ragged array; ${expected(info)}.`);
      values.push(node);
      return;
    }
    if (!Array.isArray(node) || node.length !== dims[depth]) throw new OrreryError('invalid_input', `Input ${name} is a ragged array; ${expected(info)}.`);
    for (const child of node) walk(child, depth + 1);
  };
  walk(value, 0);
  return { dims, values };
}

/** Writes the numbers of one nested array level after level into `data` from `at`; -1 when ragged or not a number. */
function packInto(node: unknown[], depth: number, dims: readonly number[], data: Float32Array, at: number): number {
  if (node.length !== dims[depth]) return -1;
  if (depth === dims.length - 1) {
    for (let i = 0; i < node.length; i++) {
      const v = node[i];
      if (typeof v !== 'number') return -1;
      data[at++] = v;
    }
    return at;
  }
  for (let i = 0; i < node.length; i++) {
    const child = node[i];
    if (!Array.isArray(child)) return -1;
    at = packInto(child, depth + 1, dims, data, at);
    if (at < 0) return -1;
  }
  return at;
}

/**
 * The fast path for numeric inputs (float, int up to 32 bits): nested arrays of numbers written straight into a
 * typed array in one pass. Null when anything is off (ragged, not a number), so the checked path says what.
 * Plain loops and no builtins (Set, map, every, closures): right after a large model has run, the caches hold its
 * weights and every distinct piece of code this touches is fetched from memory, so the fewer the better.
 */
function packNumbers(value: unknown, dtype: string): { dims: number[]; data: WireTypedArray } | null {
  const make = typedArrays[dtype];
  if (!make || dtype === 'int64' || dtype === 'uint64' || dtype === 'bool' || !Array.isArray(value)) return null;
  const dims: number[] = [];
  let count = 1;
  let probe: unknown = value;
  while (Array.isArray(probe)) {
    dims.push(probe.length);
    count *= probe.length;
    probe = probe[0];
  }
  const data = make(count) as Float32Array;
  return packInto(value, 0, dims, data, 0) === count ? { dims, data } : null;
}

function fill(dtype: string, values: readonly unknown[], name: string, info: OnnxInfo): WireTensor['data'] {
  if (dtype === 'string') {
    if (values.some((v) => typeof v !== 'string')) throw new OrreryError('invalid_input', `Input ${name} must hold strings; ${expected(info)}.`);
    return values as string[];
  }
  const make = typedArrays[dtype];
  if (!make) throw new OrreryError('invalid_input', `Input ${name} has dtype ${dtype}, which Orrery cannot feed from JSON; ${expected(info)}.`);
  const data = make(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const number = typeof v === 'boolean' && dtype === 'bool' ? Number(v) : typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' && /int/.test(dtype) ? Number(v) : Number.NaN;
    if (Number.isNaN(number) && !(typeof v === 'number')) throw new OrreryError('invalid_input', `Input ${name} holds ${JSON.stringify(v)} at element ${i}, not a number; ${expected(info)}.`);
    if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
      if (!Number.isInteger(number)) throw new OrreryError('invalid_input', `Input ${name} is ${dtype} but element ${i} is ${number}; ${expected(info)}.`);
      data[i] = BigInt(number);
    } else data[i] = number;
  }
  return data;
}

/** Checks a tensor's dims against what the model declares (fixed dims must match; symbolic ones take anything). */
function checkDims(input: TensorInfo, dims: readonly number[], info: OnnxInfo): void {
  const declared = input.dims;
  let ok = declared.length === 0 || declared.length === dims.length;
  for (let i = 0; ok && i < declared.length; i++) {
    const d = declared[i];
    if (typeof d === 'number' && d !== dims[i]) ok = false;
  }
  if (!ok) throw new OrreryError('invalid_input', `Input ${input.name} has shape [${dims.join(', ')}]; ${expected(info)}.`);
}

function product(dims: readonly number[]): number {
  let count = 1;
  for (let i = 0; i < dims.length; i++) count *= dims[i]!;
  return count;
}

/** Validated feeds from JSON tensors: every model input given, dtype and shape as declared. */
export function tensorFeeds(info: OnnxInfo, tensors: Extract<InferInput, { kind: 'tensors' }>['tensors']): Record<string, WireTensor> {
  const inputs = info.inputs;
  for (const name in tensors) {
    let known = false;
    for (let i = 0; i < inputs.length && !known; i++) known = inputs[i]!.name === name;
    if (!known) {
      const unknown = Object.keys(tensors).filter((n) => !inputs.some((input) => input.name === n));
      throw new OrreryError('invalid_input', `The model has no input named ${unknown.join(', ')}; ${expected(info)}.`);
    }
  }
  const feeds: Record<string, WireTensor> = {};
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i]!;
    const tensor = tensors[input.name];
    if (!tensor) throw new OrreryError('invalid_input', `Input ${input.name} is missing; ${expected(info)}.`);
    if (tensor.dtype !== undefined && tensor.dtype !== input.dtype) throw new OrreryError('invalid_input', `Input ${input.name} is ${tensor.dtype}; ${expected(info)}.`);
    const packed = packNumbers(tensor.data, input.dtype);
    if (packed && (tensor.dims === undefined || product(tensor.dims) === packed.data.length)) {
      const dims = tensor.dims ?? packed.dims;
      checkDims(input, dims, info);
      feeds[input.name] = { dtype: input.dtype, dims, data: packed.data };
      continue;
    }
    const flat = flatten(tensor.data, input.name, info);
    const dims = tensor.dims ?? flat.dims;
    const count = product(dims);
    if (count !== flat.values.length) throw new OrreryError('invalid_input', `Input ${input.name} has ${flat.values.length} values for dims [${dims.join(', ')}] (${count}); ${expected(info)}.`);
    checkDims(input, dims, info);
    feeds[input.name] = { dtype: input.dtype, dims, data: fill(input.dtype, flat.values, input.name, info) };
  }
  return feeds;
}

function singleInput(info: OnnxInfo, what: string): TensorInfo {
  if (info.inputs.length !== 1) throw new OrreryError('invalid_input', `${what} feeds a model with one input; ${expected(info)}.`);
  return info.inputs[0]!;
}

/** The feeds of any input kind (images are decoded in the worker). */
export function feedsOf(info: OnnxInfo, input: InferInput, projectPath: string): Record<string, WireFeed> {
  switch (input.kind) {
    case 'tensors':
      return tensorFeeds(info, input.tensors);
    case 'csv': {
      const model = singleInput(info, 'A CSV row');
      const values = parseCsvRow(input.row);
      checkDims(model, [1, values.length], info);
      return { [model.name]: { dtype: model.dtype, dims: [1, values.length], data: fill(model.dtype, values, model.name, info) } };
    }
    case 'image': {
      const model = singleInput(info, 'An image');
      return { [model.name]: { image: path.resolve(projectPath, input.path), spec: imageSpec(info) } };
    }
  }
}

/** Typed arrays as plain arrays (a counted loop: Array.from walks an iterator, several times slower). */
function plain(data: WireTensor['data']): unknown[] {
  if (Array.isArray(data)) return data;
  const out = new Array<number>(data.length);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) for (let i = 0; i < data.length; i++) out[i] = Number(data[i]);
  else {
    const numbers = data as Float32Array;
    for (let i = 0; i < numbers.length; i++) out[i] = numbers[i]!;
  }
  return out;
}

/** Labels parsed once per inspection (a memo keyed by the OnnxInfo object, dropped with it). */
const labelsByModel = new WeakMap<OnnxInfo, string[] | null>();

/** Top-k (k ≤ 5) of the first output when it is a score vector ([C] or [1, C], C ≥ 2). */
export function topKOf(info: OnnxInfo, output: InferResult['outputs'][number] | undefined, k = 5): InferResult['topK'] {
  if (!output || !/^float|^double/.test(output.dtype)) return null;
  const classes = output.dims.length === 1 ? output.dims[0]! : output.dims.length === 2 && output.dims[0] === 1 ? output.dims[1]! : 0;
  if (classes < 2) return null;
  // One pass keeping the k best (no sort of the whole vector: outputs can have thousands of classes).
  const scores = output.data as number[];
  const best: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    const score = scores[i]!;
    if (best.length === k && score <= scores[best[k - 1]!]!) continue;
    let at = Math.min(best.length, k - 1);
    if (best.length < k) best.push(i);
    while (at > 0 && scores[best[at - 1]!]! < score) {
      best[at] = best[at - 1]!;
      at--;
    }
    best[at] = i;
  }
  let labels = labelsByModel.get(info);
  if (labels === undefined) {
    labels = labelsOf(info);
    labelsByModel.set(info, labels);
  }
  return best.map((index) => ({ index, score: scores[index]!, label: labels?.[index] ?? null }));
}

/** Percentiles (linear interpolation), mean, throughput and a histogram of latencies in ms. */
export function summarizeLatencies(latencies: Float64Array, threads: number, batch: number): BenchResult['rows'][number] {
  const sorted = Float64Array.from(latencies).sort();
  const n = sorted.length;
  const at = (q: number): number => {
    if (n === 0) return 0;
    const position = (n - 1) * q;
    const low = Math.floor(position);
    const high = Math.min(low + 1, n - 1);
    return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
  };
  const meanMs = n === 0 ? 0 : sorted.reduce((a, b) => a + b, 0) / n;
  const buckets = Math.max(1, Math.min(30, Math.ceil(Math.sqrt(n))));
  const min = sorted[0] ?? 0;
  const width = ((sorted[n - 1] ?? 0) - min) / buckets || 1;
  const edges = Array.from({ length: buckets }, (_, i) => min + i * width);
  const counts = new Array<number>(buckets).fill(0);
  for (const value of sorted) counts[Math.min(buckets - 1, Math.floor((value - min) / width))]! += 1;
  return { threads, batch, p50Ms: at(0.5), p95Ms: at(0.95), p99Ms: at(0.99), meanMs, throughputPerS: meanMs > 0 ? (batch * 1000) / meanMs : 0, histogram: { edges, counts } };
}

/** Random inputs of a batch size for a benchmark (symbolic dims other than the batch become 1). */
export function benchFeeds(info: OnnxInfo, batch: number): Record<string, WireTensor> {
  const feeds: Record<string, WireTensor> = {};
  for (const input of info.inputs) {
    const first = input.dims[0];
    if (typeof first === 'number' && first !== batch) {
      throw new OrreryError('invalid_input', `Input ${input.name} has a fixed batch of ${first}, so batch size ${batch} cannot run; benchmark batch ${first} or export with a dynamic batch axis.`);
    }
    const dims = input.dims.map((d, i) => (i === 0 ? batch : typeof d === 'number' ? d : 1));
    const count = dims.reduce((a, b) => a * b, 1);
    const data = input.dtype === 'string' ? new Array<string>(count).fill('') : fill(input.dtype, new Array<number>(count).fill(0), input.name, info);
    if (data instanceof Float32Array || data instanceof Float64Array) for (let i = 0; i < count; i++) data[i] = Math.random();
    feeds[input.name] = { dtype: input.dtype, dims, data };
  }
  return feeds;
}

function buffersOf(feeds: Record<string, WireFeed>): ArrayBuffer[] {
  return Object.values(feeds).flatMap((feed) => ('data' in feed && !Array.isArray(feed.data) && feed.data.buffer instanceof ArrayBuffer ? [feed.data.buffer] : []));
}

function workerError(response: { message: string; code?: string }, info: OnnxInfo, file: string): OrreryError {
  const { message, code } = response;
  if (code && (errorCodes as readonly string[]).includes(code)) return new OrreryError(code as ErrorCode, message);
  if (message === 'cancelled') return new OrreryError('cancelled', 'The benchmark was cancelled.');
  if (/dimension|shape|type \(tensor|Unexpected input data type|invalid rank|Got invalid/i.test(message)) return new OrreryError('invalid_input', `onnxruntime refused the input (${message.split('\n')[0]}); ${expected(info)}.`);
  return new OrreryError('process_failed', `onnxruntime failed on ${file}: ${message.split('\n')[0]}`);
}

/**
 * A model that runs in well under a frame is run on the calling thread: the hop to the worker and back (a thread
 * wake-up each way, 100-400 µs on a busy machine) would cost more than the run. onnxruntime-node's `run` holds the
 * event loop for the whole graph, so only models measured below this budget run inline; the rest stay off it.
 */
export const defaultInlineBudgetMs = 4;

/** What the service has learnt about one model's run time (a moving average of session.run in ms). */
interface RunCost {
  ms: number;
  inline: Promise<Ort.InferenceSession> | null;
  /** The inline session once loaded (no await per call). */
  loaded: Ort.InferenceSession | null;
}

/** Inference and latency benchmarks in onnxruntime-node, in a worker thread (sessions cached per file + threads). */
export class InferenceService {
  private readonly client: WorkerClient;
  private readonly inferThreads: number;
  private readonly inlineBudgetMs: number;
  private readonly loadSession: (file: string, threads: number) => Promise<Ort.InferenceSession>;
  private readonly costs = new Map<string, RunCost>();

  /**
   * `inferThreads`: intra-op threads of the sessions `infer` uses (0: onnxruntime's default, one per core).
   * `inlineBudgetMs`: models whose runs take less than this run on the calling thread (0: always in the worker).
   * `loadSession`: how an inline session is made (the infer-overhead benchmark hands in the session its bare path
   * runs, so both paths run the same weights in the same memory).
   */
  constructor(options: { workerFile?: string; inferThreads?: number; inlineBudgetMs?: number; loadSession?: (file: string, threads: number) => Promise<Ort.InferenceSession> } = {}) {
    this.client = new WorkerClient(() => options.workerFile ?? inferenceWorkerFile());
    this.inferThreads = options.inferThreads ?? 0;
    this.inlineBudgetMs = options.inlineBudgetMs ?? defaultInlineBudgetMs;
    this.loadSession = options.loadSession ?? loadInlineSession;
  }

  private session(file: string, info: OnnxInfo, threads: number): SessionRef {
    return { file, key: info.sha256, threads };
  }

  /** Where the last runs of this model were measured, once the worker has run it (images always go to the worker). */
  placement(info: Pick<OnnxInfo, 'sha256'>): 'inline' | 'worker' {
    const cost = this.costs.get(info.sha256);
    return cost && cost.ms < this.inlineBudgetMs ? 'inline' : 'worker';
  }

  private learn(key: string, ms: number): void {
    const cost = this.costs.get(key);
    if (!cost) this.costs.set(key, { ms, inline: null, loaded: null });
    else cost.ms = cost.ms * 0.8 + ms * 0.2;
  }

  async infer(file: string, info: OnnxInfo, input: InferInput, projectPath: string): Promise<InferResult> {
    const feeds = feedsOf(info, input, projectPath);
    if (input.kind !== 'image' && this.placement(info) === 'inline') return this.inferInline(file, info, feeds as Record<string, WireTensor>);
    const { done } = this.client.request({ type: 'run', session: this.session(file, info, this.inferThreads), feeds }, buffersOf(feeds));
    const response = await done;
    if (!response.ok) throw workerError(response, info, file);
    if (response.ms !== undefined) this.learn(info.sha256, response.ms);
    const outputs = (response.outputs ?? []).map((o) => ({ name: o.name ?? '', dtype: o.dtype, dims: o.dims, data: plain(o.data) }));
    return { outputs, topK: topKOf(info, outputs[0]), latencyMs: response.ms ?? 0 };
  }

  /** The same run on this thread, with a session of the same options as the worker's. */
  private async inferInline(file: string, info: OnnxInfo, feeds: Record<string, WireTensor>): Promise<InferResult> {
    const cost = this.costs.get(info.sha256)!;
    let session = cost.loaded;
    if (!session) {
      cost.inline ??= this.loadSession(file, this.inferThreads);
      try {
        session = cost.loaded = await cost.inline;
        await onnxruntime();
      } catch (error) {
        cost.inline = null;
        cost.ms = Number.POSITIVE_INFINITY;
        throw workerError({ message: error instanceof Error ? error.message : String(error) }, info, file);
      }
    }
    const ort = ortModule!;
    const tensors: Record<string, Ort.Tensor> = {};
    for (const name in feeds) {
      const feed = feeds[name]!;
      tensors[name] = new ort.Tensor(feed.dtype as 'float32', feed.data as Float32Array, feed.dims);
    }
    const started = performance.now();
    let results: Ort.InferenceSession.OnnxValueMapType;
    try {
      results = await session.run(tensors);
    } catch (error) {
      throw workerError({ message: error instanceof Error ? error.message : String(error) }, info, file);
    }
    const ms = performance.now() - started;
    this.learn(info.sha256, ms);
    const names = session.outputNames;
    const outputs: InferResult['outputs'] = [];
    for (let i = 0; i < names.length; i++) {
      const tensor = results[names[i]!]!;
      outputs.push({ name: names[i]!, dtype: tensor.type, dims: tensor.dims.slice(), data: plain(tensor.data as WireTensor['data']) });
    }
    return { outputs, topK: topKOf(info, outputs[0]), latencyMs: ms };
  }

  /** Loads the file in onnxruntime: null when it loads, else onnxruntime's message. */
  async checkLoads(file: string, info?: Pick<OnnxInfo, 'sha256'>): Promise<string | null> {
    const { done } = this.client.request({ type: 'load', session: { file, key: info?.sha256 ?? 'check', threads: this.inferThreads } });
    const response = await done;
    return response.ok ? null : response.message;
  }

  async bench(file: string, info: OnnxInfo, options: { threads: number[]; batchSizes: number[]; warmup: number; iterations: number }, task: Task): Promise<BenchResult['rows']> {
    const rows: BenchResult['rows'] = [];
    const settings = options.threads.flatMap((threads) => options.batchSizes.map((batch) => ({ threads, batch })));
    const perSetting = options.warmup + options.iterations;
    for (const [index, { threads, batch }] of settings.entries()) {
      task.throwIfCancelled();
      const feeds = benchFeeds(info, batch);
      const label = `${threads} thread${threads === 1 ? '' : 's'}, batch ${batch}`;
      const { id, done } = this.client.request(
        { type: 'bench', session: this.session(file, info, threads), feeds, warmup: options.warmup, iterations: options.iterations },
        buffersOf(feeds),
        (count) => task.progress(index * perSetting + count, settings.length * perSetting, label),
      );
      const onAbort = (): void => this.client.post({ type: 'cancel', id });
      task.signal.addEventListener('abort', onAbort, { once: true });
      try {
        const response = await done;
        if (!response.ok) throw workerError(response, info, file);
        rows.push(summarizeLatencies(response.latencies ?? new Float64Array(0), threads, batch));
      } finally {
        task.signal.removeEventListener('abort', onAbort);
      }
    }
    task.progress(settings.length * perSetting, settings.length * perSetting, 'done');
    return rows;
  }

  /** Drops the cached sessions of a model (by sha256). */
  release(sha256: string): void {
    this.client.post({ id: 0, type: 'close', key: sha256 });
    const inline = this.costs.get(sha256)?.inline;
    this.costs.delete(sha256);
    void inline?.then((session) => session.release()).catch(() => undefined);
  }

  dispose(): void {
    void this.client.dispose();
    for (const key of [...this.costs.keys()]) this.release(key);
  }
}

let ortModule: typeof Ort | null = null;

/** onnxruntime-node, loaded on first inline use (bundles start without the native module), then kept. */
async function onnxruntime(): Promise<typeof Ort> {
  ortModule ??= await import('onnxruntime-node');
  return ortModule;
}

async function loadInlineSession(file: string, threads: number): Promise<Ort.InferenceSession> {
  const ort = await onnxruntime();
  const options: Ort.InferenceSession.SessionOptions = { executionProviders: ['cpu'], graphOptimizationLevel: 'all', interOpNumThreads: 1 };
  if (threads > 0) options.intraOpNumThreads = threads;
  return ort.InferenceSession.create(file, options);
}

/** Loads a file once in a short-lived worker (inspection asks this when no service is at hand). */
export async function checkLoadsInWorker(file: string): Promise<string | null> {
  const service = new InferenceService();
  try {
    return await service.checkLoads(file);
  } finally {
    service.dispose();
  }
}
