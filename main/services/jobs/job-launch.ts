import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { JobStream } from '../../../app/contract/jobs';
import type { Env, EnvLock } from '../../../app/models';
import type { ProcessRunner } from '../../core/process-runner';
import type { ArtifactStore } from '../store/artifact-store';
import { logFile, rotatedFile } from './job-logs';
import type { JobRow } from './job-store';
import type { SpoolEvent } from './job-spool';

/** What the job service asks of the env service (an interface, so tests and other hosts can hand in their own). */
export interface JobEnvs {
  requireEnv(id: string): Promise<Env>;
  getDefault(): Promise<Env | null>;
  activation(env: Env, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  lock(id: string, note?: string): Promise<EnvLock>;
}

/** The variables a job's process starts with. */
export function jobEnvironment(input: {
  activated: NodeJS.ProcessEnv;
  pythonDir: string;
  projectPath: string;
  row: JobRow;
}): NodeJS.ProcessEnv {
  const { activated, row } = input;
  const env: NodeJS.ProcessEnv = { ...activated };
  for (const key of ['ORRERY_RESUME', 'ORRERY_RUN_ID', 'ORRERY_JOB_ID', 'ORRERY_PARAMS', 'ORRERY_SWEEP_ID']) delete env[key];
  env.PYTHONPATH = [input.pythonDir, activated.PYTHONPATH].filter((part): part is string => Boolean(part)).join(path.delimiter);
  env.PYTHONUNBUFFERED = '1';
  env.ORRERY_PROJECT = input.projectPath;
  env.ORRERY_RUN_ID = row.run_id;
  env.ORRERY_JOB_ID = row.id;
  if (row.resume_path) env.ORRERY_RESUME = row.resume_path;
  // A sweep trial reads its params as JSON (json.loads(os.environ["ORRERY_PARAMS"])).
  if (row.params !== null) env.ORRERY_PARAMS = row.params;
  if (row.sweep_id !== null) env.ORRERY_SWEEP_ID = row.sweep_id;
  const gpus = row.gpus === null ? null : (JSON.parse(row.gpus) as number[]);
  if (gpus !== null) {
    // nvidia-smi numbers GPUs by PCI bus; CUDA's default order (fastest first) may differ, so the indices a user
    // picked from nvidia-smi mean the same GPUs inside the job.
    env.CUDA_DEVICE_ORDER = 'PCI_BUS_ID';
    env.CUDA_VISIBLE_DEVICES = gpus.join(',');
  }
  return env;
}

/** `git rev-parse HEAD` in `cwd`, or null outside a git checkout (or without git). */
export async function gitCommit(runner: ProcessRunner, cwd: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  const result = await runner.run('git', ['rev-parse', 'HEAD'], { cwd, env, timeoutMs: 10_000 }).catch(() => null);
  const commit = result?.code === 0 ? result.stdout.trim() : '';
  return /^[0-9a-f]{40,64}$/.test(commit) ? commit : null;
}

/** The last non-empty line of a stream's tail (the exception of a Python traceback), for the job's error. */
export async function lastLine(folder: string, stream: JobStream): Promise<string | null> {
  const file = logFile(folder, stream);
  const size = (await stat(file).catch(() => null))?.size ?? 0;
  if (size === 0) return null;
  const chunks: Buffer[] = [];
  for await (const chunk of createReadStream(file, { start: Math.max(0, size - 4096) })) chunks.push(chunk as Buffer);
  const lines = Buffer.concat(chunks).toString('utf8').split('\n').map((line) => line.trim()).filter(Boolean);
  const line = lines.at(-1);
  return line ? line.slice(0, 500) : null;
}

async function* concatFiles(files: readonly string[]): AsyncGenerator<Buffer> {
  for (const file of files) {
    const exists = await stat(file).then(() => true, () => false);
    if (!exists) continue;
    const reader: Readable = createReadStream(file);
    for await (const chunk of reader) yield chunk as Buffer;
  }
}

/** Puts both logs (previous generation then live file) into the artifact store; answers their spool events. */
export async function storeLogs(artifacts: ArtifactStore, folder: string, nowS: () => number): Promise<SpoolEvent[]> {
  const events: SpoolEvent[] = [];
  for (const stream of ['stdout', 'stderr'] as const) {
    const name = `${stream}.log`;
    try {
      const put = await artifacts.put(concatFiles([rotatedFile(folder, stream), logFile(folder, stream)]), { mediaType: 'text/plain' });
      events.push({ t: 'artifact', name, sha256: put.hash, size: put.size, kind: 'log', step: null, time: nowS() });
    } catch (error) {
      events.push({ t: 'artifact_error', name, message: (error as Error).message, time: nowS() });
    }
  }
  return events;
}
