// Validation against the official nbformat JSON schema of the notebook's nbformat_minor (draft-04, ajv),
// with an error that names the cell (index, id, type) and the field.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Ajv from 'ajv-draft-04';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { OrreryError } from '../../../app/contract';

/** nbformat 4 minors whose schema Orrery ships; a higher minor is checked against the newest. */
export const knownMinors = [0, 1, 2, 3, 4, 5] as const;

const cellKinds = ['raw_cell', 'markdown_cell', 'code_cell'];
const outputKinds = ['execute_result', 'display_data', 'stream', 'error'];

type Doc = { cells?: unknown[] };

function segmentAt(doc: unknown, pointer: string[]): unknown {
  let node: unknown = doc;
  for (const part of pointer) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** False when the error comes from a oneOf branch for another cell or output type than the one in the document. */
function fromMatchingBranch(doc: unknown, error: ErrorObject): boolean {
  const parts = error.instancePath.split('/').slice(1);
  const cell = parts[0] === 'cells' && parts[1] !== undefined ? (segmentAt(doc, parts.slice(0, 2)) as { cell_type?: unknown } | undefined) : undefined;
  const cellBranch = cellKinds.find((kind) => error.schemaPath.includes(`/${kind}/`) || error.schemaPath.endsWith(`/${kind}`));
  if (cell && cellBranch && typeof cell.cell_type === 'string' && cellKinds.includes(`${cell.cell_type}_cell`) && cellBranch !== `${cell.cell_type}_cell`) return false;
  const outputIndex = parts.indexOf('outputs');
  if (outputIndex >= 0 && parts[outputIndex + 1] !== undefined) {
    const output = segmentAt(doc, parts.slice(0, outputIndex + 2)) as { output_type?: unknown } | undefined;
    const branch = outputKinds.find((kind) => new RegExp(`/definitions/${kind}(/|$)`).test(error.schemaPath));
    if (output && branch && typeof output.output_type === 'string' && outputKinds.includes(output.output_type) && branch !== output.output_type) return false;
  }
  return true;
}

function pickError(doc: unknown, errors: readonly ErrorObject[]): ErrorObject {
  const candidates = errors.filter((e) => e.keyword !== 'oneOf' && fromMatchingBranch(doc, e));
  const pool = candidates.length > 0 ? candidates : errors;
  return pool.reduce((best, e) => (e.instancePath.split('/').length > best.instancePath.split('/').length ? e : best), pool[0]!);
}

function describeError(doc: unknown, error: ErrorObject): string {
  const parts = error.instancePath.split('/').slice(1);
  const detail = error.keyword === 'additionalProperties'
    ? `unknown field "${String((error.params as { additionalProperty?: string }).additionalProperty)}" is not allowed`
    : error.keyword === 'required'
      ? `missing required field "${String((error.params as { missingProperty?: string }).missingProperty)}"`
      : error.keyword === 'enum'
        ? `${error.message ?? 'invalid'} (${JSON.stringify((error.params as { allowedValues?: unknown }).allowedValues)})`
        : (error.message ?? 'invalid');
  if (parts[0] === 'cells' && parts[1] !== undefined) {
    const index = Number(parts[1]);
    const cell = (doc as Doc).cells?.[index] as { id?: unknown; cell_type?: unknown } | undefined;
    const id = typeof cell?.id === 'string' ? ` id ${cell.id}` : '';
    const kind = typeof cell?.cell_type === 'string' ? ` ${cell.cell_type}` : '';
    const field = parts.slice(2).map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '');
    return `cell ${index + 1} (${kind.trim()}${id ? `,${id}` : ''})${field ? ` field ${field}` : ''}: ${detail}`;
  }
  const field = parts.join('.');
  return `${field ? `field ${field}` : 'the notebook'}: ${detail}`;
}

/** Compiles the shipped schemas on first use (one validator per minor) and checks documents against them. */
export class NotebookValidator {
  private readonly compiled = new Map<number, Promise<ValidateFunction>>();

  constructor(private readonly schemaDir: string) {}

  private validatorFor(minor: number): Promise<ValidateFunction> {
    const known = Math.min(Math.max(0, minor), knownMinors[knownMinors.length - 1]!);
    let pending = this.compiled.get(known);
    if (!pending) {
      pending = readFile(path.join(this.schemaDir, `nbformat.v4.${known}.schema.json`), 'utf8').then((text) => {
        const ajv = new Ajv({ strict: false, allErrors: false, validateFormats: false });
        return ajv.compile(JSON.parse(text) as object);
      });
      pending.catch(() => this.compiled.delete(known));
      this.compiled.set(known, pending);
    }
    return pending;
  }

  /** Throws `invalid_file` naming the cell and field when `doc` does not match the schema of its nbformat_minor. */
  async validate(doc: unknown, file: string, when: 'open' | 'save'): Promise<void> {
    const minor = (doc as { nbformat_minor?: unknown }).nbformat_minor;
    if (typeof minor !== 'number' || !Number.isInteger(minor) || minor < 0) {
      throw new OrreryError('invalid_file', `${file}: "nbformat_minor" must be a whole number ≥ 0.`);
    }
    const validate = await this.validatorFor(minor);
    if (validate(doc)) return;
    const error = pickError(doc, validate.errors ?? []);
    const advice = when === 'open' ? 'Repair it in a text editor or in Jupyter.' : 'Nothing was written; fix the cell and save again.';
    throw new OrreryError('invalid_file', `${file} does not match the nbformat 4.${minor} schema: ${describeError(doc, error)}. ${advice}`);
  }
}
