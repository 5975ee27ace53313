import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../../main/core/logger';
import { openDatabase, type Db } from '../../../../../main/services/store/open-database';
import { projectMigrations } from '../../../../../main/services/store/project-migrations';
import { createRun } from '../../../../../main/services/store/runs';
import { downsample } from '../../../../../main/services/tracking/downsample';
import { readSeries } from '../../../../../main/services/tracking/run-queries';
import { envelopeBlock, maxChunkPoints, minChunkPoints, SeriesStore } from '../../../../../main/services/tracking/series-store';

const f64 = (values: number[]) => Float64Array.from(values);
const range = (from: number, n: number) => Float64Array.from({ length: n }, (_, i) => from + i);

describe('SeriesStore', () => {
  let dir: string;
  let db: Db;
  let store: SeriesStore;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'orrery-series-'));
    db = openDatabase(path.join(dir, 'project.db'), { migrations: projectMigrations, kind: 'project', logger: silentLogger });
    createRun(db, { id: 'r1', name: 'r1', createdAt: 0 });
    store = new SeriesStore(db);
  });
  afterEach(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });
  const chunks = () => db.prepare('SELECT n FROM metric_chunks ORDER BY seq').pluck().all() as number[];

  it('thins a long series from its envelope to what min/max over every point draws, counting non-finite points', () => {
    // A noisy random walk with spikes and NaN gaps, logged in small batches (tail chunks fold; envelopes are rebuilt).
    const n = 150_000;
    let state = 7;
    let level = 0;
    const rand = () => ((state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const values = Float64Array.from({ length: n }, (_, i) => {
      level += rand() - 0.5;
      if (i % 9973 === 0) return 50 + level; // a spike
      if (i >= 40_000 && i < 40_100) return Number.NaN;
      return level;
    });
    for (let from = 0; from < n; from += 7_000) {
      const to = Math.min(n, from + 7_000);
      db.transaction(() => store.append('r1', 'loss', range(from, to - from), range(1_000 + from, to - from), values.slice(from, to)))();
    }
    const input = { runIds: ['r1'], keys: ['loss'], x: 'step' as const, maxPoints: 400, method: 'minmax' as const };
    const [thin] = readSeries(db, store, input);
    const full = downsample(range(0, n), values, { maxPoints: 400, method: 'minmax' });
    expect(thin!.points).toBe(n);
    expect(thin!.nonFinite).toBe(100);
    expect(thin!.x.length).toBeLessThanOrEqual(400);
    // The extremes survive (every spike's bucket keeps its max), and the line stays within the true range.
    expect(Math.max(...thin!.y)).toBe(Math.max(...full.y));
    expect(Math.min(...thin!.y)).toBe(Math.min(...full.y));
    const bucket = (x: number) => Math.floor((x / n) * 200);
    const fullMax = new Map<number, number>();
    full.x.forEach((x, i) => fullMax.set(bucket(x), Math.max(fullMax.get(bucket(x)) ?? -Infinity, full.y[i]!)));
    let same = 0;
    thin!.x.forEach((x, i) => {
      if (fullMax.get(bucket(x)) === thin!.y[i]) same++;
    });
    expect(same).toBeGreaterThan(150);
    // With a bucket narrower than a block (or a zoom range) it reads every point instead.
    const fineMax = Math.ceil(n / (envelopeBlock / 2)) + 1;
    const [fine] = readSeries(db, store, { ...input, maxPoints: fineMax });
    expect(fine!.y).toEqual(Array.from(downsample(range(0, n), values, { maxPoints: fineMax, method: 'minmax' }).y));
  });

  it('reads no envelope for a key whose steps arrived out of order', () => {
    db.transaction(() => store.append('r1', 'acc', f64([5, 6, 7]), f64([1, 2, 3]), f64([1, 2, 3])))();
    // One block: its lowest and its highest point, in step order.
    expect(store.readEnvelope('r1', 'acc')).toMatchObject({ steps: f64([5, 7]), values: f64([1, 3]), points: 3, nonFinite: 0 });
    db.transaction(() => store.append('r1', 'acc', f64([1]), f64([4]), f64([9])))();
    expect(store.readEnvelope('r1', 'acc')).toBeNull();
  });

  it('folds small appends into one chunk and cuts big ones at the chunk size', () => {
    for (let i = 0; i < 100; i++) db.transaction(() => store.append('r1', 'loss', range(i * 10, 10), range(i * 10, 10), range(i * 10, 10)))();
    expect(chunks()).toEqual([1000]);
    db.transaction(() => store.append('r1', 'loss', range(1000, 200_000), range(1000, 200_000), range(1000, 200_000)))();
    const sizes = chunks();
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(201_000);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(maxChunkPoints);
    expect(sizes.slice(0, -1).every((n) => n >= minChunkPoints)).toBe(true);
    const read = store.read('r1', 'loss')!;
    expect(read.steps.length).toBe(201_000);
    expect(read.steps[150_000]).toBe(150_000);
    expect(store.read('r1', 'loss', { from: 500, to: 509 })!.values).toEqual(range(500, 10));
  });

  it('keeps out-of-order steps, marks the key unsorted and reads them sorted by step then time', () => {
    db.transaction(() => store.append('r1', 'acc', f64([5, 6, 7]), f64([50, 60, 70]), f64([0.5, 0.6, 0.7])))();
    db.transaction(() => store.append('r1', 'acc', f64([1, 6, 2]), f64([80, 55, 90]), f64([0.1, 0.65, 0.2])))();
    const read = store.read('r1', 'acc')!;
    expect(Array.from(read.steps)).toEqual([1, 2, 5, 6, 6, 7]);
    expect(Array.from(read.times)).toEqual([80, 90, 50, 55, 60, 70]);
    const [summary] = store.summaries('r1');
    expect(summary).toMatchObject({ key: 'acc', count: 6, sorted: false, lastStep: 7, lastValue: 0.7, minValue: 0.1, maxValue: 0.7, system: false });
  });

  it('summarises min/max over finite values only, keeps NaN/Inf points and marks sys/ keys as system', () => {
    db.transaction(() => store.append('r1', 'sys/cpu', f64([0, 1, 2]), f64([0, 1, 2]), f64([NaN, 3, NaN])))();
    db.transaction(() => store.append('r1', 'x', f64([0, 1]), f64([0, 1]), f64([-Infinity, 2])))();
    const [cpu, x] = store.summaries('r1');
    expect(cpu).toMatchObject({ system: true, count: 3, minValue: 3, maxValue: 3, lastValue: null });
    expect(x).toMatchObject({ minValue: 2, maxValue: 2 });
    expect(store.read('r1', 'x')!.values[0]).toBe(-Infinity);
    expect(Number.isNaN(store.read('r1', 'sys/cpu')!.values[2])).toBe(true);
    expect(store.read('r1', 'nope')).toBeNull();
  });

  it('writes nothing when the caller rolls back', () => {
    expect(() =>
      db.transaction(() => {
        store.append('r1', 'loss', range(0, 10), range(0, 10), range(0, 10));
        throw new Error('stop');
      })(),
    ).toThrow('stop');
    expect(store.read('r1', 'loss')).toBeNull();
  });
});
