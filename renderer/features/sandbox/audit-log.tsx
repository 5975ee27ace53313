import { useMemo, useState } from 'react';
import { formatBytes } from '../../../app/lib/format';
import type { SandboxSession } from '../../../app/contract/sandbox';
import { useAppStore, useAppStoreApi } from '../../store/context';
import { formatTime } from '../../ui/format';
import { downloadText } from '../experiments/compare-view';
import { artifactHref } from '../experiments/run-facts';

/** "1.2 s", "3 min 4 s", or "running". */
export function formatSessionDuration(session: SandboxSession, now: number): string {
  const ms = session.durationMs ?? (session.endedAt === null ? now - session.startedAt : null);
  if (ms === null) return '';
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** The limits of a session on one line: "1024 MiB · 1 CPU · 256 pids · 600 s". */
export function formatLimits(session: SandboxSession): string {
  const { memoryMb, cpus, pids, timeoutS } = session.limits;
  return `${memoryMb} MiB · ${cpus} CPU · ${pids} pids${session.kind === 'kernel' ? '' : ` · ${timeoutS} s`}`;
}

/** Sessions whose kind, status, command or image contain `query` (case-insensitive). */
export function filterSessions(sessions: readonly SandboxSession[], query: string, kind: string): readonly SandboxSession[] {
  const needle = query.trim().toLowerCase();
  return sessions.filter(
    (s) => (kind === '' || s.kind === kind) && (needle === '' || [s.command, s.image, s.status, s.id].some((v) => v.toLowerCase().includes(needle))),
  );
}

function Artifacts({ session }: { session: SandboxSession }) {
  if (session.artifacts.length === 0 && session.skipped.length === 0) return <span className="muted">—</span>;
  return (
    <ul className="sandbox-artifacts">
      {session.artifacts.map((artifact) => {
        const href = artifactHref(artifact.hash, artifact.path.split('/').pop() ?? artifact.path);
        const label = `${artifact.path} (${formatBytes(artifact.size)})`;
        return (
          <li key={artifact.path}>
            {href ? (
              <a href={href} download data-testid="sandbox-artifact">
                {label}
              </a>
            ) : (
              <span data-testid="sandbox-artifact" title={artifact.hash}>
                {label}
              </span>
            )}
          </li>
        );
      })}
      {session.skipped.map((skipped) => (
        <li key={`skipped:${skipped.path}`} className="muted" title={skipped.reason}>
          {skipped.path}: not collected
        </li>
      ))}
    </ul>
  );
}

/** The audit log: every sandbox session of the project, filterable, with its artifacts and an export. */
export function AuditLog({ now }: { now: number }) {
  const store = useAppStoreApi();
  const sessions = useAppStore((s) => s.sandboxSessions);
  const project = useAppStore((s) => s.current);
  const [query, setQuery] = useState('');
  const [kind, setKind] = useState('');
  const shown = useMemo(() => filterSessions(sessions, query, kind), [sessions, query, kind]);
  const exportAs = async (format: 'csv' | 'json') => {
    const exported = await store.getState().exportSandboxAudit(format);
    if (exported) downloadText(exported.filename, exported.content, format === 'csv' ? 'text/csv' : 'application/json');
  };
  return (
    <section className="card sandbox-audit" aria-label="Audit log">
      <div className="card-head">
        <h3>Audit log</h3>
        <div className="sandbox-actions">
          <input className="sandbox-filter" type="search" placeholder="Filter command, image, status" aria-label="Filter the audit log" value={query} onChange={(e) => setQuery(e.target.value)} />
          <select className="inline-select" aria-label="Session kind" value={kind} onChange={(e) => setKind(e.target.value)}>
            <option value="">every kind</option>
            {['exec', 'shell', 'kernel', 'job'].map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
          <button type="button" className="button" disabled={!project || sessions.length === 0} onClick={() => void exportAs('csv')}>
            Export CSV
          </button>
          <button type="button" className="button" disabled={!project || sessions.length === 0} onClick={() => void exportAs('json')}>
            Export JSON
          </button>
        </div>
      </div>
      {!project ? (
        <p className="muted">Open a project: its audit log lists every sandbox session run in it.</p>
      ) : shown.length === 0 ? (
        <p className="muted">{sessions.length === 0 ? 'No sandbox session yet: run a notebook kernel in the Sandbox, or `orrery sandbox exec -- CMD`.' : 'No session matches the filter.'}</p>
      ) : (
        <div className="sandbox-table-wrap">
          <table className="data-table sandbox-table" aria-label="Sandbox sessions">
            <thead>
              <tr>
                <th>Started</th>
                <th>Kind</th>
                <th>Command</th>
                <th>Image</th>
                <th>Network</th>
                <th>Limits</th>
                <th>Status</th>
                <th>Exit</th>
                <th>Duration</th>
                <th>Artifacts</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((session) => (
                <tr key={session.id} data-testid="sandbox-session" data-session={session.id} title={session.message ?? undefined}>
                  <td>{formatTime(session.startedAt)}</td>
                  <td>{session.kind}</td>
                  <td className="sandbox-command">{session.command}</td>
                  <td>{session.image}</td>
                  <td>{session.network ? 'on' : 'off'}</td>
                  <td className="muted">{formatLimits(session)}</td>
                  <td>
                    <span className={`sandbox-status is-${session.status}`}>{session.status}</span>
                    {session.outputTruncated && <span className="muted"> (output truncated)</span>}
                  </td>
                  <td>{session.exitCode ?? ''}</td>
                  <td>{formatSessionDuration(session, now)}</td>
                  <td>
                    <Artifacts session={session} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
