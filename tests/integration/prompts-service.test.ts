// The prompt studio's service through the core's dispatcher (as every face calls it), against the fake provider
// server speaking the OpenAI wire protocol: side-by-side runs streamed as events, the history, prices and usage,
// keys kept out of the project, bad templates refused before any request, cancel keeping the partial text.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLlmServer, type LlmServer } from '../llm-server/server';
import { trackingWorld, until, type TrackingWorld } from './tracking-harness';

const key = 'sk-test-orrery-secret-key-0123456789';

describe('prompt service', () => {
  let world: TrackingWorld;
  let server: LlmServer;
  let providerId: string;

  beforeAll(async () => {
    world = await trackingWorld('orrery-prompts-');
    server = await startLlmServer({ key });
    const provider = await world.call('prompt.saveProvider', { name: 'Local test server', kind: 'openai', baseUrl: `${server.url}/v1`, key });
    providerId = provider.id;
  });

  afterAll(async () => {
    await world.dispose();
    await server.close();
  });

  it('answers hasKey but never the key, and keeps the key out of the project store and the user db in clear', async () => {
    const providers = await world.call('prompt.providers', {});
    expect(providers).toHaveLength(1);
    expect(providers[0]).toMatchObject({ id: providerId, hasKey: true, kind: 'openai' });
    expect(JSON.stringify(providers)).not.toContain(key);
    const tested = await world.call('prompt.testProvider', { id: providerId });
    expect(tested.models).toContain('echo');
    for (const file of [path.join(world.project, '.orrery', 'project.db'), path.join(world.base, 'home', 'user.db')]) {
      expect(readFileSync(file).includes(Buffer.from(key))).toBe(false);
    }
  });

  it('runs a saved version on two models side by side, streaming each into its own target, and keeps both calls', async () => {
    const saved = await world.call('prompt.save', {
      name: 'greeter',
      messages: [
        { role: 'system', content: 'You greet people.' },
        { role: 'user', content: 'Say hello to {{name}} from {{city}}.' },
      ],
      params: { temperature: 0 },
    });
    expect(saved.created).toBe(true);
    expect(saved.version).toMatchObject({ version: 1, variables: ['name', 'city'] });

    await world.call('prompt.setPrice', { model: 'echo', inputPerMTok: 1, outputPerMTok: 2 });
    const runId = 'prun_side_by_side';
    const streamed = new Map<number, string>();
    const stop = world.core.bus.subscribe('prompt.delta', runId, ({ payload }) => streamed.set(payload.target, (streamed.get(payload.target) ?? '') + payload.text));
    const result = await world.call('prompt.run', {
      runId,
      source: { promptId: saved.prompt.id },
      variables: { name: 'Ada', city: 'London' },
      targets: [
        { providerId, model: 'echo' },
        { providerId, model: 'no-usage' },
      ],
    });
    stop();
    expect(result.calls).toHaveLength(2);
    const [echo, noUsage] = result.calls;
    expect(echo).toMatchObject({ status: 'ok', model: 'echo', promptId: saved.prompt.id, promptVersion: 1 });
    expect(echo!.output).toBe('Say hello to Ada from London.');
    expect(streamed.get(0)).toBe(echo!.output);
    expect(streamed.get(1)).toBe(noUsage!.output);
    expect(echo!.usage).toMatchObject({ estimated: false });
    expect(echo!.costUsd).toBeGreaterThan(0);
    expect(noUsage!.usage).toMatchObject({ estimated: true });
    expect(noUsage!.usage!.inputTokens).toBeGreaterThan(0);
    expect(noUsage!.costUsd).toBeNull();
    expect(echo!.firstTokenMs).not.toBeNull();
    expect(echo!.params).toMatchObject({ temperature: 0 });

    const found = await world.call('prompt.history', { query: 'from London' });
    expect(found.calls.map((call) => call.id).sort()).toEqual([echo!.id, noUsage!.id].sort());
    const whole = await world.call('prompt.call', { id: echo!.id });
    expect(whole.messages[1]!.content).toBe('Say hello to Ada from London.');

    const byPrompt = await world.call('prompt.usage', { groupBy: 'prompt' });
    expect(byPrompt.find((row) => row.key === saved.prompt.id)).toMatchObject({ label: 'greeter', calls: 2, unpriced: 1, estimated: 1 });
  });

  it('refuses a template with an undefined variable, naming it, before any request', async () => {
    const before = server.requests.length;
    await expect(
      world.call('prompt.run', {
        source: { messages: [{ role: 'user', content: 'Translate {{text}} into {{language}}.' }] },
        variables: { text: 'hi' },
        targets: [{ providerId, model: 'echo' }],
      }),
    ).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('{{language}}') });
    expect(server.requests.length).toBe(before);
  });

  it('records a provider failure as the call’s error, without the key, and goes on with the other target', async () => {
    const wrong = await world.call('prompt.saveProvider', { name: 'Wrong key', kind: 'openai', baseUrl: `${server.url}/v1`, key: 'sk-wrong-key-999' });
    const result = await world.call('prompt.run', {
      source: { messages: [{ role: 'user', content: 'ping' }] },
      targets: [
        { providerId: wrong.id, model: 'echo' },
        { providerId, model: 'echo' },
      ],
    });
    expect(result.calls[0]).toMatchObject({ status: 'error', output: '' });
    expect(result.calls[0]!.error).toContain('(unauthorized)');
    expect(result.calls[0]!.error).not.toContain('sk-wrong-key-999');
    expect(result.calls[1]).toMatchObject({ status: 'ok', output: 'ping' });
  });

  it('cancels a streaming call and keeps what arrived, marked', async () => {
    const runId = 'prun_cancelled';
    let seen = '';
    const stop = world.core.bus.subscribe('prompt.delta', runId, ({ payload }) => {
      seen += payload.text;
    });
    const running = world.call('prompt.run', {
      runId,
      source: { messages: [{ role: 'user', content: 'word '.repeat(400) }] },
      targets: [{ providerId, model: 'slow-echo' }],
    });
    await until(() => seen.length > 0);
    await world.call('task.cancel', { id: runId });
    await expect(running).rejects.toMatchObject({ code: 'cancelled' });
    stop();
    const kept = await world.call('prompt.history', { query: 'word word', limit: 5 });
    const call = await world.call('prompt.call', { id: kept.calls[0]!.id });
    expect(call.status).toBe('cancelled');
    expect(call.output.length).toBeGreaterThan(0);
    expect('word '.repeat(400).startsWith(call.output)).toBe(true);
  });
});
