import { envSchema } from '../../../app/contract';
import type { Env } from '../../../app/models';
import type { Db } from '../store/open-database';

const defaultKey = 'defaultEnv';

/** The project's default env as stored in `project_settings` (the whole Env, so it resolves without the cache). */
export function readDefaultEnv(db: Db): Env | null {
  const row = db.prepare('SELECT value FROM project_settings WHERE key = ?').get(defaultKey) as { value: string } | undefined;
  if (!row) return null;
  try {
    const parsed = envSchema.safeParse(JSON.parse(row.value));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Stores (or clears, with null) the project's default env. */
export function writeDefaultEnv(db: Db, env: Env | null): void {
  if (env === null) db.prepare('DELETE FROM project_settings WHERE key = ?').run(defaultKey);
  else {
    db.prepare('INSERT INTO project_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(defaultKey, JSON.stringify(env));
  }
}
