import { useEffect, useState } from 'react';
import type { SuiteFile } from '../../../app/contract/prompts';
import { errorMessage } from '../../client/client-error';
import { useAppStore, useAppStoreApi } from '../../store/context';
import { formatTime } from '../../ui/format';
import { formatCost } from './prompt-format';
import { SuiteCompareView, SuiteMatrixView } from './suite-matrix-view';

const starterSuite = `# Every row of vars runs on every prompt × provider; each assertion must hold (docs/prompt-suites.md).
name: greeting
prompts:
  - "Say hello to {{name}}"
providers:
  - provider: PROVIDER_NAME
    model: MODEL
tests:
  - vars: { name: Ada }
    assert:
      - type: contains
        value: "{{name}}"
`;

interface Editing {
  readonly name: string;
  readonly text: string;
  readonly dirty: boolean;
}

function SuiteFiles({ files, current, onOpen }: { files: readonly SuiteFile[]; current: string | null; onOpen: (file: SuiteFile | null, name?: string) => void }) {
  const [newName, setNewName] = useState('');
  return (
    <section className="card suite-files" aria-label="Suite files">
      <h3>Suites</h3>
      {files.length === 0 && <p className="muted">No suite in the project's suites/ folder yet.</p>}
      <ul className="suite-file-list">
        {files.map((f) => (
          <li key={f.path}>
            <button type="button" className={`suite-file${f.name === current ? ' is-selected' : ''}`} onClick={() => onOpen(f)}>
              <strong>{f.name}</strong>
              <span className="muted">{formatTime(f.modifiedAt)}</span>
            </button>
          </li>
        ))}
      </ul>
      <form
        className="new-suite"
        onSubmit={(e) => {
          e.preventDefault();
          const name = newName.trim();
          if (!name) return;
          onOpen(null, /\.ya?ml$/.test(name) ? name : `${name}.yaml`);
          setNewName('');
        }}
      >
        <input className="text-input" aria-label="New suite name" placeholder="new-suite.yaml" value={newName} onChange={(e) => setNewName(e.target.value)} />
        <button type="submit" className="button">
          New suite
        </button>
      </form>
    </section>
  );
}

function SuiteRuns({ suiteName }: { suiteName: string | null }) {
  const store = useAppStoreApi();
  const runs = useAppStore((s) => s.suiteRuns);
  const compare = useAppStore((s) => s.suiteCompare);
  const [ticked, setTicked] = useState<readonly string[]>([]);
  const shown = suiteName ? runs.filter((r) => r.suiteName === suiteName || r.path?.endsWith(suiteName)) : runs;
  // The older run is the "before" whatever order they were ticked in.
  const compareTicked = () => {
    const [a, b] = runs.filter((r) => ticked.includes(r.id)).sort((x, y) => x.startedAt - y.startedAt);
    return a && b ? store.getState().compareSuiteRuns(a.id, b.id) : Promise.resolve();
  };
  const toggle = (id: string) => setTicked((t) => (t.includes(id) ? t.filter((x) => x !== id) : [...t.slice(-1), id]));
  return (
    <section className="card suite-runs" aria-label="Earlier runs">
      <div className="card-head">
        <h3>Earlier runs</h3>
        <button type="button" className="button" disabled={ticked.length !== 2} onClick={() => void compareTicked()}>
          Compare
        </button>
      </div>
      <ul className="suite-run-list">
        {shown.map((run) => (
          <li key={run.id} className="suite-run-row" data-testid="suite-run-row">
            <input type="checkbox" aria-label={`Pick run of ${formatTime(run.startedAt)} to compare`} checked={ticked.includes(run.id)} onChange={() => toggle(run.id)} />
            <button type="button" className="suite-run-open" onClick={() => void store.getState().openSuiteRun(run.id)}>
              <span>{formatTime(run.startedAt)}</span>
              <span className={run.failed ? 'cell-fail' : 'cell-pass'}>
                {run.passed}/{run.cases} passed
              </span>
              <span className="muted">
                {formatCost(run.costUsd)} · {run.status}
              </span>
            </button>
          </li>
        ))}
      </ul>
      {compare && <SuiteCompareView compare={compare} />}
    </section>
  );
}

function SuiteRunner({ path }: { path: string | null }) {
  const store = useAppStoreApi();
  const estimate = useAppStore((s) => s.suiteEstimate);
  const view = useAppStore((s) => s.suiteView);
  return (
    <section className="card suite-run" aria-label="Suite run">
      <div className="prompt-actions">
        <button type="button" className="button" disabled={!path || view.running} onClick={() => path && void store.getState().estimateSuite(path)}>
          Estimate
        </button>
        <button type="button" className="button is-primary" disabled={!path || view.running} onClick={() => path && void store.getState().runSuite(path)}>
          {view.running ? 'Running…' : 'Run suite'}
        </button>
        {view.running && (
          <button type="button" className="button" onClick={() => void store.getState().cancelSuite()}>
            Cancel
          </button>
        )}
        {view.progress && (
          <span className="muted" role="status" data-testid="suite-progress">
            {view.progress}
          </span>
        )}
      </div>
      {estimate && (
        <p className="muted" data-testid="suite-estimate">
          {estimate.cases} cases ({estimate.rows} rows × {estimate.columns} columns) · {estimate.calls} calls · about {estimate.inputTokens + estimate.outputTokens} tokens · estimated{' '}
          {formatCost(estimate.costUsd)}
          {estimate.unpriced.length ? ` (no price for ${estimate.unpriced.join(', ')})` : ''} · {estimate.concurrency} at once
        </p>
      )}
      {view.error && (
        <p className="form-error" role="alert">
          {view.error}
        </p>
      )}
      {view.matrix && <SuiteMatrixView matrix={view.matrix} />}
    </section>
  );
}

/** Suites: the YAML files of suites/, edit and save (syntax errors with line and column), estimate, run with a live matrix, earlier runs compared. */
export function SuitesPanel() {
  const store = useAppStoreApi();
  const files = useAppStore((s) => s.suiteFiles);
  const [editing, setEditing] = useState<Editing | null>(null);
  const [error, setError] = useState<string | null>(null);
  const saved = editing ? files.find((f) => f.name === editing.name) : undefined;
  // Another window saved the file this one shows unchanged: show the new text.
  useEffect(() => {
    if (saved && editing && !editing.dirty && saved.text !== editing.text) setEditing({ name: saved.name, text: saved.text, dirty: false });
  }, [saved, editing]);
  const open = (file: SuiteFile | null, name?: string) => {
    setError(null);
    setEditing(file ? { name: file.name, text: file.text, dirty: false } : { name: name ?? 'suite.yaml', text: starterSuite, dirty: true });
  };
  const save = async (): Promise<string | null> => {
    if (!editing) return null;
    try {
      const file = await store.getState().saveSuiteFile(editing.name, editing.text);
      setEditing({ name: file.name, text: file.text, dirty: false });
      setError(null);
      return file.path;
    } catch (e) {
      setError(errorMessage(e));
      return null;
    }
  };
  return (
    <div className="suites-panel">
      <SuiteFiles files={files} current={editing?.name ?? null} onOpen={open} />
      <div className="suite-center">
        {editing ? (
          <section className="card suite-editor" aria-label="Suite file">
            <div className="card-head">
              <h3 className="mono">
                suites/{editing.name}
                {editing.dirty ? ' · edited' : ''}
              </h3>
              <button type="button" className="button" onClick={() => void save()}>
                Save suite
              </button>
            </div>
            <textarea
              className="text-input mono suite-text"
              aria-label="Suite YAML"
              rows={12}
              spellCheck={false}
              value={editing.text}
              onChange={(e) => setEditing({ ...editing, text: e.target.value, dirty: true })}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
                  e.preventDefault();
                  void save();
                }
              }}
            />
            {error && (
              <p className="form-error" role="alert" data-testid="suite-error">
                {error}
              </p>
            )}
          </section>
        ) : (
          <section className="card muted">Open a suite, or start one with New suite. The format is described in docs/prompt-suites.md.</section>
        )}
        <SuiteRunner path={editing && !editing.dirty && saved ? saved.path : null} />
      </div>
      <SuiteRuns suiteName={null} />
    </div>
  );
}
