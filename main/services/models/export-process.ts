import { access } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { errorCodes, OrreryError } from '../../../app/contract';
import type { Task } from '../../core/tasks';
import { lastLines, streamProcess } from '../envs/stream-process';

/** A tensor the export script wrote: raw little-endian values of `dtype` in `file`. */
export const writtenTensorSchema = z.object({
  name: z.string(),
  dtype: z.enum(['float32', 'float64', 'int64', 'int32', 'bool']),
  dims: z.array(z.number().int().min(0)),
  file: z.string(),
});

/** What `python -m orrery_export` answers on its last line. */
export const scriptResultSchema = z.object({
  onnx: z.string(),
  int8: z.string().nullable(),
  opset: z.number().int().nullable(),
  inputShape: z.array(z.number().int()),
  inputs: z.array(writtenTensorSchema),
  outputs: z.array(writtenTensorSchema),
  notes: z.array(z.string()),
});

export type WrittenTensor = z.output<typeof writtenTensorSchema>;
export type ScriptResult = z.output<typeof scriptResultSchema>;

const lineSchema = z.union([
  z.object({ progress: z.object({ done: z.number(), total: z.number(), message: z.string() }) }),
  z.object({ result: scriptResultSchema }),
  z.object({ error: z.object({ code: z.string(), message: z.string() }) }),
]);

type ScriptLine = z.output<typeof lineSchema>;

/** The request file the script reads (the fields of ExportRequest it needs, plus where to write). */
export interface ScriptRequest {
  modelFile: string;
  format: string;
  modelClass?: string;
  classArgs?: Record<string, unknown>;
  runParams?: Record<string, unknown>;
  inputShape?: number[];
  opset?: number;
  samples: number;
  seed: number;
  quantize: boolean;
  metadata?: Record<string, string>;
  outDir: string;
  projectPath: string;
}

/** A protocol line, or null for anything else the model or a library printed. */
export function parseScriptLine(line: string): ScriptLine | null {
  if (!line.startsWith('{')) return null;
  try {
    const parsed = lineSchema.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * The folder holding the `orrery_export` package (resources/python), found upwards from this module: the bundle
 * lives in out/main, the sources in main/services/models.
 */
export async function defaultExportPythonDir(start: string = __dirname): Promise<string> {
  let dir = start;
  for (let depth = 0; depth < 6; depth++) {
    const candidate = path.join(dir, 'resources', 'python');
    if (await access(path.join(candidate, 'orrery_export', '__main__.py')).then(() => true, () => false)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new OrreryError('not_found', `Orrery's export script (resources/python/orrery_export) is missing near ${start}; reinstall Orrery.`);
}

const scriptErrorCodes = new Set<string>(errorCodes);

/**
 * Runs `python -m orrery_export REQUEST` in the project folder (so `module:Class` imports from it), with its
 * progress lines as `task.progress` (steps `offset..offset+total` of `overall`) and every other line as
 * `task.output`. Answers the result line; an error line becomes an OrreryError with the script's code.
 */
export async function runExportScript(
  task: Task,
  options: { python: string; pythonDir: string; requestFile: string; projectPath: string; env: NodeJS.ProcessEnv; overall: (scriptTotal: number) => number },
): Promise<ScriptResult> {
  let pending = '';
  const seen: { result: ScriptResult | null; failure: { code: string; message: string } | null } = { result: null, failure: null };
  const handleLine = (line: string): void => {
    const parsed = parseScriptLine(line);
    if (parsed === null) task.output('stdout', `${line}\n`);
    else if ('progress' in parsed) task.progress(parsed.progress.done, options.overall(parsed.progress.total), parsed.progress.message);
    else if ('result' in parsed) seen.result = parsed.result;
    else seen.failure = parsed.error;
  };
  const relay: Task = {
    id: task.id,
    signal: task.signal,
    progress: (done, total, message) => task.progress(done, total, message),
    throwIfCancelled: () => task.throwIfCancelled(),
    output: (stream, text) => {
      if (stream === 'stderr') return task.output(stream, text);
      const lines = (pending + text).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) handleLine(line);
    },
  };
  const pythonPath = [options.pythonDir, options.env.PYTHONPATH].filter((p): p is string => Boolean(p)).join(path.delimiter);
  const ended = await streamProcess(relay, options.python, ['-m', 'orrery_export', options.requestFile], {
    env: { ...options.env, PYTHONPATH: pythonPath, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
    cwd: options.projectPath,
    live: new Set<number>(),
  });
  if (pending) handleLine(pending);
  if (seen.failure) {
    const code = scriptErrorCodes.has(seen.failure.code) ? (seen.failure.code as OrreryError['code']) : 'process_failed';
    throw new OrreryError(code, seen.failure.message);
  }
  if (ended.code !== 0 || seen.result === null) {
    const tail = lastLines(ended.tail, 12);
    if (/No module named orrery_export/.test(tail)) {
      throw new OrreryError('not_found', `${options.python} cannot find Orrery's export script in ${options.pythonDir}; reinstall Orrery.`);
    }
    throw new OrreryError('process_failed', `The export script failed under ${options.python} (exit ${ended.code ?? 'signal'}):\n${tail}`);
  }
  return seen.result;
}
