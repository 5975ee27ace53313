// Exactly-once ingest across a crash: a child process ingests a large spool and is SIGKILLed mid-way (rows and
// offsets commit together, so whatever it committed is complete); a re-ingest then finishes the job without
// losing or repeating a point. A failing COMMIT (a trigger refusing an offset) is the deterministic variant.
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../main/core/logger';
import { openDatabase, type Db } from '../../main/services/store/open-database';
import { projectMigrations } from '../../main/services/store/project-migrations';
import { Ingester } from '../../main/services/tracking/ingest';
import { bundleChild, spawnChild, waitForExit } from './store-child';
import { writeRun } from './tracking-harness';

const runs = 24;
const steps = 20_000;
const keys = ['loss', 'acc'];
let base: string;
let project: string;
const runId = (i: number) => i.toString(16).padStart(32, '0');

const childSource = `
import { openDatabase } from './main/services/store/open-database';
import { projectMigrations } from './main/services/store/project-migrations';
import { Ingester } from './main/services/tracking/ingest';
import { silentLogger } from './main/core/logger';
const [project, ...ids] = process.argv.slice(2);
const db = openDatabase(project + '/.orrery/project.db', { migrations: projectMigrations, kind: 'project', logger: silentLogger });
const ingester = new Ingester({ db, trackingDir: project + '/.orrery/tracking', logger: silentLogger, now: () => Date.now(), isAlive: () => false });
(async () => {
  for (const id of ids) {
    await ingester.ingest(id);
    process.stdout.write('committed ' + id + '\\n');
  }
})();
`;

function openStore(): Db {
  return openDatabase(path.join(project, '.orrery', 'project.db'), { migrations: projectMigrations, kind: 'project', logger: silentLogger });
}

function points(db: Db): Map<string, number> {
  const rows = db.prepare('SELECT k.run_id AS id, sum(c.n) AS n FROM metric_chunks c JOIN metric_keys k ON k.id = c.key_id GROUP BY k.run_id').all() as { id: string; n: number }[];
  return new Map(rows.map((r) => [r.id, r.n]));
}

beforeAll(async () => {
  base = await realpath(await mkdtemp(path.join(os.tmpdir(), 'orrery-tracking-crash-')));
  project = path.join(base, 'project');
  for (let i = 1; i <= runs; i++) writeRun(project, runId(i), ['--keys', keys.join(','), '--steps', String(steps), '--flush', '1000']);
  openStore().close();
}, 120_000);
afterAll(() => rm(base, { recursive: true, force: true }));

describe('exactly-once ingest', () => {
  it('loses and repeats nothing when the ingesting process is killed mid-way', async () => {
    const bundle = await bundleChild(childSource, base, 'ingest-child');
    const ids = Array.from({ length: runs }, (_, i) => runId(i + 1));
    const child = spawnChild(bundle, [project, ...ids]);
    let committed = 0;
    child.stdout!.on('data', (chunk: Buffer) => {
      committed += chunk.toString().split('\n').filter((l) => l.startsWith('committed')).length;
      if (committed >= 3) child.kill('SIGKILL');
    });
    const exit = await waitForExit(child, 60_000);
    expect(exit.signal).toBe('SIGKILL');

    const db = openStore();
    try {
      const before = points(db);
      // Whatever was committed is whole: every run is either absent or complete.
      expect(before.size).toBeGreaterThanOrEqual(3);
      expect(before.size).toBeLessThan(runs);
      for (const n of before.values()) expect(n).toBe(steps * keys.length);
      const ingester = new Ingester({ db, trackingDir: path.join(project, '.orrery', 'tracking'), logger: silentLogger, now: () => Date.now(), isAlive: () => false });
      for (const id of ids) await ingester.ingest(id);
      for (const id of ids) await ingester.ingest(id);
      const after = points(db);
      expect(after.size).toBe(runs);
      for (const n of after.values()) expect(n).toBe(steps * keys.length);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  });

  it('rolls rows back with the offsets when the commit fails, and re-ingests them once', async () => {
    const id = 'ab'.repeat(16);
    writeRun(project, id, ['--keys', 'loss', '--steps', '500', '--flush', '50']);
    const db = openStore();
    try {
      const ingester = new Ingester({ db, trackingDir: path.join(project, '.orrery', 'tracking'), logger: silentLogger, now: () => Date.now(), isAlive: () => false });
      db.exec("CREATE TEMP TRIGGER refuse BEFORE INSERT ON spool_offsets WHEN NEW.file LIKE 'metrics.%' BEGIN SELECT RAISE(ABORT, 'disk went away'); END");
      await expect(ingester.ingest(id)).rejects.toThrow('disk went away');
      expect(points(db).get(id)).toBeUndefined();
      expect(db.prepare('SELECT count(*) FROM runs WHERE id = ?').pluck().get(id)).toBe(0);
      db.exec('DROP TRIGGER refuse');
      await ingester.ingest(id);
      await ingester.ingest(id);
      expect(points(db).get(id)).toBe(500);
    } finally {
      db.close();
    }
  });
});
