import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../../main/core/logger';
import { createRun, MetricWriter, openDatabase, projectMigrations, type Db, type MetricPoint } from '../../../../../main/services/store';

function points(count: number, keys: readonly string[], from = 0): MetricPoint[] {
  return Array.from({ length: count }, (_, j) => {
    const i = from + j;
    return { key: keys[i % keys.length]!, step: Math.floor(i / keys.length), time: 1_700_000_000 + i / 10, value: i * 0.5 };
  });
}

describe('MetricWriter', () => {
  let dir: string;
  let db: Db;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'orrery-metrics-'));
    db = openDatabase(path.join(dir, 'project.db'), { migrations: projectMigrations, kind: 'project', logger: silentLogger });
    createRun(db, { id: 'run_a', name: 'a', createdAt: 1 });
  });

  afterEach(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes every point in order, values intact, across statement and transaction boundaries', () => {
    const commits: number[] = [];
    const writer = new MetricWriter(db, 'run_a', { transactionRows: 1000, onCommit: (n) => commits.push(n) });
    // 2,537 = not a multiple of the 249-row statement nor of the 1,000-row transaction.
    const input = points(2537, ['loss', 'accuracy', 'lr']);
    expect(writer.write(input)).toBe(2537);
    expect(commits).toEqual([1000, 2000, 2537]);
    expect(writer.committed).toBe(2537);
    const rows = db
      .prepare('SELECT k.key, m.step, m.time, m.value FROM metrics m JOIN metric_keys k ON k.id = m.key_id ORDER BY m.rowid')
      .all() as { key: string; step: number; time: number; value: number }[];
    expect(rows).toEqual(input.map((p) => ({ key: p.key, step: p.step, time: p.time, value: p.value })));
    expect(db.prepare("SELECT key FROM metric_keys WHERE run_id = 'run_a' ORDER BY id").pluck().all()).toEqual(['loss', 'accuracy', 'lr']);
  });

  it('keeps appending across calls and reuses key ids', () => {
    const writer = new MetricWriter(db, 'run_a');
    writer.write(points(10, ['loss']));
    writer.write(points(10, ['loss', 'grad_norm'], 10));
    expect(db.prepare('SELECT count(*) FROM metrics').pluck().get()).toBe(20);
    expect(db.prepare('SELECT count(*) FROM metric_keys').pluck().get()).toBe(2);
    // A second writer on the same run finds the existing keys instead of duplicating them.
    new MetricWriter(db, 'run_a').write(points(3, ['loss']));
    expect(db.prepare('SELECT count(*) FROM metric_keys').pluck().get()).toBe(2);
  });

  it('stores a missing value (null or NaN) as NULL', () => {
    new MetricWriter(db, 'run_a').write([
      { key: 'loss', step: 0, time: 1, value: null },
      { key: 'loss', step: 1, time: 2, value: Number.NaN },
      { key: 'loss', step: 2, time: 3, value: 0.25 },
    ]);
    expect(db.prepare('SELECT value FROM metrics ORDER BY step').pluck().all()).toEqual([null, null, 0.25]);
  });

  it('rolls back the failing transaction only: earlier commits stay, nothing partial is left', () => {
    const writer = new MetricWriter(db, 'run_a', { transactionRows: 100 });
    const input = points(250, ['loss']);
    (input[180] as { key: unknown }).key = '';
    expect(() => writer.write(input)).toThrow(/non-empty string/);
    expect(writer.committed).toBe(100);
    expect(db.prepare('SELECT count(*) FROM metrics').pluck().get()).toBe(100);
    // The writer still works afterwards.
    writer.write(points(5, ['loss']));
    expect(db.prepare('SELECT count(*) FROM metrics').pluck().get()).toBe(105);
  });

  it('refuses points for a run that does not exist (foreign key)', () => {
    expect(() => new MetricWriter(db, 'run_missing').write(points(1, ['loss']))).toThrow(/FOREIGN KEY/);
    expect(db.prepare('SELECT count(*) FROM metrics').pluck().get()).toBe(0);
  });

  it("deletes a run's metrics with the run (ON DELETE CASCADE)", () => {
    new MetricWriter(db, 'run_a').write(points(600, ['loss', 'acc']));
    db.prepare("DELETE FROM runs WHERE id = 'run_a'").run();
    expect(db.prepare('SELECT count(*) FROM metrics').pluck().get()).toBe(0);
    expect(db.prepare('SELECT count(*) FROM metric_keys').pluck().get()).toBe(0);
  });
});
