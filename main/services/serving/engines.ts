import type * as Ort from 'onnxruntime-node';
import { OrreryError, type OnnxInfo } from '../../../app/contract';
import { InferenceService, tensorFeeds } from '../models/inference';
import type { OutputTensor } from './protocol';

/** Runs the served model on JSON tensors (checked against its signature: a mismatch is invalid_input). */
export interface ServeEngine {
  readonly kind: 'inline' | 'worker';
  run(tensors: Record<string, { data: unknown[]; dims?: number[]; dtype?: string }>): Promise<OutputTensor[]>;
  close(): Promise<void>;
}

/**
 * The session on the serve process's main thread: no thread hop per request (a serve process does nothing else,
 * and onnxruntime runs the graph on its own threads while the event loop goes on parsing the next requests).
 */
export async function inlineEngine(file: string, info: OnnxInfo, options: { threads?: number } = {}): Promise<ServeEngine> {
  // Loaded on first use: the CLI bundle starts without the native module.
  const ort: typeof Ort = await import('onnxruntime-node');
  const sessionOptions: Ort.InferenceSession.SessionOptions = { executionProviders: ['cpu'], graphOptimizationLevel: 'all', interOpNumThreads: 1 };
  if (options.threads) sessionOptions.intraOpNumThreads = options.threads;
  let session: Ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(file, sessionOptions);
  } catch (error) {
    throw new OrreryError('process_failed', `onnxruntime cannot load ${file}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
  return {
    kind: 'inline',
    async run(tensors) {
      const feeds: Record<string, Ort.Tensor> = {};
      for (const [name, feed] of Object.entries(tensorFeeds(info, tensors))) feeds[name] = new ort.Tensor(feed.dtype as 'float32', feed.data as Float32Array, feed.dims);
      let results: Ort.InferenceSession.OnnxValueMapType;
      try {
        results = await session.run(feeds);
      } catch (error) {
        throw new OrreryError('invalid_input', `onnxruntime refused the input (${error instanceof Error ? error.message.split('\n')[0] : String(error)}).`);
      }
      return session.outputNames.map((name) => {
        const tensor = results[name]!;
        return { name, dtype: tensor.type, dims: tensor.dims, data: tensor.data as OutputTensor['data'] };
      });
    },
    close: () => session.release(),
  };
}

/** InferenceService's worker thread (the path the app uses): the main thread only parses and answers. */
export function workerEngine(file: string, info: OnnxInfo, projectPath: string, options: { workerFile?: string; threads?: number } = {}): ServeEngine {
  const service = new InferenceService({ ...(options.workerFile ? { workerFile: options.workerFile } : {}), inferThreads: options.threads ?? 0 });
  return {
    kind: 'worker',
    async run(tensors) {
      const result = await service.infer(file, info, { kind: 'tensors', tensors }, projectPath);
      return result.outputs;
    },
    close() {
      service.dispose();
      return Promise.resolve();
    },
  };
}
