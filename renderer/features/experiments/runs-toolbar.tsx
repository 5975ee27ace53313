import { useEffect, useMemo, useRef, useState } from 'react';
import { useAppStore, useAppStoreApi } from '../../store/context';
import { columnTitle, toggleColumn, visibleColumns, type RunColumnId } from './run-columns';

/** The filter box: the runs.list query language; Enter applies, Escape reverts, the server's error shows below. */
function QueryBox() {
  const store = useAppStoreApi();
  const box = useAppStore((s) => s.runsQueryBox);
  return (
    <div className="runs-query">
      <input
        className={`text-input mono${box.error ? ' is-invalid' : ''}`}
        aria-label="Filter runs"
        aria-invalid={box.error !== null}
        aria-describedby="runs-query-error"
        placeholder='Filter: params.lr > 0.01 and metrics.loss < 0.5 and tags ~ "x" and status = finished'
        value={box.draft}
        spellCheck={false}
        onChange={(e) => store.getState().editRunsQuery(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') void store.getState().submitRunsQuery();
          if (e.key === 'Escape') store.getState().revertRunsQuery();
        }}
      />
      {box.error && (
        <p id="runs-query-error" className="error-text runs-query-error" role="alert">
          {box.error}
        </p>
      )}
    </div>
  );
}

/** Free-text search over name, id and tags; asked 250 ms after the last key. */
function SearchBox() {
  const store = useAppStoreApi();
  const [text, setText] = useState(() => store.getState().runsSearch);
  useEffect(() => {
    if (text === store.getState().runsSearch) return;
    const timer = setTimeout(() => void store.getState().setRunsSearch(text), 250);
    return () => clearTimeout(timer);
  }, [text, store]);
  return <input className="text-input runs-search" type="search" aria-label="Search runs" placeholder="Search name, id, tags" value={text} onChange={(e) => setText(e.target.value)} />;
}

/** The columns menu: every param and metric key, ticked when shown. */
function ColumnPicker() {
  const store = useAppStoreApi();
  const chosen = useAppStore((s) => s.runColumns);
  const paramKeys = useAppStore((s) => s.runParamKeys);
  const metricKeys = useAppStore((s) => s.runMetricKeys);
  const [open, setOpen] = useState(false);
  const menu = useRef<HTMLDivElement>(null);
  const shown = useMemo(() => visibleColumns(chosen, paramKeys, metricKeys), [chosen, paramKeys, metricKeys]);
  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => !menu.current?.contains(e.target as Node) && setOpen(false);
    const escape = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    document.addEventListener('mousedown', close);
    document.addEventListener('keydown', escape);
    return () => {
      document.removeEventListener('mousedown', close);
      document.removeEventListener('keydown', escape);
    };
  }, [open]);
  const group = (label: string, ids: readonly RunColumnId[]) =>
    ids.length > 0 && (
      <fieldset>
        <legend>{label}</legend>
        {ids.map((id) => (
          <label key={id}>
            <input type="checkbox" checked={shown.includes(id)} onChange={() => store.getState().setRunColumns(toggleColumn(shown, id))} /> <span className="mono">{columnTitle(id)}</span>
          </label>
        ))}
      </fieldset>
    );
  return (
    <div className="runs-columns" ref={menu}>
      <button type="button" className="button" aria-expanded={open} onClick={() => setOpen(!open)}>
        Columns
      </button>
      {open && (
        <div className="runs-columns-menu" role="dialog" aria-label="Choose columns">
          {group(
            'Params',
            paramKeys.map((k): RunColumnId => `params.${k}`),
          )}
          {group(
            'Metrics',
            metricKeys.map((k): RunColumnId => `metrics.${k}`),
          )}
          {paramKeys.length + metricKeys.length === 0 && <p className="muted">No params or metrics yet.</p>}
          <button type="button" className="link-button" onClick={() => store.getState().setRunColumns(null)}>
            Default columns
          </button>
        </div>
      )}
    </div>
  );
}

/** Above the runs table: filter, search, columns, and what to do with the ticked runs. */
export function RunsToolbar() {
  const store = useAppStoreApi();
  const total = useAppStore((s) => s.runsTotal);
  const selected = useAppStore((s) => s.selectedRuns.length);
  return (
    <div className="runs-toolbar">
      <QueryBox />
      <div className="runs-toolbar-row">
        <SearchBox />
        <ColumnPicker />
        <span className="muted runs-count" data-testid="runs-count">
          {total.toLocaleString('en-US')} run{total === 1 ? '' : 's'}
        </span>
        <span className="runs-toolbar-spacer" />
        {selected > 0 && (
          <button type="button" className="button" onClick={() => store.getState().clearRunSelection()}>
            Clear selection
          </button>
        )}
        <button type="button" className="button is-primary" disabled={selected < 2} title={selected < 2 ? 'Tick two runs or more to compare them' : undefined} onClick={() => store.getState().showCompare()}>
          Compare {selected > 0 ? `(${selected})` : ''}
        </button>
      </div>
    </div>
  );
}
