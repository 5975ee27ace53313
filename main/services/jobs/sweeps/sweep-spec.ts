import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { OrreryError } from '../../../../app/contract/errors';
import { jobBackends, type JobBackendName, type JobResourcesInput } from '../../../../app/contract/jobs';

/** One parameter of a sweep: a grid of values, or a random draw (uniform, log-uniform, or a choice). */
export type ParamSpec =
  | { readonly kind: 'grid'; readonly values: readonly unknown[] }
  | { readonly kind: 'range'; readonly min: number; readonly max: number; readonly log: boolean; readonly int: boolean }
  | { readonly kind: 'choice'; readonly values: readonly unknown[] };

/** A checked sweep spec. */
export interface SweepSpec {
  readonly name: string | null;
  readonly script: string;
  readonly args: readonly string[];
  readonly params: Readonly<Record<string, ParamSpec>>;
  /** Random draws per grid point (required when a param is random). */
  readonly trials: number | null;
  readonly seed: number;
  readonly metric: string | null;
  readonly goal: 'minimize' | 'maximize' | null;
  readonly backend: JobBackendName | null;
  readonly cluster: string | null;
  readonly resources: JobResourcesInput;
  /** How a trial gets its params: ORRERY_PARAMS (JSON) always; `args` also appends `--name value`. */
  readonly passParams: 'env' | 'args';
}

/** The most trials one sweep may make. */
export const maxTrials = 10_000;

const topKeys = ['name', 'script', 'args', 'params', 'trials', 'seed', 'metric', 'goal', 'backend', 'cluster', 'resources', 'pass_params'] as const;
const resourceKeys = ['cpus', 'memoryMb', 'gpus', 'timeLimitMinutes', 'partition'] as const;

/** Parses and checks a sweep spec; every error names the line and column of the offending part of the YAML. */
export function parseSweepSpec(text: string): SweepSpec {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const first = doc.errors[0];
  if (first) {
    const at = first.linePos?.[0];
    const what = first.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw specError(at ? `line ${at.line}, column ${at.col}` : 'the YAML', `${what}.`);
  }
  const where = (node: unknown) => positionOf(node, lines);
  const root = doc.contents;
  if (!isMap(root)) throw specError(where(root) ?? 'line 1, column 1', 'a sweep spec is a mapping with at least `script:` and `params:`.');
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!(topKeys as readonly string[]).includes(key)) throw specError(where(pair.key), `unknown key "${key}"${suggest(key, topKeys)}; the keys are ${topKeys.join(', ')}.`);
  }
  const reader = new SpecReader(doc, where);
  const params = reader.params();
  const random = Object.values(params).some((param) => param.kind !== 'grid');
  const trials = reader.optionalInt('trials', 1, maxTrials);
  if (random && trials === null) throw specError(where(root.get('params', true)), 'random params (min/max or values:) need `trials: N`, the number of draws.');
  return {
    name: reader.optionalString('name'),
    script: reader.requiredString('script'),
    args: reader.stringList('args'),
    params,
    trials: random ? trials : null,
    seed: reader.optionalInt('seed', 0, 2 ** 31 - 1) ?? 0,
    metric: reader.optionalString('metric'),
    goal: reader.oneOf('goal', ['minimize', 'maximize'] as const),
    backend: reader.oneOf('backend', jobBackends),
    cluster: reader.optionalString('cluster'),
    resources: reader.resources(),
    passParams: reader.oneOf('pass_params', ['env', 'args'] as const) ?? 'env',
  };
}

/** Reads the fields of the root mapping, each error at its node. */
class SpecReader {
  constructor(
    private readonly doc: Document,
    private readonly where: (node: unknown) => string | null,
  ) {}

  requiredString(key: string): string {
    const value = this.optionalString(key);
    if (value === null) throw specError('line 1, column 1', `\`${key}:\` is missing.`);
    return value;
  }

  optionalString(key: string): string | null {
    const node = this.doc.get(key, true);
    if (node === undefined || node === null) return null;
    if (!isScalar(node) || (typeof node.value !== 'string' && typeof node.value !== 'number') || String(node.value).trim() === '') {
      throw specError(this.where(node), `\`${key}\` is a non-empty text.`);
    }
    return String(node.value);
  }

  optionalInt(key: string, min: number, max: number, node: unknown = this.doc.get(key, true)): number | null {
    if (node === undefined || node === null) return null;
    const value = isScalar(node) ? node.value : undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw specError(this.where(node), `\`${key}\` is a whole number from ${min} to ${max}.`);
    }
    return value;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[]): T | null {
    const value = this.optionalString(key);
    if (value === null) return null;
    if (!(allowed as readonly string[]).includes(value)) throw specError(this.where(this.doc.get(key, true)), `\`${key}\` is one of ${allowed.join(', ')}; got "${value}"${suggest(value, allowed)}.`);
    return value as T;
  }

  stringList(key: string): string[] {
    const node = this.doc.get(key, true);
    if (node === undefined || node === null) return [];
    if (!isSeq(node)) throw specError(this.where(node), `\`${key}\` is a list, such as [--epochs, "3"].`);
    return node.items.map((item) => {
      if (!isScalar(item) || item.value === null || typeof item.value === 'object') throw specError(this.where(item), `each of \`${key}\` is a text or a number.`);
      return String(item.value);
    });
  }

  params(): Record<string, ParamSpec> {
    const node = this.doc.get('params', true);
    if (!isMap(node) || node.items.length === 0) throw specError(this.where(node) ?? 'line 1, column 1', '`params:` maps each parameter to a list (grid) or {min, max} / {values} (random).');
    const out: Record<string, ParamSpec> = {};
    for (const pair of node.items) {
      const name = isScalar(pair.key) ? String(pair.key.value) : '';
      if (!/^[A-Za-z_][A-Za-z0-9_.-]{0,99}$/.test(name)) throw specError(this.where(pair.key), `"${name}" is not a parameter name (letters, digits, _ . -).`);
      out[name] = this.param(name, pair.value);
    }
    return out;
  }

  private param(name: string, node: unknown): ParamSpec {
    if (isSeq(node)) {
      if (node.items.length === 0) throw specError(this.where(node), `params.${name}: a grid needs at least one value.`);
      return { kind: 'grid', values: node.items.map((item) => (isScalar(item) ? item.value : (item as Node).toJSON())) };
    }
    if (!isMap(node)) throw specError(this.where(node), `params.${name} is a list of values (grid), {min, max[, log, int]} or {values: [...]} (random).`);
    const keys = node.items.map((pair) => (isScalar(pair.key) ? String(pair.key.value) : ''));
    for (const [index, key] of keys.entries()) {
      if (!['min', 'max', 'log', 'int', 'values'].includes(key)) throw specError(this.where(node.items[index]!.key), `params.${name}: unknown key "${key}"${suggest(key, ['min', 'max', 'log', 'int', 'values'])}.`);
    }
    const values = node.get('values', true);
    if (values !== undefined) {
      if (!isSeq(values) || values.items.length === 0) throw specError(this.where(values), `params.${name}.values is a non-empty list.`);
      return { kind: 'choice', values: values.items.map((item) => (isScalar(item) ? item.value : (item as Node).toJSON())) };
    }
    const number = (key: string) => {
      const item = node.get(key, true);
      const value = isScalar(item) ? item.value : undefined;
      if (typeof value !== 'number' || !Number.isFinite(value)) throw specError(this.where(item ?? node), `params.${name}.${key} is a number.`);
      return value;
    };
    const flag = (key: string) => {
      const item = node.get(key, true);
      if (item === undefined) return false;
      if (!isScalar(item) || typeof item.value !== 'boolean') throw specError(this.where(item), `params.${name}.${key} is true or false.`);
      return item.value;
    };
    const min = number('min');
    const max = number('max');
    const log = flag('log');
    if (!(min < max)) throw specError(this.where(node), `params.${name}: min (${min}) must be below max (${max}).`);
    if (log && min <= 0) throw specError(this.where(node), `params.${name}: a log range needs min > 0 (got ${min}).`);
    return { kind: 'range', min, max, log, int: flag('int') };
  }

  resources(): JobResourcesInput {
    const node = this.doc.get('resources', true);
    if (node === undefined || node === null) return {};
    if (!isMap(node)) throw specError(this.where(node), '`resources` maps cpus, memoryMb, gpus, timeLimitMinutes, partition.');
    const out: Record<string, number | string> = {};
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (!(resourceKeys as readonly string[]).includes(key)) throw specError(this.where(pair.key), `unknown resource "${key}"${suggest(key, resourceKeys)}; they are ${resourceKeys.join(', ')}.`);
      if (key === 'partition') {
        const value = isScalar(pair.value) ? pair.value.value : undefined;
        if (typeof value !== 'string' || !/^[A-Za-z0-9_.,-]+$/.test(value)) throw specError(this.where(pair.value), 'resources.partition is a partition name.');
        out[key] = value;
      } else {
        out[key] = this.optionalInt(`resources.${key}`, key === 'gpus' ? 0 : 1, 64 * 1024 * 1024, pair.value)!;
      }
    }
    return out as JobResourcesInput;
  }
}

/** `line L, column C` of a node, or null for a node without a position. */
function positionOf(node: unknown, lines: LineCounter): string | null {
  const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
  if (!range) return null;
  const pos = lines.linePos(range[0]);
  return `line ${pos.line}, column ${pos.col}`;
}

function specError(where: string | null, message: string): OrreryError {
  return new OrreryError('invalid_input', `Sweep spec, ${where ?? 'somewhere'}: ${message}`);
}

/** ` (did you mean "params"?)` for a key one or two edits from a known one. */
function suggest(word: string, known: readonly string[]): string {
  const ranked = known.map((candidate) => ({ candidate, distance: editDistance(word.toLowerCase(), candidate.toLowerCase()) })).sort((a, b) => a.distance - b.distance);
  const best = ranked[0];
  return best && best.distance <= 2 ? ` (did you mean "${best.candidate}"?)` : '';
}

/** Edits between two words, a swap of neighbours counting as one (optimal string alignment), as typos go. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}
