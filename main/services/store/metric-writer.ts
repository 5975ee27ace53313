import type { Statement } from 'better-sqlite3';
import type { Db } from './open-database';

/** One metric observation of a run: `key` at `step`, taken at `time` (seconds since the epoch). */
export interface MetricPoint {
  readonly key: string;
  readonly step: number;
  readonly time: number;
  /** null (or NaN) for a value the script could not compute. */
  readonly value: number | null;
}

/** Tuning of a MetricWriter. */
export interface MetricWriterOptions {
  /** Rows per committed transaction (default 10,000). */
  readonly transactionRows?: number;
  /** Called after each COMMIT with the rows this writer has committed so far. */
  readonly onCommit?: (committed: number) => void;
}

const columns = 4;
/** Rows per INSERT statement: 249 × 4 = 996 bound variables, under the 999 limit of older SQLite builds. */
const rowsPerStatement = 249;

/**
 * The store's write path for metrics: many points per call, multi-row INSERTs of prepared statements,
 * committed in transactions of `transactionRows`. A crash loses at most the transaction in flight.
 */
export class MetricWriter {
  private readonly keyIds = new Map<string, number>();
  private readonly statements = new Map<number, Statement<unknown[]>>();
  private readonly insertKey: Statement<[string, string]>;
  private readonly selectKey: Statement<[string, string], number>;
  private readonly transactionRows: number;
  private readonly onCommit: ((committed: number) => void) | undefined;
  private readonly writeRange: (points: readonly MetricPoint[], start: number, end: number) => void;
  private readonly fullParams: (number | string | null)[] = new Array<number | null>(rowsPerStatement * columns).fill(null);
  private committedRows = 0;

  constructor(
    private readonly db: Db,
    readonly runId: string,
    options: MetricWriterOptions = {},
  ) {
    this.transactionRows = Math.max(1, Math.floor(options.transactionRows ?? 10_000));
    this.onCommit = options.onCommit;
    this.insertKey = db.prepare('INSERT INTO metric_keys (run_id, key) VALUES (?, ?) ON CONFLICT (run_id, key) DO NOTHING');
    this.selectKey = db.prepare<[string, string], number>('SELECT id FROM metric_keys WHERE run_id = ? AND key = ?').pluck();
    this.writeRange = db.transaction((points: readonly MetricPoint[], start: number, end: number) => this.insertRange(points, start, end));
  }

  /** Rows committed by this writer so far. */
  get committed(): number {
    return this.committedRows;
  }

  /** Appends the points in order, one transaction per `transactionRows`; answers how many were written. */
  write(points: readonly MetricPoint[]): number {
    for (let start = 0; start < points.length; start += this.transactionRows) {
      const end = Math.min(points.length, start + this.transactionRows);
      try {
        this.writeRange(points, start, end);
      } catch (error) {
        // Key ids cached inside the rolled-back transaction may not exist any more.
        this.keyIds.clear();
        throw error;
      }
      this.committedRows += end - start;
      this.onCommit?.(this.committedRows);
    }
    return points.length;
  }

  private insertRange(points: readonly MetricPoint[], start: number, end: number): void {
    let index = start;
    if (end - index >= rowsPerStatement) {
      const statement = this.statement(rowsPerStatement);
      const params = this.fullParams;
      while (end - index >= rowsPerStatement) {
        this.fill(params, points, index, rowsPerStatement);
        statement.run(params);
        index += rowsPerStatement;
      }
    }
    const rest = end - index;
    if (rest > 0) {
      const params = new Array<number | string | null>(rest * columns);
      this.fill(params, points, index, rest);
      this.statement(rest).run(params);
    }
  }

  private fill(params: (number | string | null)[], points: readonly MetricPoint[], from: number, count: number): void {
    for (let row = 0; row < count; row++) {
      const point = points[from + row]!;
      const offset = row * columns;
      params[offset] = this.keyIds.get(point.key) ?? this.keyId(point.key);
      params[offset + 1] = point.step;
      params[offset + 2] = point.time;
      params[offset + 3] = point.value;
    }
  }

  private keyId(key: string): number {
    if (typeof key !== 'string' || key.length === 0) throw new TypeError(`Metric key must be a non-empty string, got ${JSON.stringify(key)}`);
    this.insertKey.run(this.runId, key);
    const id = this.selectKey.get(this.runId, key);
    if (id === undefined) throw new Error(`Metric key ${key} of run ${this.runId} was not stored`);
    this.keyIds.set(key, id);
    return id;
  }

  private statement(rows: number): Statement<unknown[]> {
    let statement = this.statements.get(rows);
    if (!statement) {
      const values = new Array<string>(rows).fill('(?, ?, ?, ?)').join(', ');
      statement = this.db.prepare<unknown[]>(`INSERT INTO metrics (key_id, step, time, value) VALUES ${values}`);
      this.statements.set(rows, statement);
    }
    return statement;
  }
}
