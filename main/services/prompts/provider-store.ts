import { OrreryError, isOrreryError } from '../../../app/contract/errors';
import { providerKinds, type Provider, type ProviderInput } from '../../../app/contract/prompts';
import { newId } from '../../../app/lib/ids';
import type { Clock } from '../../core/clock';
import type { Db } from '../store/open-database';
import type { ProviderConnection, ProviderKind } from './providers/types';
import type { SecretCipher } from './secrets';

export interface ProviderStoreDeps {
  /** The user database (opened on first use). */
  readonly db: () => Db;
  /** The cipher for new keys; keys stored under another scheme are decrypted with `ciphers`. */
  readonly cipher: SecretCipher;
  readonly ciphers: readonly SecretCipher[];
  readonly clock: Clock;
  readonly env: NodeJS.ProcessEnv;
}

/** Time limit of a provider saved without one (first byte, and each gap between chunks). */
export const defaultProviderTimeoutMs = 60_000;

interface ProviderRow {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
  readonly baseUrl: string;
  readonly keyEnv: string | null;
  readonly models: string;
  readonly timeoutMs: number;
  readonly createdAt: number;
  /** The stored key's scheme (null: no key stored). */
  readonly scheme: 'safe-storage' | 'key-file' | null;
}

const selectRows = `
  SELECT p.id, p.name, p.kind, p.base_url AS baseUrl, p.key_env AS keyEnv, p.models, p.timeout_ms AS timeoutMs,
         p.created_at AS createdAt, k.scheme
  FROM providers p LEFT JOIN provider_keys k ON k.provider_id = p.id`;

/**
 * Providers and their encrypted keys, in the user database. A key is encrypted before it reaches SQLite and only
 * decrypted for `connection`; no answer, log or error message of this store carries it.
 */
export class ProviderStore {
  constructor(private readonly deps: ProviderStoreDeps) {}

  /** Every provider, in the order they were added. */
  list(): Provider[] {
    const rows = this.deps.db().prepare(`${selectRows} ORDER BY p.created_at, p.rowid`).all() as ProviderRow[];
    return rows.map((row) => this.toProvider(row));
  }

  get(id: string): Provider {
    return this.toProvider(this.row(id));
  }

  /**
   * Adds a provider (no id) or changes one; fields left out keep their stored value (a new provider: no key
   * variable, no pinned models, a 60 s time limit). A key given is encrypted and replaces the stored one.
   */
  save(input: ProviderInput): Provider {
    const db = this.deps.db();
    const existing = input.id === undefined ? null : this.row(input.id);
    const name = input.name.trim();
    if (name.length === 0) throw new OrreryError('invalid_input', 'A provider needs a name, such as "OpenAI" or "Ollama on this machine".');
    const clash = db.prepare('SELECT id FROM providers WHERE lower(name) = lower(?) AND id != ?').get(name, existing?.id ?? '') as { id: string } | undefined;
    if (clash) throw new OrreryError('already_exists', `A provider named "${name}" already exists (${clash.id}); choose another name, or change that provider.`);
    const baseUrl = checkBaseUrl(input.baseUrl);
    const id = existing?.id ?? newId('prov', 10);
    const keyEnv = input.keyEnv === undefined ? (existing?.keyEnv ?? null) : input.keyEnv;
    const models =
      input.models === undefined ? (existing ? parseModels(existing.models) : []) : [...new Set(input.models.map((model) => model.trim()).filter((model) => model.length > 0))];
    // A key pasted with a newline or spaces around it would only be refused by the server.
    const key = input.key?.trim();
    if (key !== undefined && key.length === 0) throw new OrreryError('invalid_input', 'The key is empty; paste the whole key, or leave the field out to keep the stored one.');
    const timeoutMs = input.timeoutMs ?? existing?.timeoutMs ?? defaultProviderTimeoutMs;
    // Encrypt first: a cipher that fails (a key file others can read) leaves the provider as it was.
    const cipher = key === undefined ? null : this.deps.cipher.encrypt(key);
    db.transaction(() => {
      if (existing) {
        db.prepare('UPDATE providers SET name = ?, kind = ?, base_url = ?, key_env = ?, models = ?, timeout_ms = ? WHERE id = ?').run(
          name,
          input.kind,
          baseUrl,
          keyEnv,
          JSON.stringify(models),
          timeoutMs,
          id,
        );
      } else {
        db.prepare('INSERT INTO providers (id, name, kind, base_url, key_env, models, timeout_ms, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
          id,
          name,
          input.kind,
          baseUrl,
          keyEnv,
          JSON.stringify(models),
          timeoutMs,
          this.deps.clock.now(),
        );
      }
      if (cipher) {
        db.prepare(
          'INSERT INTO provider_keys (provider_id, scheme, cipher) VALUES (?, ?, ?) ON CONFLICT (provider_id) DO UPDATE SET scheme = excluded.scheme, cipher = excluded.cipher',
        ).run(id, this.deps.cipher.scheme, cipher);
      }
    })();
    return this.get(id);
  }

  /** Forgets a provider and its stored key. */
  remove(id: string): void {
    this.row(id);
    const db = this.deps.db();
    db.transaction(() => {
      db.prepare('DELETE FROM provider_keys WHERE provider_id = ?').run(id);
      db.prepare('DELETE FROM providers WHERE id = ?').run(id);
    })();
  }

  /** Deletes a provider's stored key (its keyEnv variable, if any, is still read). */
  removeKey(id: string): Provider {
    this.row(id);
    this.deps.db().prepare('DELETE FROM provider_keys WHERE provider_id = ?').run(id);
    return this.get(id);
  }

  /** How to reach a provider, its key decrypted (or read from keyEnv). */
  connection(id: string): ProviderConnection {
    const row = this.row(id);
    return { kind: kindOf(row.kind), baseUrl: row.baseUrl, apiKey: this.key(row), timeoutMs: row.timeoutMs };
  }

  /** The stored key decrypted; when it cannot be, the keyEnv variable if set, else an error that says what to do. */
  private key(row: ProviderRow): string | null {
    if (row.scheme === null) return this.envKey(row);
    const stored = this.deps.db().prepare('SELECT scheme, cipher FROM provider_keys WHERE provider_id = ?').get(row.id) as
      | { scheme: 'safe-storage' | 'key-file'; cipher: Buffer }
      | undefined;
    if (!stored) return this.envKey(row);
    const cipher = this.deps.ciphers.find((candidate) => candidate.scheme === stored.scheme);
    const fallback = this.envKey(row);
    const envHint = row.keyEnv ? `, or set ${row.keyEnv}` : ", or set the provider's key variable (keyEnv)";
    if (!cipher) {
      if (fallback !== null) return fallback;
      throw new OrreryError(
        'unavailable',
        `The key of "${row.name}" was stored by the Orrery app in the OS keychain, which cannot be reached here; enter the key again here (Prompts → Providers, or prompt.saveProvider with key)${envHint}.`,
      );
    }
    try {
      return cipher.decrypt(stored.cipher);
    } catch (error) {
      if (fallback !== null) return fallback;
      const why = isOrreryError(error) ? error.message : 'it could not be decrypted';
      throw new OrreryError('unavailable', `The stored key of "${row.name}" cannot be used: ${why} (Prompts → Providers, or prompt.saveProvider with key${envHint}).`, {
        cause: error,
      });
    }
  }

  private envKey(row: ProviderRow): string | null {
    if (!row.keyEnv) return null;
    const value = this.deps.env[row.keyEnv];
    return value && value.length > 0 ? value : null;
  }

  private row(id: string): ProviderRow {
    const row = this.deps.db().prepare(`${selectRows} WHERE p.id = ?`).get(id) as ProviderRow | undefined;
    if (!row) throw new OrreryError('not_found', `No provider ${id}; add it in Prompts → Providers or with prompt.saveProvider (prompt.providers lists those there are).`);
    return row;
  }

  private toProvider(row: ProviderRow): Provider {
    const fromEnv = row.scheme === null && this.envKey(row) !== null;
    return {
      id: row.id,
      name: row.name,
      kind: kindOf(row.kind),
      baseUrl: row.baseUrl,
      hasKey: row.scheme !== null || fromEnv,
      keyStore: row.scheme ?? (fromEnv ? 'env' : null),
      keyEnv: row.keyEnv,
      models: parseModels(row.models),
      timeoutMs: row.timeoutMs,
      createdAt: row.createdAt,
    };
  }
}

/** An http(s) URL without a trailing slash (the clients add their paths to it). */
function checkBaseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new OrreryError('invalid_input', `The base URL is not a URL; write one such as http://127.0.0.1:11434/v1 or https://api.openai.com/v1.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new OrreryError('invalid_input', `A provider's base URL is http:// or https:// (got ${url.protocol}); write one such as https://api.openai.com/v1.`);
  }
  if (url.username || url.password) {
    // A key in the URL would be stored and shown in clear: it belongs in the key field.
    throw new OrreryError('invalid_input', 'Put the key in the key field, not in the base URL (user:password@ is not accepted).');
  }
  return url.toString().replace(/\/+$/, '');
}

function kindOf(value: string): ProviderKind {
  const kind = providerKinds.find((candidate) => candidate === value);
  if (!kind) throw new OrreryError('corrupt_store', `A provider in the user database has an unknown kind "${value}"; remove it and add it again.`);
  return kind;
}

function parseModels(text: string): string[] {
  try {
    const value = JSON.parse(text) as unknown;
    return Array.isArray(value) ? value.filter((model): model is string => typeof model === 'string') : [];
  } catch {
    return [];
  }
}
