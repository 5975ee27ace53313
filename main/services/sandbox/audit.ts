import { OrreryError } from '../../../app/contract';
import type { SandboxSession, SandboxSessionKind, SandboxStatus } from '../../../app/contract/sandbox';
import type { Db } from '../store/open-database';
import type { CollectedFile, SkippedEntry } from './collect-outputs';
import type { SandboxLimits } from './hardening';

/** A session as it starts. */
export interface SessionStart {
  readonly id: string;
  readonly kind: SandboxSessionKind;
  readonly command: string;
  readonly image: string;
  readonly limits: SandboxLimits;
  readonly startedAt: number;
  readonly containerId?: string | null;
}

/** How a session ended. */
export interface SessionEnd {
  readonly status: Exclude<SandboxStatus, 'running'>;
  readonly exitCode: number | null;
  readonly endedAt: number;
  readonly outputTruncated: boolean;
  readonly files: readonly CollectedFile[];
  readonly skipped: readonly SkippedEntry[];
  readonly containerId: string | null;
  readonly message: string | null;
}

/** Filters of the audit log list and export. */
export interface SessionFilter {
  readonly kinds?: readonly SandboxSessionKind[];
  readonly statuses?: readonly SandboxStatus[];
  readonly since?: number;
  readonly until?: number;
  readonly search?: string;
  readonly limit?: number;
}

interface SessionRow {
  id: string;
  kind: SandboxSessionKind;
  command: string;
  image: string;
  limits: string;
  network: number;
  started_at: number;
  ended_at: number | null;
  exit_code: number | null;
  status: SandboxStatus;
  duration_ms: number | null;
  output_truncated: number;
  artifacts: string;
  container_id: string | null;
  message: string | null;
}

/** Writes the row of a starting session (so a crash mid-run still leaves what ran). */
export function insertSession(db: Db, start: SessionStart): SandboxSession {
  db.prepare(
    `INSERT INTO sandbox_sessions (id, kind, command, image, limits, network, started_at, container_id, owner_pid)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(start.id, start.kind, start.command, start.image, JSON.stringify(start.limits), start.limits.network ? 1 : 0, start.startedAt, start.containerId ?? null, process.pid);
  return getSession(db, start.id);
}

/** Completes a session's row with its end. */
export function finishSession(db: Db, id: string, end: SessionEnd): SandboxSession {
  const row = db.prepare('SELECT started_at FROM sandbox_sessions WHERE id = ?').get(id) as { started_at: number } | undefined;
  if (!row) throw new OrreryError('not_found', `No sandbox session ${id}.`);
  db.prepare(
    `UPDATE sandbox_sessions SET ended_at = ?, exit_code = ?, status = ?, duration_ms = ?, output_truncated = ?, artifacts = ?,
       container_id = COALESCE(?, container_id), message = ? WHERE id = ?`,
  ).run(
    end.endedAt,
    end.exitCode,
    end.status,
    Math.max(0, Math.round(end.endedAt - row.started_at)),
    end.outputTruncated ? 1 : 0,
    JSON.stringify({ files: end.files, skipped: end.skipped }),
    end.containerId,
    end.message,
    id,
  );
  return getSession(db, id);
}

/** Sessions left `running` by an Orrery process that is gone are marked `killed` (their containers are swept). */
export function closeOrphanedSessions(db: Db, now: number, alive: (pid: number) => boolean): number {
  const open = db.prepare("SELECT id, owner_pid FROM sandbox_sessions WHERE status = 'running'").all() as { id: string; owner_pid: number | null }[];
  let closed = 0;
  for (const { id, owner_pid: owner } of open) {
    if (owner !== null && alive(owner)) continue;
    finishSession(db, id, {
      status: 'killed',
      exitCode: null,
      endedAt: now,
      outputTruncated: false,
      files: [],
      skipped: [],
      containerId: null,
      message: 'Orrery stopped while this session ran; its container was removed.',
    });
    closed += 1;
  }
  return closed;
}

/** One session; `not_found` when there is none. */
export function getSession(db: Db, id: string): SandboxSession {
  const row = db.prepare('SELECT * FROM sandbox_sessions WHERE id = ?').get(id) as SessionRow | undefined;
  if (!row) throw new OrreryError('not_found', `No sandbox session ${id}; list them with sandbox.sessions.`);
  return fromRow(row);
}

/** Sessions matching the filter, newest first. */
export function listSessions(db: Db, filter: SessionFilter = {}): SandboxSession[] {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (filter.kinds?.length) {
    where.push(`kind IN (${filter.kinds.map(() => '?').join(', ')})`);
    params.push(...filter.kinds);
  }
  if (filter.statuses?.length) {
    where.push(`status IN (${filter.statuses.map(() => '?').join(', ')})`);
    params.push(...filter.statuses);
  }
  if (filter.since !== undefined) {
    where.push('started_at >= ?');
    params.push(filter.since);
  }
  if (filter.until !== undefined) {
    where.push('started_at <= ?');
    params.push(filter.until);
  }
  if (filter.search) {
    where.push("(instr(lower(command), lower(?)) > 0 OR instr(lower(image), lower(?)) > 0)");
    params.push(filter.search, filter.search);
  }
  const sql = `SELECT * FROM sandbox_sessions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at DESC, rowid DESC LIMIT ?`;
  const rows = db.prepare(sql).all(...params, filter.limit ?? 1000) as SessionRow[];
  return rows.map(fromRow);
}

function fromRow(row: SessionRow): SandboxSession {
  const collected = JSON.parse(row.artifacts) as { files?: CollectedFile[]; skipped?: SkippedEntry[] };
  const limits = JSON.parse(row.limits) as SandboxLimits;
  return {
    id: row.id,
    kind: row.kind,
    command: row.command,
    image: row.image,
    limits,
    network: row.network === 1,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    exitCode: row.exit_code,
    status: row.status,
    durationMs: row.duration_ms,
    outputTruncated: row.output_truncated === 1,
    artifacts: collected.files ?? [],
    skipped: collected.skipped ?? [],
    containerId: row.container_id,
    message: row.message,
  };
}

const csvColumns = ['id', 'kind', 'command', 'image', 'network', 'memoryMb', 'cpus', 'pids', 'timeoutS', 'startedAt', 'endedAt', 'durationMs', 'status', 'exitCode', 'outputTruncated', 'artifacts', 'message'] as const;

/** The sessions as CSV (RFC 4180 quoting; times as ISO 8601 UTC; artifacts as `path=sha256` joined by `;`). */
export function sessionsCsv(sessions: readonly SandboxSession[]): string {
  const lines = [csvColumns.join(',')];
  for (const s of sessions) {
    const values = [
      s.id,
      s.kind,
      s.command,
      s.image,
      s.network,
      s.limits.memoryMb,
      s.limits.cpus,
      s.limits.pids,
      s.limits.timeoutS,
      new Date(s.startedAt).toISOString(),
      s.endedAt === null ? '' : new Date(s.endedAt).toISOString(),
      s.durationMs ?? '',
      s.status,
      s.exitCode ?? '',
      s.outputTruncated,
      s.artifacts.map((a) => `${a.path}=${a.hash}`).join(';'),
      s.message ?? '',
    ];
    lines.push(values.map((value) => csvField(String(value))).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** Quotes a CSV field when it holds a comma, quote or line break; a leading = + - @ is prefixed so spreadsheets do not run it. */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
