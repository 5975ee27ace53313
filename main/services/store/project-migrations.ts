import type { Migration } from './open-database';
import { jobBackendSchema } from '../jobs/backend-schema';
import { deploySchema } from '../deploy/deploy-schema';
import { sandboxSchema } from '../sandbox/sandbox-schema';

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

/**
 * Schema 3: experiment tracking and jobs. A run gains its params, tags, lineage, origin and writers (the spool
 * processes whose start/finish decide its status); a metric key
 * its summary; points live in chunks of packed float64 columns (steps, times, values) so a 1M-point series
 * reads back as a few dozen blobs; the spool offsets make ingest exactly-once; jobs are the local queue.
 */
export const projectSchemaV3 = `
ALTER TABLE runs ADD COLUMN params TEXT NOT NULL DEFAULT '{}';
ALTER TABLE runs ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
ALTER TABLE runs ADD COLUMN source TEXT NOT NULL DEFAULT 'sdk';
ALTER TABLE runs ADD COLUMN job_id TEXT;
ALTER TABLE runs ADD COLUMN git_commit TEXT;
ALTER TABLE runs ADD COLUMN env_lock_id TEXT;
ALTER TABLE runs ADD COLUMN meta TEXT NOT NULL DEFAULT '{}';
ALTER TABLE runs ADD COLUMN notes TEXT;
ALTER TABLE runs ADD COLUMN error TEXT;
ALTER TABLE runs ADD COLUMN updated_at INTEGER;
ALTER TABLE runs ADD COLUMN writers TEXT NOT NULL DEFAULT '{}';
CREATE INDEX runs_by_created ON runs (created_at);
CREATE INDEX runs_by_status ON runs (status, created_at);

ALTER TABLE metric_keys ADD COLUMN system INTEGER NOT NULL DEFAULT 0;
ALTER TABLE metric_keys ADD COLUMN count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE metric_keys ADD COLUMN chunks INTEGER NOT NULL DEFAULT 0;
ALTER TABLE metric_keys ADD COLUMN sorted INTEGER NOT NULL DEFAULT 1;
ALTER TABLE metric_keys ADD COLUMN last_step REAL;
ALTER TABLE metric_keys ADD COLUMN last_time REAL;
ALTER TABLE metric_keys ADD COLUMN last_value REAL;
ALTER TABLE metric_keys ADD COLUMN min_value REAL;
ALTER TABLE metric_keys ADD COLUMN max_value REAL;
CREATE INDEX metric_keys_by_key ON metric_keys (system, key);

CREATE TABLE metric_chunks (
  key_id INTEGER NOT NULL REFERENCES metric_keys (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  n INTEGER NOT NULL CHECK (n > 0),
  step_min REAL NOT NULL,
  step_max REAL NOT NULL,
  time_min REAL NOT NULL,
  time_max REAL NOT NULL,
  data BLOB NOT NULL CHECK (length(data) = 24 * n),
  envelope BLOB,
  PRIMARY KEY (key_id, seq)
);

CREATE TABLE run_artifacts (
  id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  sha256 TEXT NOT NULL REFERENCES artifacts (sha256),
  size INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('artifact', 'checkpoint', 'log')),
  step REAL,
  created_at REAL NOT NULL
);
CREATE INDEX run_artifacts_by_run ON run_artifacts (run_id, kind);

CREATE TABLE run_events (
  id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  time REAL NOT NULL,
  level TEXT NOT NULL CHECK (level IN ('info', 'warning', 'error')),
  message TEXT NOT NULL
);
CREATE INDEX run_events_by_run ON run_events (run_id, time);

CREATE TABLE spool_offsets (
  run_id TEXT NOT NULL,
  file TEXT NOT NULL,
  offset INTEGER NOT NULL,
  PRIMARY KEY (run_id, file)
) WITHOUT ROWID;

CREATE TABLE jobs (
  id TEXT PRIMARY KEY,
  run_id TEXT NOT NULL,
  name TEXT NOT NULL,
  script TEXT NOT NULL,
  args TEXT NOT NULL DEFAULT '[]',
  cwd TEXT NOT NULL,
  env_id TEXT,
  gpus TEXT,
  state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'lost')),
  attempt INTEGER NOT NULL DEFAULT 1,
  retry_of TEXT REFERENCES jobs (id) ON DELETE SET NULL,
  resume_from TEXT,
  resume_path TEXT,
  env_lock_id TEXT,
  pid INTEGER,
  pid_start INTEGER,
  exit_code INTEGER,
  signal TEXT,
  error TEXT,
  cancel_requested_at INTEGER,
  finalized INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  ended_at INTEGER
);
CREATE INDEX jobs_by_state ON jobs (state, created_at);
`;

/**
 * Schema 4: the prompt studio. Versions are immutable (a save is an insert); a label points at one version; every
 * model call is kept in `llm_calls` (searchable through `llm_calls_fts`, whose rowid is the call's rowid); a suite
 * run keeps its rows and columns as JSON and one `suite_cells` row per cell. Calls keep their prompt id after the
 * prompt is deleted (history is not rewritten), so there is no foreign key from calls to prompts.
 */
export const projectSchemaV4 = `
CREATE TABLE prompts (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE prompt_versions (
  prompt_id TEXT NOT NULL REFERENCES prompts (id) ON DELETE CASCADE,
  version INTEGER NOT NULL CHECK (version >= 1),
  messages TEXT NOT NULL,
  params TEXT NOT NULL,
  note TEXT,
  hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (prompt_id, version)
) WITHOUT ROWID;

CREATE TABLE prompt_labels (
  prompt_id TEXT NOT NULL,
  label TEXT NOT NULL,
  version INTEGER NOT NULL,
  PRIMARY KEY (prompt_id, label),
  FOREIGN KEY (prompt_id, version) REFERENCES prompt_versions (prompt_id, version) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE llm_calls (
  rowid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  run_id TEXT NOT NULL,
  suite_run_id TEXT,
  prompt_id TEXT,
  prompt_version INTEGER,
  provider_id TEXT NOT NULL,
  provider_name TEXT NOT NULL,
  provider_kind TEXT NOT NULL,
  model TEXT NOT NULL,
  messages TEXT NOT NULL,
  variables TEXT NOT NULL,
  params TEXT NOT NULL,
  output TEXT NOT NULL,
  tool_calls TEXT,
  finish_reason TEXT,
  status TEXT NOT NULL CHECK (status IN ('ok', 'error', 'cancelled', 'partial')),
  error TEXT,
  warnings TEXT NOT NULL DEFAULT '[]',
  input_tokens INTEGER,
  output_tokens INTEGER,
  usage_estimated INTEGER NOT NULL DEFAULT 0,
  cost_usd REAL,
  first_token_ms REAL,
  latency_ms REAL NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 1,
  started_at INTEGER NOT NULL
);
CREATE INDEX llm_calls_by_time ON llm_calls (started_at);
CREATE INDEX llm_calls_by_prompt ON llm_calls (prompt_id, started_at);
CREATE INDEX llm_calls_by_suite ON llm_calls (suite_run_id);
CREATE INDEX llm_calls_by_run ON llm_calls (run_id);
-- Covers the usage totals (prompt.usage): the grouping and summed columns sit after the long messages and output in
-- each row, so without it a total reads every call whole.
CREATE INDEX llm_calls_usage ON llm_calls (started_at, prompt_id, suite_run_id, provider_id, model, provider_name, input_tokens, output_tokens, usage_estimated, cost_usd);
CREATE VIRTUAL TABLE llm_calls_fts USING fts5 (body, tokenize = 'trigram');

CREATE TABLE suite_runs (
  id TEXT PRIMARY KEY,
  suite_name TEXT NOT NULL,
  path TEXT,
  hash TEXT NOT NULL,
  text TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'cancelled')),
  cases INTEGER NOT NULL,
  passed INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0,
  cost_usd REAL NOT NULL DEFAULT 0,
  estimated_cost_usd REAL,
  rows TEXT NOT NULL,
  columns TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  ended_at INTEGER
);
CREATE INDEX suite_runs_by_name ON suite_runs (suite_name, started_at);

CREATE TABLE suite_cells (
  suite_run_id TEXT NOT NULL REFERENCES suite_runs (id) ON DELETE CASCADE,
  row INTEGER NOT NULL,
  col INTEGER NOT NULL,
  call_id TEXT,
  output TEXT NOT NULL,
  status TEXT NOT NULL,
  pass INTEGER NOT NULL,
  assertions TEXT NOT NULL,
  latency_ms REAL,
  cost_usd REAL,
  error TEXT,
  PRIMARY KEY (suite_run_id, row, col)
) WITHOUT ROWID;
`;

/**
 * Schema 5: the model registry. A version's file is a blob of the artifact store; a version made from a run keeps
 * the run (a run cannot be deleted while a version depends on it: ON DELETE RESTRICT, checked first by the
 * tracking service with a clear message); exports and benchmarks hang off a version.
 */
export const projectSchemaV5 = `
CREATE TABLE models (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  description TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE model_versions (
  id TEXT PRIMARY KEY,
  model_id TEXT NOT NULL REFERENCES models (id) ON DELETE CASCADE,
  version INTEGER NOT NULL CHECK (version >= 1),
  format TEXT NOT NULL,
  sha256 TEXT NOT NULL REFERENCES artifacts (sha256),
  file_name TEXT NOT NULL,
  size INTEGER NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('run-artifact', 'file')),
  run_id TEXT REFERENCES runs (id) ON DELETE RESTRICT,
  stage TEXT NOT NULL DEFAULT 'none' CHECK (stage IN ('none', 'staging', 'production', 'archived')),
  notes TEXT,
  lineage TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  UNIQUE (model_id, version)
);
CREATE INDEX model_versions_by_run ON model_versions (run_id);

CREATE TABLE model_aliases (
  model_id TEXT NOT NULL REFERENCES models (id) ON DELETE CASCADE,
  alias TEXT NOT NULL,
  version_id TEXT NOT NULL REFERENCES model_versions (id) ON DELETE CASCADE,
  PRIMARY KEY (model_id, alias)
) WITHOUT ROWID;

CREATE TABLE model_exports (
  id TEXT PRIMARY KEY,
  version_id TEXT NOT NULL REFERENCES model_versions (id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('onnx', 'onnx-int8')),
  sha256 TEXT NOT NULL REFERENCES artifacts (sha256),
  size INTEGER NOT NULL,
  opset INTEGER,
  parity TEXT,
  quantization TEXT,
  from_export_id TEXT REFERENCES model_exports (id) ON DELETE SET NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX model_exports_by_version ON model_exports (version_id, created_at);

CREATE TABLE model_benchmarks (
  id TEXT PRIMARY KEY,
  version_id TEXT REFERENCES model_versions (id) ON DELETE CASCADE,
  sha256 TEXT NOT NULL,
  label TEXT NOT NULL,
  warmup INTEGER NOT NULL,
  iterations INTEGER NOT NULL,
  rows TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX model_benchmarks_by_version ON model_benchmarks (version_id, created_at);
`;

/** Schema 6: requests answered by `orrery model serve`, one row each (latency, status), for the serving view. */
export const projectSchemaV6 = `
CREATE TABLE serve_requests (
  id INTEGER PRIMARY KEY,
  model TEXT NOT NULL,
  version_id TEXT,
  time INTEGER NOT NULL,
  path TEXT NOT NULL,
  status INTEGER NOT NULL,
  latency_ms REAL NOT NULL,
  batch INTEGER
);
CREATE INDEX serve_requests_by_model ON serve_requests (model, time);
`;

/** Numbered migrations of the project store; append, never edit a released one. */
export const projectMigrations: readonly Migration[] = [
  { version: 1, name: 'project, artifacts, runs and metrics', up: (db) => db.exec(projectSchemaV1) },
  { version: 2, name: 'env locks and the default env', up: (db) => db.exec(projectSchemaV2) },
  { version: 3, name: 'tracking and jobs', up: (db) => db.exec(projectSchemaV3) },
  { version: 4, name: 'prompt studio', up: (db) => db.exec(projectSchemaV4) },
  { version: 5, name: 'model registry', up: (db) => db.exec(projectSchemaV5) },
  { version: 6, name: 'served requests', up: (db) => db.exec(projectSchemaV6) },
  { version: 7, name: 'edge packages and deployments', up: (db) => db.exec(deploySchema) },
  { version: 8, name: 'sandbox audit log', up: (db) => db.exec(sandboxSchema) },
  { version: 9, name: 'job backends, clusters and sweeps', up: (db) => db.exec(jobBackendSchema) },
];
