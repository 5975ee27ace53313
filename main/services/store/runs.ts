import type { Db } from './open-database';

/** The minimal run row the store needs to hang metrics on; the tracking service owns the rest of a run's life. */
export interface NewRun {
  readonly id: string;
  readonly name: string;
  readonly createdAt: number;
  readonly status?: string;
}

/** Inserts a run row (status `created` unless given). */
export function createRun(db: Db, run: NewRun): void {
  db.prepare('INSERT INTO runs (id, name, status, created_at) VALUES (?, ?, ?, ?)').run(run.id, run.name, run.status ?? 'created', run.createdAt);
}
