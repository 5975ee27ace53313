import { useState } from 'react';
import type { SuiteCell, SuiteCompare } from '../../../app/contract/prompts';
import { formatCost, formatMs } from './prompt-format';
import { cellAt, columnLabel, failureReasons, matrixSize, matrixTotals, rowLabel, type SuiteMatrix } from './suite-matrix';

function CellDetail({ cell, title }: { cell: SuiteCell; title: string }) {
  const reasons = failureReasons(cell);
  return (
    <section className="cell-detail" aria-label="Cell">
      <p className="eyebrow">
        {title} · <span className={cell.pass ? 'cell-pass' : 'cell-fail'}>{cell.pass ? 'pass' : 'fail'}</span> · {formatMs(cell.latencyMs)} · {formatCost(cell.costUsd)}
      </p>
      {reasons.length > 0 && (
        <ul className="cell-reasons" data-testid="cell-reasons">
          {reasons.map((r, i) => (
            <li key={i} className="form-error">
              {r}
            </li>
          ))}
        </ul>
      )}
      <pre className="call-output" data-testid="cell-output">
        {cell.output}
      </pre>
    </section>
  );
}

/** The pass/fail matrix: rows = variable sets, columns = version × model; a cell shows its output and failing assertions on click. */
export function SuiteMatrixView({ matrix }: { matrix: SuiteMatrix }) {
  const [picked, setPicked] = useState<{ row: number; column: number } | null>(null);
  const { rows, columns } = matrixSize(matrix);
  const totals = matrixTotals(matrix);
  const pickedCell = picked ? cellAt(matrix, picked.row, picked.column) : undefined;
  return (
    <div className="suite-matrix-wrap">
      <p className="suite-totals" data-testid="suite-totals">
        <span className="cell-pass">{totals.passed} passed</span> · <span className={totals.failed ? 'cell-fail' : ''}>{totals.failed} failed</span> · {totals.done} of {rows * columns} cells ·
        total cost <strong data-testid="suite-cost">{formatCost(totals.costUsd)}</strong>
        {totals.unpriced ? ` (+${totals.unpriced} without price)` : ''}
      </p>
      <div className="suite-matrix-scroll">
        <table className="suite-matrix" aria-label="Suite matrix">
          <thead>
            <tr>
              <th />
              {Array.from({ length: columns }, (_, c) => (
                <th key={c} scope="col">
                  {columnLabel(matrix, c)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {Array.from({ length: rows }, (_, r) => (
              <tr key={r}>
                <th scope="row" className="matrix-row-label">
                  {rowLabel(matrix, r)}
                </th>
                {Array.from({ length: columns }, (_, c) => {
                  const cell = cellAt(matrix, r, c);
                  const state = !cell ? 'pending' : cell.pass ? 'pass' : 'fail';
                  return (
                    <td key={c} className={`matrix-cell is-${state}${picked?.row === r && picked.column === c ? ' is-picked' : ''}`} data-testid="matrix-cell" data-state={state}>
                      <button type="button" disabled={!cell} aria-label={`${rowLabel(matrix, r)} × ${columnLabel(matrix, c)}: ${state}`} onClick={() => setPicked({ row: r, column: c })}>
                        {state === 'pending' ? '…' : state === 'pass' ? '✓' : '✗'}
                        {cell && <span className="matrix-cell-preview">{cell.output.slice(0, 40)}</span>}
                      </button>
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {pickedCell && picked && <CellDetail cell={pickedCell} title={`${rowLabel(matrix, picked.row)} × ${columnLabel(matrix, picked.column)}`} />}
    </div>
  );
}

/** Two runs of a suite compared: what now passes (fixed) and what now fails (broken). */
export function SuiteCompareView({ compare }: { compare: SuiteCompare }) {
  const changed = compare.changes.filter((c) => c.before !== c.after);
  return (
    <section className="suite-compare" aria-label="Run comparison">
      <p data-testid="compare-summary">
        <span className="cell-pass">{compare.fixed} fixed</span> · <span className={compare.broken ? 'cell-fail' : ''}>{compare.broken} broken</span> ·{' '}
        {changed.length} of {compare.changes.length} cells changed
      </p>
      {changed.length > 0 && (
        <table className="prompt-table">
          <thead>
            <tr>
              <th>Row</th>
              <th>Column</th>
              <th>Before</th>
              <th>After</th>
            </tr>
          </thead>
          <tbody>
            {changed.map((c, i) => (
              <tr key={i} title={`before: ${c.outputBefore ?? '—'}\nafter: ${c.outputAfter ?? '—'}`}>
                <td>{Object.entries(c.vars).map(([k, v]) => `${k}=${v}`).join(', ') || `row ${c.row + 1}`}</td>
                <td>{c.column}</td>
                <td className={c.before === 'pass' ? 'cell-pass' : 'cell-fail'}>{c.before}</td>
                <td className={c.after === 'pass' ? 'cell-pass' : 'cell-fail'}>{c.after}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
