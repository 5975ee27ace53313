import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isOrreryError, type OrreryError } from '../../../../../app/contract/errors';
import type { ProviderInput } from '../../../../../app/contract/prompts';
import { EventBus } from '../../../../../main/core/event-bus';
import { silentLogger } from '../../../../../main/core/logger';
import { ProviderStore } from '../../../../../main/services/prompts/provider-store';
import { chooseCiphers, keyFileName, type SafeStorageLike } from '../../../../../main/services/prompts/secrets';
import { UserStore } from '../../../../../main/services/user/user-store';

const key = 'sk-live-ProviderStore-secret-5f3a9c1e77';
const otherKey = 'sk-live-second-secret-abcdef0123456789';
const posix = process.platform !== 'win32';

/** Every message of an error and its causes (what could reach a user or a log). */
function messages(error: unknown): string {
  const parts: string[] = [];
  for (let current: unknown = error; current instanceof Error; current = current.cause) parts.push(current.message, String(current.stack));
  return parts.join('\n');
}

function thrown(run: () => unknown): OrreryError {
  try {
    run();
  } catch (error) {
    if (isOrreryError(error)) return error;
    throw error;
  }
  throw new Error('expected an error');
}

/** Electron's safeStorage stand-in (no Electron binary can run here): reversible, opaque, only for this process. */
const fakeKeychain: SafeStorageLike = {
  isEncryptionAvailable: () => true,
  encryptString: (plain) => Buffer.from(Buffer.from(plain, 'utf8').map((byte) => byte ^ 0x33)),
  decryptString: (cipher) => Buffer.from(cipher.map((byte) => byte ^ 0x33)).toString('utf8'),
};

describe('ProviderStore', () => {
  let dir: string;
  let home: string;
  let users: UserStore[];
  let now: number;
  let env: NodeJS.ProcessEnv;

  const make = (safeStorage?: SafeStorageLike) => {
    const user = new UserStore({ userHome: home, logger: silentLogger, clock: { now: () => now }, bus: new EventBus() });
    users.push(user);
    const ciphers = chooseCiphers(safeStorage, home);
    return new ProviderStore({ db: () => user.database(), cipher: ciphers.primary, ciphers: ciphers.all, clock: { now: () => now }, env });
  };

  const openAi = (extra: Partial<ProviderInput> = {}): ProviderInput => ({ name: 'OpenAI', kind: 'openai', baseUrl: 'https://api.openai.com/v1', ...extra });

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'orrery-providers-'));
    home = path.join(dir, 'home');
    users = [];
    now = 1_000;
    env = {};
  });

  afterEach(async () => {
    for (const user of users) user.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('adds a provider with the defaults: no key, no pinned models, a 60 s time limit', () => {
    const store = make();
    const provider = store.save(openAi({ baseUrl: 'https://api.openai.com/v1/' }));
    expect(provider).toEqual({
      id: provider.id,
      name: 'OpenAI',
      kind: 'openai',
      baseUrl: 'https://api.openai.com/v1',
      hasKey: false,
      keyStore: null,
      keyEnv: null,
      models: [],
      timeoutMs: 60_000,
      createdAt: 1_000,
    });
    expect(provider.id).toMatch(/^prov_/);
    expect(store.list()).toEqual([provider]);
    expect(store.get(provider.id)).toEqual(provider);
    expect(store.connection(provider.id)).toEqual({ kind: 'openai', baseUrl: 'https://api.openai.com/v1', apiKey: null, timeoutMs: 60_000 });
    // Nothing to encrypt yet: no key file.
    expect(existsSync(path.join(home, keyFileName))).toBe(false);
  });

  it('stores a key encrypted, answers hasKey only, and decrypts it for the connection', () => {
    const store = make();
    const saved = store.save(openAi({ key }));
    expect(saved).toMatchObject({ hasKey: true, keyStore: 'key-file' });
    expect(JSON.stringify(store.list())).not.toContain(key);
    expect(store.connection(saved.id).apiKey).toBe(key);
    // A new store (a restart) reads it back through the key file.
    expect(make().connection(saved.id).apiKey).toBe(key);
  });

  it('changes a provider: fields left out keep their value, a new key replaces the old one', () => {
    const store = make();
    const first = store.save(openAi({ key, keyEnv: 'OPENAI_API_KEY', models: ['gpt-4o', 'gpt-4o', 'gpt-4o-mini'], timeoutMs: 5_000 }));
    expect(first.models).toEqual(['gpt-4o', 'gpt-4o-mini']);
    now = 2_000;
    const renamed = store.save({ id: first.id, name: 'OpenAI (work)', kind: 'openai', baseUrl: 'https://api.openai.com/v1' });
    expect(renamed).toEqual({ ...first, name: 'OpenAI (work)' });
    expect(store.connection(first.id).apiKey).toBe(key);
    store.save({ id: first.id, name: 'OpenAI (work)', kind: 'openai', baseUrl: 'https://api.openai.com/v1', key: otherKey, keyEnv: null, models: [] });
    expect(store.get(first.id)).toMatchObject({ keyEnv: null, models: [], timeoutMs: 5_000, createdAt: 1_000 });
    expect(store.connection(first.id).apiKey).toBe(otherKey);
  });

  it('trims a pasted key and refuses an empty one', () => {
    const store = make();
    const provider = store.save(openAi({ key: `  ${key}\n` }));
    expect(store.connection(provider.id).apiKey).toBe(key);
    const error = thrown(() => store.save(openAi({ id: provider.id, key: ' \n' })));
    expect(error.code).toBe('invalid_input');
    expect(store.connection(provider.id).apiKey).toBe(key);
  });

  it('keeps provider names unique (ignoring case) and refuses unknown ids with what to do', () => {
    const store = make();
    const first = store.save(openAi());
    const clash = thrown(() => store.save(openAi({ name: 'openai' })));
    expect(clash.code).toBe('already_exists');
    expect(clash.message).toContain(first.id);
    // Saving a provider under its own name is no clash.
    expect(store.save(openAi({ id: first.id, timeoutMs: 2_000 })).timeoutMs).toBe(2_000);
    for (const run of [() => store.get('prov_missing'), () => store.connection('prov_missing'), () => store.remove('prov_missing'), () => store.removeKey('prov_missing')]) {
      const error = thrown(run);
      expect(error.code).toBe('not_found');
      expect(error.message).toContain('Prompts → Providers');
      expect(error.message).toContain('prompt.saveProvider');
    }
    expect(thrown(() => store.save(openAi({ id: 'prov_missing', name: 'Other' }))).code).toBe('not_found');
    expect(store.list()).toHaveLength(1);
  });

  it('refuses base URLs that are not http(s), or that carry credentials', () => {
    const store = make();
    for (const baseUrl of ['ftp://example.com/v1', 'not a url', `https://user:${key}@api.example.com/v1`]) {
      const error = thrown(() => store.save(openAi({ baseUrl })));
      expect(error.code).toBe('invalid_input');
      expect(error.message).not.toContain(key);
    }
    expect(store.list()).toEqual([]);
  });

  it('falls back to the keyEnv variable when no key is stored; a stored key wins', () => {
    const store = make();
    const provider = store.save(openAi({ keyEnv: 'ORRERY_TEST_OPENAI_KEY' }));
    expect(provider).toMatchObject({ hasKey: false, keyStore: null });
    expect(store.connection(provider.id).apiKey).toBeNull();
    env.ORRERY_TEST_OPENAI_KEY = otherKey;
    expect(store.get(provider.id)).toMatchObject({ hasKey: true, keyStore: 'env' });
    expect(store.connection(provider.id).apiKey).toBe(otherKey);
    store.save(openAi({ id: provider.id, key }));
    expect(store.get(provider.id)).toMatchObject({ hasKey: true, keyStore: 'key-file' });
    expect(store.connection(provider.id).apiKey).toBe(key);
    env.ORRERY_TEST_OPENAI_KEY = '';
    expect(store.removeKey(provider.id)).toMatchObject({ hasKey: false, keyStore: null });
  });

  it('removes a key, then a provider with its key row', () => {
    const store = make();
    const provider = store.save(openAi({ key }));
    expect(store.removeKey(provider.id)).toMatchObject({ hasKey: false, keyStore: null });
    expect(store.connection(provider.id).apiKey).toBeNull();
    store.save(openAi({ id: provider.id, key }));
    store.remove(provider.id);
    expect(store.list()).toEqual([]);
    const db = users[0]!.database();
    expect(db.prepare('SELECT count(*) AS n FROM provider_keys').get()).toEqual({ n: 0 });
  });

  it('stores through the OS keychain in the app, and keeps reading key-file keys there', () => {
    const cli = make();
    const fromCli = cli.save(openAi({ name: 'From the CLI', key: otherKey }));
    const app = make(fakeKeychain);
    const fromApp = app.save(openAi({ name: 'From the app', key }));
    expect(fromApp).toMatchObject({ hasKey: true, keyStore: 'safe-storage' });
    expect(app.connection(fromApp.id).apiKey).toBe(key);
    expect(app.connection(fromCli.id).apiKey).toBe(otherKey);
  });

  it('says where a keychain key can be read, and how to give it again, where there is no keychain', () => {
    const provider = make(fakeKeychain).save(openAi({ key, keyEnv: 'OPENAI_API_KEY' }));
    const cli = make();
    expect(cli.get(provider.id)).toMatchObject({ hasKey: true, keyStore: 'safe-storage' });
    const error = thrown(() => cli.connection(provider.id));
    expect(error.code).toBe('unavailable');
    expect(error.message).toMatch(/stored by the Orrery app in the OS keychain/);
    expect(error.message).toMatch(/enter the key again here/);
    expect(error.message).toContain('OPENAI_API_KEY');
    expect(messages(error)).not.toContain(key);
    // The variable named by keyEnv stands in while it is set…
    env.OPENAI_API_KEY = otherKey;
    expect(cli.connection(provider.id).apiKey).toBe(otherKey);
    delete env.OPENAI_API_KEY;
    // …and entering the key again in the CLI makes it readable there.
    cli.save(openAi({ id: provider.id, key }));
    expect(cli.connection(provider.id).apiKey).toBe(key);
  });

  it('says to enter a key again when the key file was replaced', async () => {
    const store = make();
    const provider = store.save(openAi({ key }));
    await writeFile(path.join(home, keyFileName), randomBytes(32), { mode: 0o600 });
    const error = thrown(() => make().connection(provider.id));
    expect(error.code).toBe('unavailable');
    expect(error.message).toMatch(/OpenAI.*enter the key again/);
    expect(messages(error)).not.toContain(key);
  });

  it.runIf(posix)('refuses to store a key with a key file others can read, and leaves the provider as it was', async () => {
    const store = make();
    const provider = store.save(openAi({ key }));
    const file = path.join(home, keyFileName);
    await chmod(file, 0o644);
    const error = thrown(() => make().save(openAi({ id: provider.id, name: 'Renamed', key: otherKey })));
    expect(error.code).toBe('forbidden');
    expect(error.message).toContain(`chmod 600 ${file}`);
    expect(messages(error)).not.toContain(otherKey);
    await chmod(file, 0o600);
    expect(make().get(provider.id).name).toBe('OpenAI');
    expect(make().connection(provider.id).apiKey).toBe(key);
  });

  it('never writes a key in clear to the user database or its write-ahead log', () => {
    const store = make();
    const a = store.save(openAi({ key }));
    store.save(openAi({ id: a.id, key: otherKey }));
    store.save({ name: 'Anthropic', kind: 'anthropic', baseUrl: 'https://api.anthropic.com', key });
    store.removeKey(a.id);
    const files = ['user.db', 'user.db-wal'].map((name) => path.join(home, name)).filter((file) => existsSync(file));
    expect(files.length).toBeGreaterThan(0);
    const read = () => files.map((file) => readFileSync(file));
    for (const bytes of read()) for (const text of [key, otherKey]) expect(bytes.includes(Buffer.from(text))).toBe(false);
    for (const user of users) user.dispose();
    expect(readFileSync(path.join(home, 'user.db')).includes(Buffer.from(key))).toBe(false);
  });
});
