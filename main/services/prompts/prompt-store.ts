import { createHash } from 'node:crypto';
import { OrreryError } from '../../../app/contract/errors';
import type { DiffLine, Prompt, PromptMessage, PromptVersion, VersionRef } from '../../../app/contract/prompts';
import { newId } from '../../../app/lib/ids';
import { templateVariables } from '../../../app/lib/prompt-template';
import type { Clock } from '../../core/clock';
import type { Db } from '../store/open-database';
import type { SamplingParams } from './providers/types';

export interface SavePromptInput {
  readonly id?: string | undefined;
  readonly name: string;
  readonly messages: readonly PromptMessage[];
  readonly params: SamplingParams;
  readonly note?: string | undefined;
}

export interface SavedVersion {
  readonly prompt: Prompt;
  readonly version: PromptVersion;
  readonly created: boolean;
}

/** JSON with object keys sorted and undefined members left out, so equal content always hashes the same. */
export function canonicalJson(value: unknown, indent?: number): string {
  const sort = (item: unknown): unknown => {
    if (Array.isArray(item)) return item.map(sort);
    if (item !== null && typeof item === 'object') {
      const entries = Object.entries(item as Record<string, unknown>).filter(([, member]) => member !== undefined);
      entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return Object.fromEntries(entries.map(([key, member]) => [key, sort(member)]));
    }
    return item;
  };
  return JSON.stringify(sort(value), null, indent);
}

/** SHA-256 of the canonical messages + params: what makes two versions "the same". */
export function promptHash(messages: readonly PromptMessage[], params: SamplingParams): string {
  return createHash('sha256').update(canonicalJson({ messages: plainMessages(messages), params })).digest('hex');
}

/**
 * A version as text for diffing: each message as a `## role` block with its content lines, then the parameters
 * as sorted JSON lines under `## params`.
 */
export function versionText(messages: readonly PromptMessage[], params: SamplingParams): string[] {
  const lines: string[] = [];
  for (const message of messages) {
    if (lines.length > 0) lines.push('');
    lines.push(`## ${message.role}`, ...message.content.split(/\r?\n/));
  }
  if (lines.length > 0) lines.push('');
  lines.push('## params', ...canonicalJson(params, 2).split('\n'));
  return lines;
}

/**
 * Line diff with a minimal edit script: unchanged lines `same`, removed `del`, added `add` (removals before
 * additions in each changed stretch). Common head and tail are cut, lines found on one side only are set aside
 * (they can never match), and the rest goes through Myers' linear-space O((N+M)·D) algorithm, so long prompts
 * with small edits — and wholly different ones — stay fast. Past maxHalfEdits the script is valid but no longer
 * minimal.
 */
export function diffLines(a: readonly string[], b: readonly string[]): DiffLine[] {
  const out: DiffLine[] = [];
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  for (let i = 0; i < head; i++) out.push({ op: 'same', text: a[i]! });

  const matches = middleMatches(a.slice(head, a.length - tail), b.slice(head, b.length - tail));
  let i = head;
  let j = head;
  for (const [mi, mj] of [...matches, [a.length - tail - head, b.length - tail - head] as const]) {
    for (; i < mi + head; i++) out.push({ op: 'del', text: a[i]! });
    for (; j < mj + head; j++) out.push({ op: 'add', text: b[j]! });
    if (i < a.length - tail) {
      out.push({ op: 'same', text: a[i]! });
      i++;
      j++;
    }
  }
  for (; i < a.length; i++) out.push({ op: 'same', text: a[i]! });
  return out;
}

/** Matched index pairs (increasing) of a longest common subsequence of two line lists. */
function middleMatches(a: readonly string[], b: readonly string[]): (readonly [number, number])[] {
  if (a.length === 0 || b.length === 0) return [];
  const codes = new Map<string, number>();
  const code = (line: string) => {
    let value = codes.get(line);
    if (value === undefined) codes.set(line, (value = codes.size));
    return value;
  };
  const aCodes = a.map(code);
  const inA = new Set(aCodes);
  const bCodes = b.map(code);
  const inB = new Set(bCodes);
  // Only lines present on both sides can match; the others are left out of the search and come back as edits.
  const aKept: number[] = [];
  const bKept: number[] = [];
  aCodes.forEach((value, index) => inB.has(value) && aKept.push(index));
  bCodes.forEach((value, index) => inA.has(value) && bKept.push(index));
  const x = Int32Array.from(aKept, (index) => aCodes[index]!);
  const y = Int32Array.from(bKept, (index) => bCodes[index]!);
  const pairs: (readonly [number, number])[] = [];
  myers(x, 0, x.length, y, 0, y.length, pairs);
  return pairs.map(([i, j]) => [aKept[i]!, bKept[j]!] as const);
}

/** Myers' divide and conquer on the middle snake, appending matched pairs in order. */
function myers(a: Int32Array, aLo: number, aHi: number, b: Int32Array, bLo: number, bHi: number, pairs: (readonly [number, number])[]): void {
  while (aLo < aHi && bLo < bHi && a[aLo] === b[bLo]) pairs.push([aLo++, bLo++]);
  let aEnd = aHi;
  let bEnd = bHi;
  while (aEnd > aLo && bEnd > bLo && a[aEnd - 1] === b[bEnd - 1]) {
    aEnd--;
    bEnd--;
  }
  const tail = aHi - aEnd;
  if (aLo < aEnd && bLo < bEnd) {
    // null: too far apart to search further, so this stretch stays one block of removals and additions.
    const snake = middleSnake(a, aLo, aEnd, b, bLo, bEnd);
    if (snake && snake.d > 1) {
      myers(a, aLo, aLo + snake.x, b, bLo, bLo + snake.y, pairs);
      for (let k = 0; k < snake.u - snake.x; k++) pairs.push([aLo + snake.x + k, bLo + snake.y + k]);
      myers(a, aLo + snake.u, aEnd, b, bLo + snake.v, bEnd, pairs);
    } else if (snake) {
      // At most one edit: the shorter side is a subsequence of the longer, found greedily.
      let i = aLo;
      let j = bLo;
      while (i < aEnd && j < bEnd) {
        if (a[i] === b[j]) pairs.push([i++, j++]);
        else if (aEnd - aLo > bEnd - bLo) i++;
        else j++;
      }
    }
  }
  for (let k = 0; k < tail; k++) pairs.push([aEnd + k, bEnd + k]);
}

/**
 * How far (in edits from each end) the middle snake is searched: beyond it a stretch is left as one block of
 * removals and additions, which bounds the work of pathological inputs (tens of thousands of lines sharing only
 * a few repeated ones) to about 2·maxHalfEdits² steps a stretch instead of (N+M)². Texts of up to 5,000 lines
 * each are always diffed minimally.
 */
export const maxHalfEdits = 5_000;

/** The middle snake (x, y) → (u, v), relative to the ranges, and the edit distance d of the whole range; null past maxHalfEdits. */
function middleSnake(a: Int32Array, aLo: number, aHi: number, b: Int32Array, bLo: number, bHi: number): { x: number; y: number; u: number; v: number; d: number } | null {
  const n = aHi - aLo;
  const m = bHi - bLo;
  const delta = n - m;
  const odd = (delta & 1) !== 0;
  const max = Math.min(Math.ceil((n + m) / 2), maxHalfEdits);
  const offset = max + 1;
  const forward = new Int32Array(2 * max + 3);
  const backward = new Int32Array(2 * max + 3);
  for (let d = 0; d <= max; d++) {
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && forward[offset + k - 1]! < forward[offset + k + 1]!) ? forward[offset + k + 1]! : forward[offset + k - 1]! + 1;
      let y = x - k;
      const x0 = x;
      const y0 = y;
      while (x < n && y < m && a[aLo + x] === b[bLo + y]) {
        x++;
        y++;
      }
      forward[offset + k] = x;
      const back = delta - k;
      if (odd && back >= -(d - 1) && back <= d - 1 && x >= n - backward[offset + back]!) return { x: x0, y: y0, u: x, v: y, d: 2 * d - 1 };
    }
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && backward[offset + k - 1]! < backward[offset + k + 1]!) ? backward[offset + k + 1]! : backward[offset + k - 1]! + 1;
      let y = x - k;
      const x0 = x;
      const y0 = y;
      while (x < n && y < m && a[aHi - 1 - x] === b[bHi - 1 - y]) {
        x++;
        y++;
      }
      backward[offset + k] = x;
      const ahead = delta - k;
      if (!odd && ahead >= -d && ahead <= d && forward[offset + ahead]! >= n - x) return { x: n - x, y: m - y, u: n - x0, v: m - y0, d: 2 * d };
    }
  }
  return null;
}

interface PromptRow {
  id: string;
  name: string;
  created_at: number;
  updated_at: number;
  latest: number | null;
}

interface VersionRow {
  prompt_id: string;
  version: number;
  messages: string;
  params: string;
  note: string | null;
  hash: string;
  created_at: number;
}

const promptColumns = `p.id, p.name, p.created_at, p.updated_at, (SELECT max(version) FROM prompt_versions v WHERE v.prompt_id = p.id) AS latest`;

function plainMessages(messages: readonly PromptMessage[]): PromptMessage[] {
  return messages.map((message) => ({ role: message.role, content: message.content }));
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Error && (error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/** Prompts and their immutable versions and labels, in a project database. */
export class PromptStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Prompts, newest change first; `query` keeps those whose name holds it (any case). */
  list(query?: string): Prompt[] {
    const rows = this.db.prepare(`SELECT ${promptColumns} FROM prompts p ORDER BY p.updated_at DESC, p.created_at DESC, p.id`).all() as PromptRow[];
    const needle = query?.trim().toLocaleLowerCase() ?? '';
    const kept = needle ? rows.filter((row) => row.name.toLocaleLowerCase().includes(needle)) : rows;
    const labels = new Map<string, Record<string, number>>();
    for (const row of this.db.prepare('SELECT prompt_id, label, version FROM prompt_labels ORDER BY label').all() as { prompt_id: string; label: string; version: number }[]) {
      const own = labels.get(row.prompt_id) ?? {};
      own[row.label] = row.version;
      labels.set(row.prompt_id, own);
    }
    return kept.map((row) => this.toPrompt(row, labels.get(row.id) ?? {}));
  }

  /** A prompt and one version: a number, a label, or the latest when none is named. */
  get(id: string, ref?: VersionRef): { prompt: Prompt; version: PromptVersion } {
    return this.at(this.promptRow(id), ref);
  }

  /** Every version, newest first. */
  versions(id: string): PromptVersion[] {
    const row = this.promptRow(id);
    const labels = this.labelsOf(row.id);
    const versions = this.db.prepare('SELECT * FROM prompt_versions WHERE prompt_id = ? ORDER BY version DESC').all(row.id) as VersionRow[];
    return versions.map((version) => this.toVersion(version, labels));
  }

  /**
   * Saves the messages and params as a new version (a new prompt when no id is given). Content equal to the
   * latest version makes none: the latest is answered with created false (a new name is still applied).
   */
  save(input: SavePromptInput): SavedVersion {
    const name = input.name.trim();
    if (!name) throw new OrreryError('invalid_input', 'A prompt needs a name: give it one, such as "summarise-paper".');
    if (input.messages.length === 0) throw new OrreryError('invalid_input', 'A prompt needs at least one message: add a system or user message.');
    return this.write(() => {
      const now = this.clock.now();
      const clash = this.db.prepare('SELECT id FROM prompts WHERE name = ?').pluck().get(name) as string | undefined;
      let id: string;
      if (input.id === undefined) {
        if (clash) throw this.nameTaken(name, clash);
        id = newId('prm');
        this.db.prepare('INSERT INTO prompts (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)').run(id, name, now, now);
      } else {
        const row = this.promptRow(input.id);
        id = row.id;
        if (clash && clash !== id) throw this.nameTaken(name, clash);
        if (row.name !== name) this.db.prepare('UPDATE prompts SET name = ?, updated_at = ? WHERE id = ?').run(name, now, id);
      }
      return this.addVersion(id, input.messages, input.params, input.note ?? null, now);
    });
  }

  /** The line diff between two versions (numbers or labels). */
  diff(id: string, from: VersionRef, to: VersionRef): { from: number; to: number; lines: DiffLine[] } {
    const row = this.promptRow(id);
    const a = this.at(row, from).version;
    const b = this.at(row, to).version;
    return { from: a.version, to: b.version, lines: diffLines(versionText(a.messages, a.params), versionText(b.messages, b.params)) };
  }

  /** Makes an old version's content the latest, as a new version ("Restored from vN"); none when it already is. */
  restore(id: string, version: number): SavedVersion {
    return this.write(() => {
      const row = this.promptRow(id);
      const old = this.at(row, version).version;
      return this.addVersion(row.id, old.messages, old.params, `Restored from v${old.version}`, this.clock.now());
    });
  }

  /** Points a label at a version (moving it if it pointed elsewhere), or removes it with version null. */
  label(id: string, label: string, version: number | null): Prompt {
    if (!/^[a-z][a-z0-9_-]{0,39}$/.test(label)) {
      throw new OrreryError('invalid_input', `"${label}" is not a label: use lower-case letters, digits, _ and -, starting with a letter, such as prod.`);
    }
    return this.write(() => {
      const row = this.promptRow(id);
      if (version === null) {
        this.db.prepare('DELETE FROM prompt_labels WHERE prompt_id = ? AND label = ?').run(row.id, label);
      } else {
        this.at(row, version);
        this.db
          .prepare('INSERT INTO prompt_labels (prompt_id, label, version) VALUES (?, ?, ?) ON CONFLICT (prompt_id, label) DO UPDATE SET version = excluded.version')
          .run(row.id, label, version);
      }
      this.db.prepare('UPDATE prompts SET updated_at = ? WHERE id = ?').run(this.clock.now(), row.id);
      return this.toPrompt(this.promptRow(row.id), this.labelsOf(row.id));
    });
  }

  /** Deletes a prompt with its versions and labels; its calls stay in the history. */
  delete(id: string): void {
    this.write(() => {
      const row = this.promptRow(id);
      this.db.prepare('DELETE FROM prompt_labels WHERE prompt_id = ?').run(row.id);
      this.db.prepare('DELETE FROM prompt_versions WHERE prompt_id = ?').run(row.id);
      this.db.prepare('DELETE FROM prompts WHERE id = ?').run(row.id);
    });
  }

  /** A prompt by id or by name, at a version number or label (latest when none). */
  resolve(nameOrId: string, ref?: VersionRef): { prompt: Prompt; version: PromptVersion } {
    const row =
      (this.db.prepare(`SELECT ${promptColumns} FROM prompts p WHERE p.id = ?`).get(nameOrId) as PromptRow | undefined) ??
      (this.db.prepare(`SELECT ${promptColumns} FROM prompts p WHERE p.name = ?`).get(nameOrId.trim()) as PromptRow | undefined);
    if (!row) throw new OrreryError('not_found', `No prompt has the id or name "${nameOrId}". Save it in the prompt studio first, or check the name (prompt.list shows them).`);
    return this.at(row, ref);
  }

  // Parts ------------------------------------------------------------------------------------------------

  private write<T>(work: () => T): T {
    try {
      return this.db.transaction(work).immediate();
    } catch (error) {
      // Another connection took the name between our check and the insert.
      if (isUniqueViolation(error)) throw new OrreryError('already_exists', 'A prompt with that name was just saved elsewhere: choose another name.', { cause: error });
      throw error;
    }
  }

  /** Inserts version latest+1 unless the content equals the latest; runs inside a transaction. */
  private addVersion(id: string, messages: readonly PromptMessage[], params: SamplingParams, note: string | null, now: number): SavedVersion {
    const hash = promptHash(messages, params);
    const latest = this.db.prepare('SELECT * FROM prompt_versions WHERE prompt_id = ? ORDER BY version DESC LIMIT 1').get(id) as VersionRow | undefined;
    let created = false;
    if (!latest || latest.hash !== hash) {
      const version = (latest?.version ?? 0) + 1;
      this.db
        .prepare('INSERT INTO prompt_versions (prompt_id, version, messages, params, note, hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(id, version, canonicalJson(plainMessages(messages)), canonicalJson(params), note, hash, now);
      this.db.prepare('UPDATE prompts SET updated_at = ? WHERE id = ?').run(now, id);
      created = true;
    }
    const { prompt, version } = this.at(this.promptRow(id), undefined);
    return { prompt, version, created };
  }

  private promptRow(id: string): PromptRow {
    const row = this.db.prepare(`SELECT ${promptColumns} FROM prompts p WHERE p.id = ?`).get(id) as PromptRow | undefined;
    if (!row) throw new OrreryError('not_found', `No prompt with id ${id}: it may have been deleted. prompt.list shows the saved prompts.`);
    return row;
  }

  /** The version a ref names; a missing one is not_found saying which versions and labels exist. */
  private at(row: PromptRow, ref: VersionRef | undefined): { prompt: Prompt; version: PromptVersion } {
    const labels = this.labelsOf(row.id);
    const prompt = this.toPrompt(row, labels);
    let number: number | undefined;
    if (ref === undefined || (ref === 'latest' && labels.latest === undefined)) number = row.latest ?? undefined;
    else if (typeof ref === 'number') number = ref;
    else if (/^\d+$/.test(ref)) number = Number(ref);
    else {
      number = labels[ref];
      if (number === undefined) {
        const known = Object.entries(labels).map(([label, version]) => `${label} (v${version})`);
        throw new OrreryError(
          'not_found',
          `Prompt "${row.name}" has no label "${ref}"; ${known.length ? `its labels are ${known.join(', ')}` : 'it has no labels yet'}. Use a version number (1–${row.latest ?? 0}) or label one first.`,
        );
      }
    }
    const version = number === undefined ? undefined : (this.db.prepare('SELECT * FROM prompt_versions WHERE prompt_id = ? AND version = ?').get(row.id, number) as VersionRow | undefined);
    if (!version) {
      throw new OrreryError('not_found', `Prompt "${row.name}" has no version ${number ?? '(none saved)'}; its versions are ${row.latest ? `1–${row.latest}` : 'none yet'}.`);
    }
    return { prompt, version: this.toVersion(version, labels) };
  }

  private labelsOf(id: string): Record<string, number> {
    const rows = this.db.prepare('SELECT label, version FROM prompt_labels WHERE prompt_id = ? ORDER BY label').all(id) as { label: string; version: number }[];
    return Object.fromEntries(rows.map((row) => [row.label, row.version]));
  }

  private toPrompt(row: PromptRow, labels: Record<string, number>): Prompt {
    return { id: row.id, name: row.name, latestVersion: row.latest ?? 0, labels, createdAt: row.created_at, updatedAt: row.updated_at };
  }

  private toVersion(row: VersionRow, labels: Record<string, number>): PromptVersion {
    const messages = JSON.parse(row.messages) as PromptMessage[];
    return {
      promptId: row.prompt_id,
      version: row.version,
      messages,
      params: JSON.parse(row.params) as SamplingParams,
      variables: templateVariables(messages),
      note: row.note,
      hash: row.hash,
      labels: Object.keys(labels).filter((label) => labels[label] === row.version),
      createdAt: row.created_at,
    };
  }

  private nameTaken(name: string, id: string): OrreryError {
    return new OrreryError('already_exists', `A prompt named "${name}" already exists (${id}). Open it to save a new version, or choose another name.`);
  }
}
