import { OrreryError } from '../../../app/contract';

/**
 * The run filter language of `runs.list`:
 *   params.lr > 0.01 and metrics.loss < 0.5 and tags ~ "baseline" and status = finished
 * Fields: `params.<name>`, `metrics.<key>` (its last value), `tags`, `status`, `name`, `id`, `source`, `job`,
 * `created` (ms since the epoch). Operators: = != < <= > >= and ~ (contains, case-insensitive) !~. Values:
 * numbers, "quoted strings" (\" and \\ escapes) or bare words; combine with and, or, not and parentheses.
 * Parsed to a tree, compiled to SQL with every value a bound parameter.
 */
export type QueryNode =
  | { readonly kind: 'and' | 'or'; readonly left: QueryNode; readonly right: QueryNode }
  | { readonly kind: 'not'; readonly operand: QueryNode }
  | { readonly kind: 'compare'; readonly field: QueryField; readonly op: CompareOp; readonly value: string | number; readonly at: number };

/** A field a filter can name. */
export type QueryField =
  | { readonly kind: 'params' | 'metrics'; readonly name: string }
  | { readonly kind: 'tags' | 'status' | 'name' | 'id' | 'source' | 'job' | 'created' };

/** Comparison operators. */
export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=' | '~' | '!~';

interface Token {
  readonly type: 'word' | 'string' | 'number' | 'op' | '(' | ')' | 'end';
  readonly text: string;
  readonly at: number;
}

function invalid(at: number, message: string): OrreryError {
  return new OrreryError('invalid_input', `Query error at position ${at + 1}: ${message}`);
}

const operators = ['<=', '>=', '!=', '!~', '=', '<', '>', '~'] as const;

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')') {
      tokens.push({ type: c, text: c, at: i++ });
      continue;
    }
    const op = operators.find((o) => source.startsWith(o, i));
    if (op) {
      tokens.push({ type: 'op', text: op, at: i });
      i += op.length;
      continue;
    }
    if (c === '"' || c === "'") {
      const start = i++;
      let text = '';
      while (i < source.length && source[i] !== c) {
        if (source[i] === '\\' && i + 1 < source.length) i++;
        text += source[i++];
      }
      if (i >= source.length) throw invalid(start, 'the string is not closed; end it with a matching quote.');
      i++;
      tokens.push({ type: 'string', text, at: start });
      continue;
    }
    const number = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?(?![\w./-])/i.exec(source.slice(i));
    if (number) {
      tokens.push({ type: 'number', text: number[0], at: i });
      i += number[0].length;
      continue;
    }
    const word = /^[\w./-]+/.exec(source.slice(i));
    if (!word) throw invalid(i, `unexpected character "${c}".`);
    tokens.push({ type: 'word', text: word[0], at: i });
    i += word[0].length;
  }
  tokens.push({ type: 'end', text: '', at: source.length });
  return tokens;
}

const plainFields = new Set(['tags', 'status', 'name', 'id', 'source', 'job', 'created']);

function parseField(token: Token): QueryField {
  if (token.type !== 'word') throw invalid(token.at, `expected a field (params.NAME, metrics.KEY, tags, status, name, id, source, job, created), found "${token.text || 'the end'}".`);
  const dot = token.text.indexOf('.');
  if (dot > 0) {
    const head = token.text.slice(0, dot);
    const name = token.text.slice(dot + 1);
    if ((head === 'params' || head === 'metrics') && name.length > 0) return { kind: head, name };
  }
  if (plainFields.has(token.text)) return { kind: token.text as 'tags' };
  throw invalid(token.at, `unknown field "${token.text}"; use params.NAME, metrics.KEY, tags, status, name, id, source, job or created.`);
}

/** Parses a filter; throws `invalid_input` naming the position of the first error. */
export function parseRunQuery(source: string): QueryNode {
  const tokens = tokenize(source);
  let pos = 0;
  const peek = () => tokens[pos]!;
  const isWord = (word: string) => peek().type === 'word' && peek().text.toLowerCase() === word;

  const primary = (): QueryNode => {
    if (isWord('not')) {
      pos++;
      return { kind: 'not', operand: primary() };
    }
    if (peek().type === '(') {
      pos++;
      const inner = or();
      if (peek().type !== ')') throw invalid(peek().at, 'expected ")".');
      pos++;
      return inner;
    }
    const fieldToken = tokens[pos++]!;
    const field = parseField(fieldToken);
    const opToken = tokens[pos++]!;
    if (opToken.type !== 'op') throw invalid(opToken.at, `expected an operator (= != < <= > >= ~ !~) after ${fieldToken.text}.`);
    const valueToken = tokens[pos++]!;
    if (valueToken.type !== 'number' && valueToken.type !== 'string' && valueToken.type !== 'word') {
      throw invalid(valueToken.at, `expected a value after ${opToken.text}.`);
    }
    const value = valueToken.type === 'number' ? Number(valueToken.text) : valueToken.text;
    return { kind: 'compare', field, op: opToken.text as CompareOp, value, at: fieldToken.at };
  };
  const and = (): QueryNode => {
    let left = primary();
    while (isWord('and')) {
      pos++;
      left = { kind: 'and', left, right: primary() };
    }
    return left;
  };
  const or = (): QueryNode => {
    let left = and();
    while (isWord('or')) {
      pos++;
      left = { kind: 'or', left, right: and() };
    }
    return left;
  };

  if (peek().type === 'end') throw invalid(0, 'the query is empty.');
  const tree = or();
  if (peek().type !== 'end') throw invalid(peek().at, `unexpected "${peek().text}"; join conditions with and / or.`);
  return tree;
}

/** A compiled filter: a WHERE expression over `runs` (aliased `r`) and its bound values. */
export interface CompiledQuery {
  readonly sql: string;
  readonly params: (string | number)[];
}

const sqlOps: Record<Exclude<CompareOp, '~' | '!~'>, string> = { '=': '=', '!=': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

/** A LIKE pattern matching `text` anywhere, with LIKE's wildcards escaped. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
}

/** The JSON path of a top-level key, quoted so dots and spaces in names are taken literally. */
export function jsonKeyPath(name: string): string {
  return `$."${name.replace(/["\\]/g, (m) => `\\${m}`)}"`;
}

/** SQL expression of a field (over runs `r`), with its bound values. */
export function fieldSql(field: QueryField): CompiledQuery {
  switch (field.kind) {
    case 'params':
      return { sql: 'json_extract(r.params, ?)', params: [jsonKeyPath(field.name)] };
    case 'metrics':
      return { sql: '(SELECT mk.last_value FROM metric_keys mk WHERE mk.run_id = r.id AND mk.key = ?)', params: [field.name] };
    case 'tags':
      return { sql: 'r.tags', params: [] };
    case 'status':
      return { sql: 'r.status', params: [] };
    case 'name':
      return { sql: 'r.name', params: [] };
    case 'id':
      return { sql: 'r.id', params: [] };
    case 'source':
      return { sql: 'r.source', params: [] };
    case 'job':
      return { sql: 'r.job_id', params: [] };
    case 'created':
      return { sql: 'r.created_at', params: [] };
  }
}

function compileCompare(node: Extract<QueryNode, { kind: 'compare' }>): CompiledQuery {
  const { field, op, value } = node;
  if (field.kind === 'tags') {
    if (op === '~' || op === '!~') {
      const sql = "EXISTS (SELECT 1 FROM json_each(r.tags) t WHERE t.value LIKE ? ESCAPE '\\')";
      return { sql: op === '~' ? sql : `NOT ${sql}`, params: [containsPattern(String(value))] };
    }
    if (op === '=' || op === '!=') {
      const sql = 'EXISTS (SELECT 1 FROM json_each(r.tags) t WHERE t.value = ?)';
      return { sql: op === '=' ? sql : `NOT ${sql}`, params: [String(value)] };
    }
    throw invalid(node.at, `tags only take = != ~ !~ (a tag is text), not ${op}.`);
  }
  const target = fieldSql(field);
  if (op === '~' || op === '!~') {
    return { sql: `coalesce(CAST(${target.sql} AS TEXT), '') ${op === '~' ? '' : 'NOT '}LIKE ? ESCAPE '\\'`, params: [...target.params, containsPattern(String(value))] };
  }
  return { sql: `${target.sql} ${sqlOps[op]} ?`, params: [...target.params, value] };
}

/** Compiles a parsed filter to a WHERE expression with bound parameters (never pasted values). */
export function compileRunQuery(node: QueryNode): CompiledQuery {
  switch (node.kind) {
    case 'and':
    case 'or': {
      const left = compileRunQuery(node.left);
      const right = compileRunQuery(node.right);
      return { sql: `(${left.sql} ${node.kind.toUpperCase()} ${right.sql})`, params: [...left.params, ...right.params] };
    }
    case 'not': {
      const inner = compileRunQuery(node.operand);
      return { sql: `NOT (${inner.sql})`, params: inner.params };
    }
    case 'compare':
      return compileCompare(node);
  }
}
