import type { RunSummary } from '../../../app/contract';
import { formatNumber } from './chart-math';

/** A column of the runs table past the fixed ones: `params.NAME` or `metrics.KEY` (also the sort key of runs.list). */
export type RunColumnId = `params.${string}` | `metrics.${string}`;

/** The fixed columns, sortable by these runs.list sort keys. */
export const fixedColumns = [
  { id: 'status', title: 'Status', width: 96 },
  { id: 'name', title: 'Name', width: 240 },
  { id: 'created', title: 'Created', width: 170 },
] as const;

/** Width of a param or metric column, in pixels. */
export const valueColumnWidth = 120;

/** How many params and metrics the table shows before the user chooses. */
const defaultParamCount = 4;
const defaultMetricCount = 4;

/** The columns shown when the user has not chosen: the first params and the first non-system metrics. */
export function defaultColumns(paramKeys: readonly string[], metricKeys: readonly string[]): RunColumnId[] {
  const params = paramKeys.slice(0, defaultParamCount).map((k): RunColumnId => `params.${k}`);
  const metrics = metricKeys
    .filter((k) => !k.startsWith('sys/'))
    .slice(0, defaultMetricCount)
    .map((k): RunColumnId => `metrics.${k}`);
  return [...params, ...metrics];
}

/** The columns to show: the user's choice (or the default) without the keys no run has any more. */
export function visibleColumns(chosen: readonly RunColumnId[] | null, paramKeys: readonly string[], metricKeys: readonly string[]): RunColumnId[] {
  if (chosen === null) return defaultColumns(paramKeys, metricKeys);
  const params = new Set(paramKeys);
  const metrics = new Set(metricKeys);
  return chosen.filter((id) => (id.startsWith('params.') ? params.has(id.slice(7)) : metrics.has(id.slice(8))));
}

/** The choice after the user ticked or unticked one column (appended at the end when ticked). */
export function toggleColumn(current: readonly RunColumnId[], id: RunColumnId): RunColumnId[] {
  return current.includes(id) ? current.filter((c) => c !== id) : [...current, id];
}

/** The header text of a column: the key without its prefix. */
export function columnTitle(id: RunColumnId): string {
  return id.startsWith('params.') ? id.slice(7) : id.slice(8);
}

/** A param's value as a cell shows it. */
export function formatParam(value: unknown): string {
  if (value === undefined) return '';
  if (value === null) return 'null';
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** The text of one value cell for a run. */
export function cellText(run: RunSummary, id: RunColumnId): string {
  if (id.startsWith('params.')) return formatParam(run.params[id.slice(7)]);
  const key = id.slice(8);
  return key in run.metrics ? formatNumber(run.metrics[key]) : '';
}

/** A sort of the runs table, as runs.list takes it. */
export interface RunSort {
  readonly by: string;
  readonly dir: 'asc' | 'desc';
}

/** The sort after a click on a column header: a new column sorts descending, the same one flips. */
export function nextSort(current: RunSort, by: string): RunSort {
  if (current.by !== by) return { by, dir: by === 'name' || by === 'status' ? 'asc' : 'desc' };
  return { by, dir: current.dir === 'asc' ? 'desc' : 'asc' };
}

/** CSS grid columns for the table: the checkbox, the fixed columns, then one per value column. */
export function gridTemplate(columns: readonly RunColumnId[]): string {
  return ['36px', ...fixedColumns.map((c) => `${c.width}px`), ...columns.map(() => `${valueColumnWidth}px`)].join(' ');
}
