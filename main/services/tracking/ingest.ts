import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../../core/logger';
import type { Db } from '../store/open-database';
import { runStatus, writerPid, type RunStatus, type WriterState } from './run-status';
import { SeriesStore } from './series-store';
import {
  firstFrameEnd,
  listRunFolder,
  parseEventLines,
  parseMetricFrames,
  readFrom,
  readRunFile,
  type MetricFrame,
  type RunFile,
  type RunFolder,
  type SpoolEvent,
} from './spool-reader';

/** What one ingest pass of a run changed (what the service announces on the bus). */
export interface IngestResult {
  readonly runId: string;
  /** The runs row was created or changed (params, tags, status, artifacts, events). */
  readonly changed: boolean;
  readonly status: string;
  /** Points added by this pass. */
  readonly points: number;
  /** Keys that gained points, with their total counts and the highest step seen. */
  readonly keys: readonly string[];
  readonly counts: Readonly<Record<string, number>>;
  readonly lastStep: number | null;
  /** More spool bytes were waiting than one pass reads: ingest again. */
  readonly more: boolean;
}

/** What an ingester needs: the store, the tracking folder, and how to tell whether a pid lives. */
export interface IngesterDeps {
  readonly db: Db;
  readonly trackingDir: string;
  readonly logger: Logger;
  readonly now: () => number;
  readonly isAlive: (pid: number) => boolean;
  readonly hostname?: string;
}

/** Bytes read from one file per pass: bounds a pass's memory and how long its transaction holds the main thread (a 1M-point run is ~24 MB). */
const maxEventBytes = 8 * 1024 * 1024;
const maxMetricBytes = 16 * 1024 * 1024;
const runFileName = 'run.json';

interface FileRead<T> {
  readonly file: string;
  readonly offset: number;
  readonly consumed: number;
  readonly data: T;
  readonly more: boolean;
}

interface PassInput {
  readonly folder: RunFolder;
  readonly runFile: { run: RunFile; size: number } | null;
  readonly events: FileRead<{ writer: string; events: SpoolEvent[]; invalid: string[] }>[];
  readonly metrics: FileRead<MetricFrame[]>[];
}

interface RunRow {
  id: string;
  status: string;
  params: string;
  tags: string;
  source: string;
  writers: string;
  meta: string;
  started_at: number | null;
  ended_at: number | null;
}

/**
 * Reads a run folder's new spool bytes (whole lines, whole frames) and commits what they hold together with
 * the new file offsets in one IMMEDIATE transaction, so a crash at any point neither loses nor repeats a
 * point, and two Orrery processes ingesting one project cannot both take the same bytes.
 */
export class Ingester {
  readonly series: SeriesStore;
  private readonly hostname: string;

  constructor(private readonly deps: IngesterDeps) {
    this.series = new SeriesStore(deps.db);
    this.hostname = deps.hostname ?? os.hostname();
  }

  /** One pass over a run folder; null when there is nothing to ingest yet (no folder, or no run.json and no row). */
  async ingest(runId: string): Promise<IngestResult | null> {
    const folder = await listRunFolder(this.deps.trackingDir, runId);
    if (!folder) return null;
    const offsets = this.offsets(runId);
    const runFile = offsets.has(runFileName) ? null : await this.readRunFile(folder);
    const events: PassInput['events'] = [];
    for (const [writer, name] of folder.events) {
      const offset = offsets.get(name) ?? 0;
      const bytes = await readFrom(path.join(folder.dir, name), offset, maxEventBytes);
      const parsed = parseEventLines(bytes);
      if (parsed.consumed === 0) continue;
      events.push({ file: name, offset, consumed: parsed.consumed, data: { writer, events: parsed.events, invalid: parsed.invalid }, more: bytes.length >= maxEventBytes });
    }
    const metrics: PassInput['metrics'] = [];
    for (const name of folder.metrics.values()) {
      const offset = offsets.get(name) ?? 0;
      let bytes = await readFrom(path.join(folder.dir, name), offset, maxMetricBytes);
      let parsed = parseMetricFrames(bytes, offset);
      const needed = firstFrameEnd(bytes, offset);
      if (parsed.consumed === 0 && !parsed.error && bytes.length >= maxMetricBytes && needed !== null && needed > bytes.length) {
        // One frame larger than a pass reads (one flush of a huge batch): read that frame whole.
        bytes = await readFrom(path.join(folder.dir, name), offset, needed);
        parsed = parseMetricFrames(bytes, offset);
      }
      if (parsed.error && parsed.consumed === 0) {
        this.deps.logger.warn('metrics file skipped', { runId, file: name, reason: parsed.error });
        continue;
      }
      if (parsed.consumed === 0) continue;
      metrics.push({ file: name, offset, consumed: parsed.consumed, data: parsed.frames, more: bytes.length >= maxMetricBytes });
    }
    if (!this.deps.db.open) return null;
    return this.deps.db.transaction(() => this.commit(runId, { folder, runFile, events, metrics })).immediate();
  }

  private offsets(runId: string): Map<string, number> {
    const rows = this.deps.db.prepare('SELECT file, offset FROM spool_offsets WHERE run_id = ?').all(runId) as { file: string; offset: number }[];
    return new Map(rows.map((r) => [r.file, r.offset]));
  }

  private async readRunFile(folder: RunFolder): Promise<{ run: RunFile; size: number } | null> {
    if (!folder.hasRunFile) return null;
    const read = await readRunFile(folder.dir);
    if (read && 'error' in read) {
      this.deps.logger.warn('run.json skipped', { runId: folder.runId, reason: read.error });
      return null;
    }
    if (read && read.run.id !== folder.runId) {
      this.deps.logger.warn('run.json skipped', { runId: folder.runId, reason: `it names run ${read.run.id}` });
      return null;
    }
    return read;
  }

  private commit(runId: string, input: PassInput): IngestResult | null {
    const db = this.deps.db;
    // Another process may have ingested since the offsets were read: keep only bytes still ahead of the store.
    const offsets = this.offsets(runId);
    const fresh = <T>(read: FileRead<T>) => (offsets.get(read.file) ?? 0) === read.offset;
    const eventReads = input.events.filter(fresh);
    const metricReads = input.metrics.filter(fresh);
    const runFile = offsets.has(runFileName) ? null : input.runFile;
    let row = db.prepare('SELECT id, status, params, tags, source, writers, meta, started_at, ended_at FROM runs WHERE id = ?').get(runId) as RunRow | undefined;
    if (runFile) {
      this.upsertRun(runFile.run);
      this.setOffset(runId, runFileName, runFile.size);
      row = db.prepare('SELECT id, status, params, tags, source, writers, meta, started_at, ended_at FROM runs WHERE id = ?').get(runId) as RunRow;
    }
    if (!row) return null;
    const before = JSON.stringify(row);
    const params = JSON.parse(row.params) as Record<string, unknown>;
    const tags = JSON.parse(row.tags) as string[];
    const writers = JSON.parse(row.writers) as Record<string, WriterState>;
    let rowsChanged = runFile !== null;
    for (const read of eventReads) {
      rowsChanged = this.applyEvents(runId, read.data.writer, read.data.events, { params, tags, writers }) || rowsChanged;
      for (const line of read.data.invalid.slice(0, 20)) {
        this.addEvent(runId, this.deps.now() / 1000, 'warning', `Skipped a line of ${read.file} that is not a spool event: ${line.slice(0, 200)}`);
        rowsChanged = true;
      }
      this.setOffset(runId, read.file, read.offset + read.consumed);
    }
    const added = this.appendMetrics(runId, metricReads.flatMap((read) => read.data));
    for (const read of metricReads) this.setOffset(runId, read.file, read.offset + read.consumed);

    const meta = JSON.parse(row.meta) as { host?: string | null; pid?: number | null };
    const status = runStatus({
      source: row.source,
      writers,
      runPid: meta.pid ?? null,
      sameHost: !meta.host || meta.host === this.hostname,
      isAlive: this.deps.isAlive,
    });
    const startedAt = minStart(writers) ?? row.started_at;
    const next = {
      status: status?.status ?? row.status,
      ended_at: status ? (status.endedAt === null ? null : Math.round(status.endedAt * 1000)) : row.ended_at,
      started_at: startedAt,
      params: JSON.stringify(params),
      tags: JSON.stringify(tags),
      writers: JSON.stringify(writers),
    };
    const after = JSON.stringify({ ...row, ...next });
    if (after !== before) {
      db.prepare('UPDATE runs SET status = ?, ended_at = ?, started_at = ?, params = ?, tags = ?, writers = ?, updated_at = ? WHERE id = ?').run(
        next.status,
        next.ended_at,
        next.started_at,
        next.params,
        next.tags,
        next.writers,
        this.deps.now(),
        runId,
      );
      rowsChanged = true;
    }
    return {
      runId,
      changed: rowsChanged,
      status: next.status as RunStatus,
      points: added.points,
      keys: [...added.counts.keys()],
      counts: Object.fromEntries(added.counts),
      lastStep: added.lastStep,
      more: [...eventReads, ...metricReads].some((r) => r.more),
    };
  }

  private upsertRun(run: RunFile): void {
    const meta = { host: run.host ?? null, pid: run.pid ?? null, argv: run.argv ?? [], cwd: run.cwd ?? null, python: run.python ?? null };
    const createdAt = Math.round(run.created_at * 1000);
    this.deps.db
      .prepare(
        `INSERT INTO runs (id, name, status, created_at, started_at, params, tags, source, job_id, git_commit, env_lock_id, meta, updated_at)
         VALUES (@id, @name, 'running', @created_at, @created_at, @params, @tags, @source, @job_id, @git_commit, @env_lock_id, @meta, @now)
         ON CONFLICT (id) DO UPDATE SET params = excluded.params, tags = excluded.tags, source = excluded.source,
           job_id = coalesce(excluded.job_id, runs.job_id), git_commit = excluded.git_commit,
           env_lock_id = coalesce(excluded.env_lock_id, runs.env_lock_id), meta = excluded.meta, updated_at = excluded.updated_at`,
      )
      .run({
        id: run.id,
        name: run.name || defaultRunName(run),
        created_at: createdAt,
        params: JSON.stringify(run.params ?? {}),
        tags: JSON.stringify([...new Set(run.tags ?? [])]),
        source: run.source ?? 'sdk',
        job_id: run.job_id ?? null,
        git_commit: run.git_commit ?? null,
        env_lock_id: run.env_lock_id ?? null,
        meta: JSON.stringify(meta),
        now: this.deps.now(),
      });
  }

  /** Applies one writer's events to the run state (in memory) and its artifact and event rows; answers whether rows changed. */
  private applyEvents(
    runId: string,
    writer: string,
    events: readonly SpoolEvent[],
    state: { params: Record<string, unknown>; tags: string[]; writers: Record<string, WriterState> },
  ): boolean {
    const db = this.deps.db;
    const writerState = () => (state.writers[writer] ??= { pid: writerPid(writer), startedAt: null, finish: null });
    for (const event of events) {
      switch (event.t) {
        case 'start': {
          const w = writerState();
          w.startedAt = event.time;
          if (typeof event.pid === 'number') w.pid = event.pid;
          break;
        }
        case 'params':
          Object.assign(state.params, event.params);
          break;
        case 'tags':
          for (const tag of event.tags) if (!state.tags.includes(tag)) state.tags.push(tag);
          break;
        case 'artifact':
          db.prepare('INSERT OR IGNORE INTO artifacts (sha256, size, created_at, media_type) VALUES (?, ?, ?, NULL)').run(event.sha256, event.size, Math.round(event.time * 1000));
          db.prepare('INSERT INTO run_artifacts (run_id, name, sha256, size, kind, step, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
            runId,
            event.name,
            event.sha256,
            event.size,
            event.kind,
            event.step ?? null,
            event.time,
          );
          break;
        case 'artifact_error':
          this.addEvent(runId, event.time, 'error', `Could not store artifact ${event.name}: ${event.message}`);
          break;
        case 'warning':
          this.addEvent(runId, event.time, 'warning', event.message);
          break;
        case 'finish':
          writerState().finish = { status: event.status, time: event.time, exitCode: event.exit_code ?? null };
          break;
      }
    }
    return events.length > 0;
  }

  private addEvent(runId: string, time: number, level: 'info' | 'warning' | 'error', message: string): void {
    this.deps.db.prepare('INSERT INTO run_events (run_id, time, level, message) VALUES (?, ?, ?, ?)').run(runId, time, level, message);
  }

  /** Groups frames by key (in file order) and appends each key once. */
  private appendMetrics(runId: string, frames: readonly MetricFrame[]): { points: number; counts: Map<string, number>; lastStep: number | null } {
    const byKey = new Map<string, MetricFrame[]>();
    for (const frame of frames) {
      if (frame.steps.length === 0) continue;
      let list = byKey.get(frame.key);
      if (!list) byKey.set(frame.key, (list = []));
      list.push(frame);
    }
    const counts = new Map<string, number>();
    let points = 0;
    let lastStep: number | null = null;
    const countOf = this.deps.db.prepare('SELECT count FROM metric_keys WHERE run_id = ? AND key = ?').pluck();
    for (const [key, list] of byKey) {
      const joined = list.length === 1 ? list[0]! : joinFrames(key, list);
      this.series.append(runId, key, joined.steps, joined.times, joined.values);
      points += joined.steps.length;
      counts.set(key, countOf.get(runId, key) as number);
      for (const s of joined.steps) if (lastStep === null || s > lastStep) lastStep = s;
    }
    return { points, counts, lastStep };
  }

  private setOffset(runId: string, file: string, offset: number): void {
    this.deps.db
      .prepare('INSERT INTO spool_offsets (run_id, file, offset) VALUES (?, ?, ?) ON CONFLICT (run_id, file) DO UPDATE SET offset = excluded.offset')
      .run(runId, file, offset);
  }
}

function joinFrames(key: string, frames: readonly MetricFrame[]): MetricFrame {
  let n = 0;
  for (const f of frames) n += f.steps.length;
  const steps = new Float64Array(n);
  const times = new Float64Array(n);
  const values = new Float64Array(n);
  let at = 0;
  for (const f of frames) {
    steps.set(f.steps, at);
    times.set(f.times, at);
    values.set(f.values, at);
    at += f.steps.length;
  }
  return { key, steps, times, values };
}

function minStart(writers: Readonly<Record<string, WriterState>>): number | null {
  let min: number | null = null;
  for (const w of Object.values(writers)) if (w.startedAt !== null && (min === null || w.startedAt < min)) min = w.startedAt;
  return min === null ? null : Math.round(min * 1000);
}

/** A run without a name is called after its script (`train.py`) or its id. */
function defaultRunName(run: RunFile): string {
  const script = run.argv?.[0];
  return script ? path.basename(script) : run.id.slice(0, 8);
}
