// `npm run bench -- prompt-suite`: a 1,000-case suite (1,000 rows × 1 prompt × 1 model, two assertions per row) run
// through the core at concurrency 8 against the fake provider server (OpenAI wire protocol, streamed one token per
// chunk with 4 ms between chunks, so the server's own time dominates; the server runs in a child process). The
// baseline, measured in the same run: the same 1,000 requests (the same rendered messages) sent by the bare
// provider client at concurrency 8, doing nothing else. Trials alternate (bare, suite, bare, suite); medians.
// Figures: wall time of the suite run against the bare client (goal ≤ 1.2×), and the peak RSS of the process
// running the suite (goal ≤ 300 MB), sampled every 20 ms during the suite runs, and the process's peak over the
// whole bench (getrusage maxrss: the core, the tokenizer, both clients).
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { CallName, CallOutput } from '../../app/contract';
import { createCore } from '../../main/core/core';
import { callOrThrow } from '../../main/core/dispatch';
import { silentLogger } from '../../main/core/logger';
import { createProviderClient } from '../../main/services/prompts/providers/index';
import type { ChatMessage } from '../../main/services/prompts/providers/types';
import { runPool } from '../../main/services/prompts/suites/pool';
import { startLlmServer } from '../llm-server/server';
import { figure, median, summary } from './lib';

const rows = 1000;
const concurrency = 8;
const chunkDelayMs = 4;
const trials = 2;
const template = 'Say hello to {{name}} and tell me about the weather in {{city}} today, briefly.';

function rowVars(index: number): { name: string; city: string } {
  return { name: `person${index}`, city: `city${index % 37}` };
}

function suiteText(): string {
  const lines = ['name: bench', `prompts: [${JSON.stringify(template)}]`, 'providers: [local:echo]', `concurrency: ${concurrency}`, 'tests:'];
  for (let i = 0; i < rows; i++) {
    const vars = rowVars(i);
    lines.push(`  - vars: {name: ${vars.name}, city: ${vars.city}}`, '    assert: [{type: contains, value: "{{name}}"}, {type: regex, value: "weather in city\\\\d+"}]');
  }
  return `${lines.join('\n')}\n`;
}

/** The fake server in a child process (this file, run with --llm-server), so its work is not counted against Orrery's memory. */
async function startServerChild(): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(__filename, ['--llm-server'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (message) => resolve(String((message as { url: string }).url)));
    child.once('exit', (code) => reject(new Error(`the fake server exited with ${code}`)));
  });
  return { child, url };
}

async function bareTrial(url: string): Promise<number> {
  const client = createProviderClient({ kind: 'openai', baseUrl: `${url}/v1`, apiKey: null, timeoutMs: 60_000 });
  const started = performance.now();
  let failures = 0;
  await runPool(rows, concurrency, async (index) => {
    const vars = rowVars(index);
    const messages: ChatMessage[] = [{ role: 'user', content: template.replace('{{name}}', vars.name).replace('{{city}}', vars.city) }];
    const result = await client.chat({ model: 'echo', messages, params: {} }, () => undefined).catch(() => null);
    if (!result?.text.includes(vars.name)) failures++;
  });
  if (failures > 0) throw new Error(`bare client: ${failures} requests failed`);
  return performance.now() - started;
}

async function main(): Promise<void> {
  const server = await startServerChild();
  const base = await realpath(await mkdtemp(path.join(os.tmpdir(), 'orrery-bench-suite-')));
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: path.join(base, 'home'), LANG: 'C.UTF-8' };
  const core = createCore({ host: 'cli', env, userHome: path.join(base, 'orrery'), allowedRoots: [base], logger: silentLogger });
  const call = <N extends CallName>(name: N, input: unknown): Promise<CallOutput<N>> => callOrThrow(core.dispatch, name, input, { host: 'cli', clientId: 'bench' });
  try {
    await call('project.create', { path: path.join(base, 'project') });
    await call('prompt.saveProvider', { name: 'local', kind: 'openai', baseUrl: `${server.url}/v1` });
    await call('prompt.setPrice', { model: 'echo', inputPerMTok: 0.15, outputPerMTok: 0.6 });
    const text = suiteText();
    const estimateStarted = performance.now();
    const estimate = await call('prompt.suiteEstimate', { text, name: 'bench.yaml' });
    const estimateMs = performance.now() - estimateStarted;
    if (estimate.cases !== rows) throw new Error(`the estimate counts ${estimate.cases} cases`);
    const warmStarted = performance.now();
    await call('prompt.suiteEstimate', { text, name: 'bench.yaml' });
    const warmEstimateMs = performance.now() - warmStarted;

    const bare: number[] = [];
    const suite: number[] = [];
    let peakRss = 0;
    let peakHeap = 0;
    const rssBefore = process.memoryUsage().rss;
    for (let trial = 0; trial < trials; trial++) {
      bare.push(await bareTrial(server.url));
      global.gc?.();
      const sampler = setInterval(() => {
        const usage = process.memoryUsage();
        peakRss = Math.max(peakRss, usage.rss);
        peakHeap = Math.max(peakHeap, usage.heapUsed);
      }, 20);
      const started = performance.now();
      const result = await call('prompt.suiteRun', { source: { text, name: 'bench.yaml' } });
      suite.push(performance.now() - started);
      clearInterval(sampler);
      if (result.run.passed !== rows) throw new Error(`suite run: ${result.run.failed} of ${rows} cases failed`);
      const history = await call('prompt.history', { suiteRunId: result.run.id, limit: 1 });
      if (history.total !== rows) throw new Error(`suite run: ${history.total} calls kept, not ${rows}`);
      global.gc?.();
    }
    const ratio = median(suite) / median(bare);
    const mb = 1024 * 1024;
    console.log(`prompt-suite: ${rows} cases (${rows} rows × 1 prompt × 1 model, 2 assertions each) at concurrency ${concurrency}; server streams 1 token per chunk, ${chunkDelayMs} ms apart; ${trials} trials, medians`);
    figure('estimate, first (loads the tokenizer)', estimateMs, 'ms');
    figure('estimate, again', warmEstimateMs, 'ms');
    figure('bare client, same 1,000 requests', median(bare), 'ms');
    figure('suite run (calls, assertions, history, cells)', median(suite), 'ms');
    figure('trials bare / suite', `${bare.map(Math.round).join(', ')} / ${suite.map(Math.round).join(', ')}`, 'ms');
    figure('ratio suite / bare (goal <= 1.2)', ratio);
    figure('RSS before the trials', rssBefore / mb, 'MB');
    figure('peak RSS during the suite runs (goal <= 300)', peakRss / mb, 'MB');
    figure('peak JS heap during the suite runs', peakHeap / mb, 'MB');
    const maxRss = process.resourceUsage().maxRSS / 1024;
    figure('peak RSS of the process, whole bench', maxRss, 'MB');
    summary('prompt-suite', { ratio, suite_ms: median(suite), bare_ms: median(bare), peak_rss_mb: peakRss / mb, max_rss_mb: maxRss, cases: rows, concurrency });
  } finally {
    await core.dispose();
    server.child.kill('SIGTERM');
    await rm(base, { recursive: true, force: true });
  }
}

if (process.argv.includes('--llm-server')) {
  void startLlmServer({ chunkDelayMs }).then((server) => process.send?.({ url: server.url }));
} else {
  void main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
