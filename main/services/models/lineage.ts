import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { OrreryError } from '../../../app/contract';
import type { Lineage, ModelFormat } from '../../../app/contract/models';
import { checkPathInRoots } from '../../core/paths';
import type { Db } from '../store/open-database';

/** A file a run recorded (artifact or checkpoint). */
export interface RunFile {
  readonly name: string;
  readonly sha256: string;
  readonly size: number;
  readonly kind: 'artifact' | 'checkpoint' | 'log';
  readonly step: number | null;
}

interface RunRow {
  id: string;
  name: string;
  params: string;
  git_commit: string | null;
  env_lock_id: string | null;
}

/**
 * What a run recorded, as the lineage of a version made from it: its params, the last value of each of its own
 * metrics (system metrics left out), the env snapshot and git commit the job took when it started.
 */
export function runLineage(db: Db, runId: string): Omit<Lineage, 'datasets'> {
  const run = db.prepare('SELECT id, name, params, git_commit, env_lock_id FROM runs WHERE id = ?').get(runId) as RunRow | undefined;
  if (!run) throw new OrreryError('not_found', `No run ${runId} in this project; list runs with \`orrery runs list\`.`);
  const metrics = db
    .prepare('SELECT key, last_value FROM metric_keys WHERE run_id = ? AND system = 0 AND last_value IS NOT NULL ORDER BY key')
    .all(runId) as { key: string; last_value: number }[];
  let params: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(run.params) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) params = parsed as Record<string, unknown>;
  } catch {
    // A run's params column is written by the ingester as JSON; anything else is left out of the lineage.
  }
  return {
    runId: run.id,
    runName: run.name,
    params,
    metrics: Object.fromEntries(metrics.filter((metric) => Number.isFinite(metric.last_value)).map((metric) => [metric.key, metric.last_value])),
    envLockId: run.env_lock_id,
    gitCommit: run.git_commit,
  };
}

/**
 * The run's file to register: the named artifact or checkpoint (exact name, else a unique base name; the newest
 * when logged more than once), or by default its newest checkpoint.
 */
export function runFile(db: Db, runId: string, name: string | undefined): RunFile {
  const rows = db
    .prepare("SELECT name, sha256, size, kind, step FROM run_artifacts WHERE run_id = ? AND kind IN ('artifact', 'checkpoint') ORDER BY created_at DESC, id DESC")
    .all(runId) as RunFile[];
  const listed = [...new Set(rows.map((row) => row.name))];
  const choices = listed.length > 0 ? `its files are ${listed.slice(0, 20).join(', ')}${listed.length > 20 ? ', …' : ''}` : 'it recorded no artifact or checkpoint';
  if (name === undefined) {
    const checkpoint = rows.find((row) => row.kind === 'checkpoint');
    if (checkpoint) return checkpoint;
    throw new OrreryError('invalid_input', `Run ${runId} has no checkpoint to register by default; name one of its artifacts with --artifact (${choices}).`);
  }
  const exact = rows.find((row) => row.name === name);
  if (exact) return exact;
  const byBase = [...new Set(rows.filter((row) => path.posix.basename(row.name) === name).map((row) => row.name))];
  if (byBase.length === 1) return rows.find((row) => row.name === byBase[0])!;
  if (byBase.length > 1) throw new OrreryError('invalid_input', `Run ${runId} has several files named ${name} (${byBase.join(', ')}); give the full name.`);
  throw new OrreryError('not_found', `Run ${runId} has no artifact or checkpoint named ${name}; ${choices}.`);
}

/** The sha256 and size of a file, streamed. */
export async function hashFile(file: string): Promise<{ sha256: string; size: number }> {
  const digest = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    digest.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: digest.digest('hex'), size };
}

/** Dataset files (relative to the project, or absolute inside the allowed roots) hashed for the lineage. */
export async function hashDatasets(files: readonly string[], projectPath: string, roots: readonly string[]): Promise<Lineage['datasets']> {
  const out: Lineage['datasets'] = [];
  for (const file of files) {
    const real = await checkPathInRoots(path.resolve(projectPath, file), roots, 'datasets');
    const info = await stat(real).catch(() => null);
    if (!info) throw new OrreryError('not_found', `datasets: ${file} does not exist; give dataset files relative to the project folder.`);
    if (!info.isFile()) throw new OrreryError('invalid_input', `datasets: ${file} is not a file; list the dataset's files one by one.`);
    const relative = path.relative(projectPath, real);
    const shown = relative.startsWith('..') || path.isAbsolute(relative) ? real : relative.split(path.sep).join('/');
    out.push({ path: shown, ...(await hashFile(real)) });
  }
  return out;
}

/**
 * The format of a model file from its name and, for zip archives, its content: `.onnx`; TorchScript (a zip
 * holding `constants.pkl` and `code/`) or a PyTorch checkpoint (`.pt`, `.pth`, `.ckpt`, `.bin`); scikit-learn
 * (`.pkl`, `.pickle`, `.joblib`, `.skops`); anything else `other`.
 */
export async function guessFormat(fileName: string, file: string): Promise<ModelFormat> {
  const ext = path.extname(fileName).toLowerCase();
  if (ext === '.onnx') return 'onnx';
  if (['.pkl', '.pickle', '.joblib', '.skops'].includes(ext)) return 'sklearn';
  if (['.pt', '.pth', '.ckpt', '.bin', '.torchscript', '.jit'].includes(ext)) {
    if (ext === '.torchscript' || ext === '.jit') return 'torchscript';
    return (await isTorchScript(file)) ? 'torchscript' : 'pytorch';
  }
  return 'other';
}

/** True when a zip's central directory names TorchScript's `constants.pkl` (read from the end of the file). */
async function isTorchScript(file: string): Promise<boolean> {
  const info = await stat(file).catch(() => null);
  if (!info || info.size < 22) return false;
  if (info.size <= 4 * 1024 * 1024) return hasTorchScriptEntries(await readFile(file));
  const handle = await open(file, 'r');
  try {
    const length = Math.min(info.size, 1024 * 1024);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, info.size - length);
    return hasTorchScriptEntries(buffer);
  } finally {
    await handle.close();
  }
}

function hasTorchScriptEntries(buffer: Buffer): boolean {
  return buffer.includes('/constants.pkl') && buffer.includes('/code/');
}
