import type { RunDetail } from '../../../app/contract';
import { formatBytes } from '../../../app/lib/format';
import { useAppStoreApi } from '../../store/context';
import { formatParam } from './run-columns';

/** Where the web host serves an artifact for download (the page's own origin; none in the Electron window). */
export function artifactHref(sha256: string, name: string): string | null {
  if (typeof location === 'undefined' || !/^https?:$/.test(location.protocol)) return null;
  return `/artifacts/${sha256}?name=${encodeURIComponent(name)}`;
}

function secondsToText(seconds: number): string {
  return new Date(seconds * 1000).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

/** Params, lineage, artifacts and events of a run: the facts beside its charts. */
export function RunFacts({ run }: { run: RunDetail }) {
  const params = Object.entries(run.params).sort(([a], [b]) => a.localeCompare(b));
  const warnings = run.events.filter((e) => e.level !== 'info').length;
  const store = useAppStoreApi();
  const openJob = (id: string) => {
    store.getState().openArea('jobs');
    store.getState().selectJob(id);
  };
  return (
    <>
      <section>
        <h3>Params</h3>
        {params.length === 0 ? (
          <p className="muted">No params.</p>
        ) : (
          <table className="facts-table" aria-label="Params">
            <tbody>
              {params.map(([key, value]) => (
                <tr key={key}>
                  <th className="mono">{key}</th>
                  <td className="mono">{formatParam(value)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section>
        <h3>Lineage</h3>
        <table className="facts-table" aria-label="Lineage">
          <tbody>
            <tr>
              <th>Job</th>
              <td className="mono">
                {run.lineage.jobId ? (
                  <button type="button" className="link-button" title="Open the job: its facts and its logs" onClick={() => openJob(run.lineage.jobId!)}>
                    {run.lineage.jobId}
                  </button>
                ) : (
                  '—'
                )}
              </td>
            </tr>
            <tr>
              <th>Git commit</th>
              <td className="mono">{run.lineage.gitCommit ? run.lineage.gitCommit.slice(0, 12) : '—'}</td>
            </tr>
            <tr>
              <th>Env lock</th>
              <td className="mono">{run.lineage.envLockId ?? '—'}</td>
            </tr>
            <tr>
              <th>Source</th>
              <td>{run.source}</td>
            </tr>
            <tr>
              <th>Command</th>
              <td className="mono" title={run.meta.cwd ?? undefined}>
                {run.meta.argv.join(' ') || '—'}
              </td>
            </tr>
            <tr>
              <th>Host · Python</th>
              <td>
                {run.meta.host ?? '—'} · {run.meta.python ?? '—'}
              </td>
            </tr>
          </tbody>
        </table>
      </section>
      <section>
        <h3>Artifacts</h3>
        {run.artifacts.length === 0 ? (
          <p className="muted">No artifacts, checkpoints or logs.</p>
        ) : (
          <ul className="run-artifacts" aria-label="Artifacts">
            {run.artifacts.map((a) => (
              <li key={`${a.kind}-${a.name}-${a.sha256}`}>
                <span className={`artifact-kind is-${a.kind}`}>{a.kind}</span>
                {artifactHref(a.sha256, a.name) ? (
                  <a className="mono" href={artifactHref(a.sha256, a.name)!} download={a.name} title={`Download (sha256 ${a.sha256})`}>
                    {a.name}
                  </a>
                ) : (
                  <span className="mono" title={`sha256 ${a.sha256}`}>
                    {a.name}
                  </span>
                )}
                {a.step !== null && <span className="muted">step {a.step}</span>}
                <span className="muted">{formatBytes(a.size)}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section>
        <h3>Events{warnings > 0 ? ` (${warnings} warning${warnings === 1 ? '' : 's'})` : ''}</h3>
        {run.events.length === 0 ? (
          <p className="muted">No events.</p>
        ) : (
          <ul className="run-events" aria-label="Events">
            {run.events.map((e, i) => (
              <li key={i} className={`is-${e.level}`}>
                <span className="muted">{secondsToText(e.time)}</span> <span className="run-event-level">{e.level}</span> {e.message}
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
