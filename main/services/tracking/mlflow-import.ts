import type { Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { OrreryError } from '../../../app/contract';
import type { Clock } from '../../core/clock';
import type { OpenProject } from '../projects/project-service';
import type { SeriesStore } from './series-store';

/**
 * Imports an MLflow file store (`mlruns/`): `<experiment id>/meta.yaml`, `<experiment id>/<run id>/meta.yaml`,
 * `params/<key>` (the value as text), `tags/<key>`, `metrics/<key>` (lines `timestamp_ms value step`; keys
 * with `/` are nested folders) and `artifacts/**`. A run keeps its MLflow id; one already imported is skipped.
 */
export async function importMlflowStore(open: OpenProject, series: SeriesStore, root: string, clock: Clock): Promise<{ imported: string[]; skipped: number }> {
  const experiments = await entries(root);
  if (experiments === null) throw new OrreryError('not_found', `${root} does not exist; give the mlruns folder of an MLflow file store.`);
  const imported: string[] = [];
  let skipped = 0;
  let sawExperiment = false;
  for (const experiment of experiments) {
    if (!experiment.isDirectory() || experiment.name === '.trash' || experiment.name === 'models') continue;
    const experimentDir = path.join(root, experiment.name);
    const experimentMeta = await readMeta(path.join(experimentDir, 'meta.yaml'));
    if (!experimentMeta) continue;
    sawExperiment = true;
    for (const run of (await entries(experimentDir)) ?? []) {
      if (!run.isDirectory()) continue;
      const runDir = path.join(experimentDir, run.name);
      const meta = await readMeta(path.join(runDir, 'meta.yaml'));
      if (!meta || meta.lifecycle_stage === 'deleted') continue;
      const id = String(meta.run_id ?? meta.run_uuid ?? run.name).replace(/[^A-Za-z0-9_-]/g, '');
      if (!id || open.db.prepare('SELECT 1 FROM runs WHERE id = ?').get(id)) {
        skipped++;
        continue;
      }
      await importRun(open, series, runDir, id, meta, String(experimentMeta.name ?? experiment.name), clock);
      imported.push(id);
    }
  }
  if (!sawExperiment) throw new OrreryError('invalid_file', `${root} holds no MLflow experiment (no <id>/meta.yaml); give the mlruns folder.`);
  return { imported, skipped };
}

type Meta = Record<string, string | number | null>;

/** MLflow's meta.yaml files are flat `key: scalar` mappings written by yaml.safe_dump. */
export function parseFlatYaml(text: string): Meta {
  const out: Meta = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z_][\w]*):\s*(.*)$/.exec(line);
    if (!match) continue;
    let value: string = match[2]!.trim();
    if (value === '' || value === 'null' || value === '~' || value === '[]' || value === '{}') {
      out[match[1]!] = null;
      continue;
    }
    if ((value.startsWith("'") && value.endsWith("'")) || (value.startsWith('"') && value.endsWith('"'))) {
      value = value.startsWith("'") ? value.slice(1, -1).replace(/''/g, "'") : (JSON.parse(value) as string);
      out[match[1]!] = value;
      continue;
    }
    out[match[1]!] = /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  }
  return out;
}

const mlflowStatus: Record<number, string> = { 1: 'running', 2: 'running', 3: 'finished', 4: 'failed', 5: 'killed' };

async function importRun(open: OpenProject, series: SeriesStore, runDir: string, id: string, meta: Meta, experiment: string, clock: Clock): Promise<void> {
  const params = await readValues(path.join(runDir, 'params'));
  const tags = await readValues(path.join(runDir, 'tags'));
  const metrics = await readMetricFiles(path.join(runDir, 'metrics'));
  const artifacts: { name: string; hash: string; size: number }[] = [];
  for (const file of await walk(path.join(runDir, 'artifacts'))) {
    const stored = await open.artifacts.putFile(file);
    artifacts.push({ name: path.relative(path.join(runDir, 'artifacts'), file), hash: stored.hash, size: stored.size });
  }
  const startMs = typeof meta.start_time === 'number' ? meta.start_time : clock.now();
  const endMs = typeof meta.end_time === 'number' ? meta.end_time : null;
  const name = tags['mlflow.runName'] ?? (typeof meta.run_name === 'string' && meta.run_name ? meta.run_name : id.slice(0, 8));
  const userTags = Object.entries(tags)
    .filter(([k]) => !k.startsWith('mlflow.'))
    .map(([k, v]) => (v ? `${k}=${v}` : k));
  const status = mlflowStatus[typeof meta.status === 'number' ? meta.status : 3] ?? 'finished';
  const db = open.db;
  db.transaction(() => {
    db.prepare(
      `INSERT INTO runs (id, name, status, created_at, started_at, ended_at, params, tags, source, git_commit, meta, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'mlflow', ?, ?, ?)`,
    ).run(
      id,
      name,
      status === 'running' ? 'crashed' : status,
      startMs,
      startMs,
      endMs,
      JSON.stringify(Object.fromEntries(Object.entries(params).map(([k, v]) => [k, numberOrText(v)]))),
      JSON.stringify([`mlflow:${experiment}`, ...userTags]),
      tags['mlflow.source.git.commit'] ?? null,
      JSON.stringify({ host: null, pid: null, argv: tags['mlflow.source.name'] ? [tags['mlflow.source.name']] : [], cwd: null, python: null, mlflowExperiment: experiment, user: meta.user_id ?? null }),
      clock.now(),
    );
    for (const [key, points] of metrics) series.append(id, key, points.steps, points.times, points.values);
    const insert = db.prepare("INSERT INTO run_artifacts (run_id, name, sha256, size, kind, step, created_at) VALUES (?, ?, ?, ?, 'artifact', NULL, ?)");
    for (const a of artifacts) insert.run(id, a.name, a.hash, a.size, startMs / 1000);
  })();
}

function numberOrText(value: string): string | number {
  const n = Number(value);
  return value.trim() !== '' && Number.isFinite(n) ? n : value;
}

async function entries(dir: string): Promise<Dirent[] | null> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

async function readMeta(file: string): Promise<Meta | null> {
  try {
    return parseFlatYaml(await readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Every file under a folder (keys with `/` are nested folders in MLflow's store). */
async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of (await entries(dir)) ?? []) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out.sort();
}

async function readValues(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const file of await walk(dir)) out[path.relative(dir, file).split(path.sep).join('/')] = await readFile(file, 'utf8');
  return out;
}

async function readMetricFiles(dir: string): Promise<Map<string, { steps: Float64Array; times: Float64Array; values: Float64Array }>> {
  const out = new Map<string, { steps: Float64Array; times: Float64Array; values: Float64Array }>();
  for (const file of await walk(dir)) {
    const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l.trim() !== '');
    const steps = new Float64Array(lines.length);
    const times = new Float64Array(lines.length);
    const values = new Float64Array(lines.length);
    lines.forEach((line, i) => {
      const [timestamp, value, step] = line.trim().split(/\s+/);
      times[i] = Number(timestamp) / 1000;
      values[i] = parseMlflowNumber(value ?? 'nan');
      steps[i] = step === undefined ? i : Number(step);
    });
    out.set(path.relative(dir, file).split(path.sep).join('/'), { steps, times, values });
  }
  return out;
}

/** Python writes NaN and infinities as `nan`, `inf`, `-inf`. */
function parseMlflowNumber(text: string): number {
  const lower = text.toLowerCase();
  if (lower === 'nan') return NaN;
  if (lower === 'inf' || lower === 'infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  return Number(text);
}
