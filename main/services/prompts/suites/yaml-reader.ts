import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Pair, type YAMLError } from 'yaml';

/** A place in the suite's text, 1-based as editors count. */
export interface SourcePos {
  readonly line: number;
  readonly col: number;
}

/** A mapping's entries by key, each with the key's and the value's node. */
export interface MapEntry {
  readonly key: string;
  readonly keyNode: Node | null;
  readonly value: Node | null;
}

/** Hints for YAML syntax errors, by the yaml package's error code. */
const syntaxHints: Readonly<Record<string, string>> = {
  BAD_INDENT: 'indent this line like the other entries of its list or mapping (spaces only)',
  TAB_AS_INDENT: 'indent with spaces; YAML does not allow tabs there',
  DUPLICATE_KEY: 'keep one of the two entries with this key',
  MISSING_CHAR: 'close the bracket or quote that was opened before',
  MULTILINE_IMPLICIT_KEY: 'a key must fit on one line; check the indentation of the line above, or quote a value that contains ": "',
  BLOCK_AS_IMPLICIT_KEY: 'put a value containing ": " in quotes, or start the nested mapping on its own line',
  UNEXPECTED_TOKEN: 'quote the value if it contains characters such as : # [ ] { } at its start',
  BAD_SCALAR_START: 'quote the value (values starting with @, ` or % must be quoted)',
  MISSING_ANCHOR: 'define the anchor (&name) before using it as *name',
};

/** Edit distance counting a swap of two neighbours as one edit (typos such as modle), for "did you mean" hints. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

/** The closest of `candidates` to `word` (case-insensitive), when close enough to be a typo. */
export function closest(word: string, candidates: readonly string[]): string | null {
  const lower = word.toLowerCase();
  let best: { name: string; distance: number } | null = null;
  for (const name of candidates) {
    const distance = editDistance(lower, name.toLowerCase());
    if (!best || distance < best.distance) best = { name, distance };
  }
  if (!best) return null;
  const allowed = Math.max(1, Math.min(3, Math.floor(best.name.length / 3)));
  return best.distance <= allowed ? best.name : null;
}

/** ` Did you mean x?` or nothing. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const hit = closest(word, candidates);
  return hit ? ` Did you mean ${hit}?` : '';
}

/**
 * Reads a YAML document while keeping every node's position, so each complaint says `file:line:column` and
 * what to write instead. Complaints are collected (parsing goes on) and thrown together by the caller.
 */
export class YamlReader {
  readonly errors: string[] = [];
  readonly document: Document.Parsed;
  private readonly lines = new LineCounter();

  constructor(
    text: string,
    readonly file: string,
  ) {
    this.document = parseDocument(text, { lineCounter: this.lines, merge: true, prettyErrors: true, uniqueKeys: true });
    for (const error of this.document.errors) this.syntaxError(error);
  }

  /** The root node (null for an empty document). */
  root(): Node | null {
    return this.resolve(this.document.contents as Node | null);
  }

  posOf(node: Node | null | undefined): SourcePos {
    const offset = node?.range?.[0] ?? 0;
    return this.lines.linePos(offset);
  }

  where(pos: SourcePos): string {
    return `${this.file}:${pos.line}:${pos.col}`;
  }

  /** Records a complaint at a node (or a position). */
  fail(at: Node | SourcePos | null | undefined, message: string): void {
    const pos = at && 'line' in at && 'col' in at ? at : this.posOf(at as Node | null | undefined);
    this.errors.push(`${this.where(pos)}: ${message}`);
  }

  /** Follows an alias (*name) to the node it names. */
  resolve(node: Node | null | undefined): Node | null {
    if (!node) return null;
    if (isAlias(node)) return (node.resolve(this.document) as Node | undefined) ?? null;
    return node;
  }

  isMapping(node: Node | null): boolean {
    return isMap(node);
  }

  isList(node: Node | null): boolean {
    return isSeq(node);
  }

  /** The entries of a mapping (merge keys `<<: *base` expanded, explicit keys winning), or null after a complaint. */
  mapping(node: Node | null, what: string, hint: string): MapEntry[] | null {
    if (!isMap(node)) {
      this.fail(node, `${what} must be a mapping (key: value lines); ${hint}.`);
      return null;
    }
    const entries: MapEntry[] = [];
    const merged: MapEntry[] = [];
    for (const item of node.items as Pair<Node | null, Node | null>[]) {
      if (!isPair(item)) continue;
      const keyNode = item.key;
      if (isScalar(keyNode) && typeof keyNode.value === 'symbol') {
        for (const source of this.mergeSources(item.value)) merged.push(...(this.mapping(source, 'A merged anchor', 'merge a mapping') ?? []));
        continue;
      }
      const key = isScalar(keyNode) ? String(keyNode.value) : null;
      if (key === null) {
        this.fail(keyNode, `${what} has a key that is not plain text; write keys as words such as vars:.`);
        continue;
      }
      entries.push({ key, keyNode, value: this.resolve(item.value) });
    }
    const own = new Set(entries.map((entry) => entry.key));
    return [...merged.filter((entry) => !own.has(entry.key)), ...entries];
  }

  /** Complains about each key not in `allowed` (keys starting with x- are the user's own, e.g. for anchors), with a "did you mean" and any special hint. */
  checkKeys(entries: readonly MapEntry[], allowed: readonly string[], what: string, hints: Readonly<Record<string, string>> = {}): void {
    for (const entry of entries) {
      if (allowed.includes(entry.key) || entry.key.startsWith('x-')) continue;
      const hint = hints[entry.key];
      const suggestion = hint ? ` ${hint}` : didYouMean(entry.key, allowed) || ` Allowed keys: ${allowed.join(', ')}.`;
      this.fail(entry.keyNode, `unknown key "${entry.key}" in ${what}.${suggestion}`);
    }
  }

  /** The items of a list (a single value is not accepted), or null after a complaint. */
  list(node: Node | null, what: string, hint: string): (Node | null)[] | null {
    if (!isSeq(node)) {
      this.fail(node, `${what} must be a list (lines starting with "- "); ${hint}.`);
      return null;
    }
    return (node.items as (Node | null)[]).map((item) => this.resolve(item));
  }

  /** A scalar's value as text (numbers and booleans written as YAML writes them), or null after a complaint. */
  text(node: Node | null, what: string, hint: string): string | null {
    if (isScalar(node) && node.value !== null && typeof node.value !== 'object') {
      return typeof node.value === 'string' ? node.value : (node.source ?? String(node.value));
    }
    this.fail(node, `${what} must be text; ${hint}.`);
    return null;
  }

  /** A finite number, or null after a complaint. */
  number(node: Node | null, what: string, hint: string): number | null {
    if (isScalar(node) && typeof node.value === 'number' && Number.isFinite(node.value)) return node.value;
    this.fail(node, `${what} must be a number; ${hint}.`);
    return null;
  }

  /** The plain JavaScript value of a node (for schemas and parameters). */
  plain(node: Node | null): unknown {
    if (!node) return null;
    return node.toJS(this.document, { maxAliasCount: 1000 }) as unknown;
  }

  /** A scalar node holds null / nothing (`key:` with no value). */
  isEmpty(node: Node | null): boolean {
    return node === null || (isScalar(node) && node.value === null);
  }

  private mergeSources(value: Node | null): Node[] {
    if (isSeq(value)) return (value.items as Node[]).map((item) => this.resolve(item)).filter((item): item is Node => item !== null);
    const single = this.resolve(value);
    return single ? [single] : [];
  }

  private syntaxError(error: YAMLError): void {
    const pos = error.linePos?.[0] ?? this.lines.linePos(error.pos[0]);
    const message = error.message.replace(/ at line \d+, column \d+:[\s\S]*$/, '').trim();
    const hint = syntaxHints[error.code] ?? 'check the indentation, quotes and brackets on this line';
    this.errors.push(`${this.where(pos)}: YAML syntax error: ${message}; ${hint}.`);
  }
}
