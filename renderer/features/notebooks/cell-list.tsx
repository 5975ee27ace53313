import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore, type KeyboardEvent } from 'react';
import { isMac } from '../../app/global-keys';
import { applyAction, type CellSelection } from './notebook-actions';
import { decideKey, type NotebookAction } from './notebook-keys';
import type { CellEntry } from './notebook-model';
import type { NotebookSession, SessionState } from './notebook-session';
import { CellView, type CellCallbacks } from './cell-view';

/** A first guess of a cell's height (rows are measured once drawn). */
export function estimateCellHeight(entry: CellEntry | undefined): number {
  if (!entry) return 60;
  let lines = 1;
  for (let i = entry.source.indexOf('\n'); i >= 0 && lines < 200; i = entry.source.indexOf('\n', i + 1)) lines++;
  let outputs = 0;
  for (const output of entry.outputs) {
    const data = output['data'] as Record<string, unknown> | undefined;
    outputs += data && ('image/png' in data || 'image/jpeg' in data || 'image/svg+xml' in data) ? 300 : 40;
  }
  return 24 + lines * 19 + Math.min(outputs, 2000);
}

/** Props of the cell list. */
export interface CellListProps {
  readonly session: NotebookSession;
  readonly state: SessionState;
  readonly dark: boolean;
  readonly selection: CellSelection;
  readonly onSelection: (selection: CellSelection) => void;
}

/** The cells, virtualized (only the rows in view exist in the page), with Jupyter's command-mode keys. */
export function CellList({ session, state, dark, selection, onSelection }: CellListProps) {
  const { model } = state;
  const cells = useSyncExternalStore(
    (listener) => model.subscribeList(listener),
    () => model.cells,
  );
  const scroller = useRef<HTMLDivElement>(null);
  const pendingD = useRef(false);
  const mac = useMemo(() => isMac(), []);
  const virtualizer = useVirtualizer({
    count: cells.length,
    getScrollElement: () => scroller.current,
    estimateSize: (index) => estimateCellHeight(cells[index]),
    getItemKey: (index) => cells[index]?.key ?? index,
    overscan: 3,
  });

  const selectedIndex = selection.key ? cells.findIndex((c) => c.key === selection.key) : -1;
  useEffect(() => {
    if (selectedIndex >= 0) virtualizer.scrollToIndex(selectedIndex, { align: 'auto' });
  }, [selectedIndex, virtualizer]);

  // Keys go to the list in command mode: after leaving an editor, focus comes back to it.
  const wantFocus = useRef(false);
  useEffect(() => {
    if (wantFocus.current && selection.mode === 'command') scroller.current?.focus({ preventScroll: true });
    wantFocus.current = false;
  }, [selection]);

  const select = useCallback(
    (next: CellSelection) => {
      wantFocus.current = next.mode === 'command';
      onSelection(next);
    },
    [onSelection],
  );
  const act = useCallback((action: NotebookAction, from: CellSelection) => select(applyAction(session, action, from)), [session, select]);

  const [callbacks] = useState<{ current: CellCallbacks }>(() => ({ current: null as unknown as CellCallbacks }));
  callbacks.current = {
    select: (key, edit) => select({ key, mode: edit ? 'edit' : 'command' }),
    editorCommand: (key, command) => act(command, { key, mode: 'edit' }),
    answerInput: (value) => void session.answerInput(value),
  };
  const stable = useMemo<CellCallbacks>(
    () => ({
      select: (k, e) => callbacks.current.select(k, e),
      editorCommand: (k, c) => callbacks.current.editorCommand(k, c),
      answerInput: (v) => callbacks.current.answerInput(v),
    }),
    [callbacks],
  );

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const target = event.target as Element;
    if (target.closest('.monaco-editor, input, textarea, select, iframe')) return;
    const decision = decideKey(event, 'command', pendingD.current, mac);
    pendingD.current = decision.pendingD;
    if (!decision.action || decision.action === 'save') return;
    event.preventDefault();
    act(decision.action, selection);
  };

  return (
    <div ref={scroller} className="notebook-cells" tabIndex={0} role="list" aria-label="Cells" data-testid="notebook-cells" onKeyDown={onKeyDown}>
      <div className="notebook-cells-inner" style={{ height: virtualizer.getTotalSize() }}>
        {virtualizer.getVirtualItems().map((item) => {
          const entry = cells[item.index];
          if (!entry) return null;
          return (
            <div key={item.key} role="listitem" data-index={item.index} ref={virtualizer.measureElement} className="notebook-row" style={{ transform: `translateY(${item.start}px)` }}>
              <CellView
                model={model}
                cellKey={entry.key}
                notebookPath={session.path}
                selected={entry.key === selection.key}
                editing={entry.key === selection.key && selection.mode === 'edit'}
                dark={dark}
                pendingInput={state.pendingInput?.cellId === entry.key ? state.pendingInput : null}
                callbacks={stable}
              />
            </div>
          );
        })}
      </div>
      {cells.length === 0 && <p className="notebook-empty">This notebook has no cells. Press B or “+ Code” to add one.</p>}
    </div>
  );
}
