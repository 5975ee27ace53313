import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/open-database';

/** A series as packed columns: point i is (steps[i], times[i], values[i]). */
export interface Series {
  readonly steps: Float64Array;
  readonly times: Float64Array;
  readonly values: Float64Array;
}

/** The summary a metric key keeps beside its chunks (`metric_keys` columns). */
export interface KeySummary {
  readonly key: string;
  readonly system: boolean;
  readonly count: number;
  readonly sorted: boolean;
  readonly lastStep: number | null;
  readonly lastTime: number | null;
  readonly lastValue: number | null;
  readonly minValue: number | null;
  readonly maxValue: number | null;
}

/** A chunk below this many points is folded into by the next append, so live runs do not make tiny chunks. */
export const minChunkPoints = 4096;
/** Appends are cut into chunks of at most this many points (1.5 MiB blobs). */
export const maxChunkPoints = 65_536;

interface KeyRow {
  id: number;
  count: number;
  chunks: number;
  sorted: number;
  last_step: number | null;
  last_time: number | null;
  last_value: number | null;
  min_value: number | null;
  max_value: number | null;
}

interface ChunkRow {
  seq: number;
  n: number;
  data: Buffer;
}

/**
 * Points per envelope block. Each chunk also stores, per block of this many points (in step order), the point
 * with the lowest and the one with the highest finite value, and how many values were not finite: a min/max
 * downsample of a long series reads these instead of every point (64 points → 2), which is what lets a compare
 * view of 100 runs × 100k points answer in a fraction of a second.
 */
export const envelopeBlock = 64;
/** Doubles per envelope block: step, time and value of the minimum; step, time and value of the maximum; non-finite count. */
const envelopeFields = 7;

/** A series thinned to its envelope: two points per block (its min and max, in step order), and what they stand for. */
export interface Envelope extends Series {
  /** Points the envelope stands for. */
  readonly points: number;
  /** Of those, values that were NaN or ±Inf. */
  readonly nonFinite: number;
}

/** The envelope blob of points [from, to) of a series (one block per `envelopeBlock` points). */
export function envelopeOf(series: Series, from: number, to: number): Buffer {
  const blocks = Math.ceil((to - from) / envelopeBlock);
  const out = new Float64Array(blocks * envelopeFields);
  for (let b = 0; b < blocks; b++) {
    const start = from + b * envelopeBlock;
    const end = Math.min(to, start + envelopeBlock);
    let lo = -1;
    let hi = -1;
    let nonFinite = 0;
    for (let i = start; i < end; i++) {
      const v = series.values[i]!;
      if (!Number.isFinite(v)) {
        nonFinite++;
        continue;
      }
      if (lo < 0 || v < series.values[lo]!) lo = i;
      if (hi < 0 || v > series.values[hi]!) hi = i;
    }
    const at = b * envelopeFields;
    if (lo < 0) {
      out.fill(Number.NaN, at, at + 6);
    } else {
      out[at] = series.steps[lo]!;
      out[at + 1] = series.times[lo]!;
      out[at + 2] = series.values[lo]!;
      out[at + 3] = series.steps[hi]!;
      out[at + 4] = series.times[hi]!;
      out[at + 5] = series.values[hi]!;
    }
    out[at + 6] = nonFinite;
  }
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

/** Keys starting with `sys/` are the job's system metrics (GPU, CPU, memory), drawn apart from the script's. */
export function isSystemKey(key: string): boolean {
  return key.startsWith('sys/');
}

function columnsOf(data: Buffer, n: number): Series {
  // Blobs come back at any byte offset: copy into aligned arrays (one memcpy per column).
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const copy = (column: number) => {
    const out = new Float64Array(n);
    new Uint8Array(out.buffer).set(bytes.subarray(column * 8 * n, (column + 1) * 8 * n));
    return out;
  };
  return { steps: copy(0), times: copy(1), values: copy(2) };
}

function pack(series: Series, from: number, to: number): Buffer {
  const n = to - from;
  const out = Buffer.allocUnsafe(24 * n);
  const put = (column: Float64Array, index: number) => {
    const view = new Uint8Array(column.buffer, column.byteOffset + from * 8, n * 8);
    out.set(view, index * 8 * n);
  };
  put(series.steps, 0);
  put(series.times, 1);
  put(series.values, 2);
  return out;
}

function concat(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function isAscending(steps: Float64Array, times: Float64Array): boolean {
  for (let i = 1; i < steps.length; i++) {
    const d = steps[i]! - steps[i - 1]!;
    if (d < 0 || (d === 0 && times[i]! < times[i - 1]!)) return false;
  }
  return true;
}

/** Sorts a series by step, then time (stable for equal pairs). */
export function sortSeries(series: Series): Series {
  const n = series.steps.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const { steps, times } = series;
  order.sort((a, b) => steps[a]! - steps[b]! || times[a]! - times[b]! || a - b);
  const pick = (column: Float64Array) => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = column[order[i]!]!;
    return out;
  };
  return { steps: pick(series.steps), times: pick(series.times), values: pick(series.values) };
}

/**
 * Metric points of runs, stored as chunks of packed float64 columns (`metric_chunks`) with a per-key summary
 * (`metric_keys`). Writes run inside the caller's transaction; reads answer whole columns sorted by step, time.
 */
export class SeriesStore {
  private readonly selectKey: Statement<[string, string], KeyRow>;
  private readonly insertKey: Statement<[string, string, number]>;
  private readonly updateKey: Statement<unknown[]>;
  private readonly selectTail: Statement<[number, number], ChunkRow>;
  private readonly deleteChunk: Statement<[number, number]>;
  private readonly insertChunk: Statement<unknown[]>;
  private readonly selectChunks: Statement<[number], ChunkRow>;
  private readonly selectChunksInRange: Statement<[number, number, number], ChunkRow>;
  private readonly selectEnvelopes: Statement<[number], { n: number; envelope: Buffer | null }>;

  constructor(private readonly db: Db) {
    const keyColumns = 'id, count, chunks, sorted, last_step, last_time, last_value, min_value, max_value';
    this.selectKey = db.prepare(`SELECT ${keyColumns} FROM metric_keys WHERE run_id = ? AND key = ?`);
    this.insertKey = db.prepare('INSERT INTO metric_keys (run_id, key, system) VALUES (?, ?, ?)');
    this.updateKey = db.prepare(
      'UPDATE metric_keys SET count = ?, chunks = ?, sorted = ?, last_step = ?, last_time = ?, last_value = ?, min_value = ?, max_value = ? WHERE id = ?',
    );
    this.selectTail = db.prepare('SELECT seq, n, data FROM metric_chunks WHERE key_id = ? AND seq = ?');
    this.deleteChunk = db.prepare('DELETE FROM metric_chunks WHERE key_id = ? AND seq = ?');
    this.insertChunk = db.prepare(
      'INSERT INTO metric_chunks (key_id, seq, n, step_min, step_max, time_min, time_max, data, envelope) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.selectChunks = db.prepare('SELECT seq, n, data FROM metric_chunks WHERE key_id = ? ORDER BY seq');
    this.selectChunksInRange = db.prepare('SELECT seq, n, data FROM metric_chunks WHERE key_id = ? AND step_max >= ? AND step_min <= ? ORDER BY seq');
    this.selectEnvelopes = db.prepare('SELECT n, envelope FROM metric_chunks WHERE key_id = ? ORDER BY seq');
  }

  /** How many points a run's key holds, and whether they arrived in step order (null: no such key). */
  count(runId: string, key: string): { count: number; sorted: boolean } | null {
    const row = this.selectKey.get(runId, key);
    return row ? { count: row.count, sorted: row.sorted === 1 } : null;
  }

  /**
   * A run's key as its envelope (see `envelopeBlock`), in step order; null when the key is unknown, its points
   * arrived out of order (chunks then overlap in step), or a chunk has no envelope.
   */
  readEnvelope(runId: string, key: string): Envelope | null {
    const row = this.selectKey.get(runId, key);
    if (!row || row.sorted !== 1) return null;
    const chunks = this.selectEnvelopes.all(row.id);
    let blocks = 0;
    for (const chunk of chunks) {
      if (!chunk.envelope) return null;
      blocks += chunk.envelope.byteLength / (8 * envelopeFields);
    }
    const steps = new Float64Array(2 * blocks);
    const times = new Float64Array(2 * blocks);
    const values = new Float64Array(2 * blocks);
    let points = 0;
    let nonFinite = 0;
    let j = 0;
    for (const chunk of chunks) {
      points += chunk.n;
      const bytes = chunk.envelope!;
      // Blobs come back at any byte offset: copy into an aligned array.
      const fields = new Float64Array(bytes.byteLength / 8);
      new Uint8Array(fields.buffer).set(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      for (let at = 0; at < fields.length; at += envelopeFields) {
        nonFinite += fields[at + 6]!;
        if (Number.isNaN(fields[at + 2]!)) continue;
        // The two extremes in step order (the same point when the block holds one finite value).
        const minFirst = fields[at]! <= fields[at + 3]!;
        const order = minFirst ? [at, at + 3] : [at + 3, at];
        for (const k of order) {
          steps[j] = fields[k]!;
          times[j] = fields[k + 1]!;
          values[j] = fields[k + 2]!;
          j++;
        }
      }
    }
    return { steps: steps.subarray(0, j), times: times.subarray(0, j), values: values.subarray(0, j), points, nonFinite };
  }

  /** Appends points to a run's key (creating the key); call inside a transaction. The three arrays have one length. */
  append(runId: string, key: string, steps: Float64Array, times: Float64Array, values: Float64Array): void {
    const n = steps.length;
    if (times.length !== n || values.length !== n) throw new Error(`append ${key}: columns of different lengths (${n}, ${times.length}, ${values.length})`);
    if (n === 0) return;
    let row = this.selectKey.get(runId, key);
    if (!row) {
      this.insertKey.run(runId, key, isSystemKey(key) ? 1 : 0);
      row = this.selectKey.get(runId, key)!;
    }
    const sorted = row.sorted === 1 && isAscending(steps, times) && (row.last_step === null || steps[0]! > row.last_step || (steps[0] === row.last_step && times[0]! >= (row.last_time ?? -Infinity)));
    let series: Series = { steps, times, values };
    let seq = row.chunks;
    // Fold a small tail chunk into this batch so the key keeps few, large chunks.
    if (seq > 0) {
      const tail = this.selectTail.get(row.id, seq - 1);
      if (tail && tail.n < minChunkPoints) {
        const old = columnsOf(tail.data, tail.n);
        series = { steps: concat(old.steps, steps), times: concat(old.times, times), values: concat(old.values, values) };
        this.deleteChunk.run(row.id, seq - 1);
        seq--;
      }
    }
    const total = series.steps.length;
    for (let from = 0; from < total; from += maxChunkPoints) {
      const to = Math.min(total, from + maxChunkPoints);
      this.writeChunk(row.id, seq++, series, from, to);
    }
    let min = row.min_value;
    let max = row.max_value;
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      // NaN and ±Inf are kept as points but left out of min/max, so axes stay finite.
      if (!Number.isFinite(v)) continue;
      if (min === null || v < min) min = v;
      if (max === null || v > max) max = v;
    }
    // The "last" point is the one with the highest step (then time), whatever order it arrived in.
    let lastStep = row.last_step;
    let lastTime = row.last_time;
    let lastValue = row.last_value;
    for (let i = 0; i < n; i++) {
      const s = steps[i]!;
      const t = times[i]!;
      if (lastStep === null || s > lastStep || (s === lastStep && t >= (lastTime ?? -Infinity))) {
        lastStep = s;
        lastTime = t;
        lastValue = values[i]!;
      }
    }
    this.updateKey.run(row.count + n, seq, sorted ? 1 : 0, lastStep, lastTime, storable(lastValue), storable(min), storable(max), row.id);
  }

  /** A run's key as columns sorted by step then time; `range` keeps steps inside [from, to]. Null when the key is unknown. */
  read(runId: string, key: string, range: { from?: number | undefined; to?: number | undefined } = {}): Series | null {
    const row = this.selectKey.get(runId, key);
    if (!row) return null;
    const from = range.from ?? -Infinity;
    const to = range.to ?? Infinity;
    const chunks = range.from === undefined && range.to === undefined ? this.selectChunks.all(row.id) : this.selectChunksInRange.all(row.id, from, to);
    let total = 0;
    for (const chunk of chunks) total += chunk.n;
    const steps = new Float64Array(total);
    const times = new Float64Array(total);
    const values = new Float64Array(total);
    const stepBytes = new Uint8Array(steps.buffer);
    const timeBytes = new Uint8Array(times.buffer);
    const valueBytes = new Uint8Array(values.buffer);
    let at = 0;
    for (const { n, data } of chunks) {
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      stepBytes.set(bytes.subarray(0, 8 * n), at * 8);
      timeBytes.set(bytes.subarray(8 * n, 16 * n), at * 8);
      valueBytes.set(bytes.subarray(16 * n, 24 * n), at * 8);
      at += n;
    }
    let series: Series = { steps, times, values };
    if (row.sorted !== 1) series = sortSeries(series);
    if (range.from === undefined && range.to === undefined) return series;
    return clip(series, from, to);
  }

  /** The summaries of a run's keys, by key name. */
  summaries(runId: string): KeySummary[] {
    const rows = this.db
      .prepare('SELECT key, system, count, sorted, last_step, last_time, last_value, min_value, max_value FROM metric_keys WHERE run_id = ? ORDER BY key')
      .all(runId) as (KeyRow & { key: string; system: number })[];
    return rows.map((r) => ({
      key: r.key,
      system: r.system === 1,
      count: r.count,
      sorted: r.sorted === 1,
      lastStep: r.last_step,
      lastTime: r.last_time,
      lastValue: finiteOrNull(r.last_value),
      minValue: r.min_value,
      maxValue: r.max_value,
    }));
  }

  private writeChunk(keyId: number, seq: number, series: Series, from: number, to: number): void {
    let stepMin = Infinity;
    let stepMax = -Infinity;
    let timeMin = Infinity;
    let timeMax = -Infinity;
    for (let i = from; i < to; i++) {
      const s = series.steps[i]!;
      const t = series.times[i]!;
      if (s < stepMin) stepMin = s;
      if (s > stepMax) stepMax = s;
      if (t < timeMin) timeMin = t;
      if (t > timeMax) timeMax = t;
    }
    this.insertChunk.run(
      keyId,
      seq,
      to - from,
      finiteOr(stepMin, 0),
      finiteOr(stepMax, 0),
      finiteOr(timeMin, 0),
      finiteOr(timeMax, 0),
      pack(series, from, to),
      envelopeOf(series, from, to),
    );
  }
}

/** SQLite stores NaN as NULL and refuses nothing else; ±Inf are kept. */
function storable(value: number | null): number | null {
  return value === null || Number.isNaN(value) ? null : value;
}

/** The contract carries numbers as JSON: a non-finite last value reads as null (like NaN). */
export function finiteOrNull(value: number | null): number | null {
  return value !== null && Number.isFinite(value) ? value : null;
}

/** Chunk bounds of a chunk whose steps are all NaN fall back to 0 (the column is NOT NULL). */
function finiteOr(value: number, fallback: number): number {
  return Number.isFinite(value) ? value : fallback;
}

function clip(series: Series, from: number, to: number): Series {
  let start = -1;
  let end = -1;
  // Sorted by step: the kept points are one contiguous window.
  for (let i = 0; i < series.steps.length; i++) {
    const s = series.steps[i]!;
    if (s >= from && s <= to) {
      if (start < 0) start = i;
      end = i + 1;
    }
  }
  if (start < 0) return { steps: new Float64Array(0), times: new Float64Array(0), values: new Float64Array(0) };
  return { steps: series.steps.subarray(start, end), times: series.times.subarray(start, end), values: series.values.subarray(start, end) };
}
