// `npm run bench -- prompt-stream`: how long a streamed token takes from the provider's socket to the page.
// The fake model server (tests/llm-server) runs in this process as an OpenAI-compatible provider of `orrery serve`;
// model `echo` streams back a user message of numbered tokens (t0001 t0002 …), one token per SSE chunk, a chunk
// every 20 ms. Each token's time is taken where the server writes its chunk (ServerResponse.write, wrapped here)
// and where its text lands in the page (a MutationObserver on the playground's columns, in Chromium); both
// clocks are wall clocks of one machine (performance.timeOrigin + now), their offset measured and removed.
//  - end to end (the figure): server write → text in the page. It includes the loopback hop to the provider
//    client, so it bounds "arrival at the provider client → text in the page" from above;
//  - of which the renderer: the WebSocket frame carrying the delta arrives in the page → its text in the page;
//  - baseline: server write → arrival at a bare fetch() reader in this process (the loopback hop alone).
// Goal: median ≤ 5 ms. Trials: 3 runs of 200 tokens on two models side by side (400 tokens a run).
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { startLlmServer } from '../llm-server/server';
import { launchChromium } from './browser';
import { figure, median, percentile, serveOrrery, stopProcess, summary } from './lib';

const tokens = 200;
const trials = 3;
const chunkDelayMs = 20;
const goalMs = 5;
const message = Array.from({ length: tokens }, (_, i) => `t${String(i + 1).padStart(4, '0')}`).join(' ');
const tokenPattern = /t\d{4}/g;

/** Wall-clock now in ms with sub-ms precision (comparable with the page's performance.timeOrigin + now()). */
const wallNow = () => performance.timeOrigin + performance.now();

/** Records when each token is first written by any HTTP response of this process (the fake server's chunks). */
function recordServerWrites(): { sent: Map<string, number>; reset(): void } {
  const sent = new Map<string, number>();
  const write = http.ServerResponse.prototype.write;
  http.ServerResponse.prototype.write = function (this: http.ServerResponse, chunk: unknown, ...rest: unknown[]) {
    const at = wallNow();
    const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : '';
    const result = (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    for (const token of text.match(tokenPattern) ?? []) if (!sent.has(token)) sent.set(token, at);
    return result;
  } as typeof write;
  return { sent, reset: () => sent.clear() };
}

/** Page clock minus this process's clock, from the round trip with the smallest span. */
async function clockOffset(page: Page): Promise<{ offset: number; uncertainty: number }> {
  let best = { offset: 0, uncertainty: Infinity };
  for (let i = 0; i < 20; i++) {
    const before = wallNow();
    const pageNow = await page.evaluate(() => performance.timeOrigin + performance.now());
    const after = wallNow();
    if (after - before < best.uncertainty) best = { offset: pageNow - (before + after) / 2, uncertainty: (after - before) / 2 };
  }
  return best;
}

/** The baseline: the same stream read by a bare fetch() in this process; answers write → arrival per token. */
async function baselineTrial(url: string, sent: Map<string, number>): Promise<number[]> {
  sent.clear();
  const arrived = new Map<string, number>();
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'echo', stream: true, messages: [{ role: 'user', content: message }] }),
  });
  const decoder = new TextDecoder();
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    const at = wallNow();
    for (const token of decoder.decode(chunk, { stream: true }).match(tokenPattern) ?? []) if (!arrived.has(token)) arrived.set(token, at);
  }
  return [...arrived].map(([token, at]) => at - (sent.get(token) ?? at));
}

/** Before the page loads: every WebSocket frame's tokens are stamped as the frame arrives (before the app's handler). */
async function watchFrames(page: Page): Promise<void> {
  await page.addInitScript((source) => {
    const pattern = new RegExp(source, 'g');
    const frames = new Map<string, number>();
    (globalThis as unknown as { streamFrames: Map<string, number> }).streamFrames = frames;
    const Native = WebSocket;
    class Stamped extends Native {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        this.addEventListener('message', (event: MessageEvent) => {
          const now = performance.timeOrigin + performance.now();
          if (typeof event.data !== 'string' || !event.data.includes('prompt.delta')) return;
          for (const token of event.data.match(pattern) ?? []) if (!frames.has(token)) frames.set(token, now);
        });
      }
    }
    (globalThis as unknown as { WebSocket: typeof WebSocket }).WebSocket = Stamped;
  }, tokenPattern.source);
}

/** Installs the page-side recorder: the first time each token's text is in a playground column. */
async function watchColumns(page: Page): Promise<void> {
  await page.evaluate((source) => {
    const pattern = new RegExp(source, 'g');
    const seen = new Map<string, number>();
    const lengths = new WeakMap<Node, number>();
    const scan = () => {
      const now = performance.timeOrigin + performance.now();
      for (const column of document.querySelectorAll('[data-testid="stream-text"]')) {
        const text = column.textContent ?? '';
        const from = Math.max(0, (lengths.get(column) ?? 0) - 6);
        lengths.set(column, text.length);
        for (const token of text.slice(from).match(pattern) ?? []) {
          const key = `${column.closest('[data-testid="run-column"]')?.getAttribute('aria-label')}:${token}`;
          if (!seen.has(key)) seen.set(key, now);
        }
      }
    };
    new MutationObserver(scan).observe(document.body, { subtree: true, childList: true, characterData: true });
    (globalThis as unknown as { streamSeen: Map<string, number> }).streamSeen = seen;
  }, tokenPattern.source);
}

interface Trial {
  /** Server write → text in the page, per token and column. */
  readonly endToEnd: number[];
  /** WebSocket frame arrival → text in the page (the renderer's own part). */
  readonly renderer: number[];
}

type PageMaps = { streamSeen: Map<string, number>; streamFrames: Map<string, number> };

/** One run in the playground on two models; answers its delays per token (page clock corrected). */
async function endToEndTrial(page: Page, sent: Map<string, number>, offset: number): Promise<Trial> {
  sent.clear();
  await page.evaluate(() => {
    const maps = globalThis as unknown as PageMaps;
    maps.streamSeen.clear();
    maps.streamFrames.clear();
  });
  const playground = page.getByRole('region', { name: 'Playground' });
  await playground.getByRole('button', { name: 'Run', exact: true }).click();
  for (const model of ['echo', 'echo-b']) {
    await playground.getByRole('article', { name: `Output of ${model}`, exact: true }).getByTestId('call-status').filter({ hasText: 'done' }).waitFor({ timeout: 60_000 });
  }
  const { seen, frames } = await page.evaluate(() => {
    const maps = globalThis as unknown as PageMaps;
    return { seen: [...maps.streamSeen], frames: Object.fromEntries(maps.streamFrames) };
  });
  const endToEnd: number[] = [];
  const renderer: number[] = [];
  for (const [key, at] of seen) {
    const token = key.slice(key.lastIndexOf(':') + 1);
    const written = sent.get(token);
    if (written !== undefined) endToEnd.push(at - offset - written);
    // Both columns carry the same tokens; the frame time is the first frame that had it.
    const frame = frames[token];
    if (frame !== undefined && key.endsWith(`Output of echo:${token}`)) renderer.push(at - frame);
  }
  if (endToEnd.length < tokens) throw new Error(`only ${endToEnd.length} tokens were seen in the page`);
  return { endToEnd, renderer };
}

/** Adds the fake server as a provider and sets up the playground with two echo models and the numbered message. */
async function setUp(page: Page, hostUrl: string, serverUrl: string): Promise<void> {
  await page.goto(hostUrl);
  await page.getByRole('button', { name: 'Prompts', exact: true }).click();
  const area = page.getByRole('region', { name: 'Prompts area' });
  await area.getByRole('tab', { name: 'Providers', exact: true }).click();
  await area.getByRole('button', { name: 'Add provider…' }).click();
  const form = area.getByRole('form', { name: 'Add provider' });
  await form.getByLabel('Name', { exact: true }).fill('Local bench');
  await form.getByLabel('Base URL').fill(`${serverUrl}/v1`);
  await form.getByRole('button', { name: 'Add provider', exact: true }).click();
  await area.getByTestId('provider-row').filter({ hasText: 'Local bench' }).waitFor();
  await area.getByRole('tab', { name: 'Editor', exact: true }).click();
  await area.getByLabel('Content of message 2').fill(message);
  const playground = area.getByRole('region', { name: 'Playground' });
  await playground.getByLabel('Provider of model 1').selectOption({ label: 'Local bench' });
  await playground.getByLabel('Model 1', { exact: true }).fill('echo');
  await playground.getByRole('button', { name: 'Add model' }).click();
  await playground.getByLabel('Model 2', { exact: true }).fill('echo-b');
}

async function main(): Promise<void> {
  const writes = recordServerWrites();
  const server = await startLlmServer({ chunkDelayMs, tokensPerChunk: 1 });
  const home = mkdtempSync(path.join(os.tmpdir(), 'orrery-bench-prompt-stream-'));
  const browser = await launchChromium();
  const host = await serveOrrery(home, 'bench-prompt-stream-token');
  try {
    const baseline: number[] = [];
    for (let i = 0; i < trials; i++) baseline.push(...(await baselineTrial(server.url, writes.sent)));

    const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    await watchFrames(page);
    await setUp(page, host.url, server.url);
    await watchColumns(page);
    const clock = await clockOffset(page);
    // A warm-up run (first WebSocket frames, first render of the columns), not counted.
    await endToEndTrial(page, writes.sent, clock.offset);
    const endToEnd: number[] = [];
    const renderer: number[] = [];
    for (let i = 0; i < trials; i++) {
      const trial = await endToEndTrial(page, writes.sent, clock.offset);
      figure(`run ${i + 1}: ${trial.endToEnd.length} tokens, median / p95`, `${median(trial.endToEnd).toFixed(2)} / ${percentile(trial.endToEnd, 95).toFixed(2)}`, 'ms');
      endToEnd.push(...trial.endToEnd);
      renderer.push(...trial.renderer);
    }

    const figureMs = median(endToEnd);
    console.log(`prompt-stream: ${tokens} tokens × 2 models side by side, a chunk every ${chunkDelayMs} ms, ${trials} runs; Chromium against orrery serve`);
    figure('clock offset page − bench (± uncertainty)', `${clock.offset.toFixed(3)} ± ${clock.uncertainty.toFixed(3)}`, 'ms');
    figure('baseline: server write → bare fetch() reader, median', median(baseline), 'ms');
    figure('server write → text in the page, median (the figure)', figureMs, 'ms');
    figure('server write → text in the page, p95', percentile(endToEnd, 95), 'ms');
    figure('  of which WebSocket frame → text (renderer), median', renderer.length ? median(renderer) : -1, 'ms');
    figure('goal (median)', goalMs, 'ms');
    summary('prompt-stream', {
      median_ms: figureMs,
      p95_ms: percentile(endToEnd, 95),
      baseline_median_ms: median(baseline),
      renderer_median_ms: renderer.length ? median(renderer) : -1,
      clock_uncertainty_ms: clock.uncertainty,
      goal_ms: goalMs,
      ratio: figureMs / goalMs,
      tokens: endToEnd.length,
    });
  } finally {
    await browser.close();
    await stopProcess(host.child);
    await server.close();
    rmSync(home, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
