import { parentPort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { decodeImage, imageTensor, type ImageSpec } from './preprocess';

/**
 * The inference worker (a worker_threads thread, bundled as out/main/inference-worker.cjs): it owns the
 * onnxruntime-node sessions, cached per model file and intra-op thread count, so session creation, runs,
 * image decoding and benchmark loops never block the main thread.
 */

export type WireTypedArray = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array;

/** A tensor crossing the thread boundary (its buffer is transferred, not copied). */
export interface WireTensor {
  name?: string;
  dtype: string;
  dims: number[];
  data: WireTypedArray | string[] | Uint8Array;
}

export type WireFeed = WireTensor | { image: string; spec: ImageSpec };

/** A session is keyed by the file's content (sha256), its path and the thread count (0: onnxruntime's default). */
export interface SessionRef {
  file: string;
  key: string;
  threads: number;
}

export type WorkerRequest =
  | { id: number; type: 'load'; session: SessionRef }
  | { id: number; type: 'run'; session: SessionRef; feeds: Record<string, WireFeed> }
  | { id: number; type: 'bench'; session: SessionRef; feeds: Record<string, WireTensor>; warmup: number; iterations: number }
  | { id: number; type: 'cancel' }
  | { id: number; type: 'close'; key: string };

export type WorkerResponse =
  | { id: number; ok: true; outputs?: WireTensor[]; ms?: number; latencies?: Float64Array }
  | { id: number; ok: false; message: string; code?: string }
  | { id: number; progress: number };

/** Sessions kept at most; the least recently used idle one is released beyond that. */
const maxSessions = 8;

interface CachedSession {
  session: Promise<ort.InferenceSession>;
  busy: number;
}

const sessions = new Map<string, CachedSession>();
const cancelled = new Set<number>();

function release(key: string, entry: CachedSession): void {
  sessions.delete(key);
  void entry.session.then((s) => s.release()).catch(() => undefined);
}

/** Runs `work` with the session of a file and thread count, created on first use and kept while in use. */
async function withSession<T>(ref: SessionRef, work: (session: ort.InferenceSession) => Promise<T>): Promise<T> {
  const key = `${ref.key}\0${ref.threads}\0${ref.file}`;
  let entry = sessions.get(key);
  if (entry) sessions.delete(key); // re-inserted below: the Map's order is the order of use
  else {
    const options: ort.InferenceSession.SessionOptions = { executionProviders: ['cpu'], graphOptimizationLevel: 'all', interOpNumThreads: 1 };
    if (ref.threads > 0) options.intraOpNumThreads = ref.threads;
    entry = { session: ort.InferenceSession.create(ref.file, options), busy: 0 };
  }
  sessions.set(key, entry);
  for (const [other, cached] of sessions) {
    if (sessions.size <= maxSessions) break;
    if (other !== key && cached.busy === 0) release(other, cached);
  }
  entry.busy += 1;
  try {
    return await work(await entry.session);
  } catch (error) {
    if (sessions.get(key) === entry && !(await entry.session.then(() => true).catch(() => false))) sessions.delete(key);
    throw error;
  } finally {
    entry.busy -= 1;
  }
}

async function toTensor(feed: WireFeed): Promise<ort.Tensor> {
  if ('image' in feed) {
    const data = imageTensor(await decodeImage(feed.image), feed.spec);
    return new ort.Tensor('float32', data, feed.spec.dims);
  }
  return new ort.Tensor(feed.dtype as 'float32', feed.data as Float32Array, feed.dims);
}

function run(request: Extract<WorkerRequest, { type: 'run' }>): Promise<WorkerResponse> {
  return withSession(request.session, (session) => runIn(session, request));
}

async function runIn(session: ort.InferenceSession, request: Extract<WorkerRequest, { type: 'run' }>): Promise<WorkerResponse> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, feed] of Object.entries(request.feeds)) feeds[name] = await toTensor(feed);
  const started = performance.now();
  const results = await session.run(feeds);
  const ms = performance.now() - started;
  const outputs = session.outputNames.map((name) => {
    const tensor = results[name]!;
    return { dtype: tensor.type, dims: [...tensor.dims], data: tensor.data as WireTensor['data'], name };
  });
  return { id: request.id, ok: true, outputs, ms };
}

function bench(request: Extract<WorkerRequest, { type: 'bench' }>): Promise<WorkerResponse> {
  return withSession(request.session, (session) => benchIn(session, request));
}

async function benchIn(session: ort.InferenceSession, request: Extract<WorkerRequest, { type: 'bench' }>): Promise<WorkerResponse> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, feed] of Object.entries(request.feeds)) feeds[name] = await toTensor(feed);
  const total = request.warmup + request.iterations;
  const latencies = new Float64Array(request.iterations);
  const every = Math.max(1, Math.floor(total / 50));
  for (let i = 0; i < total; i++) {
    if (cancelled.has(request.id)) return { id: request.id, ok: false, message: 'cancelled' };
    const started = performance.now();
    await session.run(feeds);
    if (i >= request.warmup) latencies[i - request.warmup] = performance.now() - started;
    if (i % every === 0) parentPort?.postMessage({ id: request.id, progress: i + 1 } satisfies WorkerResponse);
  }
  return { id: request.id, ok: true, latencies };
}

async function handle(request: WorkerRequest): Promise<WorkerResponse | null> {
  switch (request.type) {
    case 'load':
      return withSession(request.session, () => Promise.resolve({ id: request.id, ok: true }));
    case 'run':
      return run(request);
    case 'bench':
      return bench(request);
    case 'cancel':
      cancelled.add(request.id);
      return null;
    case 'close':
      for (const [key, entry] of sessions) if (key.startsWith(`${request.key}\0`) && entry.busy === 0) release(key, entry);
      return null;
  }
}

function transferables(response: WorkerResponse): ArrayBuffer[] {
  if (!('ok' in response) || !response.ok) return [];
  const buffers: ArrayBuffer[] = [];
  for (const output of response.outputs ?? []) {
    if (!Array.isArray(output.data) && output.data.buffer instanceof ArrayBuffer) buffers.push(output.data.buffer);
  }
  if (response.latencies) buffers.push(response.latencies.buffer as ArrayBuffer);
  return buffers;
}

function reply(request: WorkerRequest, response: WorkerResponse | null): void {
  if (request.type === 'bench') cancelled.delete(request.id);
  if (!response) return;
  try {
    parentPort?.postMessage(response, transferables(response));
  } catch {
    // A buffer shared with onnxruntime cannot be transferred: copy it instead.
    parentPort?.postMessage(response);
  }
}

function replyError(request: WorkerRequest, error: unknown): void {
  if (request.type === 'bench') cancelled.delete(request.id);
  // An OrreryError (an unreadable image, …) keeps its code across the thread boundary.
  const code = error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  parentPort?.postMessage({ id: request.id, ok: false, message: error instanceof Error ? error.message : String(error), ...(code ? { code } : {}) } satisfies WorkerResponse);
}

parentPort?.on('message', (request: WorkerRequest) => {
  handle(request).then(
    (response) => reply(request, response),
    (error: unknown) => replyError(request, error),
  );
});
