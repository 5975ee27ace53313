import type { NotebookCell, NotebookDoc, NotebookPatch } from '../../../app/models';
import { serializeCell } from './ipynb-format';

/** The version of a notebook last read or written, with each cell's bytes in nbformat's layout once computed. */
interface Saved {
  readonly mtimeMs: number;
  readonly size: number;
  readonly doc: NotebookDoc;
  readonly pieces: (Buffer | undefined)[];
  /** Cells whose pieces are computed in the background after a read (so the first save finds them ready). */
  warmed: number;
}

/** A patch applied to the kept version: the whole document, and each cell's bytes. */
export interface AppliedPatch {
  readonly doc: NotebookDoc;
  readonly pieces: readonly Buffer[];
  /** True when the patch changes nothing (same top-level keys, every cell kept in place). */
  readonly unchanged: boolean;
}

/** Limits of what is kept: the most recent notebooks, up to a total file size. */
export interface SavedNotebooksOptions {
  readonly maxEntries?: number;
  readonly maxBytes?: number;
  /** Cells serialized per background step (the event loop is yielded between steps). */
  readonly warmBatch?: number;
  /** How long after a read the background serialization starts (the view is still drawing the notebook then). */
  readonly warmDelayMs?: number;
}

/**
 * The last version of each open notebook that main read or wrote, so `notebook.save` can take a patch (the
 * changed cells and references to the unchanged ones) instead of the whole document, and serialize only
 * what changed. Keyed by path and mtime: a patch on any other version is refused and the view sends the
 * whole document instead.
 */
export class SavedNotebooks {
  private readonly entries = new Map<string, Saved>();
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly warmBatch: number;
  private readonly warmDelayMs: number;
  private disposed = false;

  constructor(options: SavedNotebooksOptions = {}) {
    this.maxEntries = options.maxEntries ?? 16;
    this.maxBytes = options.maxBytes ?? 512 * 1024 * 1024;
    this.warmBatch = options.warmBatch ?? 100;
    this.warmDelayMs = options.warmDelayMs ?? 1_000;
  }

  /** Keeps `doc` as the version of `file` at `mtimeMs`; `pieces` when the caller already has the cells' bytes. */
  remember(file: string, doc: NotebookDoc, mtimeMs: number, size: number, pieces?: readonly Buffer[]): void {
    this.entries.delete(file);
    const saved: Saved = { mtimeMs, size, doc, pieces: pieces ? [...pieces] : new Array<Buffer | undefined>(doc.cells.length), warmed: pieces ? doc.cells.length : 0 };
    this.entries.set(file, saved);
    this.evict();
    if (!pieces) this.warm(file, saved);
  }

  /** Forgets a file (deleted, or written by someone else). */
  forget(file: string): void {
    this.entries.delete(file);
  }

  /** The kept document of `file` at `mtimeMs`, if that is the version kept. */
  version(file: string, mtimeMs: number): NotebookDoc | undefined {
    const saved = this.entries.get(file);
    return saved?.mtimeMs === mtimeMs ? saved.doc : undefined;
  }

  /** Whether the version of `file` at `mtimeMs` is kept. */
  has(file: string, mtimeMs: number): boolean {
    return this.entries.get(file)?.mtimeMs === mtimeMs;
  }

  /**
   * Applies a patch to the version of `file` at `baseMtimeMs`; null when that version is not kept (main
   * restarted, the notebook was evicted, or the view's base is older) — the caller then asks for the whole
   * document. Throws a RangeError naming the cell when a reference points past the kept cells.
   */
  apply(file: string, baseMtimeMs: number, patch: NotebookPatch): AppliedPatch | null {
    const saved = this.entries.get(file);
    if (!saved || saved.mtimeMs !== baseMtimeMs) return null;
    const cells: NotebookCell[] = [];
    const pieces: Buffer[] = [];
    let unchanged = patch.cells.length === saved.doc.cells.length && sameJson(withoutCells(saved.doc), patch.rest);
    patch.cells.forEach((cell, index) => {
      if (isRef(cell)) {
        const kept = saved.doc.cells[cell.keep];
        if (kept === undefined) throw new RangeError(`cells[${index}]: keep ${cell.keep} is past the ${saved.doc.cells.length} cells of the saved version`);
        if (cell.keep !== index) unchanged = false;
        cells.push(kept);
        pieces.push(this.piece(saved, cell.keep));
      } else {
        unchanged = false;
        cells.push(cell);
        pieces.push(serializeCell(cell));
      }
    });
    return { doc: { ...patch.rest, cells } as NotebookDoc, pieces, unchanged };
  }

  dispose(): void {
    this.disposed = true;
    this.entries.clear();
  }

  private piece(saved: Saved, index: number): Buffer {
    let piece = saved.pieces[index];
    if (piece === undefined) {
      piece = serializeCell(saved.doc.cells[index]);
      saved.pieces[index] = piece;
    }
    return piece;
  }

  /** Serializes the kept cells a batch at a time between other work, so the first save of a big notebook is quick. */
  private warm(file: string, saved: Saved): void {
    const step = (): void => {
      if (this.disposed || this.entries.get(file) !== saved) return;
      const end = Math.min(saved.doc.cells.length, saved.warmed + this.warmBatch);
      for (; saved.warmed < end; saved.warmed++) this.piece(saved, saved.warmed);
      if (saved.warmed < saved.doc.cells.length) setImmediate(step);
    };
    setTimeout(step, this.warmDelayMs).unref();
  }

  private evict(): void {
    let total = 0;
    for (const saved of this.entries.values()) total += saved.size;
    for (const [file, saved] of this.entries) {
      if (this.entries.size <= this.maxEntries && total <= this.maxBytes) break;
      this.entries.delete(file);
      total -= saved.size;
    }
  }
}

function isRef(cell: NotebookPatch['cells'][number]): cell is { keep: number } {
  return 'keep' in cell && typeof (cell as { keep?: unknown }).keep === 'number' && !('cell_type' in cell);
}

function withoutCells(doc: NotebookDoc): Record<string, unknown> {
  const { cells: _cells, ...rest } = doc;
  return rest;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
