/**
 * The filter box of the runs table: what the user typed, the last query the server accepted (the rows shown), and
 * the server's `invalid_input` message for the one it refused.
 */
export interface QueryBoxState {
  readonly draft: string;
  /** The query whose rows the table shows. */
  readonly applied: string;
  /** The query sent and not answered yet; null when none is in flight. */
  readonly pending: string | null;
  readonly error: string | null;
}

/** An empty box. */
export const emptyQueryBox: QueryBoxState = { draft: '', applied: '', pending: null, error: null };

/** The user typed: the error of the refused query stays until the next answer. */
export function editQuery(state: QueryBoxState, draft: string): QueryBoxState {
  return { ...state, draft };
}

/** Enter pressed: the trimmed draft is sent unless it is what the table shows already. Null: nothing to send. */
export function submitQuery(state: QueryBoxState): { state: QueryBoxState; send: string } | null {
  const query = state.draft.trim();
  if (query === state.applied && state.error === null) return null;
  return { state: { ...state, pending: query }, send: query };
}

/** runs.list answered `query`: rows for it (error null) or its invalid_input message. An older answer is ignored. */
export function queryAnswered(state: QueryBoxState, query: string, error: string | null): QueryBoxState {
  if (state.pending !== query) return state;
  if (error !== null) return { ...state, pending: null, error };
  return { ...state, pending: null, applied: query, error: null };
}

/** Escape: back to the query the table shows. */
export function revertQuery(state: QueryBoxState): QueryBoxState {
  return { ...state, draft: state.applied, error: null };
}
