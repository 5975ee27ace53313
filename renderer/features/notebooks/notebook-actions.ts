import type { NotebookAction } from './notebook-keys';
import type { NotebookSession } from './notebook-session';

/** Which cell is selected and whether its editor is open. */
export interface CellSelection {
  readonly key: string | null;
  readonly mode: 'command' | 'edit';
}

/** The key of the cell `step` places from `key` (clamped), or null in an empty notebook. */
export function neighbour(keys: readonly string[], key: string | null, step: number): string | null {
  if (keys.length === 0) return null;
  const index = key === null ? -1 : keys.indexOf(key);
  if (index < 0) return keys[0]!;
  return keys[Math.max(0, Math.min(keys.length - 1, index + step))]!;
}

/** Runs a cell (rendering a markdown cell means leaving its editor); returns nothing to wait for in the view. */
function run(session: NotebookSession, key: string): void {
  void session.execute([key]);
}

/**
 * Carries out a notebook key action on the session's document and answers the new selection. Pure of React, so
 * the Jupyter keyboard is testable without a page.
 */
export function applyAction(session: NotebookSession, action: NotebookAction, selection: CellSelection): CellSelection {
  const model = session.getState().model;
  const keys = model.cells.map((cell) => cell.key);
  const key = selection.key && model.cell(selection.key) ? selection.key : (keys[0] ?? null);
  const index = key ? keys.indexOf(key) : -1;
  switch (action) {
    case 'run':
      if (key) run(session, key);
      return { key, mode: 'command' };
    case 'run-advance': {
      if (key) run(session, key);
      if (index === keys.length - 1 || !key) return { key: model.insert(keys.length, 'code'), mode: 'edit' };
      return { key: keys[index + 1]!, mode: 'command' };
    }
    case 'run-insert':
      if (key) run(session, key);
      return { key: model.insert(index + 1, 'code'), mode: 'edit' };
    case 'command-mode':
      return { key, mode: 'command' };
    case 'edit-mode':
      return { key, mode: key ? 'edit' : 'command' };
    case 'insert-above':
      return { key: model.insert(Math.max(0, index), 'code'), mode: 'command' };
    case 'insert-below':
      return { key: model.insert(index + 1, 'code'), mode: 'command' };
    case 'delete': {
      if (!key) return selection;
      const next = keys[index + 1] ?? keys[index - 1] ?? null;
      model.remove(key);
      return { key: next, mode: 'command' };
    }
    case 'to-markdown':
    case 'to-code':
      if (key) model.setType(key, action === 'to-markdown' ? 'markdown' : 'code');
      return { key, mode: 'command' };
    case 'select-previous':
      return { key: neighbour(keys, key, -1), mode: 'command' };
    case 'select-next':
      return { key: neighbour(keys, key, 1), mode: 'command' };
    case 'move-up':
    case 'move-down':
      if (key) model.move(key, action === 'move-up' ? -1 : 1);
      return { key, mode: 'command' };
    case 'interrupt':
      void session.interrupt();
      return selection;
    case 'save':
      void session.save().catch(() => undefined);
      return selection;
  }
}

/** Keys of the cells above `key` (Run Above, like JupyterLab's "Run All Above Selected Cell"). */
export function keysAbove(session: NotebookSession, key: string | null): string[] {
  const keys = session.getState().model.cells.map((cell) => cell.key);
  const index = key ? keys.indexOf(key) : -1;
  return index < 0 ? [] : keys.slice(0, index);
}
