import type { LlmCall, Prompt, PromptVersion, Provider, SuiteCell, SuiteResult } from '../../../../app/contract/prompts';

/** Plausible answers of the prompt service for the renderer's tests. */
export const provider: Provider = {
  id: 'prov_local', name: 'Local', kind: 'openai', baseUrl: 'http://127.0.0.1:9/v1', hasKey: false, keyStore: null, keyEnv: null, models: [], timeoutMs: 60_000, createdAt: 1,
};

export function promptOf(latestVersion: number, labels: Record<string, number> = {}): Prompt {
  return { id: 'pr_greeter', name: 'greeter', latestVersion, labels, createdAt: 1, updatedAt: 2 };
}

export function versionOf(version: number, content = 'Say hello to {{name}}', params: PromptVersion['params'] = {}): PromptVersion {
  return {
    promptId: 'pr_greeter', version, messages: [{ role: 'user', content }], params, variables: ['name'], note: null, hash: `h${version}`, labels: [], createdAt: version,
  };
}

export function callOf(patch: Partial<LlmCall> = {}): LlmCall {
  return {
    id: 'call_1', runId: 'prun_1', suiteRunId: null, promptId: null, promptVersion: null, providerId: 'prov_local', providerName: 'Local', providerKind: 'openai',
    model: 'echo', messages: [{ role: 'user', content: 'Say hello to Ada' }], variables: { name: 'Ada' }, params: {}, output: 'Say hello to Ada', toolCalls: null,
    finishReason: 'stop', status: 'ok', error: null, warnings: [], usage: { inputTokens: 4, outputTokens: 4, estimated: false }, costUsd: 0.000012,
    firstTokenMs: 12, latencyMs: 40, attempts: 1, startedAt: 1000, ...patch,
  };
}

export function cellOf(row: number, column: number, pass: boolean, costUsd: number | null = 0.001): SuiteCell {
  return {
    row, column, callId: `call_${row}_${column}`, output: `out ${row}`, status: 'ok', pass,
    assertions: [{ type: 'contains', pass, message: pass ? '' : `expected the output to contain "x${row}"` }], latencyMs: 10, costUsd, error: null,
  };
}

export function suiteResultOf(cells: SuiteCell[]): SuiteResult {
  return {
    run: { id: 'srun_1', suiteName: 'greetings', path: 'suites/greetings.yaml', hash: 'h', status: 'done', cases: cells.length, passed: cells.filter((c) => c.pass).length, failed: cells.filter((c) => !c.pass).length, costUsd: 0.002, estimatedCostUsd: 0.002, startedAt: 1, endedAt: 2 },
    rows: [{ description: null, vars: { name: 'Ada' } }, { description: 'the second', vars: { name: 'Bob' } }],
    columns: [{ label: 'greeter v2 × echo', promptId: 'pr_greeter', promptVersion: 2, providerId: 'prov_local', model: 'echo' }],
    cells,
  };
}
