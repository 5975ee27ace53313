/**
 * Project schema 9: where a job runs and sweeps. A job gains its backend (local, sandbox, slurm, ray), the cluster
 * profile it went to, the engine's id for it (a Slurm job id such as `123` or `123_4`), the resources asked (JSON),
 * the engine's own state word and the reason it ended as it did (time limit, memory, the engine's message), and
 * the folder on the engine's side holding its files (so a restarted Orrery finds it again). A sweep is one spec
 * fanned out into trials; each trial is a job with its own run and params (JSON, given to it as ORRERY_PARAMS).
 */
export const jobBackendSchema = `
ALTER TABLE jobs ADD COLUMN backend TEXT NOT NULL DEFAULT 'local' CHECK (backend IN ('local', 'sandbox', 'slurm', 'ray'));
ALTER TABLE jobs ADD COLUMN cluster_id TEXT;
ALTER TABLE jobs ADD COLUMN external_id TEXT;
ALTER TABLE jobs ADD COLUMN resources TEXT;
ALTER TABLE jobs ADD COLUMN engine_state TEXT;
ALTER TABLE jobs ADD COLUMN reason TEXT;
ALTER TABLE jobs ADD COLUMN work_dir TEXT;
ALTER TABLE jobs ADD COLUMN sweep_id TEXT;
ALTER TABLE jobs ADD COLUMN params TEXT;
CREATE INDEX jobs_by_backend ON jobs (backend, state);
CREATE TABLE sweeps (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  spec TEXT NOT NULL,
  script TEXT NOT NULL,
  backend TEXT NOT NULL,
  cluster_id TEXT,
  metric TEXT,
  goal TEXT CHECK (goal IS NULL OR goal IN ('minimize', 'maximize')),
  trial_count INTEGER NOT NULL,
  external_id TEXT,
  created_at INTEGER NOT NULL
);
CREATE TABLE sweep_trials (
  sweep_id TEXT NOT NULL REFERENCES sweeps (id) ON DELETE CASCADE,
  trial_index INTEGER NOT NULL,
  job_id TEXT NOT NULL,
  run_id TEXT NOT NULL,
  params TEXT NOT NULL,
  PRIMARY KEY (sweep_id, trial_index)
);
CREATE INDEX sweep_trials_by_job ON sweep_trials (job_id);
`;
