import type { CellRun, KernelInfo, NotebookCell, NotebookDoc, OpenNotebook } from '../../../app/models';
import { errorMessage, isClientError } from '../../client/client-error';
import type { OrreryClient } from '../../client/types';
import { NotebookModel } from './notebook-model';

/** An input() prompt waiting in a cell. */
export interface PendingInput {
  readonly cellId: string;
  readonly prompt: string;
  readonly password: boolean;
}

/** The kernel the user picked for a notebook (nothing picked: the project's default env). */
export interface KernelChoice {
  readonly envId?: string;
  readonly specName?: string;
}

/** What the toolbar and tabs show of a session; replaced (never mutated) on each change. */
export interface SessionState {
  readonly model: NotebookModel;
  readonly kernel: KernelInfo | null;
  readonly pendingInput: PendingInput | null;
  readonly dirty: boolean;
  readonly saving: boolean;
  /** The file changed on disk since it was read: the user reloads or overwrites. */
  readonly conflict: boolean;
  readonly error: string | null;
  readonly choice: KernelChoice;
  /** Set while the cells after the first ones are still being fetched (a notebook opened in pages). */
  readonly loading: { readonly loaded: number; readonly total: number } | null;
}

/** Autosave this long after the last edit. */
export const autosaveDelayMs = 2_000;

/**
 * Cells `notebook.open` answers: enough for the first screen, so a big notebook draws at once. The rest comes in
 * pages of `cellsPerPage` (about 1 MB of a notebook with plots and long outputs: a short task for the page each).
 */
export const firstCells = 40;
export const cellsPerPage = 100;

const finished = new Set<CellRun['state']>(['ok', 'error', 'aborted']);

/**
 * Where a notebook's kernel runs, as saved in it: a sandbox (`metadata.orrery.kernelSpec`, `sandbox:…`) or the env
 * it was made for (`metadata.orrery.envId`, written by notebook.create), as the first choice.
 */
export function savedChoice(metadata: Record<string, unknown>): KernelChoice {
  const orrery = metadata['orrery'];
  const saved = orrery && typeof orrery === 'object' ? (orrery as Record<string, unknown>) : {};
  const { envId, kernelSpec } = saved;
  if (typeof kernelSpec === 'string' && kernelSpec.startsWith('sandbox')) return { specName: kernelSpec };
  return typeof envId === 'string' && envId !== '' ? { envId } : {};
}

/**
 * One open notebook: its document, the file facts for conflict checks, and its kernel session (events applied
 * to the document, autosave, and `kernel.forget` once outputs the kernel kept are saved to the file).
 */
export class NotebookSession {
  readonly path: string;
  private state: SessionState;
  private readonly listeners = new Set<() => void>();
  private mtimeMs: number;
  private stops: Array<() => void> = [];
  private stopModel: () => void = () => undefined;
  private attachedKernel: string | null = null;
  private autosaveTimer: ReturnType<typeof setTimeout> | null = null;
  private saving: Promise<void> | null = null;
  /** Cells whose finished outputs main still keeps: forgotten once a save has written them. */
  private readonly kept = new Set<string>();
  private disposed = false;
  /** The cells of the version last read or written (main keeps it), by object: unchanged cells are sent as `{keep: index}`. */
  private base: Map<NotebookCell, number>;
  /** Settles once every cell of the file is in the model; rejects when the rest could not be fetched. */
  private loaded: Promise<void> = Promise.resolve();
  /** Why the document is incomplete (the rest could not be fetched): saving is refused until a reload. */
  private partial: string | null = null;
  /** Runs of cells not fetched yet (kept by main, or live while the pages arrive), laid over them as they come. */
  private pendingRuns: CellRun[] = [];

  constructor(
    private readonly client: OrreryClient,
    opened: OpenNotebook,
    private readonly autosaveMs = autosaveDelayMs,
  ) {
    this.path = opened.path;
    this.mtimeMs = opened.mtimeMs;
    this.base = baseOf(opened.notebook);
    const model = new NotebookModel(opened.notebook);
    const choice = savedChoice(opened.notebook.metadata);
    this.state = { model, kernel: opened.kernel, pendingInput: opened.pendingInput, dirty: false, saving: false, conflict: false, error: null, choice, loading: null };
    this.adopt(model, opened);
    if (opened.kernel) this.attach(opened.kernel);
  }

  /**
   * Opens a notebook file (with the outputs its kernel produced while no view was open): its first cells at once,
   * the rest fetched in pages after (`whenLoaded`).
   */
  static async open(client: OrreryClient, path: string): Promise<NotebookSession> {
    return new NotebookSession(client, await client.call('notebook.open', { path, firstCells }));
  }

  /** Settles once every cell of the file is in the document (at once for a notebook that came whole). */
  whenLoaded(): Promise<void> {
    return this.loaded;
  }

  /** Keys of every cell, once all are loaded (Run All must not stop at the cells fetched so far). */
  async allKeys(): Promise<string[]> {
    await this.loaded;
    return this.state.model.cells.map((cell) => cell.key);
  }

  getState(): SessionState {
    return this.state;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Picks the env / kernelspec the next kernel starts in; a running kernel of another choice is shut down. */
  async choose(choice: KernelChoice): Promise<void> {
    this.set({ choice });
    const metadata = this.state.model.metadata['orrery'];
    const rest = metadata && typeof metadata === 'object' ? (metadata as Record<string, unknown>) : {};
    if (choice.specName?.startsWith('sandbox')) this.state.model.setMetadata('orrery', { ...rest, kernelSpec: choice.specName });
    else if (choice.envId) {
      const { kernelSpec: _sandbox, ...local } = rest;
      void _sandbox;
      this.state.model.setMetadata('orrery', { ...local, envId: choice.envId });
    }
    const kernel = this.state.kernel;
    if (kernel && kernel.status !== 'dead' && kernel.status !== 'shutdown' && (kernel.envId !== (choice.envId ?? kernel.envId) || (choice.specName && choice.specName !== kernel.specName))) {
      await this.guard(this.client.call('kernel.shutdown', { kernelId: kernel.id }));
      this.set({ kernel: { ...kernel, status: 'shutdown' } });
    }
  }

  /** The running kernel, started when there is none (in the chosen env, else the project's default). */
  async ensureKernel(): Promise<KernelInfo> {
    const kernel = this.state.kernel;
    if (kernel && kernel.status !== 'dead' && kernel.status !== 'shutdown') return kernel;
    const { envId, specName } = this.state.choice;
    const started = await this.client.call('kernel.start', { notebookPath: this.path, ...(envId ? { envId } : {}), ...(specName ? { specName } : {}) });
    this.attach(started);
    this.set({ kernel: started });
    return started;
  }

  /** Queues cells, in order, on the kernel (markdown and raw cells are skipped). */
  async execute(keys: readonly string[]): Promise<void> {
    const model = this.state.model;
    const code = keys.filter((key) => model.cell(key)?.cellType === 'code');
    if (code.length === 0) return;
    try {
      const kernel = await this.ensureKernel();
      for (const key of code) {
        const entry = model.cell(key);
        if (!entry) continue;
        model.markQueued(key);
        await this.client.call('kernel.execute', { kernelId: kernel.id, cellId: key, code: entry.source });
      }
    } catch (failure) {
      this.set({ error: errorMessage(failure) });
    }
  }

  async interrupt(): Promise<void> {
    const kernel = this.state.kernel;
    if (kernel) await this.guard(this.client.call('kernel.interrupt', { kernelId: kernel.id }));
  }

  /** Restarts the kernel (queued and running cells show as aborted); starts one when none runs. */
  async restart(): Promise<void> {
    const kernel = this.state.kernel;
    if (!kernel || kernel.status === 'dead' || kernel.status === 'shutdown') {
      await this.guard(this.ensureKernel());
      return;
    }
    this.state.model.abortPending();
    const info = await this.guard(this.client.call('kernel.restart', { kernelId: kernel.id }));
    if (info) {
      this.attach(info);
      this.set({ kernel: info, pendingInput: null });
    }
  }

  async shutdown(): Promise<void> {
    const kernel = this.state.kernel;
    if (!kernel) return;
    await this.guard(this.client.call('kernel.shutdown', { kernelId: kernel.id }));
    this.state.model.abortPending();
    this.set({ kernel: { ...kernel, status: 'shutdown' }, pendingInput: null });
  }

  /** Answers the waiting input() prompt. */
  async answerInput(value: string): Promise<void> {
    const kernel = this.state.kernel;
    if (!kernel || !this.state.pendingInput) return;
    this.set({ pendingInput: null });
    await this.guard(this.client.call('kernel.input', { kernelId: kernel.id, value }));
  }

  /** Completions from the kernel (none while no kernel runs: completion never starts one). */
  async complete(code: string, cursorPos: number) {
    const kernel = this.liveKernel();
    if (!kernel) return null;
    return this.client.call('kernel.complete', { kernelId: kernel.id, code, cursorPos }).catch(() => null);
  }

  /** Documentation of the name at the cursor, from the kernel. */
  async inspect(code: string, cursorPos: number) {
    const kernel = this.liveKernel();
    if (!kernel) return null;
    return this.client.call('kernel.inspect', { kernelId: kernel.id, code, cursorPos, detailLevel: 0 }).catch(() => null);
  }

  /** Writes the document; `force` overwrites a file that changed on disk. Saves asked meanwhile run after this one. */
  async save(force = false): Promise<void> {
    while (this.saving) await this.saving.catch(() => undefined);
    this.clearAutosave();
    this.saving = this.write(force);
    try {
      await this.saving;
    } finally {
      this.saving = null;
    }
  }

  /** Reads the file again (after a conflict, or when its cells could not all be fetched), dropping unsaved edits. */
  async reload(): Promise<void> {
    const opened = await this.guard(this.client.call('notebook.open', { path: this.path, firstCells }));
    if (!opened) return;
    this.mtimeMs = opened.mtimeMs;
    this.base = baseOf(opened.notebook);
    const model = new NotebookModel(opened.notebook);
    this.set({ model, conflict: false, error: null, kernel: opened.kernel, pendingInput: opened.pendingInput, loading: null });
    this.adopt(model, opened);
    if (opened.kernel) this.attach(opened.kernel);
  }

  dismissError(): void {
    this.set({ error: null });
  }

  /**
   * Saves unsaved changes (unless the file is in conflict) and stops listening. A local kernel keeps running (its
   * outputs are kept for the next open); a sandboxed one is shut down, so no container outlives its notebook.
   */
  async close(): Promise<void> {
    if (this.state.model.dirty && !this.state.conflict) await this.save().catch(() => undefined);
    const kernel = this.state.kernel;
    if (kernel?.sandbox && kernel.status !== 'dead' && kernel.status !== 'shutdown') await this.client.call('kernel.shutdown', { kernelId: kernel.id }).catch(() => undefined);
    this.dispose();
  }

  dispose(): void {
    this.disposed = true;
    this.clearAutosave();
    this.stopModel();
    for (const stop of this.stops) stop();
    this.stops = [];
    this.listeners.clear();
  }

  private async write(force: boolean): Promise<void> {
    // Never write a document that lacks the cells still being fetched: it would drop them from the file.
    await this.loaded.catch(() => undefined);
    if (this.partial) {
      this.set({ error: this.partial });
      throw new Error(this.partial);
    }
    const model = this.state.model;
    const revision = model.revision;
    const doc = model.toDoc();
    const written = [...this.kept].filter((key) => finished.has(model.cell(key)?.run as CellRun['state']));
    this.set({ saving: true });
    try {
      const started = performance.now();
      const answer = await this.send(doc, force);
      performance.measure('orrery:notebook.save', { start: started });
      this.mtimeMs = answer.mtimeMs;
      this.base = baseOf(doc);
      model.markSaved(revision);
      this.set({ saving: false, conflict: false, error: null });
      if (written.length > 0) {
        for (const key of written) this.kept.delete(key);
        await this.client.call('kernel.forget', { notebookPath: this.path, cellIds: written }).catch(() => undefined);
      }
    } catch (failure) {
      const conflict = isClientError(failure) && failure.code === 'conflict';
      this.set({ saving: false, conflict, error: errorMessage(failure) });
      throw failure;
    }
  }

  /**
   * Sends the changed cells only (a patch on the version main keeps); when main no longer holds that version
   * (it restarted, or evicted the notebook), or when overwriting after a conflict, sends the whole document.
   */
  private async send(doc: NotebookDoc, force: boolean): Promise<{ mtimeMs: number }> {
    const whole = () => this.client.call('notebook.save', { path: this.path, notebook: doc, expectedMtimeMs: this.mtimeMs, ...(force ? { force: true } : {}) });
    if (force) return whole();
    const { cells, ...rest } = doc;
    const patch = { rest, cells: cells.map((cell) => (this.base.has(cell) ? { keep: this.base.get(cell)! } : cell)) };
    try {
      return await this.client.call('notebook.save', { path: this.path, patch, expectedMtimeMs: this.mtimeMs });
    } catch (failure) {
      if (isClientError(failure) && (failure.code === 'not_found' || failure.code === 'invalid_input')) return whole();
      throw failure;
    }
  }

  private adopt(model: NotebookModel, opened: OpenNotebook): void {
    this.stopModel();
    this.kept.clear();
    this.partial = null;
    for (const run of opened.runs) if (finished.has(run.state)) this.kept.add(run.cellId);
    this.pendingRuns = this.applyRuns(model, opened.runs);
    this.stopModel = model.subscribeChange(() => this.onModelChange(model));
    this.onModelChange(model);
    const loaded = this.loadRest(model, opened);
    loaded.catch(() => undefined);
    this.loaded = loaded;
  }

  /** Lays runs main kept over their cells; answers those whose cells are not loaded yet. */
  private applyRuns(model: NotebookModel, runs: readonly CellRun[]): CellRun[] {
    let applied = false;
    const rest: CellRun[] = [];
    for (const run of runs) {
      if (model.applyRun(run)) applied = true;
      else if (!model.cell(run.cellId)) rest.push(run);
    }
    // Outputs main kept are not in the file yet: the notebook is dirty until they are saved.
    if (applied) model.touch();
    return rest;
  }

  /**
   * Fetches the cells after the first ones a page at a time (each page is a short task, so the view stays
   * responsive), appending them to the model. On a failure the document stays partial and saving is refused.
   */
  private async loadRest(model: NotebookModel, opened: OpenNotebook): Promise<void> {
    const total = opened.totalCells;
    let from = opened.notebook.cells.length;
    if (from >= total) return;
    const current = () => !this.disposed && this.state.model === model;
    this.set({ loading: { loaded: from, total } });
    try {
      while (from < total) {
        const page = await this.client.call('notebook.cells', { path: this.path, mtimeMs: opened.mtimeMs, from, count: cellsPerPage });
        if (!current()) return;
        if (page.cells.length === 0 || page.totalCells !== total) throw new Error('the file changed since it was opened');
        page.cells.forEach((cell, i) => this.base.set(cell, from + i));
        model.appendLoaded(page.cells);
        from += page.cells.length;
        if (this.pendingRuns.length > 0) this.pendingRuns = this.applyRuns(model, this.pendingRuns);
        this.set({ loading: from < total ? { loaded: from, total } : null });
      }
    } catch (failure) {
      if (!current()) return;
      this.partial = `Only ${from} of the ${total} cells of this notebook could be loaded (${errorMessage(failure)}). Saving is off: reload the notebook.`;
      this.set({ loading: null, error: this.partial });
      throw failure;
    }
  }

  private onModelChange(model: NotebookModel): void {
    if (model !== this.state.model || this.disposed) return;
    if (model.dirty !== this.state.dirty) this.set({ dirty: model.dirty });
    if (model.dirty && !this.state.conflict) this.scheduleAutosave();
  }

  private scheduleAutosave(): void {
    this.clearAutosave();
    this.autosaveTimer = setTimeout(() => {
      this.autosaveTimer = null;
      if (!this.disposed && this.state.model.dirty && !this.state.conflict) void this.save().catch(() => undefined);
    }, this.autosaveMs);
  }

  private clearAutosave(): void {
    if (this.autosaveTimer) clearTimeout(this.autosaveTimer);
    this.autosaveTimer = null;
  }

  private attach(kernel: KernelInfo): void {
    if (this.attachedKernel === kernel.id) return;
    for (const stop of this.stops) stop();
    this.attachedKernel = kernel.id;
    this.stops = [
      this.client.on('kernel.status', kernel.id, (info) => this.onStatus(info)),
      this.client.on('kernel.cell', kernel.id, (run) => this.onCell(run)),
      this.client.on('kernel.inputRequest', kernel.id, (request) => this.set({ pendingInput: request })),
    ];
  }

  private onStatus(info: KernelInfo): void {
    if (info.status === 'dead' || info.status === 'shutdown' || info.status === 'restarting') {
      this.state.model.abortPending();
      this.set({ kernel: info, pendingInput: null });
    } else {
      this.set({ kernel: info });
    }
  }

  private onCell(run: CellRun): void {
    const model = this.state.model;
    if (!model.applyRun(run)) {
      // A cell whose page has not arrived yet: its newest run waits for it.
      if (this.state.loading && !model.cell(run.cellId)) {
        this.pendingRuns = [...this.pendingRuns.filter((kept) => kept.cellId !== run.cellId || kept.seq > run.seq), run];
        if (finished.has(run.state)) this.kept.add(run.cellId);
      }
      return;
    }
    if (finished.has(run.state)) this.kept.add(run.cellId);
    if (this.state.pendingInput?.cellId === run.cellId && finished.has(run.state)) this.set({ pendingInput: null });
  }

  private liveKernel(): KernelInfo | null {
    const kernel = this.state.kernel;
    return kernel && kernel.status !== 'dead' && kernel.status !== 'shutdown' ? kernel : null;
  }

  private async guard<T>(promise: Promise<T>): Promise<T | undefined> {
    try {
      return await promise;
    } catch (failure) {
      this.set({ error: errorMessage(failure) });
      return undefined;
    }
  }

  private set(patch: Partial<SessionState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }
}

/** Each cell object of a document by its index: what a later save may refer to instead of sending it. */
function baseOf(doc: NotebookDoc): Map<NotebookCell, number> {
  return new Map(doc.cells.map((cell, index) => [cell, index]));
}
