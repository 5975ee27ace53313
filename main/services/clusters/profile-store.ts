import { z } from 'zod';
import { OrreryError, isOrreryError } from '../../../app/contract/errors';
import { clusterDefaultsSchema, clusterTransports, type ClusterProfileView } from '../../../app/contract/clusters';
import { newId } from '../../../app/lib/ids';
import type { Clock } from '../../core/clock';
import type { ClusterProfile } from '../jobs/backend';
import type { SecretCipher } from '../prompts/secrets';
import type { Db } from '../store/open-database';

/** The settings of a profile as stored in its JSON column (never the secret). */
const storedConfigSchema = z.object({
  transport: z.enum(clusterTransports).nullable().default(null),
  host: z.string().nullable().default(null),
  port: z.number().int().nullable().default(null),
  user: z.string().nullable().default(null),
  keyPath: z.string().nullable().default(null),
  knownHostsPath: z.string().nullable().default(null),
  address: z.string().nullable().default(null),
  partition: z.string().nullable().default(null),
  remoteDir: z.string().nullable().default(null),
  defaults: clusterDefaultsSchema.default({}),
});

/** A profile's settings after validation. */
export type ClusterConfig = z.output<typeof storedConfigSchema>;

interface ProfileRow {
  readonly id: string;
  readonly name: string;
  readonly kind: 'slurm' | 'ray';
  readonly config: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly scheme: 'safe-storage' | 'key-file' | null;
}

const selectRows = `
  SELECT p.id, p.name, p.kind, p.config, p.created_at AS createdAt, p.updated_at AS updatedAt, s.scheme
  FROM cluster_profiles p LEFT JOIN cluster_secrets s ON s.cluster_id = p.id`;

/** What the store writes: a checked profile and, when given, a new secret (null: forget the stored one). */
export interface ProfileWrite {
  readonly id?: string;
  readonly name: string;
  readonly kind: 'slurm' | 'ray';
  readonly config: ClusterConfig;
  readonly secret?: string | null;
}

export interface ProfileStoreDeps {
  readonly db: () => Db;
  readonly cipher: SecretCipher;
  readonly ciphers: readonly SecretCipher[];
  readonly clock: Clock;
}

/**
 * Cluster profiles and their encrypted secrets in user.db. A secret is encrypted before it reaches SQLite and
 * decrypted only for `secret()`, which the job service calls when it connects; no answer of this store carries it.
 */
export class ProfileStore {
  constructor(private readonly deps: ProfileStoreDeps) {}

  list(): ClusterProfileView[] {
    const rows = this.deps.db().prepare(`${selectRows} ORDER BY p.created_at, p.rowid`).all() as ProfileRow[];
    return rows.map(toView);
  }

  /** By id, or by name (case-insensitive); `not_found` names the profiles there are. */
  find(idOrName: string): ClusterProfileView {
    const db = this.deps.db();
    const row = (db.prepare(`${selectRows} WHERE p.id = ?`).get(idOrName) ??
      db.prepare(`${selectRows} WHERE lower(p.name) = lower(?)`).get(idOrName)) as ProfileRow | undefined;
    if (!row) {
      const names = this.list().map((profile) => profile.name);
      const known = names.length > 0 ? ` (there are: ${names.join(', ')})` : '';
      throw new OrreryError('not_found', `No cluster profile named ${idOrName}${known}; add one with \`orrery cluster add\` or in Jobs → Clusters.`);
    }
    return toView(row);
  }

  /** Inserts or replaces a profile and its secret in one transaction; the secret is encrypted first. */
  save(write: ProfileWrite): ClusterProfileView {
    const db = this.deps.db();
    const id = write.id ?? newId('clu', 10);
    const clash = db.prepare('SELECT id FROM cluster_profiles WHERE lower(name) = lower(?) AND id != ?').get(write.name, id) as { id: string } | undefined;
    if (clash) throw new OrreryError('already_exists', `A cluster profile named "${write.name}" already exists; choose another name or update that one.`);
    // Encrypt before the transaction: a cipher that fails (a key file others can read) leaves everything as it was.
    const cipher = typeof write.secret === 'string' ? this.deps.cipher.encrypt(write.secret) : null;
    const now = this.deps.clock.now();
    db.transaction(() => {
      db.prepare(
        `INSERT INTO cluster_profiles (id, name, kind, config, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, config = excluded.config, updated_at = excluded.updated_at`,
      ).run(id, write.name, write.kind, JSON.stringify(write.config), now, now);
      if (cipher) {
        db.prepare(
          'INSERT INTO cluster_secrets (cluster_id, scheme, cipher) VALUES (?, ?, ?) ON CONFLICT (cluster_id) DO UPDATE SET scheme = excluded.scheme, cipher = excluded.cipher',
        ).run(id, this.deps.cipher.scheme, cipher);
      } else if (write.secret === null) {
        db.prepare('DELETE FROM cluster_secrets WHERE cluster_id = ?').run(id);
      }
    })();
    return this.find(id);
  }

  remove(id: string): void {
    const profile = this.find(id);
    const db = this.deps.db();
    db.transaction(() => {
      db.prepare('DELETE FROM cluster_secrets WHERE cluster_id = ?').run(profile.id);
      db.prepare('DELETE FROM cluster_profiles WHERE id = ?').run(profile.id);
    })();
  }

  /** The decrypted secret, or null when none is stored; an error that says to enter it again when it cannot be read. */
  secret(id: string): string | null {
    const profile = this.find(id);
    const stored = this.deps.db().prepare('SELECT scheme, cipher FROM cluster_secrets WHERE cluster_id = ?').get(profile.id) as
      | { scheme: 'safe-storage' | 'key-file'; cipher: Buffer }
      | undefined;
    if (!stored) return null;
    const cipher = this.deps.ciphers.find((candidate) => candidate.scheme === stored.scheme);
    if (!cipher) {
      throw new OrreryError(
        'unavailable',
        `The secret of cluster "${profile.name}" was stored by the Orrery app in the OS keychain, which cannot be reached here; enter it again (\`orrery cluster add NAME --secret-from VAR\`, or Jobs → Clusters).`,
      );
    }
    try {
      return cipher.decrypt(stored.cipher);
    } catch (error) {
      const why = isOrreryError(error) ? error.message : 'it could not be decrypted';
      throw new OrreryError('unavailable', `The secret of cluster "${profile.name}" cannot be used: ${why}`, { cause: error });
    }
  }
}

/** The profile as the job service builds a backend from it. */
export function toClusterProfile(view: ClusterProfileView): ClusterProfile {
  const defined = <T>(value: T | null): T | undefined => (value === null ? undefined : value);
  return {
    id: view.id,
    name: view.name,
    kind: view.kind,
    transport: defined(view.transport),
    host: defined(view.host),
    port: defined(view.port),
    user: defined(view.user),
    keyPath: defined(view.keyPath),
    knownHostsPath: defined(view.knownHostsPath),
    address: defined(view.address),
    partition: defined(view.partition),
    remoteDir: defined(view.remoteDir),
    defaults: view.defaults,
  };
}

/** Reads a stored config; a row damaged by hand falls back to its defaults field by field rather than failing the list. */
export function parseConfig(text: string): ClusterConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    raw = {};
  }
  const parsed = storedConfigSchema.safeParse(raw);
  return parsed.success ? parsed.data : storedConfigSchema.parse({});
}

function toView(row: ProfileRow): ClusterProfileView {
  return { id: row.id, name: row.name, kind: row.kind, ...parseConfig(row.config), secretStore: row.scheme, createdAt: row.createdAt, updatedAt: row.updatedAt };
}
