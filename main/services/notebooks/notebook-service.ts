import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { OrreryError, type CallOutput, type ParsedInput } from '../../../app/contract';
import { newNotebook } from '../../../app/lib/notebook';
import type { NotebookPatch, OpenNotebook } from '../../../app/models';
import type { Clock } from '../../core/clock';
import type { EventBus } from '../../core/event-bus';
import type { Logger } from '../../core/logger';
import { checkPathInRoots } from '../../core/paths';
import type { KernelService } from '../kernels/kernel-service';
import type { ProjectService } from '../projects/project-service';
import { NotebookValidator } from './ipynb-schema';
import { assembleNotebook } from './ipynb-format';
import { readNotebookFile, replaceNotebookBytes, writeNotebookFile } from './notebook-files';
import { SavedNotebooks } from './saved-notebooks';

/** What the notebook service needs. */
export interface NotebookServiceDeps {
  readonly bus: EventBus;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly projects: ProjectService;
  readonly kernels: KernelService;
  readonly allowedRoots: readonly string[];
  readonly resourcesDir: string;
}

/** Folders `notebook.list` does not descend into. */
const skippedFolders = new Set(['node_modules', '.git', '.venv', 'venv', '__pycache__', '.ipynb_checkpoints', '.orrery', 'site-packages']);
/** Most notebooks `notebook.list` answers (a guard against huge trees). */
const listLimit = 5000;

/** .ipynb files: lossless read, schema validation, atomic save; the kernel session's outputs laid over on open. */
export class NotebookService {
  /** The nbformat schemas, compiled on first use. */
  readonly validator: NotebookValidator;
  /** The version of each open notebook last read or written, which `notebook.save` patches apply to. */
  private readonly saved = new SavedNotebooks();

  constructor(readonly deps: NotebookServiceDeps) {
    this.validator = new NotebookValidator(path.join(deps.resourcesDir, 'nbformat'));
  }

  /** Notebooks in the open project folder (hidden folders, venvs and checkpoints skipped). */
  async list(): Promise<CallOutput<'notebook.list'>> {
    const root = this.deps.projects.requireCurrent().project.path;
    const found: CallOutput<'notebook.list'> = [];
    const walk = async (folder: string, depth: number): Promise<void> => {
      if (depth > 12 || found.length >= listLimit) return;
      const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        const full = path.join(folder, entry.name);
        if (entry.isDirectory()) {
          if (!entry.name.startsWith('.') && !skippedFolders.has(entry.name)) await walk(full, depth + 1);
        } else if (entry.isFile() && entry.name.endsWith('.ipynb') && found.length < listLimit) {
          const info = await stat(full).catch(() => null);
          if (info) found.push({ path: full, relativePath: path.relative(root, full), size: info.size, mtimeMs: info.mtimeMs });
        }
      }
    };
    await walk(root, 0);
    return found.sort((a, b) => a.relativePath.localeCompare(b.relativePath));
  }

  /**
   * Reads and validates a notebook; adds the live kernel session (kernel, kept cell runs, pending input). With
   * `firstCells`, answers only the first cells; `cells()` serves the rest from the version kept for saves.
   */
  async open(input: string, firstCells?: number): Promise<OpenNotebook> {
    const file = await checkPathInRoots(input, this.deps.allowedRoots);
    const read = await readNotebookFile(file, this.validator);
    this.saved.remember(file, read.notebook, read.mtimeMs, read.size);
    const session = this.deps.kernels.sessionFor(file);
    const all = read.notebook.cells;
    const notebook = firstCells !== undefined && firstCells < all.length ? { ...read.notebook, cells: all.slice(0, firstCells) } : read.notebook;
    return { path: file, notebook, totalCells: all.length, mtimeMs: read.mtimeMs, size: read.size, ...session };
  }

  /** Cells of the version `open` read at `mtimeMs` (the rest of a notebook opened with `firstCells`). */
  async cells(input: ParsedInput<'notebook.cells'>): Promise<CallOutput<'notebook.cells'>> {
    const file = await checkPathInRoots(input.path, this.deps.allowedRoots);
    const doc = this.saved.version(file, input.mtimeMs);
    if (!doc) {
      throw new OrreryError('not_found', `The version of ${file} that was opened is no longer held (it was saved, changed on disk or evicted). Open the notebook again.`);
    }
    return { cells: doc.cells.slice(input.from, input.from + input.count), totalCells: doc.cells.length };
  }

  /** Creates an empty nbformat 4.5 notebook (its kernelspec from the env when given); fails if the file exists. */
  async create(input: ParsedInput<'notebook.create'>): Promise<OpenNotebook> {
    const file = await checkPathInRoots(input.path, this.deps.allowedRoots);
    if (path.extname(file) !== '.ipynb') throw new OrreryError('invalid_input', `path: ${input.path} must end in .ipynb.`);
    const folder = await stat(path.dirname(file)).catch(() => null);
    if (!folder?.isDirectory()) throw new OrreryError('not_found', `The folder ${path.dirname(file)} does not exist. Create it first.`);
    const spec = input.envId ? (await this.deps.kernels.specs(input.envId).catch(() => []))[0] : undefined;
    const notebook = newNotebook(spec ? { name: spec.name, displayName: spec.displayName, language: spec.language } : undefined);
    if (input.envId) (notebook.metadata as Record<string, unknown>).orrery = { envId: input.envId };
    await writeNotebookFile(file, notebook, this.validator, { exclusive: true });
    this.deps.logger.info('notebook created', { file });
    return this.open(file);
  }

  /**
   * Validates and writes atomically in nbformat's layout. With `expectedMtimeMs` (and no `force`), answers
   * `conflict` when the file changed or vanished on disk since then; the file is never truncated on an error.
   */
  async save(input: ParsedInput<'notebook.save'>): Promise<CallOutput<'notebook.save'>> {
    const file = await checkPathInRoots(input.path, this.deps.allowedRoots);
    if (input.expectedMtimeMs !== undefined && !input.force) {
      const info = await stat(file).catch(() => null);
      if (!info) {
        throw new OrreryError('conflict', `${file} was deleted or moved on disk since it was opened. Save again with force to write it anew.`);
      }
      if (Math.abs(info.mtimeMs - input.expectedMtimeMs) > 0.5) {
        throw new OrreryError('conflict', `${file} changed on disk since it was opened. Reload it, or save with force to overwrite the other changes.`);
      }
    }
    if (input.patch) {
      const written = await this.savePatch(file, input.expectedMtimeMs!, input.patch);
      this.deps.logger.info('notebook saved', { file, size: written.size, patch: true });
      return written;
    }
    const notebook = input.notebook!;
    let written;
    try {
      written = await writeNotebookFile(file, notebook, this.validator);
    } catch (error) {
      this.saved.forget(file);
      throw error;
    }
    this.saved.remember(file, notebook, written.mtimeMs, written.size);
    this.deps.logger.info('notebook saved', { file, size: written.size });
    return written;
  }

  /** Applies a patch to the kept version at `baseMtimeMs`, validates the result and writes only if it changed. */
  private async savePatch(file: string, baseMtimeMs: number, patch: NotebookPatch): Promise<CallOutput<'notebook.save'>> {
    let applied;
    try {
      applied = this.saved.apply(file, baseMtimeMs, patch);
    } catch (error) {
      throw new OrreryError('invalid_input', `patch.${error instanceof Error ? error.message : String(error)}. Send the whole notebook instead.`);
    }
    if (!applied) {
      throw new OrreryError('not_found', `The version of ${file} this save builds on is no longer held in memory; send the whole notebook.`);
    }
    await this.validator.validate(applied.doc, file, 'save');
    const { cells: _cells, ...rest } = applied.doc;
    let written;
    try {
      written = await replaceNotebookBytes(file, () => assembleNotebook(rest, applied.pieces), applied.unchanged);
    } catch (error) {
      this.saved.forget(file);
      throw error;
    }
    this.saved.remember(file, applied.doc, written.mtimeMs, written.size, applied.pieces);
    return written;
  }

  dispose(): void {
    this.saved.dispose();
  }
}
