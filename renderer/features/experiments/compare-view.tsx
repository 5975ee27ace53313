import { useMemo, useState } from 'react';
import type { RunSummary } from '../../../app/contract';
import { errorMessage } from '../../client/client-error';
import { useClient } from '../../client/context';
import { useAppStore, useAppStoreApi } from '../../store/context';
import { runColor } from './chart-math';
import { ParallelCoordinates, ParamScatter, ParamsTable } from './compare-parts';
import { paramRows } from './param-diff';
import { ChartControls, SeriesPanel } from './series-panel';

const maxChartRuns = 100;
/** The header names this many runs; the charts' readout names the others. */
const legendRuns = 20;

/** The metric keys of some runs: the runs' own first, `sys/` keys last, each once. */
export function metricKeysOf(runs: readonly Pick<RunSummary, 'metrics'>[]): string[] {
  const keys = new Set<string>();
  for (const run of runs) for (const key of Object.keys(run.metrics)) keys.add(key);
  const all = [...keys].sort((a, b) => a.localeCompare(b));
  return [...all.filter((k) => !k.startsWith('sys/')), ...all.filter((k) => k.startsWith('sys/'))];
}

/** Offers `text` as a file download (the web host and Electron both handle an anchor with `download`). */
export function downloadText(fileName: string, text: string, type = 'text/csv'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = fileName;
  anchor.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function ExportButton({ runs }: { runs: readonly RunSummary[] }) {
  const client = useClient();
  const notify = useAppStore((s) => s.notify);
  const [busy, setBusy] = useState(false);
  const exportCsv = () => {
    setBusy(true);
    client
      .call('runs.export', { runIds: runs.map((r) => r.id) })
      .then(
        (answer) => {
          downloadText(`runs-${runs.length}.csv`, answer.csv ?? '');
          notify('info', `Exported ${answer.rows.toLocaleString('en-US')} points as CSV`, 'runs-export');
        },
        (error: unknown) => notify('error', `Could not export the runs: ${errorMessage(error)}`, 'runs-export'),
      )
      .finally(() => setBusy(false));
  };
  return (
    <button type="button" className="button" disabled={busy} onClick={exportCsv}>
      {busy ? 'Exporting…' : 'Export CSV'}
    </button>
  );
}

function MetricPicker({ keys, chosen, onChange }: { keys: readonly string[]; chosen: readonly string[]; onChange: (keys: string[]) => void }) {
  return (
    <fieldset className="compare-metrics" aria-label="Metrics to compare">
      <legend>Metrics</legend>
      {keys.map((key) => (
        <label key={key}>
          <input type="checkbox" checked={chosen.includes(key)} onChange={() => onChange(chosen.includes(key) ? chosen.filter((k) => k !== key) : [...chosen, key])} /> <span className="mono">{key}</span>
        </label>
      ))}
    </fieldset>
  );
}

/** The ticked runs compared: overlaid curves, params side by side, a scatter, parallel coordinates, CSV export. */
export function CompareView() {
  const store = useAppStoreApi();
  const runs = useAppStore((s) => s.selectedRuns);
  const settings = useAppStore((s) => s.chartSettings);
  const metricKeys = useMemo(() => metricKeysOf(runs), [runs]);
  const [chosen, setChosen] = useState<readonly string[] | null>(null);
  const shown = chosen ?? metricKeys.filter((k) => !k.startsWith('sys/')).slice(0, 4);
  // runs.series takes 100 runs a call: the charts draw the first 100 ticked.
  const panelRuns = useMemo(() => runs.slice(0, maxChartRuns).map((run, i) => ({ id: run.id, name: run.name, color: runColor(i) })), [runs]);
  const rows = useMemo(() => paramRows(runs), [runs]);
  // Params that differ first: the scatter starts on one that can explain a difference.
  const allParams = [...rows.filter((r) => r.differs), ...rows.filter((r) => !r.differs)].map((r) => r.key);
  const differing = rows.filter((r) => r.differs).map((r) => r.key).slice(0, 8);
  const plainMetrics = metricKeys.filter((k) => !k.startsWith('sys/'));

  if (runs.length < 2) {
    return (
      <div className="experiments-message">
        <p className="muted">Tick two runs or more in the runs table to compare them.</p>
        <button type="button" className="button" onClick={() => store.getState().showRuns()}>
          ← Runs
        </button>
      </div>
    );
  }
  return (
    <div className="compare-view" aria-label="Compare runs">
      <header className="run-page-head">
        <button type="button" className="button" onClick={() => store.getState().showRuns()}>
          ← Runs
        </button>
        <h2>Compare {runs.length} runs</h2>
        <ul className="compare-legend" aria-label="Legend">
          {panelRuns.slice(0, legendRuns).map((run) => (
            <li key={run.id}>
              <span className="legend-swatch" style={{ background: run.color }} />
              <button type="button" className="link-button" onClick={() => store.getState().openRun(run.id)}>
                {run.name}
              </button>
            </li>
          ))}
          {panelRuns.length > legendRuns && <li className="muted">+{panelRuns.length - legendRuns} more (hover a chart for values)</li>}
        </ul>
        <span className="runs-toolbar-spacer" />
        <ExportButton runs={runs} />
      </header>
      <ChartControls settings={settings} onChange={(c) => store.getState().setChartSettings(c)} />
      <MetricPicker keys={metricKeys} chosen={shown} onChange={setChosen} />
      {runs.length > maxChartRuns && <p className="metric-chart-note">The charts draw the first {maxChartRuns} of the {runs.length} ticked runs.</p>}
      <div className="chart-grid">
        {shown.map((key) => (
          <SeriesPanel key={key} title={key} metricKey={key} runs={panelRuns} settings={settings} density={runs.length > 20 ? 0.5 : 1} />
        ))}
      </div>
      <ParamsTable runs={runs} />
      <div className="compare-pair">
        <ParamScatter runs={runs} paramKeys={allParams} metricKeys={plainMetrics} />
        <ParallelCoordinates runs={runs} paramKeys={differing} metricKeys={plainMetrics} />
      </div>
    </div>
  );
}
