// Provider keys at rest and in motion: the key file made once when real processes race to make it, and a key
// that never shows in a log line, an error answered to a client, the call history, or either store's bytes, through
// the core as every face calls it (providers saved, listed, tested with a good and a bad key, run, removed); and
// local server discovery through the core against the fake provider server.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallName } from '../../app/contract';
import { createCore, type Core } from '../../main/core/core';
import { createLogger } from '../../main/core/logger';
import { keyFileCipher, keyFileName } from '../../main/services/prompts/secrets';
import { startLlmServer, type LlmServer } from '../llm-server/server';
import { bundleChild, spawnChild, waitForExit } from './store-child';

const key = 'sk-orrery-it-0f1e2d3c4b5a69788796a5b4c3d2e1f0';
const wrongKey = 'sk-orrery-wrong-aa11bb22cc33dd44ee55ff66';

describe('the key file', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await realpath(await mkdtemp(path.join(os.tmpdir(), 'orrery-keyrace-')));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is made once when several processes store a key at the same moment: every key they stored reads back', async () => {
    const child = await bundleChild(
      `
        import { keyFileCipher } from './main/services/prompts/secrets';
        const [home, at, label] = process.argv.slice(2);
        while (Date.now() < Number(at)) {}
        process.stdout.write(keyFileCipher(home!).encrypt(label!).toString('hex'));
      `,
      dir,
      'key-writer',
    );
    for (const round of [1, 2, 3]) {
      const home = path.join(dir, `home-${round}`);
      const at = Date.now() + 1_500;
      const runs = Array.from({ length: 6 }, (_, index) => waitForExit(spawnChild(child, [home, String(at), `secret-${round}-${index}`]), 30_000));
      const results = await Promise.all(runs);
      const reader = keyFileCipher(home);
      results.forEach((result, index) => {
        expect(result.code, result.stderr).toBe(0);
        expect(reader.decrypt(Buffer.from(result.stdout, 'hex'))).toBe(`secret-${round}-${index}`);
      });
      expect(readdirSync(home)).toEqual([keyFileName]);
      if (process.platform !== 'win32') expect(statSync(path.join(home, keyFileName)).mode & 0o777).toBe(0o600);
    }
  });
});

describe('a provider key', () => {
  let base: string;
  let home: string;
  let project: string;
  let core: Core;
  let server: LlmServer;
  const lines: string[] = [];
  const errors: string[] = [];

  /** A call through the dispatcher; a failure is kept (code and message, as a client sees it) and answered as null. */
  const call = async (name: CallName, input: unknown): Promise<unknown> => {
    const result = await core.dispatch(name, input, { host: 'cli', clientId: 'test' });
    if (result.ok) return result.value;
    errors.push(`${result.error.code}: ${result.error.message}`);
    return null;
  };

  beforeAll(async () => {
    base = await realpath(await mkdtemp(path.join(os.tmpdir(), 'orrery-keys-')));
    home = path.join(base, 'home');
    project = path.join(base, 'project');
    server = await startLlmServer({ key });
    const logger = createLogger([{ write: (line) => lines.push(line) }], 'debug');
    core = createCore({ host: 'cli', env: { ...process.env, ORRERY_HOME: home, ORRERY_TEST_LLM_KEY: key, ORRERY_LLM_PORTS: `${server.port}:ollama` }, userHome: home, allowedRoots: [base], logger });
    await call('project.create', { path: project });
  });

  afterAll(async () => {
    await core.dispose();
    await server.close();
    await rm(base, { recursive: true, force: true });
  });

  it('discovery finds the local server on the ports ORRERY_LLM_PORTS names, and the provider already pointing there', async () => {
    const before = (await call('prompt.discover', {})) as { name: string; baseUrl: string; models: string[]; providerId: string | null }[];
    expect(before).toHaveLength(1);
    expect(before[0]).toMatchObject({ server: 'ollama', name: `Ollama on 127.0.0.1:${server.port}`, baseUrl: `${server.url}/v1`, providerId: null });
    expect(before[0]!.models).toContain('echo:latest');
    const provider = (await call('prompt.saveProvider', { name: 'Local', kind: 'openai', baseUrl: `${server.url}/v1/` })) as { id: string };
    expect(await call('prompt.discover', {})).toMatchObject([{ providerId: provider.id }]);
    await call('prompt.removeProvider', { id: provider.id });
  });

  it('is kept out of every log line, error, answer, the history and the stores, whatever the calls do', async () => {
    const good = (await call('prompt.saveProvider', { name: 'Test server', kind: 'openai', baseUrl: `${server.url}/v1`, key })) as { id: string };
    expect(good).not.toBeNull();
    const bad = (await call('prompt.saveProvider', { name: 'Wrong key', kind: 'openai', baseUrl: `${server.url}/v1`, key: wrongKey })) as { id: string };
    const fromEnv = (await call('prompt.saveProvider', { name: 'From env', kind: 'anthropic', baseUrl: server.url, keyEnv: 'ORRERY_TEST_LLM_KEY' })) as { id: string };
    const answers: unknown[] = [];
    answers.push(await call('prompt.providers', {}));
    answers.push(await call('prompt.testProvider', { id: good.id }));
    expect(await call('prompt.testProvider', { id: bad.id })).toBeNull();
    answers.push(await call('prompt.testProvider', { id: fromEnv.id }));
    answers.push(
      await call('prompt.run', {
        source: { messages: [{ role: 'user', content: 'hello' }] },
        targets: [
          { providerId: good.id, model: 'echo' },
          { providerId: bad.id, model: 'echo' },
          { providerId: fromEnv.id, model: 'echo' },
          { providerId: good.id, model: 'always-500' },
        ],
      }),
    );
    answers.push(await call('prompt.history', {}));
    // Bad input of every kind near a key.
    await call('prompt.saveProvider', { name: 'Test server', kind: 'openai', baseUrl: `${server.url}/v1`, key });
    await call('prompt.saveProvider', { name: 'Bad URL', kind: 'openai', baseUrl: `ftp://${key}@example.com`, key });
    await call('prompt.saveProvider', { name: 'Too long', kind: 'openai', baseUrl: `${server.url}/v1`, key: key.repeat(1_000) });
    await call('prompt.saveProvider', { id: 'prov_missing', name: 'Missing', kind: 'openai', baseUrl: `${server.url}/v1`, key });
    answers.push(await call('prompt.removeKey', { id: good.id }));
    await call('prompt.testProvider', { id: good.id });
    answers.push(await call('prompt.removeProvider', { id: bad.id }));

    // The keys did reach the server (it refuses any other), so the checks below look at real traffic.
    expect(answers[1]).toMatchObject({ ok: true });
    expect(answers[2]).toMatchObject({ ok: true });
    expect(errors.some((error) => error.startsWith('unauthorized'))).toBe(true);
    expect(errors.some((error) => error.startsWith('already_exists'))).toBe(true);

    const history = answers[4] as { calls: { status: string; error: string | null }[] } | null;
    expect(history?.calls.map((row) => row.status).sort()).toEqual(['error', 'error', 'ok', 'ok']);

    await core.dispose();
    const stores = [
      ...['user.db', 'user.db-wal'].map((name) => path.join(home, name)),
      ...['project.db', 'project.db-wal'].map((name) => path.join(project, '.orrery', name)),
    ].filter((file) => existsSync(file));
    expect(stores.length).toBeGreaterThanOrEqual(2);
    const logFiles = existsSync(path.join(home, 'logs')) ? readdirSync(path.join(home, 'logs')).map((name) => readFileSync(path.join(home, 'logs', name), 'utf8')) : [];
    for (const secret of [key, wrongKey]) {
      for (const text of [lines.join('\n'), errors.join('\n'), JSON.stringify(answers), ...logFiles]) expect(text).not.toContain(secret);
      for (const file of stores) expect(readFileSync(file).includes(Buffer.from(secret)), file).toBe(false);
    }
  });
});
