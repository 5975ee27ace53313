import { useState } from 'react';
import type { RunDetail } from '../../../app/contract';
import { errorMessage } from '../../client/client-error';
import { useClient } from '../../client/context';
import { useAppStore, useAppStoreApi } from '../../store/context';
import { formatTime } from '../../ui/format';
import { runColor } from './chart-math';
import { RunFacts } from './run-facts';
import { useRunDetail } from './run-live';
import { StatusBadge } from './runs-table';
import { ChartControls, SeriesPanel } from './series-panel';

/** Tags as chips: × removes one, the box adds one (Enter); each change is saved through runs.update. */
function TagEditor({ run, onSaved }: { run: RunDetail; onSaved: (tags: readonly string[]) => void }) {
  const client = useClient();
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const save = (tags: string[]) =>
    client.call('runs.update', { id: run.id, tags }).then(
      (answer) => {
        setError(null);
        onSaved(answer.tags);
      },
      (err: unknown) => setError(errorMessage(err)),
    );
  return (
    <div className="run-tags">
      {run.tags.map((tag) => (
        <span key={tag} className="run-tag">
          {tag}
          <button type="button" aria-label={`Remove tag ${tag}`} onClick={() => void save(run.tags.filter((t) => t !== tag))}>
            ×
          </button>
        </span>
      ))}
      <input
        className="text-input run-tag-input"
        aria-label="Add a tag"
        placeholder="Add tag"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          const tag = text.trim();
          if (e.key !== 'Enter' || tag === '' || run.tags.includes(tag)) return;
          setText('');
          void save([...run.tags, tag]);
        }}
      />
      {error && <p className="error-text">{error}</p>}
    </div>
  );
}

/** The run's notes: edited in place, saved on demand. */
function NotesEditor({ run, onSaved }: { run: RunDetail; onSaved: (notes: string | null) => void }) {
  const client = useClient();
  const [text, setText] = useState(run.notes ?? '');
  const [state, setState] = useState<string | null>(null);
  const dirty = text !== (run.notes ?? '');
  const save = () => {
    const notes = text.trim() === '' ? null : text;
    client.call('runs.update', { id: run.id, notes }).then(
      (answer) => {
        setState('Saved');
        onSaved(answer.notes);
      },
      (err: unknown) => setState(errorMessage(err)),
    );
  };
  return (
    <div className="run-notes">
      <textarea className="text-input" aria-label="Notes" rows={4} value={text} placeholder="Notes about this run" onChange={(e) => setText(e.target.value)} />
      <div className="run-notes-actions">
        <button type="button" className="button" disabled={!dirty} onClick={save}>
          Save notes
        </button>
        {state && <span className="muted">{state}</span>}
      </div>
    </div>
  );
}

function ChartGrid({ run, keys, liveTick }: { run: RunDetail; keys: readonly string[]; liveTick: number }) {
  const settings = useAppStore((s) => s.chartSettings);
  const runs = [{ id: run.id, name: run.name, color: runColor(0) }];
  return (
    <div className="chart-grid">
      {keys.map((key) => (
        <SeriesPanel key={key} title={key} metricKey={key} runs={runs} settings={settings} liveTick={run.status === 'running' ? liveTick : 0} />
      ))}
    </div>
  );
}

/** One run: charts of its metrics and system metrics, params, tags, notes, lineage, artifacts and events. */
export function RunPage({ id }: { id: string }) {
  const store = useAppStoreApi();
  const settings = useAppStore((s) => s.chartSettings);
  const selected = useAppStore((s) => s.selectedRuns.some((r) => r.id === id));
  const { detail, error, liveTick, setDetail } = useRunDetail(id);
  if (error) return <p className="error-text experiments-message">{error}</p>;
  if (!detail) return <p className="muted experiments-message">Loading run…</p>;
  const metricKeys = detail.keys.filter((k) => !k.system).map((k) => k.key);
  const systemKeys = detail.keys.filter((k) => k.system).map((k) => k.key);
  return (
    <div className="run-page" aria-label={`Run ${detail.name}`}>
      <header className="run-page-head">
        <button type="button" className="button" onClick={() => store.getState().showRuns()}>
          ← Runs
        </button>
        <h2 data-testid="run-title">{detail.name}</h2>
        <StatusBadge status={detail.status} />
        <span className="muted mono" title="Run id">
          {detail.id}
        </span>
        <span className="muted">{formatTime(detail.createdAt)}</span>
        <span className="runs-toolbar-spacer" />
        <label>
          <input type="checkbox" checked={selected} onChange={() => store.getState().toggleRunSelected(detail)} /> Select for compare
        </label>
      </header>
      <div className="run-page-body">
        <main className="run-page-charts">
          <ChartControls settings={settings} onChange={(c) => store.getState().setChartSettings(c)} />
          <h3>Metrics</h3>
          {metricKeys.length > 0 ? <ChartGrid run={detail} keys={metricKeys} liveTick={liveTick} /> : <p className="muted">No metrics logged yet.</p>}
          {systemKeys.length > 0 && (
            <>
              <h3>System</h3>
              <ChartGrid run={detail} keys={systemKeys} liveTick={liveTick} />
            </>
          )}
        </main>
        <aside className="run-page-side">
          <section>
            <h3>Tags</h3>
            <TagEditor run={detail} onSaved={(tags) => setDetail({ ...detail, tags: [...tags] })} />
          </section>
          <section>
            <h3>Notes</h3>
            <NotesEditor key={detail.id} run={detail} onSaved={(notes) => setDetail({ ...detail, notes })} />
          </section>
          <RunFacts run={detail} />
        </aside>
      </div>
    </div>
  );
}

