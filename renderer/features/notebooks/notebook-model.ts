import type { CellRun, NotebookCell, NotebookDoc, NotebookOutput } from '../../../app/models';
import { joinSource, newCellId, splitSource } from '../../../app/lib/notebook';

/** What a cell is doing, as the view shows it. */
export type CellRunState = 'idle' | CellRun['state'];

/** One cell as the editor holds it: the file's cell object (unknown keys kept) plus live state. */
export interface CellEntry {
  /** Stable key: the cell's nbformat id, or one made up for notebooks older than 4.5 (never written there). */
  readonly key: string;
  /** The file's cell object; edits replace fields on a copy so unchanged cells serialize byte for byte. */
  raw: NotebookCell;
  source: string;
  cellType: NotebookCell['cell_type'];
  outputs: NotebookOutput[];
  executionCount: number | null;
  run: CellRunState;
  /** The last kernel.cell seq applied (older updates are dropped). */
  seq: number;
  /** Bumped on every change: views subscribe to it. */
  version: number;
}

type Listener = () => void;

function entryOf(raw: NotebookCell, key: string): CellEntry {
  const outputs = Array.isArray(raw['outputs']) ? (raw['outputs'] as NotebookOutput[]) : [];
  const count = raw['execution_count'];
  return {
    key,
    raw,
    source: joinSource(raw.source),
    cellType: raw.cell_type,
    outputs,
    executionCount: typeof count === 'number' ? count : null,
    run: 'idle',
    seq: -1,
    version: 0,
  };
}

/**
 * One open notebook's document, outside React: cells with their live state, listeners per cell and for the
 * cell list, a dirty flag, and a lossless `toDoc()` (cells nobody touched are written back as they were read).
 */
export class NotebookModel {
  private entries: CellEntry[];
  private readonly byKey = new Map<string, CellEntry>();
  private readonly cellListeners = new Map<string, Set<Listener>>();
  private readonly listListeners = new Set<Listener>();
  private readonly changeListeners = new Set<Listener>();
  private rest: Omit<NotebookDoc, 'cells'>;
  /** Bumped by every change; a save records the one it wrote. */
  private changeCount = 0;
  private savedAt = 0;
  /** Whether new cells get an nbformat `id` (4.5 and later). */
  readonly hasIds: boolean;

  constructor(doc: NotebookDoc) {
    const { cells, ...rest } = doc;
    this.rest = rest;
    this.hasIds = doc.nbformat_minor >= 5;
    this.entries = cells.map((raw) => this.adopt(raw));
  }

  /** An entry for a cell of the file, keyed by its id (a made-up key when it has none or a taken one). */
  private adopt(raw: NotebookCell): CellEntry {
    const taken = { has: (key: string) => this.byKey.has(key) } as ReadonlySet<string>;
    const key = typeof raw.id === 'string' && raw.id !== '' && !this.byKey.has(raw.id) ? raw.id : newCellId(taken);
    const entry = entryOf(raw, key);
    this.byKey.set(key, entry);
    return entry;
  }

  /**
   * Appends cells of the file that arrived after the first ones (a notebook opened in pages). They are the file's
   * own cells, so the document does not become dirty.
   */
  appendLoaded(cells: readonly NotebookCell[]): void {
    if (cells.length === 0) return;
    this.entries = [...this.entries, ...cells.map((raw) => this.adopt(raw))];
    for (const listener of this.listListeners) listener();
  }

  /** The cells in order (do not mutate). */
  get cells(): readonly CellEntry[] {
    return this.entries;
  }

  /** The notebook's metadata (kernelspec, language_info…). */
  get metadata(): Record<string, unknown> {
    return this.rest.metadata as Record<string, unknown>;
  }

  /** Sets one top-level metadata key (a copy: the file's object is not mutated). */
  setMetadata(key: string, value: unknown): void {
    const metadata = this.rest.metadata as Record<string, unknown>;
    if (JSON.stringify(metadata[key]) === JSON.stringify(value)) return;
    this.rest = { ...this.rest, metadata: { ...metadata, [key]: value } };
    this.changed();
  }

  /** True when there are changes no save has written yet. */
  get dirty(): boolean {
    return this.changeCount !== this.savedAt;
  }

  /** A marker of the state now, to hand to `markSaved` once that state is on disk. */
  get revision(): number {
    return this.changeCount;
  }

  cell(key: string): CellEntry | undefined {
    return this.byKey.get(key);
  }

  indexOf(key: string): number {
    return this.entries.findIndex((entry) => entry.key === key);
  }

  /** Calls `listener` whenever this cell changes; returns the unsubscribe. */
  subscribeCell(key: string, listener: Listener): () => void {
    let set = this.cellListeners.get(key);
    if (!set) this.cellListeners.set(key, (set = new Set()));
    set.add(listener);
    return () => void set.delete(listener);
  }

  /** Calls `listener` when cells are added, removed or moved. */
  subscribeList(listener: Listener): () => void {
    this.listListeners.add(listener);
    return () => void this.listListeners.delete(listener);
  }

  /** Calls `listener` on any change (dirty flag, autosave). */
  subscribeChange(listener: Listener): () => void {
    this.changeListeners.add(listener);
    return () => void this.changeListeners.delete(listener);
  }

  /** Records that the state at `revision` was written to disk. */
  markSaved(revision: number): void {
    this.savedAt = revision;
    this.emitChange();
  }

  /** Marks the document changed without a cell edit (outputs applied from a kernel session). */
  touch(): void {
    this.changed();
  }

  setSource(key: string, source: string): void {
    const entry = this.byKey.get(key);
    if (!entry || entry.source === source) return;
    entry.source = source;
    entry.raw = { ...entry.raw, source: splitSource(source) };
    this.bumpCell(entry);
  }

  /** Changes a cell's type (code ↔ markdown ↔ raw); a code cell gets empty outputs, others lose them. */
  setType(key: string, cellType: NotebookCell['cell_type']): void {
    const entry = this.byKey.get(key);
    if (!entry || entry.cellType === cellType) return;
    const { outputs: _o, execution_count: _c, attachments: _a, ...rest } = entry.raw;
    entry.raw = cellType === 'code' ? { ...rest, cell_type: cellType, outputs: [], execution_count: null } : { ...rest, cell_type: cellType };
    entry.cellType = cellType;
    entry.outputs = [];
    entry.executionCount = null;
    entry.run = 'idle';
    this.bumpCell(entry);
  }

  /** Inserts a new empty cell at `index`; returns its key. */
  insert(index: number, cellType: NotebookCell['cell_type'] = 'code', source = ''): string {
    const key = newCellId();
    const raw: NotebookCell =
      cellType === 'code'
        ? { cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: splitSource(source) }
        : { cell_type: cellType, metadata: {}, source: splitSource(source) };
    if (this.hasIds) raw.id = key;
    const entry = entryOf(raw, key);
    const at = Math.max(0, Math.min(index, this.entries.length));
    this.entries = [...this.entries.slice(0, at), entry, ...this.entries.slice(at)];
    this.byKey.set(key, entry);
    this.listChanged();
    return key;
  }

  remove(key: string): void {
    if (!this.byKey.has(key)) return;
    this.entries = this.entries.filter((entry) => entry.key !== key);
    this.byKey.delete(key);
    this.listChanged();
  }

  /** Moves a cell by `step` places (clamped). */
  move(key: string, step: number): void {
    const from = this.indexOf(key);
    if (from < 0) return;
    const to = Math.max(0, Math.min(this.entries.length - 1, from + step));
    if (to === from) return;
    const next = [...this.entries];
    const [entry] = next.splice(from, 1);
    next.splice(to, 0, entry!);
    this.entries = next;
    this.listChanged();
  }

  /** The cell is sent to the kernel: its outputs go, it shows [*]. */
  markQueued(key: string): void {
    const entry = this.byKey.get(key);
    if (!entry) return;
    entry.run = 'queued';
    entry.outputs = [];
    entry.raw = { ...entry.raw, outputs: [] };
    this.bumpCell(entry);
  }

  /** Applies a kernel.cell update (or a run kept by main); stale updates (older seq) are ignored. Returns whether it applied. */
  applyRun(run: CellRun): boolean {
    const entry = this.byKey.get(run.cellId);
    if (!entry || entry.cellType !== 'code' || run.seq <= entry.seq) return false;
    entry.seq = run.seq;
    entry.run = run.state;
    entry.outputs = [...run.outputs];
    entry.executionCount = run.executionCount ?? entry.executionCount;
    entry.raw = { ...entry.raw, outputs: entry.outputs, execution_count: entry.executionCount };
    this.bumpCell(entry);
    return true;
  }

  /** Cells queued or running: after a restart or a dead kernel they will never finish. */
  abortPending(): void {
    for (const entry of this.entries) {
      if (entry.run === 'queued' || entry.run === 'running') {
        entry.run = 'aborted';
        entry.version++;
        this.emitCell(entry.key);
      }
    }
  }

  /** The document to write: the file's top-level keys, every cell's object with its current source and outputs. */
  toDoc(): NotebookDoc {
    return { ...this.rest, cells: this.entries.map((entry) => entry.raw) } as NotebookDoc;
  }

  private bumpCell(entry: CellEntry): void {
    entry.version++;
    this.emitCell(entry.key);
    this.changed();
  }

  private emitCell(key: string): void {
    for (const listener of this.cellListeners.get(key) ?? []) listener();
  }

  private listChanged(): void {
    for (const listener of this.listListeners) listener();
    this.changed();
  }

  private changed(): void {
    this.changeCount++;
    this.emitChange();
  }

  private emitChange(): void {
    for (const listener of this.changeListeners) listener();
  }
}
