import type { SuiteCell, SuiteCompare, SuiteResult } from '../../../../app/contract/prompts';

type State = 'pass' | 'fail' | 'absent';
type Change = SuiteCompare['changes'][number];

/** A row's variables as a key that ignores their order. */
function varsKey(vars: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.keys(vars).sort().map((key) => [key, vars[key]]));
}

interface Indexed {
  readonly row: number;
  readonly column: string;
  readonly vars: Record<string, string>;
  readonly cell: SuiteCell | null;
}

/** Cells by `vars + column label`; a cancelled cell counts as absent (it never ran). */
function index(result: SuiteResult): Map<string, Indexed> {
  const byKey = new Map<string, Indexed>();
  for (const cell of result.cells) {
    const row = result.rows[cell.row];
    const column = result.columns[cell.column];
    if (!row || !column) continue;
    const key = `${varsKey(row.vars)}\u0000${column.label}`;
    if (byKey.has(key)) continue;
    byKey.set(key, { row: cell.row, column: column.label, vars: row.vars, cell: cell.status === 'cancelled' ? null : cell });
  }
  return byKey;
}

function stateOf(entry: Indexed | undefined): State {
  if (!entry?.cell) return 'absent';
  return entry.cell.pass ? 'pass' : 'fail';
}

/**
 * Compares two runs cell by cell, matching cells by their row's variables and their column's label (so reordered
 * rows still match, and a renamed column reads as absent on one side). Lists the cells whose state changed, in
 * the second run's order; `fixed` counts fail → pass, `broken` pass → fail.
 */
export function compareResults(a: SuiteResult, b: SuiteResult): SuiteCompare {
  const before = index(a);
  const after = index(b);
  const changes: Change[] = [];
  const seen = new Set<string>();
  const consider = (key: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    const old = before.get(key);
    const now = after.get(key);
    const from = stateOf(old);
    const to = stateOf(now);
    if (from === to) return;
    const where = (now ?? old)!;
    changes.push({ row: where.row, column: where.column, vars: where.vars, before: from, after: to, outputBefore: old?.cell?.output ?? null, outputAfter: now?.cell?.output ?? null });
  };
  for (const key of after.keys()) consider(key);
  for (const key of before.keys()) consider(key);
  return {
    a: a.run,
    b: b.run,
    changes,
    fixed: changes.filter((change) => change.before === 'fail' && change.after === 'pass').length,
    broken: changes.filter((change) => change.before === 'pass' && change.after === 'fail').length,
  };
}
