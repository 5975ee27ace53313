import { useState, type FormEvent } from 'react';
import type { DiffLine } from '../../../app/contract/prompts';
import { errorMessage } from '../../client/client-error';
import { useClient } from '../../client/context';
import { useAppStore, useAppStoreApi } from '../../store/context';
import { formatTime } from '../../ui/format';

function LabelForm({ version }: { version: number }) {
  const store = useAppStoreApi();
  const [label, setLabel] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!label.trim()) return;
    void store.getState().setLabel(label.trim(), version).then(() => setLabel(''));
  };
  return (
    <form className="label-form" onSubmit={submit}>
      <input className="text-input" aria-label={`Label for v${version}`} placeholder="label, e.g. prod" value={label} onChange={(e) => setLabel(e.target.value)} />
      <button type="submit" className="button">
        Set label
      </button>
    </form>
  );
}

function DiffView({ from, to, lines }: { from: number; to: number; lines: readonly DiffLine[] }) {
  return (
    <figure className="version-diff" aria-label={`Diff v${from} → v${to}`}>
      <figcaption className="muted">
        v{from} → v{to}
      </figcaption>
      <pre>
        {lines.map((line, i) => (
          <span key={i} className={`diff-line is-${line.op}`}>
            {line.op === 'add' ? '+ ' : line.op === 'del' ? '- ' : '  '}
            {line.text}
            {'\n'}
          </span>
        ))}
      </pre>
    </figure>
  );
}

/** The versions of the open prompt: labels and notes, open one, restore, label, and a diff of two. */
export function VersionsPanel() {
  const client = useClient();
  const store = useAppStoreApi();
  const promptId = useAppStore((s) => s.draft.id);
  const shown = useAppStore((s) => s.draft.baseVersion);
  const versions = useAppStore((s) => s.versions);
  const [diff, setDiff] = useState<{ from: number; to: number; lines: readonly DiffLine[] } | null>(null);
  const [diffError, setDiffError] = useState<string | null>(null);
  const [pair, setPair] = useState<{ from: string; to: string }>({ from: '', to: '' });
  if (!promptId) return <section className="card versions-panel muted">Save the prompt to start its versions.</section>;
  const latest = versions[0]?.version ?? null;
  const from = pair.from || String(versions[1]?.version ?? versions[0]?.version ?? '');
  const to = pair.to || String(latest ?? '');
  const showDiff = async () => {
    try {
      setDiff(await client.call('prompt.diff', { id: promptId, from: Number(from), to: Number(to) }));
      setDiffError(null);
    } catch (error) {
      setDiffError(errorMessage(error));
    }
  };
  return (
    <section className="card versions-panel" aria-label="Versions">
      <h3>Versions</h3>
      <ol className="version-list">
        {versions.map((v) => (
          <li key={v.version} className={`version-row${v.version === shown ? ' is-selected' : ''}`} data-testid="version-row">
            <button type="button" className="version-open" onClick={() => void store.getState().openPrompt(promptId, v.version)} aria-label={`Open v${v.version}`}>
              <strong>v{v.version}</strong>
              <span className="muted">{formatTime(v.createdAt)}</span>
            </button>
            {v.labels.map((label) => (
              <span key={label} className="version-label">
                {label}
                <button type="button" className="label-remove" aria-label={`Remove label ${label}`} onClick={() => void store.getState().setLabel(label, null)}>
                  ×
                </button>
              </span>
            ))}
            {v.note && <p className="version-note muted">{v.note}</p>}
            {v.version === shown && (
              <div className="version-tools">
                {v.version !== latest && (
                  <button type="button" className="button" onClick={() => void store.getState().restoreVersion(v.version)}>
                    Restore as new version
                  </button>
                )}
                <LabelForm version={v.version} />
              </div>
            )}
          </li>
        ))}
      </ol>
      {versions.length > 1 && (
        <div className="diff-picker">
          <select className="inline-select" aria-label="Diff from" value={from} onChange={(e) => setPair({ from: e.target.value, to })}>
            {versions.map((v) => (
              <option key={v.version} value={v.version}>
                v{v.version}
              </option>
            ))}
          </select>
          →
          <select className="inline-select" aria-label="Diff to" value={to} onChange={(e) => setPair({ from, to: e.target.value })}>
            {versions.map((v) => (
              <option key={v.version} value={v.version}>
                v{v.version}
              </option>
            ))}
          </select>
          <button type="button" className="button" onClick={() => void showDiff()}>
            Diff
          </button>
        </div>
      )}
      {diffError && <p className="form-error">{diffError}</p>}
      {diff && <DiffView {...diff} />}
    </section>
  );
}
