import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { RunSummary } from '../../../app/contract';
import { useAppStore, useAppStoreApi } from '../../store/context';
import { formatTime } from '../../ui/format';
import { cellText, columnTitle, fixedColumns, gridTemplate, visibleColumns, type RunColumnId } from './run-columns';

const rowHeight = 30;

/** A run's status as a colored badge. */
export function StatusBadge({ status }: { status: string }) {
  return <span className={`run-status is-${status.replace(/[^a-z]/g, '')}`}>{status}</span>;
}

function HeaderCell({ id, title }: { id: string; title: string }) {
  const sort = useAppStore((s) => s.runsSort);
  const sortRunsBy = useAppStore((s) => s.sortRunsBy);
  const active = sort.by === id;
  return (
    <div role="columnheader" aria-sort={active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'} className="runs-cell">
      <button type="button" className="runs-sort" aria-label={`Sort by ${title}`} title={`Sort by ${title}`} onClick={() => void sortRunsBy(id)}>
        <span>{title}</span>
        {active && <span aria-hidden="true">{sort.dir === 'asc' ? ' ▲' : ' ▼'}</span>}
      </button>
    </div>
  );
}

function RunRow({ run, columns, selected, onToggle, onOpen }: { run: RunSummary; columns: readonly RunColumnId[]; selected: boolean; onToggle: () => void; onOpen: () => void }) {
  return (
    <>
      <div role="gridcell" className="runs-cell runs-check">
        <input type="checkbox" checked={selected} aria-label={`Select ${run.name}`} tabIndex={-1} onChange={onToggle} />
      </div>
      <div role="gridcell" className="runs-cell">
        <StatusBadge status={run.status} />
      </div>
      <div role="gridcell" className="runs-cell runs-name">
        <button type="button" className="link-button" tabIndex={-1} title={`${run.name} (${run.id})`} onClick={onOpen}>
          {run.name}
        </button>
        {run.tags.length > 0 && <span className="runs-tags">{run.tags.join(', ')}</span>}
      </div>
      <div role="gridcell" className="runs-cell muted">
        {formatTime(run.createdAt)}
      </div>
      {columns.map((id) => (
        <div role="gridcell" key={id} className="runs-cell runs-value">
          {cellText(run, id)}
        </div>
      ))}
    </>
  );
}

/** The keys of the table: arrows and Page keys move, Space ticks the run for compare, Enter opens it. */
function useTableKeys(count: number, onMove: (index: number) => void, active: number, onToggle: (index: number) => void, onOpen: (index: number) => void) {
  return (event: KeyboardEvent<HTMLDivElement>) => {
    if ((event.target as Element).closest('input, button, select, textarea') && event.target !== event.currentTarget) return;
    const page = 15;
    const moves: Record<string, number> = { ArrowDown: active + 1, ArrowUp: active - 1, PageDown: active + page, PageUp: active - page, Home: 0, End: count - 1, j: active + 1, k: active - 1 };
    const target = moves[event.key];
    if (target !== undefined) {
      event.preventDefault();
      onMove(Math.min(Math.max(target, 0), Math.max(count - 1, 0)));
    } else if (event.key === ' ' && active >= 0) {
      event.preventDefault();
      onToggle(active);
    } else if (event.key === 'Enter' && active >= 0) {
      event.preventDefault();
      onOpen(active);
    }
  };
}

/** The runs matching the filter, virtualized: only the rows in view exist, and their pages are fetched as they appear. */
export function RunsTable() {
  const store = useAppStoreApi();
  const rows = useAppStore((s) => s.runRows);
  const chosen = useAppStore((s) => s.runColumns);
  const paramKeys = useAppStore((s) => s.runParamKeys);
  const metricKeys = useAppStore((s) => s.runMetricKeys);
  const selectedIds = useAppStore(useShallow((s) => s.selectedRuns.map((r) => r.id)));
  const columns = useMemo(() => visibleColumns(chosen, paramKeys, metricKeys), [chosen, paramKeys, metricKeys]);
  const template = gridTemplate(columns);
  const scroller = useRef<HTMLDivElement>(null);
  const [active, setActive] = useState(-1);
  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => rowHeight, overscan: 10 });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;
  useEffect(() => {
    if (rows.length > 0) store.getState().ensureRunRange(first, last + 1);
  }, [first, last, rows.length, store]);

  const toggle = (index: number) => {
    const run = rows[index];
    if (run) store.getState().toggleRunSelected(run);
  };
  const open = (index: number) => {
    const run = rows[index];
    if (run) store.getState().openRun(run.id);
  };
  const move = (index: number) => {
    setActive(index);
    virtualizer.scrollToIndex(index, { align: 'auto' });
  };
  const onKeyDown = useTableKeys(rows.length, move, active, toggle, open);
  const width = 36 + fixedColumns.reduce((sum, c) => sum + c.width, 0) + columns.length * 120;

  return (
    <div ref={scroller} className="runs-table" role="grid" aria-label="Runs" aria-rowcount={rows.length + 1} tabIndex={0} onKeyDown={onKeyDown} data-testid="runs-table">
      <div role="row" className="runs-row runs-head" style={{ gridTemplateColumns: template, width }}>
        <div role="columnheader" className="runs-cell runs-check">
          <input
            type="checkbox"
            aria-label="Select the loaded runs (100 at most)"
            title="Tick the loaded runs (100 at most), or clear the selection"
            checked={selectedIds.length > 0}
            onChange={() => (selectedIds.length > 0 ? store.getState().clearRunSelection() : store.getState().selectLoadedRuns())}
          />
        </div>
        {fixedColumns.map((c) => (
          <HeaderCell key={c.id} id={c.id} title={c.title} />
        ))}
        {columns.map((id) => (
          <HeaderCell key={id} id={id} title={columnTitle(id)} />
        ))}
      </div>
      <div className="runs-body" style={{ height: virtualizer.getTotalSize(), width }}>
        {items.map((item) => {
          const run = rows[item.index];
          const selected = run ? selectedIds.includes(run.id) : false;
          return (
            <div
              key={item.key}
              role="row"
              aria-rowindex={item.index + 2}
              aria-selected={selected}
              className={`runs-row${item.index === active ? ' is-active' : ''}${selected ? ' is-selected' : ''}`}
              style={{ gridTemplateColumns: template, transform: `translateY(${item.start}px)`, height: rowHeight }}
              onClick={() => setActive(item.index)}
            >
              {run ? <RunRow run={run} columns={columns} selected={selected} onToggle={() => toggle(item.index)} onOpen={() => open(item.index)} /> : <div className="runs-cell muted runs-pending">…</div>}
            </div>
          );
        })}
      </div>
    </div>
  );
}
