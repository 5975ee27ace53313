import { OrreryError } from '../../../../app/contract/errors';
import type { JobBackendName, JobState, Sweep, SweepTrial } from '../../../../app/contract/jobs';
import type { Db } from '../../store/open-database';

/** A row of `sweeps` (schema 9). */
export interface SweepRow {
  id: string;
  name: string;
  spec: string;
  script: string;
  backend: JobBackendName;
  cluster_id: string | null;
  metric: string | null;
  goal: 'minimize' | 'maximize' | null;
  trial_count: number;
  external_id: string | null;
  created_at: number;
}

/** Reads and writes sweeps and their trials. */
export class SweepStore {
  constructor(private readonly db: Db) {}

  insert(row: SweepRow, trials: readonly { index: number; jobId: string; runId: string; params: Readonly<Record<string, unknown>> }[]): void {
    const insertTrial = this.db.prepare('INSERT INTO sweep_trials (sweep_id, trial_index, job_id, run_id, params) VALUES (?, ?, ?, ?, ?)');
    this.db
      .prepare(
        `INSERT INTO sweeps (id, name, spec, script, backend, cluster_id, metric, goal, trial_count, external_id, created_at)
         VALUES (@id, @name, @spec, @script, @backend, @cluster_id, @metric, @goal, @trial_count, @external_id, @created_at)`,
      )
      .run(row);
    for (const trial of trials) insertTrial.run(row.id, trial.index, trial.jobId, trial.runId, JSON.stringify(trial.params));
  }

  setExternal(id: string, externalId: string): void {
    this.db.prepare('UPDATE sweeps SET external_id = ? WHERE id = ?').run(externalId, id);
  }

  list(): Sweep[] {
    const rows = this.db.prepare('SELECT * FROM sweeps ORDER BY created_at DESC, rowid DESC').all() as SweepRow[];
    const counts = this.db
      .prepare('SELECT t.sweep_id AS id, j.state AS state, count(*) AS n FROM sweep_trials t JOIN jobs j ON j.id = t.job_id GROUP BY t.sweep_id, j.state')
      .all() as { id: string; state: JobState; n: number }[];
    return rows.map((row) => {
      const states: Partial<Record<JobState, number>> = {};
      for (const count of counts) if (count.id === row.id) states[count.state] = count.n;
      return sweepFromRow(row, states);
    });
  }

  require(idOrName: string): SweepRow {
    const row = (this.db.prepare('SELECT * FROM sweeps WHERE id = ?').get(idOrName) ??
      this.db.prepare('SELECT * FROM sweeps WHERE name = ? ORDER BY created_at DESC LIMIT 1').get(idOrName)) as SweepRow | undefined;
    if (!row) throw new OrreryError('not_found', `No sweep ${idOrName} in this project; list them with \`orrery sweep list\`.`);
    return row;
  }

  /** The trials with their job states and the last value of the sweep's metric, best first when it has one. */
  trials(id: string): SweepTrial[] {
    const sweep = this.require(id);
    const rows = this.db
      .prepare(
        `SELECT t.trial_index AS idx, t.job_id AS jobId, t.run_id AS runId, t.params AS params, j.state AS state,
           (SELECT k.last_value FROM metric_keys k WHERE k.run_id = t.run_id AND k.key = ?) AS metric
         FROM sweep_trials t JOIN jobs j ON j.id = t.job_id WHERE t.sweep_id = ? ORDER BY t.trial_index`,
      )
      .all(sweep.metric ?? '', sweep.id) as { idx: number; jobId: string; runId: string; params: string; state: JobState; metric: number | null }[];
    const trials = rows.map((row) => ({ sweepId: sweep.id, index: row.idx, jobId: row.jobId, runId: row.runId, params: JSON.parse(row.params) as Record<string, unknown>, state: row.state, metric: row.metric }));
    if (!sweep.metric) return trials;
    const sign = sweep.goal === 'maximize' ? -1 : 1;
    // Trials without a value go last; among valued ones the best (by the goal) first.
    return trials.sort((a, b) => (a.metric === null ? 1 : b.metric === null ? -1 : sign * (a.metric - b.metric)) || a.index - b.index);
  }
}

function sweepFromRow(row: SweepRow, states: Partial<Record<JobState, number>>): Sweep {
  return {
    id: row.id,
    name: row.name,
    script: row.script,
    backend: row.backend,
    clusterId: row.cluster_id,
    metric: row.metric,
    goal: row.goal,
    trialCount: row.trial_count,
    externalId: row.external_id,
    createdAt: row.created_at,
    states,
  };
}
