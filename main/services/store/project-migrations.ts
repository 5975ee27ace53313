import type { Migration } from './open-database';

/**
 * Schema 1 of `.orrery/project.db`: the project row, artifacts, and metric-shaped run data (the tracking
 * issue extends `runs`). Exported so the store benchmark's baseline writes into exactly the same tables.
 */
export const projectSchemaV1 = `
CREATE TABLE project (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  singleton INTEGER NOT NULL DEFAULT 1 UNIQUE CHECK (singleton = 1)
);
CREATE TABLE artifacts (
  sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64),
  size INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  media_type TEXT
) WITHOUT ROWID;
CREATE TABLE runs (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  ended_at INTEGER
);
CREATE TABLE metric_keys (
  id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  UNIQUE (run_id, key)
);
CREATE TABLE metrics (
  key_id INTEGER NOT NULL REFERENCES metric_keys (id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  time REAL NOT NULL,
  value REAL
);
CREATE INDEX metrics_by_key_step ON metrics (key_id, step);
`;

/** Schema 2: snapshots of environments (pip freeze / conda export) and the project's settings (its default env). */
export const projectSchemaV2 = `
CREATE TABLE env_locks (
  id TEXT PRIMARY KEY,
  env_id TEXT NOT NULL,
  env_name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  format TEXT NOT NULL CHECK (format IN ('pip', 'conda')),
  hash TEXT NOT NULL CHECK (length(hash) = 64),
  package_count INTEGER NOT NULL,
  python_version TEXT NOT NULL,
  note TEXT,
  content TEXT NOT NULL
);
CREATE INDEX env_locks_by_time ON env_locks (created_at);
CREATE TABLE project_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

/** Numbered migrations of the project store; append, never edit a released one. */
export const projectMigrations: readonly Migration[] = [
  { version: 1, name: 'project, artifacts, runs and metrics', up: (db) => db.exec(projectSchemaV1) },
  { version: 2, name: 'env locks and the default env', up: (db) => db.exec(projectSchemaV2) },
];
