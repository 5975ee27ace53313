// Reading and writing .ipynb files: size limit, validation, and an atomic write (temp file in the same
// folder, fsync, rename) that never truncates the existing file when anything fails.
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { OrreryError } from '../../../app/contract';
import type { NotebookDoc } from '../../../app/models';
import { maxNotebookBytes, parseNotebookText, serializeNotebook } from './ipynb-format';
import type { NotebookValidator } from './ipynb-schema';

/** A notebook read from disk with the facts a later save checks against. */
export interface ReadNotebook {
  readonly notebook: NotebookDoc;
  readonly text: string;
  readonly mtimeMs: number;
  readonly size: number;
}

function fileError(error: unknown, file: string, doing: string): OrreryError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new OrreryError('not_found', `${file} does not exist (it may have been moved or deleted). Choose another notebook.`);
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new OrreryError('not_writable', `Cannot ${doing} ${file}: permission denied. Check the file's permissions.`);
  }
  if (code === 'EISDIR') return new OrreryError('invalid_input', `${file} is a folder, not a notebook.`);
  return new OrreryError('internal', `Cannot ${doing} ${file}: ${(error as Error).message}`, { cause: error });
}

/** Reads, parses and validates a notebook; refuses files above `maxNotebookBytes` with `too_large`. */
export async function readNotebookFile(file: string, validator: NotebookValidator, limit = maxNotebookBytes): Promise<ReadNotebook> {
  let info;
  try {
    info = await stat(file);
  } catch (error) {
    throw fileError(error, file, 'read');
  }
  if (info.isDirectory()) throw new OrreryError('invalid_input', `${file} is a folder, not a notebook.`);
  if (info.size > limit) {
    const mb = (n: number) => `${Math.round(n / (1024 * 1024))} MB`;
    throw new OrreryError(
      'too_large',
      `${file} is ${mb(info.size)}; Orrery opens notebooks up to ${mb(limit)}. Clear its outputs (jupyter nbconvert --clear-output --inplace) or split it.`,
    );
  }
  let text: string;
  try {
    // One read into a Buffer, then one decode: much faster for big files than readFile's chunked 'utf8' decoding.
    text = (await readFile(file)).toString('utf8');
  } catch (error) {
    throw fileError(error, file, 'read');
  }
  const notebook = parseNotebookText(text, file);
  await validator.validate(notebook, file, 'open');
  return { notebook, text, mtimeMs: info.mtimeMs, size: info.size };
}

/** Makes the rename durable; a folder that cannot be opened (some platforms) is skipped. */
async function syncFolder(folder: string): Promise<void> {
  try {
    const handle = await open(folder, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Folder fsync is best effort.
  }
}

/**
 * Writes text atomically: a temp file beside the target, fsync, rename over it. On any error the temp
 * file is removed and the existing file is left as it was. `exclusive` fails when the target exists.
 */
export async function writeFileAtomic(file: string, text: string | Buffer, options: { exclusive?: boolean; mode?: number } = {}): Promise<{ mtimeMs: number; size: number }> {
  const folder = path.dirname(file);
  const temp = path.join(folder, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', options.mode ?? 0o644);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (options.exclusive) {
      const exists = await stat(file).then(() => true, () => false);
      if (exists) throw new OrreryError('already_exists', `${file} already exists. Choose another name.`);
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    if (error instanceof OrreryError) throw error;
    throw fileError(error, file, 'write');
  }
  await syncFolder(folder);
  const info = await stat(file);
  return { mtimeMs: info.mtimeMs, size: info.size };
}

/** A JSON number Python writes differently from JavaScript (`1.0`, `1e-05`, `1e+16`), in nbformat's layout. */
const pythonFloat = /(?:": |\n\s+)-?\d+(?:\.0+|(?:\.\d+)?e[-+]?\d+)(?=,?\n)/;

/**
 * True when the file already holds this notebook: the same bytes, or (when the file has floats that JavaScript
 * prints differently and the sizes are close) the same JSON values. Keeps an unedited save byte-identical.
 */
async function holdsSameContent(file: string, size: number, bytes: Buffer, notebook: unknown): Promise<boolean> {
  if (Math.abs(size - bytes.length) > 4096) return false;
  // Read and compared as bytes: decoding 20 MB into a string costs more than the whole comparison.
  const raw = await readFile(file).catch(() => null);
  if (raw === null) return false;
  if (raw.equals(bytes)) return true;
  const current = raw.toString('utf8');
  if (!pythonFloat.test(current)) return false;
  try {
    return isDeepStrictEqual(JSON.parse(current), JSON.parse(JSON.stringify(notebook)));
  } catch {
    return false;
  }
}

/** Validates and writes a notebook in nbformat's layout; answers the new file facts. */
export async function writeNotebookFile(
  file: string,
  notebook: unknown,
  validator: NotebookValidator,
  options: { exclusive?: boolean } = {},
): Promise<{ mtimeMs: number; size: number }> {
  await validator.validate(notebook, file, 'save');
  const bytes = Buffer.from(serializeNotebook(notebook), 'utf8');
  const existing = await stat(file).catch(() => null);
  if (existing && !options.exclusive && (await holdsSameContent(file, existing.size, bytes, notebook))) {
    // Saving without edits: leave the file (its bytes and mtime) alone.
    return { mtimeMs: existing.mtimeMs, size: existing.size };
  }
  return writeFileAtomic(file, bytes, { ...options, ...(existing ? { mode: existing.mode & 0o777 } : {}) });
}

/**
 * Writes bytes already in nbformat's layout (a validated document assembled from its cells) over an existing
 * notebook, atomically and keeping the file's mode; with `unchanged`, leaves the file (bytes and mtime) alone.
 */
export async function replaceNotebookBytes(file: string, bytes: () => Buffer, unchanged: boolean): Promise<{ mtimeMs: number; size: number }> {
  const existing = await stat(file).catch(() => null);
  if (existing && unchanged) return { mtimeMs: existing.mtimeMs, size: existing.size };
  return writeFileAtomic(file, bytes(), existing ? { mode: existing.mode & 0o777 } : {});
}
