import type { RunSummary } from '../../../app/contract';
import { formatParam } from './run-columns';

/** One row of the params table of a comparison: the key, each run's value as text, and whether they differ. */
export interface ParamRow {
  readonly key: string;
  /** In the order of the runs; '' where a run lacks the key. */
  readonly values: readonly string[];
  readonly differs: boolean;
}

/** Every param key of the runs (sorted), with each run's value; a key one run lacks differs. */
export function paramRows(runs: readonly Pick<RunSummary, 'params'>[]): ParamRow[] {
  const keys = new Set<string>();
  for (const run of runs) for (const key of Object.keys(run.params)) keys.add(key);
  return [...keys]
    .sort((a, b) => a.localeCompare(b))
    .map((key) => {
      const raw = runs.map((run) => (key in run.params ? JSON.stringify(run.params[key]) : undefined));
      const values = runs.map((run) => (key in run.params ? formatParam(run.params[key]) : ''));
      return { key, values, differs: raw.some((v) => v !== raw[0]) };
    });
}

/** The rows to show: all, or only the params whose values differ between the runs. */
export function shownParamRows(rows: readonly ParamRow[], onlyDiffering: boolean): readonly ParamRow[] {
  return onlyDiffering ? rows.filter((r) => r.differs) : rows;
}
