import type { SuiteCell, SuiteColumn, SuiteEstimate, SuiteResult, SuiteRow } from '../../../app/contract/prompts';

/** A suite's matrix as the Suites panel draws it: while running from the estimate's size and prompt.suiteCell events, then from the stored result. */
export interface SuiteMatrix {
  readonly rows: readonly SuiteRow[] | number;
  readonly columns: readonly SuiteColumn[] | number;
  /** Cells by `row:column`. */
  readonly cells: ReadonlyMap<string, SuiteCell>;
}

const keyOf = (row: number, column: number) => `${row}:${column}`;

/** An empty matrix of the estimate's size, before any cell finished. */
export function liveMatrix(estimate: Pick<SuiteEstimate, 'rows' | 'columns'>): SuiteMatrix {
  return { rows: estimate.rows, columns: estimate.columns, cells: new Map() };
}

/** The matrix with one more finished cell (a repeated one replaces its older copy). */
export function placeCell(matrix: SuiteMatrix, cell: SuiteCell): SuiteMatrix {
  const cells = new Map(matrix.cells);
  cells.set(keyOf(cell.row, cell.column), cell);
  const rows = typeof matrix.rows === 'number' ? Math.max(matrix.rows, cell.row + 1) : matrix.rows;
  const columns = typeof matrix.columns === 'number' ? Math.max(matrix.columns, cell.column + 1) : matrix.columns;
  return { rows, columns, cells };
}

/** The matrix of a stored (or just finished) run. */
export function resultMatrix(result: SuiteResult): SuiteMatrix {
  return { rows: result.rows, columns: result.columns, cells: new Map(result.cells.map((cell) => [keyOf(cell.row, cell.column), cell])) };
}

/** The cell at (row, column), if it finished. */
export function cellAt(matrix: SuiteMatrix, row: number, column: number): SuiteCell | undefined {
  return matrix.cells.get(keyOf(row, column));
}

const count = (value: readonly unknown[] | number) => (typeof value === 'number' ? value : value.length);

/** Number of rows and columns. */
export function matrixSize(matrix: SuiteMatrix): { rows: number; columns: number } {
  return { rows: count(matrix.rows), columns: count(matrix.columns) };
}

/** A row's heading: its description, else its variables as `name=value` (shortened). */
export function rowLabel(matrix: SuiteMatrix, row: number): string {
  if (typeof matrix.rows === 'number') return `row ${row + 1}`;
  const spec = matrix.rows[row];
  if (!spec) return `row ${row + 1}`;
  if (spec.description) return spec.description;
  const text = Object.entries(spec.vars).map(([k, v]) => `${k}=${v}`).join(', ');
  return text.length > 60 ? `${text.slice(0, 59)}…` : text || `row ${row + 1}`;
}

/** A column's heading: version × model. */
export function columnLabel(matrix: SuiteMatrix, column: number): string {
  if (typeof matrix.columns === 'number') return `column ${column + 1}`;
  return matrix.columns[column]?.label ?? `column ${column + 1}`;
}

/** Passed, failed and cost of the finished cells. */
export function matrixTotals(matrix: SuiteMatrix): { done: number; passed: number; failed: number; costUsd: number; unpriced: number } {
  const totals = { done: 0, passed: 0, failed: 0, costUsd: 0, unpriced: 0 };
  for (const cell of matrix.cells.values()) {
    totals.done++;
    if (cell.pass) totals.passed++;
    else totals.failed++;
    if (cell.costUsd === null) totals.unpriced++;
    else totals.costUsd += cell.costUsd;
  }
  return totals;
}

/** Why a cell failed: each failing assertion's message, then the call's error. */
export function failureReasons(cell: SuiteCell): string[] {
  const reasons = cell.assertions.filter((a) => !a.pass).map((a) => `${a.type}: ${a.message}`);
  if (cell.error) reasons.push(cell.error);
  return reasons;
}
