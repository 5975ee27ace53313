import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { OrreryError } from '../../../../app/contract/errors';
import type { LlmCall, SuiteCell, SuiteCompare, SuiteEstimate, SuiteFile, SuiteResult, SuiteRun, SuiteSource } from '../../../../app/contract/prompts';
import { newId } from '../../../../app/lib/ids';
import type { Clock } from '../../../core/clock';
import type { EventBus } from '../../../core/event-bus';
import { checkPathInRoots } from '../../../core/paths';
import type { Task } from '../../../core/tasks';
import type { Db } from '../../store/open-database';
import type { CallExecutor } from '../call-executor';
import type { CallHistory } from '../history';
import type { PriceTable } from '../prices';
import type { PromptStore } from '../prompt-store';
import type { ProviderStore } from '../provider-store';
import { checkAssertions, judgeMessages, parseVerdict, type JudgeFn } from './assertions';
import { runPool } from './pool';
import { compareResults } from './suite-compare';
import { parseSuite } from './suite-file';
import { cellMessages, estimatePlan, planSuite, type SuitePlan } from './suite-plan';
import { SuiteStore } from './suite-store';

export interface SuiteRunnerDeps {
  readonly db: Db;
  readonly projectPath: string;
  readonly allowedRoots: readonly string[];
  readonly clock: Clock;
  readonly bus: EventBus;
  readonly prompts: PromptStore;
  readonly history: CallHistory;
  readonly providers: ProviderStore;
  readonly prices: PriceTable;
  readonly executor: CallExecutor;
}

/** A suite's text and where it came from. */
interface LoadedSuite {
  readonly text: string;
  /** How messages name the file: relative to the project when inside it. */
  readonly file: string;
  /** Kept with the run: the same, or null for text sent directly. */
  readonly path: string | null;
  readonly fallbackName: string;
}

const suitesFolder = 'suites';
const maxSuiteBytes = 5_000_000;
/** Cells (and their calls) written per transaction, and the longest they wait. */
const flushCells = 64;
const flushMs = 500;

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function cancelledCell(row: number, column: number): SuiteCell {
  return { row, column, callId: null, output: '', status: 'cancelled', pass: false, assertions: [], latencyMs: null, costUsd: null, error: 'cancelled before it ran' };
}

/** Test suites of the open project: files in suites/, estimates, runs into suite_runs / suite_cells, comparisons. */
export class SuiteRunner {
  private readonly store: SuiteStore;

  constructor(private readonly deps: SuiteRunnerDeps) {
    this.store = new SuiteStore(deps.db);
  }

  /** The suite files (*.yaml, *.yml) in the project's suites/ folder, by name. */
  files(): SuiteFile[] {
    const folder = path.join(this.deps.projectPath, suitesFolder);
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch {
      return [];
    }
    const files: SuiteFile[] = [];
    for (const name of names.filter((entry) => /\.ya?ml$/i.test(entry)).sort()) {
      const file = path.join(folder, name);
      try {
        const info = statSync(file);
        if (!info.isFile() || info.size > maxSuiteBytes) continue;
        files.push({ path: `${suitesFolder}/${name}`, name, text: readFileSync(file, 'utf8'), modifiedAt: info.mtimeMs });
      } catch {
        // Removed while listing.
      }
    }
    return files;
  }

  /** Checks the text (a problem answers invalid_input with line and column, nothing written), then writes it atomically. */
  saveFile(name: string, text: string): SuiteFile {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,100}\.ya?ml$/.test(name)) throw new OrreryError('invalid_input', `"${name}" is not a suite file name; use a name such as greeting.yaml.`);
    parseSuite(text, `${suitesFolder}/${name}`);
    const folder = path.join(this.deps.projectPath, suitesFolder);
    mkdirSync(folder, { recursive: true });
    const file = path.join(folder, name);
    const temporary = path.join(folder, `.${name}.${process.pid}.${newId('tmp', 6)}`);
    try {
      writeFileSync(temporary, text, { flag: 'wx' });
      renameSync(temporary, file);
    } catch (error) {
      rmSync(temporary, { force: true });
      throw new OrreryError('internal', `Could not write ${suitesFolder}/${name}: ${(error as Error).message}`, { cause: error });
    }
    return { path: `${suitesFolder}/${name}`, name, text, modifiedAt: statSync(file).mtimeMs };
  }

  /** Cases, calls, tokens and cost of a suite before it runs. */
  async estimate(source: SuiteSource): Promise<SuiteEstimate> {
    const loaded = await this.load(source);
    const { plan, name } = this.prepare(loaded);
    return this.estimateOf(plan, name, plan.spec.concurrency);
  }

  /**
   * Runs every cell (rows × prompt versions × models) at the concurrency limit, checks its assertions, keeps each
   * call in the history and each cell in suite_cells (batched in transactions), and announces each cell as
   * `prompt.suiteCell` under the task id. A cancel leaves the cells not yet run recorded as cancelled.
   */
  async run(source: SuiteSource, task: Task, concurrency?: number): Promise<SuiteResult> {
    const loaded = await this.load(source);
    const { plan, name } = this.prepare(loaded);
    const limit = concurrency ?? plan.spec.concurrency;
    const estimate = this.estimateOf(plan, name, limit);
    const run: SuiteRun = {
      id: newId('srun', 12),
      suiteName: name,
      path: loaded.path,
      hash: sha256(loaded.text),
      status: 'running',
      cases: estimate.cases,
      passed: 0,
      failed: 0,
      costUsd: 0,
      estimatedCostUsd: estimate.unpriced.length > 0 && estimate.costUsd === 0 ? null : estimate.costUsd,
      startedAt: this.deps.clock.now(),
      endedAt: null,
    };
    const columns = plan.columns.map(({ label, promptId, promptVersion, providerId, model }) => ({ label, promptId, promptVersion, providerId, model }));
    this.store.insertRun({ run, text: loaded.text, rows: plan.rows, columns });
    const execution = new SuiteExecution(this.deps, this.store, plan, run.id, task);
    let status: SuiteRun['status'] = 'done';
    try {
      await execution.runAll(limit);
      if (task.signal.aborted) status = 'cancelled';
    } catch (error) {
      status = task.signal.aborted ? 'cancelled' : 'failed';
      throw error;
    } finally {
      try {
        execution.flush();
      } finally {
        const totals = execution.totals();
        this.store.finish(run.id, { status, ...totals, endedAt: this.deps.clock.now() });
      }
    }
    return { run: this.store.get(run.id), rows: [...plan.rows], columns, cells: execution.cells() };
  }

  /** Stored runs, newest first. */
  runs(suiteName?: string): SuiteRun[] {
    return this.store.list(suiteName);
  }

  result(id: string): SuiteResult {
    return this.store.result(id);
  }

  compare(a: string, b: string): SuiteCompare {
    return compareResults(this.store.result(a), this.store.result(b));
  }

  private estimateOf(plan: SuitePlan, name: string, concurrency: number): SuiteEstimate {
    return estimatePlan(plan, name, concurrency, (model, usage) => this.deps.prices.cost(model, usage));
  }

  private prepare(loaded: LoadedSuite): { plan: SuitePlan; name: string } {
    const spec = parseSuite(loaded.text, loaded.file);
    const { prompts } = this.deps;
    const plan = planSuite(spec, {
      providers: this.deps.providers.list(),
      prompts: () => prompts.list(),
      resolvePrompt: (nameOrId, ref) => prompts.resolve(nameOrId, ref),
    });
    return { plan, name: spec.name ?? loaded.fallbackName };
  }

  /** Reads a suite: a path relative to the project (or absolute inside the allowed folders), or text. */
  private async load(source: SuiteSource): Promise<LoadedSuite> {
    if ('text' in source) {
      const name = source.name?.trim() || 'suite';
      return { text: source.text, file: name, path: null, fallbackName: name.replace(/\.ya?ml$/i, '') };
    }
    const { projectPath, allowedRoots } = this.deps;
    const requested = path.resolve(projectPath, source.path);
    const file = await checkPathInRoots(requested, [projectPath, ...allowedRoots], 'path');
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) throw new OrreryError('not_found', `The suite file ${source.path} does not exist; give a path relative to the project (e.g. suites/greeting.yaml) or an absolute one.`);
    if (info.size > maxSuiteBytes) throw new OrreryError('too_large', `The suite file ${source.path} is over 5 MB; split it into smaller suites.`);
    const text = await readFile(file, 'utf8');
    const relative = path.relative(projectPath, file);
    const inside = relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
    const shown = inside ? relative.split(path.sep).join('/') : file;
    return { text, file: shown, path: shown, fallbackName: path.basename(file).replace(/\.ya?ml$/i, '') };
  }
}

/** One run's cells in flight: the pool, the judge, the batched writes, the totals. */
class SuiteExecution {
  private readonly done: SuiteCell[] = [];
  private pendingCells: SuiteCell[] = [];
  private pendingCalls: LlmCall[] = [];
  private lastFlush = performance.now();
  private finished = 0;
  private passed = 0;
  private failed = 0;
  private costUsd = 0;
  private readonly total: number;

  constructor(
    private readonly deps: SuiteRunnerDeps,
    private readonly store: SuiteStore,
    private readonly plan: SuitePlan,
    private readonly runId: string,
    private readonly task: Task,
  ) {
    this.total = plan.rows.length * plan.columns.length;
  }

  async runAll(limit: number): Promise<void> {
    this.task.progress(0, this.total, `0 of ${this.total} cases`);
    await runPool(this.total, limit, (index) => this.runCell(index));
  }

  cells(): SuiteCell[] {
    return [...this.done].sort((a, b) => a.row - b.row || a.column - b.column);
  }

  totals(): { passed: number; failed: number; costUsd: number } {
    return { passed: this.passed, failed: this.failed, costUsd: this.costUsd };
  }

  /** Writes the cells and calls waiting, in one transaction. */
  flush(): void {
    if (this.pendingCells.length === 0 && this.pendingCalls.length === 0) return;
    const cells = this.pendingCells;
    const calls = this.pendingCalls;
    this.pendingCells = [];
    this.pendingCalls = [];
    this.lastFlush = performance.now();
    this.deps.db.transaction(() => {
      if (calls.length > 0) this.deps.history.insertMany(calls);
      this.store.insertCells(this.runId, cells);
    })();
  }

  private async runCell(index: number): Promise<void> {
    const columns = this.plan.columns.length;
    const row = Math.floor(index / columns);
    const column = index % columns;
    if (this.task.signal.aborted) return this.record(cancelledCell(row, column));
    const planned = this.plan.columns[column]!;
    const test = this.plan.spec.tests[row]!;
    let cell: SuiteCell;
    try {
      const call = await this.deps.executor.execute(
        { providerId: planned.providerId, model: planned.model, params: planned.params },
        cellMessages(planned, test.vars),
        { runId: this.runId, suiteRunId: this.runId, promptId: planned.promptId, promptVersion: planned.promptVersion, variables: test.vars },
        { signal: this.task.signal },
      );
      this.keep(call);
      const outcome = { output: call.output, status: call.status, error: call.error, latencyMs: call.latencyMs, costUsd: call.costUsd };
      const assertions = await checkAssertions(test.assert, outcome, test.vars, this.judge);
      const pass = call.status === 'ok' && assertions.every((result) => result.pass);
      cell = { row, column, callId: call.id, output: call.output, status: call.status, pass, assertions, latencyMs: call.latencyMs, costUsd: call.costUsd, error: call.error };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      cell = { row, column, callId: null, output: '', status: 'error', pass: false, assertions: [], latencyMs: null, costUsd: null, error: message };
    }
    this.record(cell);
  }

  /** Asks the judge model through the same executor; its call is kept in the history and counted in the cost. */
  private readonly judge: JudgeFn = async (rubric, output, vars, judge) => {
    const providerId = this.plan.judges.get(judge);
    if (!providerId) throw new OrreryError('invalid_input', `The judge provider "${judge.provider}" is not configured.`);
    const call = await this.deps.executor.execute(
      { providerId, model: judge.model, params: { temperature: 0, ...judge.params } },
      judgeMessages(rubric, output, vars),
      { runId: this.runId, suiteRunId: this.runId, promptId: null, promptVersion: null, variables: vars },
      { signal: this.task.signal },
    );
    this.keep(call);
    if (call.status !== 'ok') throw new OrreryError('provider_error', call.error ?? `the judge call ${call.status === 'cancelled' ? 'was cancelled' : 'broke off'}`);
    const verdict = parseVerdict(call.output);
    if (!verdict) {
      const shown = call.output.length > 200 ? `${call.output.slice(0, 200)}…` : call.output;
      throw new OrreryError('provider_error', `${judge.model} did not answer with JSON {"pass": true|false, "reason": "…"}: ${JSON.stringify(shown)}`);
    }
    return verdict;
  };

  private keep(call: LlmCall): void {
    this.pendingCalls.push(call);
    this.costUsd += call.costUsd ?? 0;
  }

  private record(cell: SuiteCell): void {
    this.done.push(cell);
    this.pendingCells.push(cell);
    this.finished++;
    if (cell.pass) this.passed++;
    else if (cell.status !== 'cancelled') this.failed++;
    this.deps.bus.publish('prompt.suiteCell', this.task.id, { suiteRunId: this.runId, cell });
    const cancelled = this.finished - this.passed - this.failed;
    this.task.progress(this.finished, this.total, `${this.finished} of ${this.total} cases: ${this.passed} passed, ${this.failed} failed${cancelled > 0 ? `, ${cancelled} cancelled` : ''}`);
    if (this.pendingCells.length >= flushCells || performance.now() - this.lastFlush >= flushMs) this.flush();
  }
}
