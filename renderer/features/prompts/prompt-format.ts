import type { LlmCall, LlmCallSummary, UsageTotal } from '../../../app/contract/prompts';

/** USD for a call or a total: tiny amounts keep their digits; null is a model without a price. */
export function formatCost(usd: number | null): string {
  if (usd === null) return 'no price';
  if (usd === 0) return '$0';
  if (usd < 0.01) return `$${usd.toPrecision(2)}`;
  return `$${usd.toFixed(usd < 10 ? 4 : 2)}`;
}

/** Milliseconds as "850 ms" or "2.4 s". */
export function formatMs(ms: number | null): string {
  if (ms === null) return '—';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** "12 in · 40 out" with "est." when the tokenizer counted them rather than the provider. */
export function formatUsage(usage: LlmCall['usage']): string {
  if (!usage) return 'no token count';
  return `${usage.inputTokens} in · ${usage.outputTokens} out${usage.estimated ? ' (est.)' : ''}`;
}

/** The facts under a playground column, one string each. */
export function callFacts(call: Pick<LlmCall, 'usage' | 'firstTokenMs' | 'latencyMs' | 'costUsd' | 'attempts'>): string[] {
  const facts = [formatUsage(call.usage), `first token ${formatMs(call.firstTokenMs)}`, `total ${formatMs(call.latencyMs)}`, formatCost(call.costUsd)];
  if (call.attempts > 1) facts.push(`${call.attempts} attempts`);
  return facts;
}

/** What a call's status says to the user (the error's message for error and partial). */
export function describeStatus(call: Pick<LlmCall, 'status' | 'error'>): string {
  switch (call.status) {
    case 'ok':
      return 'done';
    case 'cancelled':
      return 'cancelled';
    case 'partial':
      return `partial — ${call.error ?? 'the stream broke; the text that arrived is kept'}`;
    case 'error':
      return `error — ${call.error ?? 'the provider answered an error'}`;
  }
}

/** A history row's one-line title. */
export function historyTitle(call: Pick<LlmCallSummary, 'providerName' | 'model'>): string {
  return `${call.providerName} · ${call.model}`;
}

/** The sum of usage totals (the footer of the usage table). */
export function sumTotals(totals: readonly UsageTotal[]): { calls: number; inputTokens: number; outputTokens: number; costUsd: number; unpriced: number } {
  const sum = { calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, unpriced: 0 };
  for (const t of totals) {
    sum.calls += t.calls;
    sum.inputTokens += t.inputTokens;
    sum.outputTokens += t.outputTokens;
    sum.costUsd += t.costUsd;
    sum.unpriced += t.unpriced;
  }
  return sum;
}
