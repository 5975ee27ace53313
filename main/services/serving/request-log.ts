import type { Db } from '../store/open-database';

/** One served request as `serve_requests` keeps it. */
export interface ServedRequest {
  time: number;
  path: string;
  status: number;
  latencyMs: number;
  batch: number | null;
}

/**
 * Writes served requests to `serve_requests` in batches: rows gather in memory and go in one transaction every
 * `intervalMs` or every `maxRows`, so a busy server does not pay a transaction per request. `close()` writes the rest.
 */
export class RequestLog {
  private pending: ServedRequest[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly insert: (rows: readonly ServedRequest[]) => void;
  written = 0;

  constructor(
    db: Db,
    private readonly model: string,
    private readonly versionId: string | null,
    private readonly options: { intervalMs?: number; maxRows?: number } = {},
  ) {
    const statement = db.prepare('INSERT INTO serve_requests (model, version_id, time, path, status, latency_ms, batch) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.insert = db.transaction((rows: readonly ServedRequest[]) => {
      for (const row of rows) statement.run(this.model, this.versionId, row.time, row.path, row.status, row.latencyMs, row.batch);
    });
  }

  record(row: ServedRequest): void {
    this.pending.push(row);
    if (this.pending.length >= (this.options.maxRows ?? 500)) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.options.intervalMs ?? 250);
      this.timer.unref();
    }
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.length === 0) return;
    const rows = this.pending;
    this.pending = [];
    this.insert(rows);
    this.written += rows.length;
  }

  close(): void {
    this.flush();
  }
}
