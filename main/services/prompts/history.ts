import { OrreryError } from '../../../app/contract/errors';
import type { LlmCall, LlmCallSummary, PromptMessage, UsageTotal } from '../../../app/contract/prompts';
import type { Db } from '../store/open-database';
import type { SamplingParams } from './providers/types';

export interface HistoryQuery {
  readonly query?: string | undefined;
  readonly promptId?: string | undefined;
  readonly suiteRunId?: string | undefined;
  readonly limit: number;
  readonly before?: number | undefined;
}

/** Characters kept of the last user message and of the output in a history row. */
export const previewChars = 200;

/** What a search matches against: the model, every message, the output and the error, one text per call. */
export function searchBody(call: Pick<LlmCall, 'model' | 'messages' | 'output' | 'error'>): string {
  const parts = [call.model, ...call.messages.map((message) => `${message.role}: ${message.content}`), call.output];
  if (call.error) parts.push(call.error);
  return parts.join('\n');
}

/**
 * A user's search text as an FTS5 string literal: one phrase, double quotes doubled, so quotes, `*`, `-`,
 * parentheses and words like OR or NEAR are searched for as written. With the trigram tokenizer a phrase
 * matches anywhere inside the text, in any case.
 */
export function ftsPhrase(query: string): string {
  return `"${query.replaceAll('"', '""')}"`;
}

/** A LIKE pattern matching `query` anywhere, with %, _ and the escape character taken literally. */
export function likePattern(query: string): string {
  return `%${query.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

const insertSql = `INSERT INTO llm_calls (id, run_id, suite_run_id, prompt_id, prompt_version, provider_id, provider_name, provider_kind,
  model, messages, variables, params, output, tool_calls, finish_reason, status, error, warnings, input_tokens, output_tokens,
  usage_estimated, cost_usd, first_token_ms, latency_ms, attempts, started_at)
  VALUES (@id, @runId, @suiteRunId, @promptId, @promptVersion, @providerId, @providerName, @providerKind, @model, @messages,
  @variables, @params, @output, @toolCalls, @finishReason, @status, @error, @warnings, @inputTokens, @outputTokens,
  @usageEstimated, @costUsd, @firstTokenMs, @latencyMs, @attempts, @startedAt)`;

/** The columns of a history row; the previews are cut in SQL so long messages and outputs are never read whole. */
const summaryColumns = `c.id, c.run_id, c.suite_run_id, c.prompt_id, c.prompt_version, c.provider_id, c.provider_name, c.provider_kind,
  c.model, c.finish_reason, c.status, c.error, c.warnings, c.input_tokens, c.output_tokens, c.usage_estimated, c.cost_usd,
  c.first_token_ms, c.latency_ms, c.attempts, c.started_at,
  substr(c.output, 1, ${previewChars}) AS output_preview,
  coalesce((SELECT substr(json_extract(m.value, '$.content'), 1, ${previewChars}) FROM json_each(c.messages) m
    WHERE json_extract(m.value, '$.role') = 'user' ORDER BY m.key DESC LIMIT 1), '') AS input_preview`;

interface SummaryRow {
  id: string;
  run_id: string;
  suite_run_id: string | null;
  prompt_id: string | null;
  prompt_version: number | null;
  provider_id: string;
  provider_name: string;
  provider_kind: LlmCall['providerKind'];
  model: string;
  finish_reason: string | null;
  status: LlmCall['status'];
  error: string | null;
  warnings: string;
  input_tokens: number | null;
  output_tokens: number | null;
  usage_estimated: number;
  cost_usd: number | null;
  first_token_ms: number | null;
  latency_ms: number;
  attempts: number;
  started_at: number;
}

interface CallRow extends SummaryRow {
  messages: string;
  variables: string;
  params: string;
  output: string;
  tool_calls: string | null;
}

interface TotalRow {
  key: string;
  label: string;
  calls: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  unpriced: number;
  estimated: number;
}

/** The SQL of each usage grouping: the key, its label, and the order rows come in. */
const groupings: Record<'prompt' | 'suite' | 'day' | 'model', { key: string; label: string; join: string; order: string }> = {
  prompt: {
    key: `coalesce(c.prompt_id, '(playground)')`,
    label: `CASE WHEN c.prompt_id IS NULL THEN '(playground)' ELSE coalesce(p.name, '(deleted prompt ' || c.prompt_id || ')') END`,
    join: 'LEFT JOIN prompts p ON p.id = c.prompt_id',
    order: 'cost_usd DESC, calls DESC, label',
  },
  suite: {
    key: `coalesce(c.suite_run_id, '(playground)')`,
    label: `CASE WHEN c.suite_run_id IS NULL THEN '(playground)' WHEN s.id IS NULL THEN '(deleted suite run ' || c.suite_run_id || ')'
      ELSE s.suite_name || ' · ' || strftime('%Y-%m-%d %H:%M', s.started_at / 1000, 'unixepoch') || ' UTC' END`,
    join: 'LEFT JOIN suite_runs s ON s.id = c.suite_run_id',
    order: 'newest DESC',
  },
  day: {
    key: `strftime('%Y-%m-%d', c.started_at / 1000, 'unixepoch')`,
    label: `strftime('%Y-%m-%d', c.started_at / 1000, 'unixepoch')`,
    join: '',
    order: 'key DESC',
  },
  model: {
    key: `c.provider_id || '/' || c.model`,
    // A bare column beside max(): the provider's name on its newest call, so a renamed provider shows its new name.
    label: `c.provider_name || ' / ' || c.model`,
    join: '',
    order: 'cost_usd DESC, calls DESC, label',
  },
};

/** The project's model calls (llm_calls + llm_calls_fts). */
export class CallHistory {
  constructor(private readonly db: Db) {}

  insert(call: LlmCall): void {
    this.insertMany([call]);
  }

  /** Many calls in one transaction; each is also indexed for search (fts rowid = the call's rowid). */
  insertMany(calls: readonly LlmCall[]): void {
    const insert = this.db.prepare(insertSql);
    const index = this.db.prepare('INSERT INTO llm_calls_fts (rowid, body) VALUES (?, ?)');
    const exists = this.db.prepare('SELECT 1 FROM llm_calls WHERE id = ?').pluck();
    this.db.transaction(() => {
      for (const call of calls) {
        if (exists.get(call.id)) throw new OrreryError('already_exists', `The call ${call.id} is already in the history; each call is kept once.`);
        const { lastInsertRowid } = insert.run(callParams(call));
        index.run(lastInsertRowid, searchBody(call));
      }
    })();
  }

  /** One call, whole. */
  get(id: string): LlmCall {
    const row = this.db.prepare('SELECT * FROM llm_calls WHERE id = ?').get(id) as CallRow | undefined;
    if (!row) throw new OrreryError('not_found', `No call ${id} in this project's history: it may belong to another project. prompt.history lists the calls here.`);
    return toCall(row);
  }

  /**
   * Calls newest first, `limit` at a time; `before` pages on (calls started strictly before it). The query
   * matches the model, messages, output and error: through the trigram index from 3 characters, by a scan below.
   * `total` counts every call matching the query and filters, whatever page `before` picks.
   *
   * The text is searched once; its rowids then filter a walk down the time (or prompt) index, so a word found in
   * most of 100k calls still answers its first page without sorting them, and the previews are cut for that
   * page only.
   */
  search(query: HistoryQuery): { calls: LlmCallSummary[]; total: number } {
    const where: string[] = [];
    const params: (string | number)[] = [];
    const text = query.query?.trim() ?? '';
    let found: number[] | null = null;
    if (text) {
      found = this.textMatches(text);
      if (found.length === 0) return { calls: [], total: 0 };
      // `+` keeps the planner on the ordered index, testing each row against the list, instead of sorting the list.
      where.push('+c.rowid IN (SELECT value FROM json_each(?))');
      params.push(JSON.stringify(found));
    }
    if (query.promptId !== undefined) {
      where.push('c.prompt_id = ?');
      params.push(query.promptId);
    }
    if (query.suiteRunId !== undefined) {
      where.push('c.suite_run_id = ?');
      params.push(query.suiteRunId);
    }
    const total =
      found && where.length === 1 ? found.length : (this.db.prepare(`SELECT count(*) FROM llm_calls c ${whereClause(where)}`).pluck().get(...params) as number);
    const page = query.before === undefined ? where : [...where, 'c.started_at < ?'];
    const pageParams = query.before === undefined ? params : [...params, query.before];
    const rows = this.db
      .prepare(
        `SELECT ${summaryColumns} FROM llm_calls c WHERE c.rowid IN (
          SELECT c.rowid FROM llm_calls c ${whereClause(page)} ORDER BY c.started_at DESC, c.rowid DESC LIMIT ?
        ) ORDER BY c.started_at DESC, c.rowid DESC`,
      )
      .all(...pageParams, Math.max(1, Math.floor(query.limit))) as (SummaryRow & { output_preview: string; input_preview: string })[];
    return { calls: rows.map((row) => ({ ...toSummary(row), outputPreview: row.output_preview, inputPreview: row.input_preview })), total };
  }

  /** Rowids of the calls whose search text holds `text`: an FTS5 trigram phrase from 3 characters, LIKE below. */
  private textMatches(text: string): number[] {
    const statement =
      [...text].length >= 3
        ? this.db.prepare('SELECT rowid FROM llm_calls_fts WHERE llm_calls_fts MATCH ?').pluck()
        : this.db.prepare(`SELECT rowid FROM llm_calls_fts WHERE body LIKE ? ESCAPE '\\'`).pluck();
    return statement.all([...text].length >= 3 ? ftsPhrase(text) : likePattern(text)) as number[];
  }

  /**
   * Token and cost totals per prompt (calls without one: "(playground)"), per suite run (name and start time;
   * calls outside suites: "(playground)"), per UTC day or per provider / model, from `since` (ms) on. Costs
   * add up priced calls only; `unpriced` counts the others, `estimated` the calls whose usage was estimated.
   */
  usage(groupBy: 'prompt' | 'suite' | 'day' | 'model', since?: number): UsageTotal[] {
    const group = groupings[groupBy];
    const rows = this.db
      .prepare(
        `SELECT ${group.key} AS key, ${group.label} AS label, count(*) AS calls, total(c.input_tokens) AS input_tokens,
          total(c.output_tokens) AS output_tokens, total(c.cost_usd) AS cost_usd, sum(c.cost_usd IS NULL) AS unpriced,
          sum(c.usage_estimated) AS estimated, max(c.started_at) AS newest
        FROM llm_calls c ${group.join} WHERE c.started_at >= ?
        GROUP BY 1 ORDER BY ${group.order}`,
      )
      // Always a range on started_at, so the planner reads the covering llm_calls_usage index, not the long rows.
      .all(since ?? Number.MIN_SAFE_INTEGER) as TotalRow[];
    return rows.map((row) => ({
      key: row.key,
      label: row.label,
      calls: row.calls,
      inputTokens: Math.round(row.input_tokens),
      outputTokens: Math.round(row.output_tokens),
      costUsd: row.cost_usd,
      unpriced: row.unpriced,
      estimated: row.estimated,
    }));
  }
}

function whereClause(conditions: readonly string[]): string {
  return conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
}

function callParams(call: LlmCall): Record<string, string | number | null> {
  return {
    id: call.id,
    runId: call.runId,
    suiteRunId: call.suiteRunId,
    promptId: call.promptId,
    promptVersion: call.promptVersion,
    providerId: call.providerId,
    providerName: call.providerName,
    providerKind: call.providerKind,
    model: call.model,
    messages: JSON.stringify(call.messages.map((message) => ({ role: message.role, content: message.content }))),
    variables: JSON.stringify(call.variables),
    params: JSON.stringify(call.params),
    output: call.output,
    toolCalls: call.toolCalls === null || call.toolCalls === undefined ? null : JSON.stringify(call.toolCalls),
    finishReason: call.finishReason,
    status: call.status,
    error: call.error,
    warnings: JSON.stringify(call.warnings),
    inputTokens: call.usage?.inputTokens ?? null,
    outputTokens: call.usage?.outputTokens ?? null,
    usageEstimated: call.usage?.estimated ? 1 : 0,
    costUsd: call.costUsd,
    firstTokenMs: call.firstTokenMs,
    latencyMs: call.latencyMs,
    attempts: call.attempts,
    startedAt: call.startedAt,
  };
}

function toSummary(row: SummaryRow): Omit<LlmCallSummary, 'outputPreview' | 'inputPreview'> {
  return {
    id: row.id,
    runId: row.run_id,
    suiteRunId: row.suite_run_id,
    promptId: row.prompt_id,
    promptVersion: row.prompt_version,
    providerId: row.provider_id,
    providerName: row.provider_name,
    providerKind: row.provider_kind,
    model: row.model,
    finishReason: row.finish_reason,
    status: row.status,
    error: row.error,
    warnings: JSON.parse(row.warnings) as string[],
    usage: row.input_tokens === null || row.output_tokens === null ? null : { inputTokens: row.input_tokens, outputTokens: row.output_tokens, estimated: row.usage_estimated === 1 },
    costUsd: row.cost_usd,
    firstTokenMs: row.first_token_ms,
    latencyMs: row.latency_ms,
    attempts: row.attempts,
    startedAt: row.started_at,
  };
}

function toCall(row: CallRow): LlmCall {
  return {
    ...toSummary(row),
    messages: JSON.parse(row.messages) as PromptMessage[],
    variables: JSON.parse(row.variables) as Record<string, string>,
    params: JSON.parse(row.params) as SamplingParams,
    output: row.output,
    toolCalls: row.tool_calls === null ? null : (JSON.parse(row.tool_calls) as unknown),
  };
}
