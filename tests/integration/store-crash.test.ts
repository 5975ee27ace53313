// A real `kill -9` of a process in the middle of a 1M-row write through the store's write path: reopening
// must pass PRAGMA integrity_check and hold every transaction the writer reported committed.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../main/core/logger';
import { openDatabase, projectMigrations } from '../../main/services/store';
import { bundleChild, spawnChild, waitForExit } from './store-child';

const totalRows = 1_000_000;
const batchRows = 10_000;
const killAfterRows = 100_000;

const writerSource = `
import { silentLogger } from './main/core/logger';
import { createRun, MetricWriter, openDatabase, projectMigrations, type MetricPoint } from './main/services/store';

const file = process.argv[2]!;
const db = openDatabase(file, { migrations: projectMigrations, kind: 'project', logger: silentLogger });
createRun(db, { id: 'run_crash', name: 'crash', createdAt: Date.now() });
// stdout to a pipe is synchronous on Linux: the line is out before the next transaction starts.
const writer = new MetricWriter(db, 'run_crash', { transactionRows: ${batchRows}, onCommit: (n) => process.stdout.write('committed ' + n + '\\n') });
const keys = ['loss', 'accuracy'];
for (let start = 0; start < ${totalRows}; start += ${batchRows}) {
  const points: MetricPoint[] = [];
  for (let i = start; i < start + ${batchRows}; i++) points.push({ key: keys[i % 2]!, step: i >> 1, time: 1_700_000_000 + i / 1000, value: i });
  writer.write(points);
}
process.stdout.write('done\\n');
`;

describe('store: kill -9 in the middle of a 1M-row write', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'orrery-crash-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reopens with integrity_check ok and every reported commit present', async () => {
    const bundle = await bundleChild(writerSource, dir, 'crash-writer');
    const file = path.join(dir, 'project.db');
    const child = spawnChild(bundle, [file]);
    let reported = 0;
    let sawDone = false;
    let pending = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const match = /^committed (\d+)$/.exec(line);
        if (match) reported = Math.max(reported, Number(match[1]));
        if (line === 'done') sawDone = true;
      }
      if (reported >= killAfterRows && child.exitCode === null && !child.killed) child.kill('SIGKILL');
    });
    const exit = await waitForExit(child, 120_000);

    expect(exit.stderr).toBe('');
    expect(exit.signal).toBe('SIGKILL');
    expect(sawDone).toBe(false);
    expect(reported).toBeGreaterThanOrEqual(killAfterRows);
    expect(reported).toBeLessThan(totalRows);
    // The process died with its WAL un-checkpointed; reopening recovers from it.
    expect(existsSync(`${file}-wal`)).toBe(true);

    const db = openDatabase(file, { migrations: projectMigrations, kind: 'project', logger: silentLogger });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const rows = db.prepare('SELECT count(*) FROM metrics').pluck().get() as number;
      expect(rows).toBeGreaterThanOrEqual(reported);
      expect(rows % batchRows).toBe(0);
      expect(rows).toBeLessThan(totalRows);
      // The rows present are exactly the first `rows` points, in order, nothing torn.
      const last = db.prepare('SELECT max(value) AS maxValue, min(value) AS minValue FROM metrics').get() as { maxValue: number; minValue: number };
      expect(last).toEqual({ maxValue: rows - 1, minValue: 0 });
      expect(db.prepare('SELECT count(*) FROM metric_keys').pluck().get()).toBe(2);
    } finally {
      db.close();
    }
  });
});
