import { mkdirSync } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { settingsSchema } from '../../../app/contract';
import type { RecentProject, Settings } from '../../../app/models';
import type { Clock } from '../../core/clock';
import type { EventBus } from '../../core/event-bus';
import type { Logger } from '../../core/logger';
import { clusterUserSchema } from '../clusters/cluster-schema';
import { deviceUserSchema } from '../deploy/deploy-schema';
import { openDatabase, type Db, type Migration } from '../store/open-database';

/** Settings a new user starts with. */
export const defaultSettings: Settings = { theme: 'dark', terminalFontSize: 13, terminalShell: null };

/** How many recent projects are kept and listed. */
export const recentLimit = 20;

/** A recent project as stored (without the existence check). */
export interface RecentEntry {
  readonly path: string;
  readonly name: string;
  readonly openedAt: number;
}

/** Numbered migrations of `user.db`. */
export const userMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'settings and recent projects',
    up: (db) =>
      db.exec(`
        CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE recent_projects (path TEXT PRIMARY KEY, name TEXT NOT NULL, opened_at INTEGER NOT NULL);
        CREATE INDEX recent_projects_by_time ON recent_projects (opened_at);
      `),
  },
  {
    version: 2,
    name: 'python environment cache',
    up: (db) =>
      db.exec(`
        CREATE TABLE env_cache (id TEXT PRIMARY KEY, data TEXT NOT NULL, pinned INTEGER NOT NULL DEFAULT 0, updated_at INTEGER NOT NULL);
        CREATE TABLE env_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      `),
  },
  {
    version: 3,
    name: 'LLM providers, their encrypted keys and the price table',
    up: (db) =>
      db.exec(`
        CREATE TABLE providers (
          id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, base_url TEXT NOT NULL, key_env TEXT,
          models TEXT NOT NULL DEFAULT '[]', timeout_ms INTEGER NOT NULL, created_at INTEGER NOT NULL
        );
        CREATE TABLE provider_keys (
          provider_id TEXT PRIMARY KEY REFERENCES providers (id) ON DELETE CASCADE,
          scheme TEXT NOT NULL CHECK (scheme IN ('safe-storage', 'key-file')),
          cipher BLOB NOT NULL
        );
        CREATE TABLE model_prices (model TEXT PRIMARY KEY, input_per_mtok REAL NOT NULL, output_per_mtok REAL NOT NULL);
      `),
  },
  { version: 4, name: 'cluster profiles', up: (db) => db.exec(clusterUserSchema) },
  { version: 5, name: 'deploy devices', up: (db) => db.exec(deviceUserSchema) },
];

/** One cached environment (the Env as JSON); `pinned` ones (registered, created) stay when their folder is gone. */
export interface EnvRecord {
  readonly id: string;
  readonly data: string;
  readonly pinned: boolean;
}

const settingKeys = Object.keys(settingsSchema.shape) as (keyof Settings)[];

/** User-level data in `$userHome/user.db`: settings and recent projects. Opens the file on first use. */
export class UserStore {
  private db: Db | null = null;

  constructor(private readonly deps: { userHome: string; logger: Logger; clock: Clock; bus: EventBus }) {}

  /** The settings, defaults filled in; a stored value that no longer fits the schema falls back to its default. */
  getSettings(): Settings {
    const rows = this.open().prepare('SELECT key, value FROM settings').all() as { key: string; value: string }[];
    const settings: Record<string, unknown> = { ...defaultSettings };
    for (const row of rows) {
      if (!settingKeys.includes(row.key as keyof Settings)) continue;
      const field = settingsSchema.shape[row.key as keyof Settings];
      const parsed = field.safeParse(parseJson(row.value));
      if (parsed.success) settings[row.key] = parsed.data;
      else this.deps.logger.warn('ignoring a stored setting that does not fit', { key: row.key });
    }
    return settings as Settings;
  }

  /** Changes some settings in one transaction, publishes `settings.changed`, answers all of them. */
  updateSettings(patch: Partial<Settings>): Settings {
    const db = this.open();
    const upsert = db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    db.transaction(() => {
      for (const key of settingKeys) {
        if (patch[key] !== undefined) upsert.run(key, JSON.stringify(patch[key]));
      }
    })();
    const settings = this.getSettings();
    this.deps.bus.publish('settings.changed', '', settings);
    return settings;
  }

  /** Records that a project was opened now; keeps the newest `recentLimit`. */
  touchRecent(projectPath: string, name: string): void {
    const db = this.open();
    db.transaction(() => {
      // REPLACE gives the row a new rowid, which breaks ties between opens in the same millisecond.
      db.prepare('INSERT OR REPLACE INTO recent_projects (path, name, opened_at) VALUES (?, ?, ?)').run(projectPath, name, this.deps.clock.now());
      db.prepare(
        'DELETE FROM recent_projects WHERE rowid NOT IN (SELECT rowid FROM recent_projects ORDER BY opened_at DESC, rowid DESC LIMIT ?)',
      ).run(recentLimit);
    })();
  }

  /** Recent projects, newest first, each checked for a project store still on disk. */
  async recent(): Promise<RecentProject[]> {
    const entries = this.recentEntries();
    return Promise.all(entries.map(async (entry) => ({ ...entry, exists: await projectExists(entry.path) })));
  }

  /** The most recently opened project, or null on a first start. */
  lastOpened(): RecentEntry | null {
    return this.recentEntries()[0] ?? null;
  }

  /** The machine-wide environment cache, in the order it was first written. */
  envRecords(): EnvRecord[] {
    const rows = this.open().prepare('SELECT id, data, pinned FROM env_cache ORDER BY rowid').all() as { id: string; data: string; pinned: number }[];
    return rows.map((row) => ({ id: row.id, data: row.data, pinned: row.pinned === 1 }));
  }

  /** Writes cached environments (a pinned record stays pinned) and removes `remove`, in one transaction. */
  saveEnvRecords(records: readonly EnvRecord[], remove: readonly string[] = []): void {
    const db = this.open();
    const upsert = db.prepare(
      'INSERT INTO env_cache (id, data, pinned, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data, pinned = max(pinned, excluded.pinned), updated_at = excluded.updated_at',
    );
    const drop = db.prepare('DELETE FROM env_cache WHERE id = ?');
    db.transaction(() => {
      for (const record of records) upsert.run(record.id, record.data, record.pinned ? 1 : 0, this.deps.clock.now());
      for (const id of remove) drop.run(id);
    })();
  }

  /** A value kept beside the env cache (the time of the last discovery), or null. */
  envMeta(key: string): string | null {
    const row = this.open().prepare('SELECT value FROM env_meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value ?? null;
  }

  /** Sets a value kept beside the env cache. */
  setEnvMeta(key: string, value: string): void {
    this.open().prepare('INSERT INTO env_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  /** Closes the database (a later call opens it again). */
  dispose(): void {
    this.db?.close();
    this.db = null;
  }

  private recentEntries(): RecentEntry[] {
    return this.open()
      .prepare('SELECT path, name, opened_at AS openedAt FROM recent_projects ORDER BY opened_at DESC, rowid DESC LIMIT ?')
      .all(recentLimit) as RecentEntry[];
  }

  /** The user database, for services that keep user-level tables of their own (providers, keys, prices). */
  database(): Db {
    return this.open();
  }

  private open(): Db {
    if (this.db) return this.db;
    // Once, on first use: the folder must exist before SQLite can create the file in it.
    mkdirSync(this.deps.userHome, { recursive: true, mode: 0o700 });
    this.db = openDatabase(path.join(this.deps.userHome, 'user.db'), { migrations: userMigrations, kind: 'user', logger: this.deps.logger });
    return this.db;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

async function projectExists(projectPath: string): Promise<boolean> {
  try {
    await access(path.join(projectPath, '.orrery', 'project.db'));
    return true;
  } catch {
    return false;
  }
}
