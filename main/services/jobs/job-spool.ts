import { randomBytes } from 'node:crypto';
import { appendFile, link, mkdir, open, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { JobRow } from './job-store';

/** The run folder of `runId` in a project (see docs/tracking-spool.md). */
export function runFolder(projectPath: string, runId: string): string {
  return path.join(projectPath, '.orrery', 'tracking', runId);
}

/** The spool writer name of a job: `job-<job id>`. */
export function jobWriter(jobId: string): string {
  return `job-${jobId}`;
}

/** A new run id: 32 lowercase hex characters, as the SDK makes them. */
export function newRunId(): string {
  return randomBytes(16).toString('hex');
}

/** What the job service puts in `run.json`. */
export interface JobRunInfo {
  readonly runId: string;
  readonly name: string;
  readonly jobId: string;
  readonly createdAtMs: number;
  readonly pid: number;
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly gitCommit: string | null;
  readonly python: string;
  readonly envLockId: string | null;
  /** A sweep trial's params (recorded as the run's params). */
  readonly params?: Readonly<Record<string, unknown>>;
}

/** The run.json facts of a job's row (its script and arguments, folder, a sweep trial's params). */
export function runInfoOf(row: JobRow, facts: { readonly createdAtMs: number; readonly gitCommit: string | null; readonly python: string; readonly envLockId: string | null }): JobRunInfo {
  return {
    runId: row.run_id,
    name: row.name,
    jobId: row.id,
    createdAtMs: facts.createdAtMs,
    pid: process.pid,
    argv: [row.script, ...(JSON.parse(row.args) as string[])],
    cwd: row.cwd,
    gitCommit: facts.gitCommit,
    python: facts.python,
    envLockId: facts.envLockId,
    // A sweep trial's params are the run's params from its first line.
    ...(row.params !== null ? { params: JSON.parse(row.params) as Record<string, unknown> } : {}),
  };
}

/**
 * Writes `run.json` only if absent (first writer wins): to a temporary name, then hard-linked into place, which
 * fails rather than replaces when a run.json exists (a resumed run keeps its first one). Answers whether it wrote.
 */
export async function writeRunJson(projectPath: string, info: JobRunInfo): Promise<boolean> {
  const folder = runFolder(projectPath, info.runId);
  await mkdir(folder, { recursive: true });
  const body = {
    version: 1,
    id: info.runId,
    name: info.name,
    created_at: info.createdAtMs / 1000,
    params: info.params ?? {},
    tags: [],
    source: 'job',
    job_id: info.jobId,
    pid: info.pid,
    host: os.hostname(),
    argv: info.argv,
    cwd: info.cwd,
    git_commit: info.gitCommit,
    python: info.python,
    env_lock_id: info.envLockId,
  };
  const tmp = path.join(folder, `.run.json.${randomBytes(6).toString('hex')}.tmp`);
  await writeFile(tmp, `${JSON.stringify(body)}\n`);
  try {
    await link(tmp, path.join(folder, 'run.json'));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(tmp, { force: true });
  }
}

/** One line of `events.<writer>.jsonl`. */
export type SpoolEvent =
  | { t: 'artifact'; name: string; sha256: string; size: number; kind: 'log'; step: null; time: number }
  | { t: 'artifact_error'; name: string; message: string; time: number }
  | { t: 'warning'; message: string; time: number }
  | { t: 'finish'; status: 'finished' | 'failed' | 'killed' | 'lost'; time: number; exit_code: number | null };

/** Appends events, one JSON object a line, in one write (so a line is either whole or torn at the end). */
export async function appendEvents(projectPath: string, runId: string, jobId: string, events: readonly SpoolEvent[]): Promise<void> {
  if (events.length === 0) return;
  const folder = runFolder(projectPath, runId);
  await mkdir(folder, { recursive: true });
  await appendFile(path.join(folder, `events.${jobWriter(jobId)}.jsonl`), events.map((event) => `${JSON.stringify(event)}\n`).join(''));
}

/** One metric series of a frame. */
export interface MetricSeries {
  readonly key: string;
  readonly steps: readonly number[];
  readonly times: readonly number[];
  readonly values: readonly number[];
}

const metricsMagic = Buffer.from('ORRMET1\n', 'latin1');

/** Encodes frames of the binary metrics format: header (k, n), key padded to 8, then steps, times, values as float64 LE. */
export function encodeFrames(series: readonly MetricSeries[]): Buffer {
  const parts: Buffer[] = [];
  for (const item of series) {
    const key = Buffer.from(item.key, 'utf8');
    const n = item.values.length;
    const padded = Math.ceil(key.length / 8) * 8;
    const frame = Buffer.alloc(8 + padded + 24 * n);
    frame.writeUInt32LE(key.length, 0);
    frame.writeUInt32LE(n, 4);
    key.copy(frame, 8);
    let at = 8 + padded;
    for (const column of [item.steps, item.times, item.values]) {
      for (let i = 0; i < n; i++) frame.writeDoubleLE(column[i]!, at + 8 * i);
      at += 8 * n;
    }
    parts.push(frame);
  }
  return Buffer.concat(parts);
}

/** Appends frames to `metrics.job-<id>.bin` in one write, writing the magic first when the file is new. */
export async function appendMetrics(projectPath: string, runId: string, jobId: string, series: readonly MetricSeries[]): Promise<void> {
  if (series.length === 0) return;
  const folder = runFolder(projectPath, runId);
  await mkdir(folder, { recursive: true });
  const handle = await open(path.join(folder, `metrics.${jobWriter(jobId)}.bin`), 'a');
  try {
    const { size } = await handle.stat();
    const frames = encodeFrames(series);
    await handle.write(size === 0 ? Buffer.concat([metricsMagic, frames]) : frames);
  } finally {
    await handle.close();
  }
}
