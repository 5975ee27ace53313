import { watch, type FSWatcher } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { OrreryError, type ParsedInput, type RunDetail, type RunSummary, type SeriesResult } from '../../../app/contract';
import type { Clock } from '../../core/clock';
import type { EventBus } from '../../core/event-bus';
import type { Logger } from '../../core/logger';
import { checkPathInRoots } from '../../core/paths';
import type { OpenProject, ProjectService } from '../projects/project-service';
import { Ingester, type IngestResult } from './ingest';
import { importMlflowStore } from './mlflow-import';
import { exportCsv, getRun, getSummary, KeyNames, listRuns, readSeries } from './run-queries';
import { pidAlive } from '../../core/pids';
import { listRunIds, runIdPattern } from './spool-reader';

/** The folder of a project where the SDK and jobs spool runs (docs/tracking-spool.md). */
export function trackingDirOf(projectPath: string): string {
  return path.join(projectPath, '.orrery', 'tracking');
}

/** How often a watched run (a job's) is ingested, and how often the open project's live runs are. */
const watchIntervalMs = 250;
const pollIntervalMs = 2000;
/** Passes of one `ingestRun` call at most (each reads up to 16 MB of a metrics file). */
const maxPassesPerCall = 1000;

interface Attached {
  readonly open: OpenProject;
  readonly ingester: Ingester;
  readonly trackingDir: string;
  readonly keyNames: KeyNames;
  watcher: FSWatcher | null;
  poll: NodeJS.Timeout | null;
}

/**
 * Experiment tracking: ingests the spool of the open project into its store (on open, while jobs run, when
 * run folders appear or grow) and answers the run queries of the contract. Passes over one run never overlap;
 * each pass is one transaction committing rows and file offsets together.
 */
export class TrackingService {
  private attached: Attached | null = null;
  private readonly passes = new Map<string, { current: Promise<unknown>; queued: Promise<IngestResult | null> | null }>();
  private readonly watched = new Map<string, NodeJS.Timeout>();
  private readonly unsubscribe: () => void;
  private debounce: NodeJS.Timeout | null = null;

  constructor(
    private readonly deps: {
      bus: EventBus;
      logger: Logger;
      clock: Clock;
      projects: ProjectService;
      allowedRoots: readonly string[];
      isAlive?: (pid: number) => boolean;
    },
  ) {
    this.unsubscribe = deps.bus.subscribe('project.changed', '', ({ payload }) => {
      this.detach();
      if (payload.project) this.attach();
    });
  }

  /** Ingests every run folder of the open project (done on project open; the CLI awaits it before answering). */
  async ingestAll(): Promise<{ runs: number; points: number }> {
    const attached = this.require();
    let points = 0;
    const ids = await listRunIds(attached.trackingDir);
    for (const id of ids) points += (await this.ingestRun(id))?.points ?? 0;
    return { runs: ids.length, points };
  }

  /** Ingests one run folder now, until its spool is consumed; answers the last pass (null: nothing to ingest yet). */
  ingestRun(runId: string): Promise<IngestResult | null> {
    if (!runIdPattern.test(runId)) return Promise.reject(new OrreryError('invalid_input', `"${runId}" is not a run id.`));
    const attached = this.require();
    const entry = this.passes.get(runId);
    // A pass in flight and one queued behind it cover any number of further requests.
    if (entry?.queued) return entry.queued;
    const slot = entry ?? { current: Promise.resolve() as Promise<unknown>, queued: null };
    const start = (): Promise<IngestResult | null> => {
      const pass = this.passesOf(attached, runId);
      slot.current = pass;
      slot.queued = null;
      void pass
        .catch(() => undefined)
        .finally(() => {
          if (slot.current === pass && slot.queued === null && this.passes.get(runId) === slot) this.passes.delete(runId);
        });
      return pass;
    };
    if (!entry) {
      this.passes.set(runId, slot);
      return start();
    }
    const queued = entry.current.then(start, start);
    slot.queued = queued;
    return queued;
  }

  /** Ingests a run every 250 ms until `unwatch` (the job service watches its job's run while it runs). */
  watch(runId: string): void {
    if (this.watched.has(runId)) return;
    const timer = setInterval(() => {
      if (!this.attached) return;
      this.ingestRun(runId).catch((error: unknown) => this.deps.logger.warn('ingest failed', { runId, error }));
    }, watchIntervalMs);
    timer.unref();
    this.watched.set(runId, timer);
  }

  /** Stops watching a run and ingests what is left of its spool. */
  async unwatch(runId: string): Promise<void> {
    const timer = this.watched.get(runId);
    if (timer) clearInterval(timer);
    this.watched.delete(runId);
    if (this.attached) await this.ingestRun(runId);
  }

  list(input: ParsedInput<'runs.list'>): ReturnType<typeof listRuns> {
    const attached = this.require();
    return listRuns(attached.open.db, input ?? { offset: 0, limit: 100 }, attached.keyNames);
  }

  get(id: string): RunDetail {
    const attached = this.require();
    return getRun(attached.open.db, attached.ingester.series, id);
  }

  series(input: ParsedInput<'runs.series'>): { series: SeriesResult[] } {
    const attached = this.require();
    return { series: readSeries(attached.open.db, attached.ingester.series, input) };
  }

  /** Renames a run, sets its notes or replaces its tags. */
  update(input: ParsedInput<'runs.update'>): RunSummary {
    const { db } = this.require().open;
    const current = getSummary(db, input.id);
    db.prepare('UPDATE runs SET name = ?, notes = ?, tags = ?, updated_at = ? WHERE id = ?').run(
      input.name ?? current.name,
      input.notes === undefined ? current.notes : input.notes,
      JSON.stringify(input.tags ? [...new Set(input.tags)] : current.tags),
      this.deps.clock.now(),
      input.id,
    );
    const updated = getSummary(db, input.id);
    this.deps.bus.publish('run.changed', input.id, { runId: input.id, status: updated.status, deleted: false });
    return updated;
  }

  /** Deletes a run: its spool folder first (else it would be ingested again), then its rows. Blobs stay (shared by hash). */
  async delete(id: string): Promise<{ ok: true }> {
    const attached = this.require();
    const { db } = attached.open;
    const run = getSummary(db, id);
    const job = db.prepare("SELECT id FROM jobs WHERE run_id = ? AND state IN ('queued', 'running')").pluck().get(id) as string | undefined;
    if (job) throw new OrreryError('conflict', `Run ${id} belongs to job ${job}, which has not ended; cancel the job first.`);
    if (run.status === 'running') throw new OrreryError('conflict', `Run ${id} is still running; stop its script (or wait for it to end) before deleting it.`);
    const versions = db
      .prepare("SELECT m.name || '@' || v.version FROM model_versions v JOIN models m ON m.id = v.model_id WHERE v.run_id = ? ORDER BY m.name, v.version")
      .pluck()
      .all(id) as string[];
    if (versions.length > 0) {
      throw new OrreryError(
        'conflict',
        `Run ${id} is the lineage of model version${versions.length > 1 ? 's' : ''} ${versions.join(', ')}; delete ${versions.length > 1 ? 'those versions' : 'that version'} first (\`orrery model delete REF\`) to delete the run.`,
      );
    }
    this.watched.delete(id);
    await this.passes.get(id)?.current.catch(() => undefined);
    await rm(path.join(attached.trackingDir, id), { recursive: true, force: true });
    db.transaction(() => {
      db.prepare('DELETE FROM spool_offsets WHERE run_id = ?').run(id);
      db.prepare('DELETE FROM runs WHERE id = ?').run(id);
    })();
    this.deps.bus.publish('run.changed', id, { runId: id, status: null, deleted: true });
    return { ok: true };
  }

  /** The CSV of runs' points (long format): the text, or streamed to a file inside the allowed roots. */
  async export(input: ParsedInput<'runs.export'>): Promise<{ rows: number; csv?: string; path?: string }> {
    const attached = this.require();
    const chunks = exportCsv(attached.open.db, attached.ingester.series, input.runIds, input.keys);
    let rows = -1;
    if (input.path === undefined) {
      let text = '';
      for (const chunk of chunks) {
        text += chunk;
        rows += countLines(chunk);
      }
      return { rows, csv: text };
    }
    const target = await checkPathInRoots(input.path, this.deps.allowedRoots);
    await mkdir(path.dirname(target), { recursive: true });
    // Streamed to a temporary name and renamed, so a failed export leaves no half file under the asked name.
    const temporary = `${target}.${process.pid}.part`;
    const handle = await open(temporary, 'w');
    try {
      for (const chunk of chunks) {
        await handle.write(chunk);
        rows += countLines(chunk);
      }
      await handle.close();
      await rename(temporary, target);
    } catch (error) {
      await handle.close().catch(() => undefined);
      await rm(temporary, { force: true });
      throw error;
    }
    return { rows, path: target };
  }

  /** Imports the runs of an MLflow file store (`mlruns`). */
  async importMlflow(input: ParsedInput<'runs.importMlflow'>): Promise<{ imported: string[]; skipped: number }> {
    const attached = this.require();
    const root = await checkPathInRoots(input.path, this.deps.allowedRoots);
    const result = await importMlflowStore(attached.open, attached.ingester.series, root, this.deps.clock);
    for (const id of result.imported) this.deps.bus.publish('run.changed', id, { runId: id, status: 'finished', deleted: false });
    return result;
  }

  /** Stops watching and polling; the project service closes the store. */
  dispose(): void {
    this.unsubscribe();
    this.detach();
  }

  private require(): Attached {
    const open = this.deps.projects.requireCurrent();
    if (!this.attached || this.attached.open !== open) {
      this.detach();
      this.attach();
    }
    return this.attached!;
  }

  private attach(): void {
    let open: OpenProject;
    try {
      open = this.deps.projects.requireCurrent();
    } catch {
      return;
    }
    const trackingDir = trackingDirOf(open.path);
    const ingester = new Ingester({
      db: open.db,
      trackingDir,
      logger: this.deps.logger,
      now: () => this.deps.clock.now(),
      isAlive: this.deps.isAlive ?? pidAlive,
    });
    const attached: Attached = { open, ingester, trackingDir, keyNames: new KeyNames(), watcher: null, poll: null };
    this.attached = attached;
    attached.poll = setInterval(() => this.pollActive(attached), pollIntervalMs);
    attached.poll.unref();
    void mkdir(trackingDir, { recursive: true })
      .then(() => {
        if (this.attached !== attached) return;
        try {
          attached.watcher = watch(trackingDir, { persistent: false }, () => this.soon(attached));
          attached.watcher.on('error', () => attached.watcher?.close());
        } catch (error) {
          this.deps.logger.warn('cannot watch the tracking folder; polling only', { error });
        }
        return this.ingestAll();
      })
      .then((done) => done && this.deps.logger.info('tracking spool ingested', done))
      .catch((error: unknown) => this.deps.logger.warn('tracking ingest on open failed', { error }));
  }

  private detach(): void {
    const attached = this.attached;
    this.attached = null;
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = null;
    for (const timer of this.watched.values()) clearInterval(timer);
    this.watched.clear();
    if (!attached) return;
    if (attached.poll) clearInterval(attached.poll);
    attached.watcher?.close();
  }

  /** A change in the tracking folder (a run folder appeared): ingest the live runs shortly. */
  private soon(attached: Attached): void {
    if (this.debounce) return;
    this.debounce = setTimeout(() => {
      this.debounce = null;
      this.pollActive(attached);
    }, 100);
    this.debounce.unref();
  }

  /** Ingests the runs that can still change: folders without a row yet, and runs still running. */
  private pollActive(attached: Attached): void {
    if (this.attached !== attached) return;
    const work = async () => {
      const ids = await listRunIds(attached.trackingDir);
      if (this.attached !== attached || !attached.open.db.open) return;
      const settled = new Set(attached.open.db.prepare("SELECT id FROM runs WHERE status != 'running'").pluck().all() as string[]);
      for (const id of ids) if (!settled.has(id) && !this.watched.has(id)) await this.ingestRun(id);
    };
    work().catch((error: unknown) => this.deps.logger.warn('tracking poll failed', { error }));
  }

  private async passesOf(attached: Attached, runId: string): Promise<IngestResult | null> {
    let last: IngestResult | null = null;
    for (let pass = 0; pass < maxPassesPerCall; pass++) {
      if (this.attached !== attached || !attached.open.db.open) return last;
      const result = await attached.ingester.ingest(runId);
      if (!result) return last;
      last = result;
      this.announce(result);
      if (!result.more) break;
    }
    return last;
  }

  private announce(result: IngestResult): void {
    if (result.points > 0) {
      this.deps.bus.publish('run.metrics', result.runId, {
        runId: result.runId,
        keys: [...result.keys],
        lastStep: result.lastStep,
        counts: { ...result.counts },
        points: result.points,
      });
    }
    if (result.changed) this.deps.bus.publish('run.changed', result.runId, { runId: result.runId, status: result.status, deleted: false });
  }
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
