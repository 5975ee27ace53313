/**
 * Project schema 8: the sandbox audit log. One row per sandbox session (an exec, a shell, a kernel, a job),
 * written when it starts and completed when it ends, so a crash still leaves what ran and when. `owner_pid`
 * is the Orrery process that ran it: a later one closes the rows of a process that is gone, never of a live one.
 */
export const sandboxSchema = `
CREATE TABLE sandbox_sessions (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('exec', 'shell', 'kernel', 'job')),
  command TEXT NOT NULL,
  image TEXT NOT NULL,
  limits TEXT NOT NULL,
  network INTEGER NOT NULL DEFAULT 0,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  exit_code INTEGER,
  status TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'ok', 'error', 'oom', 'timeout', 'killed', 'cancelled')),
  duration_ms INTEGER,
  output_truncated INTEGER NOT NULL DEFAULT 0,
  artifacts TEXT NOT NULL DEFAULT '{"files":[],"skipped":[]}',
  container_id TEXT,
  message TEXT,
  owner_pid INTEGER
);
CREATE INDEX sandbox_sessions_started ON sandbox_sessions(started_at DESC);
CREATE INDEX sandbox_sessions_kind_status ON sandbox_sessions(kind, status);
`;
