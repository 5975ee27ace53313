import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isOrreryError } from '../../../../../app/contract';
import { silentLogger } from '../../../../../main/core/logger';
import { applicationIds, openDatabase, schemaVersion, type Migration } from '../../../../../main/services/store/open-database';
import { projectMigrations } from '../../../../../main/services/store/project-migrations';

const open = (file: string, migrations: readonly Migration[] = projectMigrations) =>
  openDatabase(file, { migrations, kind: 'project', logger: silentLogger });

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Runs `fn`, expecting an OrreryError; answers its code and message. */
function refusal(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (error) {
    if (isOrreryError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a refusal, the store opened');
}

describe('openDatabase', () => {
  let dir: string;
  let file: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'orrery-open-db-'));
    file = path.join(dir, 'project.db');
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a store with WAL, foreign keys, busy timeout, synchronous=NORMAL and the latest schema', () => {
    const db = open(file);
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
      expect(db.pragma('synchronous', { simple: true })).toBe(1);
      expect(schemaVersion(db)).toBe(projectMigrations.length);
      expect(db.pragma('application_id', { simple: true })).toBe(applicationIds.project);
      // (FTS5's shadow tables, llm_calls_fts_*, are left out: they are SQLite's.)
      const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE '%_fts_%' ORDER BY name").pluck().all();
      expect(tables).toEqual([
        'artifacts',
        'deployments',
        'env_locks',
        'jobs',
        'llm_calls',
        'llm_calls_fts',
        'metric_chunks',
        'metric_keys',
        'metrics',
        'model_aliases',
        'model_benchmarks',
        'model_exports',
        'model_packages',
        'model_versions',
        'models',
        'project',
        'project_settings',
        'prompt_labels',
        'prompt_versions',
        'prompts',
        'run_artifacts',
        'run_events',
        'runs',
        'sandbox_sessions',
        'serve_requests',
        'spool_offsets',
        'suite_cells',
        'suite_runs',
        'sweep_trials',
        'sweeps',
      ]);
    } finally {
      db.close();
    }
  });

  it('applies only the migrations newer than user_version, each in its own transaction', () => {
    const applied: number[] = [];
    const migrations: Migration[] = [
      { version: 1, name: 'a', up: (db) => (applied.push(1), db.exec('CREATE TABLE a (x)')) },
      { version: 2, name: 'b', up: (db) => (applied.push(2), db.exec('CREATE TABLE b (x)')) },
    ];
    open(file, migrations.slice(0, 1)).close();
    expect(applied).toEqual([1]);
    const db = open(file, migrations);
    expect(applied).toEqual([1, 2]);
    expect(schemaVersion(db)).toBe(2);
    db.close();
    open(file, migrations).close();
    expect(applied).toEqual([1, 2]);
  });

  it('rolls a failing migration back whole and leaves user_version at the last good step', () => {
    const migrations: Migration[] = [
      { version: 1, name: 'good', up: (db) => db.exec('CREATE TABLE a (x)') },
      {
        version: 2,
        name: 'bad',
        up: (db) => {
          db.exec('CREATE TABLE b (x)');
          throw new Error('boom');
        },
      },
    ];
    expect(() => open(file, migrations)).toThrow('boom');
    const raw = new Database(file);
    try {
      expect(raw.pragma('user_version', { simple: true })).toBe(1);
      expect(raw.prepare("SELECT name FROM sqlite_schema WHERE name = 'b'").get()).toBeUndefined();
    } finally {
      raw.close();
    }
  });

  it('refuses a store from a newer schema, leaving the file byte-for-byte and creating no sidecar', () => {
    const db = open(file);
    db.pragma(`user_version = ${projectMigrations.length + 3}`);
    db.close();
    const before = sha256(file);
    const failure = refusal(() => open(file));
    expect(failure.code).toBe('newer_schema');
    expect(failure.message).toContain(file);
    expect(failure.message).toContain(`schema ${projectMigrations.length + 3}, this one knows ${projectMigrations.length}`);
    expect(failure.message).toContain('update Orrery');
    expect(sha256(file)).toBe(before);
    expect(readdirSync(dir)).toEqual(['project.db']);
  });

  it('refuses a newer schema that is only in the WAL (header not yet checkpointed), without migrating down', () => {
    const db = open(file);
    db.pragma('wal_autocheckpoint = 0');
    const writer = new Database(file);
    writer.pragma('wal_autocheckpoint = 0');
    writer.pragma('user_version = 99');
    // Keep a reader connection open so closing `writer` cannot checkpoint the WAL into the main file.
    writer.close();
    // The main file's header still shows an older version; only the WAL knows 99.
    expect(readFileSync(file).readUInt32BE(60)).toBeLessThan(99);
    const failure = refusal(() => open(file));
    expect(failure.code).toBe('newer_schema');
    db.close();
    const check = new Database(file, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(99);
    check.close();
  });

  it('refuses a file that is not SQLite, untouched and without sidecars', () => {
    writeFileSync(file, 'this is a notebook, not a database\n'.repeat(20));
    const before = sha256(file);
    const failure = refusal(() => open(file));
    expect(failure.code).toBe('corrupt_store');
    expect(failure.message).toContain(file);
    expect(failure.message).toMatch(/left the file untouched/);
    expect(failure.message).toMatch(/backup/);
    expect(sha256(file)).toBe(before);
    expect(readdirSync(dir)).toEqual(['project.db']);
  });

  it('refuses a truncated file shorter than the SQLite header', () => {
    writeFileSync(file, Buffer.from('SQLite format 3\u0000'));
    expect(refusal(() => open(file)).code).toBe('corrupt_store');
    expect(readFileSync(file).length).toBe(16);
  });

  it('refuses a store whose pages are damaged (quick_check), untouched and without sidecars left', () => {
    const db = open(file);
    db.exec("INSERT INTO runs (id, name, status, created_at) VALUES ('r', 'run', 'created', 1)");
    db.prepare('INSERT INTO metric_keys (run_id, key) VALUES (?, ?)').run('r', 'loss');
    const insert = db.prepare('INSERT INTO metrics (key_id, step, time, value) VALUES (1, ?, ?, ?)');
    db.transaction(() => {
      for (let i = 0; i < 20_000; i++) insert.run(i, i, i);
    })();
    db.close();
    // Overwrite a stretch of pages in the middle (tables and index) with garbage, as a bad disk would.
    const bytes = readFileSync(file);
    const pageSize = bytes.readUInt16BE(16);
    const pages = bytes.length / pageSize;
    for (let page = Math.floor(pages / 3); page < Math.floor(pages / 3) + 4; page++) bytes.fill(0xa5, page * pageSize, page * pageSize + pageSize);
    writeFileSync(file, bytes);
    const before = sha256(file);
    const failure = refusal(() => open(file));
    expect(failure.code).toBe('corrupt_store');
    expect(failure.message).toContain(file);
    expect(sha256(file)).toBe(before);
    expect(readdirSync(dir)).toEqual(['project.db']);
  });

  it("refuses another program's SQLite database instead of migrating it", () => {
    const other = new Database(file);
    other.exec('CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL); INSERT INTO invoices VALUES (1, 9.5)');
    other.close();
    const before = sha256(file);
    const failure = refusal(() => open(file));
    expect(failure.code).toBe('corrupt_store');
    expect(failure.message).toMatch(/not an Orrery store/);
    expect(sha256(file)).toBe(before);

    const tagged = new Database(path.join(dir, 'tagged.db'));
    tagged.pragma('application_id = 42');
    tagged.exec('CREATE TABLE t (x)');
    tagged.close();
    expect(refusal(() => open(path.join(dir, 'tagged.db'))).message).toMatch(/another program \(application id 42\)/);
  });

  it('refuses a user store opened as a project store', () => {
    openDatabase(file, { migrations: [{ version: 1, name: 'u', up: (db) => db.exec('CREATE TABLE u (x)') }], kind: 'user', logger: silentLogger }).close();
    expect(refusal(() => open(file)).code).toBe('corrupt_store');
  });

  it('opens an empty file as a new store', () => {
    writeFileSync(file, '');
    const db = open(file);
    expect(schemaVersion(db)).toBe(projectMigrations.length);
    db.close();
  });

  it('loads the native binding named by ORRERY_SQLITE_BINDING (the Electron build) when set', () => {
    const saved = process.env.ORRERY_SQLITE_BINDING;
    try {
      process.env.ORRERY_SQLITE_BINDING = path.join(dir, 'missing', 'better_sqlite3.node');
      expect(() => open(file)).toThrow(/missing/);
      process.env.ORRERY_SQLITE_BINDING = require.resolve('better-sqlite3/build/Release/better_sqlite3.node');
      const db = open(file);
      expect(schemaVersion(db)).toBe(projectMigrations.length);
      db.close();
    } finally {
      if (saved === undefined) delete process.env.ORRERY_SQLITE_BINDING;
      else process.env.ORRERY_SQLITE_BINDING = saved;
    }
  });

  it('throws (a bug) on migrations numbered with a gap', () => {
    expect(() => open(file, [{ version: 2, name: 'x', up: () => undefined }])).toThrow(/expected 1/);
    expect(existsSync(file)).toBe(false);
  });
});
