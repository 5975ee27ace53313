/** What a key does in a notebook. */
export type NotebookAction =
  | 'run-advance'
  | 'run'
  | 'run-insert'
  | 'command-mode'
  | 'edit-mode'
  | 'insert-above'
  | 'insert-below'
  | 'delete'
  | 'to-markdown'
  | 'to-code'
  | 'select-previous'
  | 'select-next'
  | 'move-up'
  | 'move-down'
  | 'interrupt'
  | 'save';

/** The parts of a KeyboardEvent the key map reads. */
export interface NotebookKey {
  readonly key: string;
  readonly shiftKey: boolean;
  readonly ctrlKey: boolean;
  readonly altKey: boolean;
  readonly metaKey: boolean;
}

/** What the key map decided: an action (or none), and whether a first `d` now waits for the second. */
export interface KeyDecision {
  readonly action: NotebookAction | null;
  readonly pendingD: boolean;
}

/** Keys that run cells, in both modes (Jupyter's). */
function runKey(event: NotebookKey, mac: boolean): NotebookAction | null {
  if (event.key !== 'Enter') return null;
  const primary = mac ? event.metaKey : event.ctrlKey;
  if (event.shiftKey && !event.altKey && !primary) return 'run-advance';
  if (event.altKey && !event.shiftKey && !primary) return 'run-insert';
  if ((primary || event.ctrlKey) && !event.shiftKey && !event.altKey) return 'run';
  return null;
}

/**
 * Jupyter's keyboard: Shift+Enter, Ctrl+Enter, Alt+Enter run in both modes; Esc leaves edit mode; in command mode
 * Enter edits, a/b insert, dd deletes, m/y change the type, j/k/arrows select, Ctrl+Shift+↑/↓ move.
 */
export function decideKey(event: NotebookKey, mode: 'command' | 'edit', pendingD: boolean, mac = false): KeyDecision {
  const run = runKey(event, mac);
  if (run) return { action: run, pendingD: false };
  const primary = mac ? event.metaKey : event.ctrlKey;
  if (primary && !event.shiftKey && !event.altKey && event.key.toLowerCase() === 's') return { action: 'save', pendingD: false };
  if (mode === 'edit') return { action: event.key === 'Escape' ? 'command-mode' : null, pendingD: false };
  if (primary && event.shiftKey && event.key === 'ArrowUp') return { action: 'move-up', pendingD: false };
  if (primary && event.shiftKey && event.key === 'ArrowDown') return { action: 'move-down', pendingD: false };
  if (event.ctrlKey || event.metaKey || event.altKey) return { action: null, pendingD: false };
  switch (event.key) {
    case 'Enter':
      return { action: 'edit-mode', pendingD: false };
    case 'a':
      return { action: 'insert-above', pendingD: false };
    case 'b':
      return { action: 'insert-below', pendingD: false };
    case 'd':
      return pendingD ? { action: 'delete', pendingD: false } : { action: null, pendingD: true };
    case 'm':
      return { action: 'to-markdown', pendingD: false };
    case 'y':
      return { action: 'to-code', pendingD: false };
    case 'k':
    case 'ArrowUp':
      return { action: 'select-previous', pendingD: false };
    case 'j':
    case 'ArrowDown':
      return { action: 'select-next', pendingD: false };
    default:
      return { action: null, pendingD: false };
  }
}
