import { OrreryError } from '../../../../app/contract/errors';
import type { AssertionResult, SuiteCell, SuiteColumn, SuiteResult, SuiteRow, SuiteRun } from '../../../../app/contract/prompts';
import type { Db } from '../../store/open-database';

interface RunRecord {
  id: string;
  suite_name: string;
  path: string | null;
  hash: string;
  status: SuiteRun['status'];
  cases: number;
  passed: number;
  failed: number;
  cost_usd: number;
  estimated_cost_usd: number | null;
  rows: string;
  columns: string;
  started_at: number;
  ended_at: number | null;
}

interface CellRecord {
  row: number;
  col: number;
  call_id: string | null;
  output: string;
  status: SuiteCell['status'];
  pass: number;
  assertions: string;
  latency_ms: number | null;
  cost_usd: number | null;
  error: string | null;
}

const runColumns = 'id, suite_name, path, hash, status, cases, passed, failed, cost_usd, estimated_cost_usd, started_at, ended_at';

function runOf(record: Omit<RunRecord, 'rows' | 'columns'>): SuiteRun {
  return {
    id: record.id,
    suiteName: record.suite_name,
    path: record.path,
    hash: record.hash,
    status: record.status,
    cases: record.cases,
    passed: record.passed,
    failed: record.failed,
    costUsd: record.cost_usd,
    estimatedCostUsd: record.estimated_cost_usd,
    startedAt: record.started_at,
    endedAt: record.ended_at,
  };
}

function cellOf(record: CellRecord): SuiteCell {
  return {
    row: record.row,
    column: record.col,
    callId: record.call_id,
    output: record.output,
    status: record.status,
    pass: record.pass === 1,
    assertions: JSON.parse(record.assertions) as AssertionResult[],
    latencyMs: record.latency_ms,
    costUsd: record.cost_usd,
    error: record.error,
  };
}

/** A new run as it starts: its rows and columns, the suite's text. */
export interface NewSuiteRun {
  readonly run: SuiteRun;
  readonly text: string;
  readonly rows: readonly SuiteRow[];
  readonly columns: readonly SuiteColumn[];
}

/** Suite runs and their cells in the project database (suite_runs, suite_cells). */
export class SuiteStore {
  constructor(private readonly db: Db) {}

  insertRun({ run, text, rows, columns }: NewSuiteRun): void {
    this.db
      .prepare(
        `INSERT INTO suite_runs (id, suite_name, path, hash, text, status, cases, passed, failed, cost_usd, estimated_cost_usd, rows, columns, started_at, ended_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(run.id, run.suiteName, run.path, run.hash, text, run.status, run.cases, run.passed, run.failed, run.costUsd, run.estimatedCostUsd, JSON.stringify(rows), JSON.stringify(columns), run.startedAt, run.endedAt);
  }

  /** Cells of a run (inserted or replaced); call inside a transaction to batch them. */
  insertCells(runId: string, cells: readonly SuiteCell[]): void {
    const insert = this.db.prepare(
      `INSERT OR REPLACE INTO suite_cells (suite_run_id, row, col, call_id, output, status, pass, assertions, latency_ms, cost_usd, error)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const cell of cells) {
      insert.run(runId, cell.row, cell.column, cell.callId, cell.output, cell.status, cell.pass ? 1 : 0, JSON.stringify(cell.assertions), cell.latencyMs, cell.costUsd, cell.error);
    }
  }

  /** Records the end of a run with its totals. */
  finish(id: string, end: Pick<SuiteRun, 'status' | 'passed' | 'failed' | 'costUsd' | 'endedAt'>): void {
    this.db.prepare('UPDATE suite_runs SET status = ?, passed = ?, failed = ?, cost_usd = ?, ended_at = ? WHERE id = ?').run(end.status, end.passed, end.failed, end.costUsd, end.endedAt, id);
  }

  get(id: string): SuiteRun {
    const record = this.db.prepare(`SELECT ${runColumns} FROM suite_runs WHERE id = ?`).get(id) as RunRecord | undefined;
    if (!record) throw new OrreryError('not_found', `No suite run ${id} in this project; list them with prompt.suiteRuns (orrery prompt runs).`);
    return runOf(record);
  }

  /** Runs, newest first (at most `limit`), of one suite or all. */
  list(suiteName?: string, limit = 500): SuiteRun[] {
    const records = (
      suiteName === undefined
        ? this.db.prepare(`SELECT ${runColumns} FROM suite_runs ORDER BY started_at DESC, rowid DESC LIMIT ?`).all(limit)
        : this.db.prepare(`SELECT ${runColumns} FROM suite_runs WHERE suite_name = ? ORDER BY started_at DESC, rowid DESC LIMIT ?`).all(suiteName, limit)
    ) as RunRecord[];
    return records.map(runOf);
  }

  /** A run with its matrix (cells ordered by row, then column). */
  result(id: string): SuiteResult {
    const record = this.db.prepare(`SELECT ${runColumns}, rows, columns FROM suite_runs WHERE id = ?`).get(id) as RunRecord | undefined;
    if (!record) throw new OrreryError('not_found', `No suite run ${id} in this project; list them with prompt.suiteRuns (orrery prompt runs).`);
    const cells = (this.db.prepare('SELECT row, col, call_id, output, status, pass, assertions, latency_ms, cost_usd, error FROM suite_cells WHERE suite_run_id = ? ORDER BY row, col').all(id) as CellRecord[]).map(cellOf);
    return { run: runOf(record), rows: JSON.parse(record.rows) as SuiteRow[], columns: JSON.parse(record.columns) as SuiteColumn[], cells };
  }
}
