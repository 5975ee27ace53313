// The .ipynb text form: parse with clear errors, and write exactly as nbformat's Python writer does
// (json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False, separators=(",", ": ")) plus a newline).
import { OrreryError } from '../../../app/contract';
import type { NotebookDoc } from '../../../app/models';

/**
 * Largest notebook Orrery opens (bytes). A 200 MB file would take seconds of JSON parsing on the main
 * process and gigabytes of memory; above this `notebook.open` answers `too_large` and the file is untouched.
 */
export const maxNotebookBytes = 100 * 1024 * 1024;

/** Python's sort_keys order: by code point (JS sorts UTF-16 units, which differ above U+FFFF). */
function compareCodePoints(a: string, b: string): number {
  const left = [...a];
  const right = [...b];
  const n = Math.min(left.length, right.length);
  for (let i = 0; i < n; i++) {
    const diff = left[i]!.codePointAt(0)! - right[i]!.codePointAt(0)!;
    if (diff !== 0) return diff;
  }
  return left.length - right.length;
}

function byCodePoint(a: string, b: string): number {
  // Fast path: plain BMP strings compare the same either way.
  if (!/[\ud800-\udfff]/.test(a + b)) return a < b ? -1 : a > b ? 1 : 0;
  return compareCodePoints(a, b);
}

function sortedCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedCopy);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort(byCodePoint)) out[key] = sortedCopy((value as Record<string, unknown>)[key]);
  return out;
}

/** The notebook as nbformat writes it: keys sorted, indent 1, non-ASCII kept, a trailing newline. */
export function serializeNotebook(doc: unknown): string {
  return `${JSON.stringify(sortedCopy(doc), null, 1)}\n`;
}

/**
 * One cell as it stands inside nbformat's layout of a whole notebook: indented for its place in the top-level
 * `cells` array, without the separating comma. `assembleNotebook` joins such pieces into the file's bytes.
 */
export function serializeCell(cell: unknown): Buffer {
  // JSON strings hold no raw newline, so every newline of the text starts a line to indent.
  return Buffer.from(`  ${JSON.stringify(sortedCopy(cell), null, 1).replaceAll('\n', '\n  ')}`, 'utf8');
}

const emptyCells = '\n "cells": []';

/**
 * The bytes of `serializeNotebook({...rest, cells})` from the cells' `serializeCell` pieces, so a save that
 * changed one cell of two thousand serializes one cell. Byte-identical to `serializeNotebook` (tested).
 */
export function assembleNotebook(rest: Record<string, unknown>, cells: readonly Buffer[]): Buffer {
  const text = serializeNotebook({ ...rest, cells: [] });
  // Top-level keys are the only lines indented by one space, so this finds the document's own `cells`.
  const at = text.indexOf(emptyCells);
  if (at < 0) throw new Error('assembleNotebook: no top-level cells in the serialized document');
  if (cells.length === 0) return Buffer.from(text, 'utf8');
  const head = Buffer.from(`${text.slice(0, at)}\n "cells": [\n`, 'utf8');
  const tail = Buffer.from(`\n ]${text.slice(at + emptyCells.length)}`, 'utf8');
  const comma = Buffer.from(',\n', 'utf8');
  const parts: Buffer[] = [head];
  cells.forEach((cell, i) => {
    if (i > 0) parts.push(comma);
    parts.push(cell);
  });
  parts.push(tail);
  return Buffer.concat(parts);
}

function lineAndColumn(text: string, position: number): string {
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  return `line ${line}, column ${position - before.lastIndexOf('\n')}`;
}

/** Parses the text of a .ipynb; `not JSON` and `nbformat 3` answer `invalid_file` with what to do. */
export function parseNotebookText(text: string, file: string): NotebookDoc {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const at = /position (\d+)/.exec(message);
    const where = at ? ` (${lineAndColumn(text, Number(at[1]))})` : '';
    throw new OrreryError('invalid_file', `${file} is not a notebook: it is not valid JSON${where}: ${message}. Open it in a text editor to repair it.`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new OrreryError('invalid_file', `${file} is not a notebook: its JSON is not an object with "cells" and "nbformat".`);
  }
  const nbformat = (value as { nbformat?: unknown }).nbformat;
  if (typeof nbformat !== 'number') {
    throw new OrreryError('invalid_file', `${file} is not a notebook: it has no "nbformat" number.`);
  }
  if (nbformat < 4) {
    throw new OrreryError(
      'invalid_file',
      `${file} is nbformat ${nbformat}; Orrery opens nbformat 4. Convert it with \`jupyter nbconvert --to notebook --nbformat 4 ${file}\` and open the result.`,
    );
  }
  if (nbformat > 4) {
    throw new OrreryError('invalid_file', `${file} is nbformat ${nbformat}, newer than Orrery knows (4.0–4.5). Save it as nbformat 4 in Jupyter.`);
  }
  return value as NotebookDoc;
}
