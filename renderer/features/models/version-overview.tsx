import { useEffect, useState, type FormEvent } from 'react';
import { modelStages, type ModelStage, type ModelVersion } from '../../../app/contract/models';
import { errorMessage } from '../../client/client-error';
import { useAppStore, useAppStoreApi } from '../../store/context';
import { openVersionOf } from '../../store/models-slice';
import { formatTime } from '../../ui/format';
import { formatBytes } from './model-format';

function Lineage({ version }: { version: ModelVersion }) {
  const store = useAppStoreApi();
  const { lineage } = version;
  const params = Object.entries(lineage.params);
  const metrics = Object.entries(lineage.metrics);
  return (
    <section className="card" aria-label="Lineage">
      <h3>Lineage</h3>
      <dl className="model-facts">
        <dt>Run</dt>
        <dd>
          {lineage.runId ? (
            <button type="button" className="link-button" onClick={() => store.getState().openRun(lineage.runId!)}>
              {lineage.runName ?? lineage.runId}
            </button>
          ) : (
            <span className="muted">registered from a file</span>
          )}
        </dd>
        <dt>Env lock</dt>
        <dd className="mono">{lineage.envLockId ?? <span className="muted">none</span>}</dd>
        <dt>Git commit</dt>
        <dd className="mono">{lineage.gitCommit ? lineage.gitCommit.slice(0, 12) : <span className="muted">none</span>}</dd>
      </dl>
      <div className="model-tables">
        <table className="data-table" aria-label="Parameters">
          <thead>
            <tr>
              <th>Parameter</th>
              <th>Value</th>
            </tr>
          </thead>
          <tbody>
            {params.length === 0 && (
              <tr>
                <td colSpan={2} className="muted">none</td>
              </tr>
            )}
            {params.map(([k, v]) => (
              <tr key={k}>
                <td>{k}</td>
                <td className="mono">{typeof v === 'string' ? v : JSON.stringify(v)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <table className="data-table" aria-label="Metrics">
          <thead>
            <tr>
              <th>Metric</th>
              <th>Last value</th>
            </tr>
          </thead>
          <tbody>
            {metrics.length === 0 && (
              <tr>
                <td colSpan={2} className="muted">none</td>
              </tr>
            )}
            {metrics.map(([k, v]) => (
              <tr key={k}>
                <td>{k}</td>
                <td className="mono">{Number.isInteger(v) ? v : v.toPrecision(5)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h4>Datasets</h4>
      {lineage.datasets.length === 0 ? (
        <p className="muted">none recorded</p>
      ) : (
        <ul className="dataset-list">
          {lineage.datasets.map((d) => (
            <li key={d.path}>
              {d.path} <span className="muted">{formatBytes(d.size)}</span> <span className="mono muted">sha256 {d.sha256.slice(0, 12)}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function AliasForm({ version }: { version: ModelVersion }) {
  const store = useAppStoreApi();
  const [alias, setAlias] = useState('');
  const [error, setError] = useState<string | null>(null);
  const run = async (name: string, versionId: string | null) => {
    setError(null);
    try {
      await store.getState().setAlias(name, versionId);
      setAlias('');
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (alias.trim()) void run(alias.trim(), version.id);
  };
  return (
    <div className="alias-editor">
      {version.aliases.map((a) => (
        <span key={a} className="alias-badge">
          @{a}
          <button type="button" className="label-remove" aria-label={`Remove alias ${a}`} onClick={() => void run(a, null)}>
            ×
          </button>
        </span>
      ))}
      <form className="label-form" onSubmit={submit}>
        <input className="text-input" aria-label="Alias" placeholder="alias, e.g. champion" value={alias} onChange={(e) => setAlias(e.target.value)} />
        <button type="submit" className="button" disabled={!alias.trim()}>
          Set alias
        </button>
      </form>
      {error && <p className="form-error">{error}</p>}
    </div>
  );
}

function Notes({ version }: { version: ModelVersion }) {
  const store = useAppStoreApi();
  const [text, setText] = useState(version.notes ?? '');
  useEffect(() => setText(version.notes ?? ''), [version.id, version.notes]);
  const changed = text !== (version.notes ?? '');
  return (
    <div className="model-notes">
      <label>
        Notes
        <textarea className="text-input" rows={3} value={text} onChange={(e) => setText(e.target.value)} />
      </label>
      <button type="button" className="button" disabled={!changed} onClick={() => void store.getState().saveNotes(text.trim() === '' ? null : text)}>
        Save notes
      </button>
    </div>
  );
}

/** The version's facts, stage, aliases, notes, lineage and its model card. */
export function VersionOverview() {
  const store = useAppStoreApi();
  const version = useAppStore((s) => openVersionOf(s));
  const [confirmDelete, setConfirmDelete] = useState(false);
  useEffect(() => setConfirmDelete(false), [version?.id]);
  if (!version) return null;
  return (
    <div className="version-overview">
      <section className="card" aria-label="Version facts">
        <h2>
          {version.modelName} v{version.version}
        </h2>
        <dl className="model-facts">
          <dt>File</dt>
          <dd>
            {version.fileName} <span className="muted">{formatBytes(version.size)}</span>
          </dd>
          <dt>Format</dt>
          <dd>{version.format}</dd>
          <dt>SHA-256</dt>
          <dd className="mono">{version.sha256.slice(0, 16)}…</dd>
          <dt>Registered</dt>
          <dd>
            {formatTime(version.createdAt)} <span className="muted">from {version.source === 'file' ? 'a file' : 'a run artifact'}</span>
          </dd>
          <dt>Stage</dt>
          <dd>
            <select
              className="inline-select"
              aria-label="Stage"
              value={version.stage}
              onChange={(e) => void store.getState().setStage(e.target.value as ModelStage)}
            >
              {modelStages.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </dd>
          <dt>Aliases</dt>
          <dd>
            <AliasForm version={version} />
          </dd>
        </dl>
        <Notes version={version} />
        <div className="prompt-actions">
          <button type="button" className="button" onClick={() => void store.getState().openModelCard()}>
            Open model card
          </button>
          {confirmDelete ? (
            <>
              <button type="button" className="button is-danger" onClick={() => void store.getState().deleteVersion(version.id)}>
                Delete v{version.version} and its exports
              </button>
              <button type="button" className="button" onClick={() => setConfirmDelete(false)}>
                Keep it
              </button>
            </>
          ) : (
            <button type="button" className="button" onClick={() => setConfirmDelete(true)}>
              Delete version…
            </button>
          )}
        </div>
      </section>
      <Lineage version={version} />
    </div>
  );
}
