import { OrreryError, type RunDetail, type RunSummary, type SeriesResult } from '../../../app/contract';
import type { Db } from '../store/open-database';
import { downsample, type DownsampleMethod } from './downsample';
import { compileRunQuery, containsPattern, fieldSql, parseRunQuery } from './run-query';
import type { WriterState } from './run-status';
import { envelopeBlock, finiteOrNull, sortSeries, type SeriesStore } from './series-store';

interface RunRow {
  id: string;
  name: string;
  status: string;
  source: string;
  job_id: string | null;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  params: string;
  tags: string;
  notes: string | null;
  meta: string;
  git_commit: string | null;
  env_lock_id: string | null;
  writers: string;
}

const runColumns = 'r.id, r.name, r.status, r.source, r.job_id, r.created_at, r.started_at, r.ended_at, r.params, r.tags, r.notes, r.meta, r.git_commit, r.env_lock_id, r.writers';

/** What `runs.list` takes (parsed contract input). */
export interface ListInput {
  readonly query?: string | undefined;
  readonly search?: string | undefined;
  readonly sort?: { readonly by: string; readonly dir: 'asc' | 'desc' } | undefined;
  readonly offset: number;
  readonly limit: number;
}

function sortSql(by: string): { sql: string; params: (string | number)[]; nullable: boolean } {
  const plain: Record<string, string> = { created: 'r.created_at', name: 'r.name', status: 'r.status', id: 'r.id' };
  if (plain[by]) return { sql: plain[by], params: [], nullable: false };
  if (by === 'started' || by === 'ended') return { sql: `r.${by}_at`, params: [], nullable: true };
  const dot = by.indexOf('.');
  const head = by.slice(0, dot);
  if (dot > 0 && (head === 'params' || head === 'metrics')) return { ...fieldSql({ kind: head, name: by.slice(dot + 1) }), nullable: true };
  throw new OrreryError('invalid_input', `Cannot sort by "${by}": use created, name, status, started, ended, params.NAME or metrics.KEY.`);
}

function summaryOf(row: RunRow, metrics: Record<string, number | null>): RunSummary {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    source: row.source,
    jobId: row.job_id,
    createdAt: row.created_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    params: JSON.parse(row.params) as Record<string, unknown>,
    tags: JSON.parse(row.tags) as string[],
    notes: row.notes,
    metrics,
  };
}

/** The last values of the (non-system) metric keys of some runs, by run id. */
function lastValues(db: Db, runIds: readonly string[]): Map<string, Record<string, number | null>> {
  const out = new Map<string, Record<string, number | null>>(runIds.map((id) => [id, {}]));
  if (runIds.length === 0) return out;
  const rows = db
    .prepare(`SELECT run_id, key, last_value FROM metric_keys WHERE run_id IN (${runIds.map(() => '?').join(', ')}) AND system = 0`)
    .all(...runIds) as { run_id: string; key: string; last_value: number | null }[];
  for (const row of rows) out.get(row.run_id)![row.key] = finiteOrNull(row.last_value);
  return out;
}

/**
 * The param and metric key names present in a project, kept until the store changes: listing them scans every
 * run's params, which a 10,000-run project should not pay on each page. The stamp (`data_version` moves on
 * another connection's commits, `total_changes()` on this one's) is two cheap reads.
 */
export class KeyNames {
  private cached: { stamp: string; paramKeys: string[]; metricKeys: string[] } | null = null;

  get(db: Db): { paramKeys: string[]; metricKeys: string[] } {
    const stamp = `${String(db.pragma('data_version', { simple: true }))}:${String(db.prepare('SELECT total_changes()').pluck().get())}`;
    if (this.cached?.stamp !== stamp) {
      const paramKeys = db.prepare('SELECT DISTINCT p.key FROM runs r, json_each(r.params) p ORDER BY p.key').pluck().all() as string[];
      const metricKeys = db.prepare('SELECT DISTINCT key FROM metric_keys WHERE system = 0 ORDER BY key').pluck().all() as string[];
      this.cached = { stamp, paramKeys, metricKeys };
    }
    return { paramKeys: this.cached.paramKeys, metricKeys: this.cached.metricKeys };
  }
}

/** `runs.list`: one page of runs matching a filter and a search, with the total and the key names present. */
export function listRuns(db: Db, input: ListInput, keyNames: KeyNames = new KeyNames()): { runs: RunSummary[]; total: number; paramKeys: string[]; metricKeys: string[] } {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (input.query?.trim()) {
    const compiled = compileRunQuery(parseRunQuery(input.query));
    where.push(compiled.sql);
    params.push(...compiled.params);
  }
  if (input.search?.trim()) {
    const pattern = containsPattern(input.search.trim());
    where.push("(r.name LIKE ? ESCAPE '\\' OR r.id LIKE ? ESCAPE '\\' OR r.tags LIKE ? ESCAPE '\\')");
    params.push(pattern, pattern, pattern);
  }
  const whereSql = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  const sort = sortSql(input.sort?.by ?? 'created');
  const dir = (input.sort?.dir ?? 'desc') === 'asc' ? 'ASC' : 'DESC';
  // Runs without the sort value go last either way; a NOT NULL column sorts on its index alone.
  const order = sort.nullable ? `${sort.sql} IS NULL, ${sort.sql} ${dir}, r.created_at DESC` : `${sort.sql} ${dir}`;
  const rows = db
    .prepare(`SELECT ${runColumns} FROM runs r ${whereSql} ORDER BY ${order}, r.id LIMIT ? OFFSET ?`)
    .all(...params, ...sort.params, ...(sort.nullable ? sort.params : []), input.limit, input.offset) as RunRow[];
  const total = (db.prepare(`SELECT count(*) FROM runs r ${whereSql}`).pluck().get(...params) as number) ?? 0;
  const metrics = lastValues(
    db,
    rows.map((r) => r.id),
  );
  const { paramKeys, metricKeys } = keyNames.get(db);
  return { runs: rows.map((r) => summaryOf(r, metrics.get(r.id)!)), total, paramKeys, metricKeys };
}

function requireRun(db: Db, id: string): RunRow {
  const row = db.prepare(`SELECT ${runColumns} FROM runs r WHERE r.id = ?`).get(id) as RunRow | undefined;
  if (!row) throw new OrreryError('not_found', `No run ${id} in this project; \`orrery runs list\` shows the runs.`);
  return row;
}

/** One run's summary. */
export function getSummary(db: Db, id: string): RunSummary {
  const row = requireRun(db, id);
  return summaryOf(row, lastValues(db, [id]).get(id)!);
}

/** `runs.get`: everything about a run. */
export function getRun(db: Db, series: SeriesStore, id: string): RunDetail {
  const row = requireRun(db, id);
  const meta = JSON.parse(row.meta) as Partial<RunDetail['meta']>;
  const writers = JSON.parse(row.writers) as Record<string, WriterState>;
  const artifacts = db
    .prepare('SELECT name, sha256, size, kind, step, created_at AS createdAt FROM run_artifacts WHERE run_id = ? ORDER BY created_at, id')
    .all(id) as RunDetail['artifacts'];
  const events = db.prepare('SELECT time, level, message FROM run_events WHERE run_id = ? ORDER BY time, id').all(id) as RunDetail['events'];
  return {
    ...summaryOf(row, lastValues(db, [id]).get(id)!),
    meta: { host: meta.host ?? null, pid: meta.pid ?? null, argv: meta.argv ?? [], cwd: meta.cwd ?? null, python: meta.python ?? null },
    lineage: { jobId: row.job_id, gitCommit: row.git_commit, envLockId: row.env_lock_id },
    keys: series.summaries(id),
    artifacts,
    events,
    writers: Object.entries(writers).map(([name, w]) => ({ name, pid: w.pid, startedAt: w.startedAt, status: w.finish?.status ?? null, exitCode: w.finish?.exitCode ?? null })),
  };
}

/** What `runs.series` takes (parsed contract input). */
export interface SeriesInput {
  readonly runIds: readonly string[];
  readonly keys: readonly string[];
  readonly x: 'step' | 'time' | 'relative';
  readonly range?: { readonly from?: number | undefined; readonly to?: number | undefined } | undefined;
  readonly maxPoints: number;
  readonly method: DownsampleMethod;
}

/** `runs.series`: each (run, key) read whole, x chosen, then thinned to maxPoints inside the range. */
export function readSeries(db: Db, store: SeriesStore, input: SeriesInput): SeriesResult[] {
  const out: SeriesResult[] = [];
  for (const runId of input.runIds) {
    const row = requireRun(db, runId);
    // Relative time counts from the run's start (its first writer), else its creation.
    const origin = (row.started_at ?? row.created_at) / 1000;
    for (const key of input.keys) {
      const enveloped = input.method === 'minmax' && !input.range ? fromEnvelope(store, runId, key, input, origin) : null;
      if (enveloped) {
        out.push(enveloped);
        continue;
      }
      const stepRange = input.x === 'step' ? input.range : undefined;
      const series = store.read(runId, key, stepRange ?? {});
      if (!series) {
        out.push({ runId, key, x: [], y: [], points: 0, nonFinite: 0 });
        continue;
      }
      let ordered = series;
      let x = series.steps;
      if (input.x !== 'step') {
        // Reads come sorted by step; wall time is normally in the same order, else sort by time.
        if (!ascending(series.times)) ordered = sortByTime(series);
        x = input.x === 'time' ? ordered.times : ordered.times.map((t) => t - origin);
      }
      const thin = downsample(x, ordered.values, { maxPoints: input.maxPoints, method: input.method, ...(input.range ? { range: input.range } : {}) });
      out.push({ runId, key, x: Array.from(thin.x), y: Array.from(thin.y), points: thin.points, nonFinite: thin.nonFinite });
    }
  }
  return out;
}

/**
 * A whole series thinned by min/max from its stored envelope (two points per block of `envelopeBlock`) instead of
 * every point: used when each drawn bucket spans at least a block, where it draws what the full read would (each
 * block's extremes keep their own x, so they land in the right bucket). Null: read the points instead.
 */
function fromEnvelope(store: SeriesStore, runId: string, key: string, input: SeriesInput, origin: number): SeriesResult | null {
  const facts = store.count(runId, key);
  if (!facts || !facts.sorted || facts.count < input.maxPoints * (envelopeBlock / 2)) return null;
  const envelope = store.readEnvelope(runId, key);
  if (!envelope) return null;
  let x = envelope.steps;
  if (input.x !== 'step') {
    if (!ascending(envelope.times)) return null;
    x = input.x === 'time' ? envelope.times : envelope.times.map((t) => t - origin);
  }
  const thin = downsample(x, envelope.values, { maxPoints: input.maxPoints, method: 'minmax' });
  return { runId, key, x: Array.from(thin.x), y: Array.from(thin.y), points: envelope.points, nonFinite: envelope.nonFinite };
}

function ascending(values: Float64Array): boolean {
  for (let i = 1; i < values.length; i++) if (values[i]! < values[i - 1]!) return false;
  return true;
}

function sortByTime(series: { steps: Float64Array; times: Float64Array; values: Float64Array }) {
  const swapped = sortSeries({ steps: series.times, times: series.steps, values: series.values });
  return { steps: swapped.times, times: swapped.steps, values: swapped.values };
}

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function csvNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** `runs.export`: the points of runs as long-format CSV lines (header first), yielded run by run and key by key. */
export function* exportCsv(db: Db, store: SeriesStore, runIds: readonly string[], keys?: readonly string[]): Generator<string> {
  yield 'run_id,run_name,key,step,time,value\n';
  for (const runId of runIds) {
    const row = requireRun(db, runId);
    const runKeys = keys ?? (db.prepare('SELECT key FROM metric_keys WHERE run_id = ? ORDER BY key').pluck().all(runId) as string[]);
    const prefix = `${csvField(row.id)},${csvField(row.name)},`;
    for (const key of runKeys) {
      const series = store.read(runId, key);
      if (!series) continue;
      const head = `${prefix}${csvField(key)},`;
      const lines: string[] = [];
      for (let i = 0; i < series.steps.length; i++) {
        lines.push(`${head}${csvNumber(series.steps[i]!)},${csvNumber(series.times[i]!)},${csvNumber(series.values[i]!)}\n`);
        if (lines.length === 10_000) yield lines.splice(0).join('');
      }
      if (lines.length > 0) yield lines.join('');
    }
  }
}
