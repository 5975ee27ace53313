import { stat } from 'node:fs/promises';
import type { Project, ProjectInfo } from '../../../app/models';
import type { Db } from '../store/open-database';
import { projectDbPath } from './project-files';

/** Facts about a project store: file sizes (database + WAL), journal mode, artifacts and rows per table. */
export async function describeProject(project: Project, db: Db): Promise<ProjectInfo> {
  const dbPath = projectDbPath(project.path);
  const [main, wal] = await Promise.all([fileSize(dbPath), fileSize(`${dbPath}-wal`)]);
  const journalMode = String(db.pragma('journal_mode', { simple: true }));
  const artifacts = db.prepare('SELECT count(*) AS count, coalesce(sum(size), 0) AS bytes FROM artifacts').get() as { count: number; bytes: number };
  const all = db.prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string; sql: string | null }[];
  // A virtual table (FTS5) keeps its data in shadow tables named after it (`<name>_data`, …): they are SQLite's, not ours.
  const virtual = all.filter((table) => /^CREATE VIRTUAL TABLE/i.test(table.sql ?? '')).map((table) => `${table.name}_`);
  const names = all.map((table) => table.name).filter((name) => !virtual.some((prefix) => name.startsWith(prefix)));
  const tables = names.map((name) => ({
    name,
    rows: (db.prepare(`SELECT count(*) FROM "${name.replaceAll('"', '""')}"`).pluck().get() as number) ?? 0,
  }));
  return { project, dbPath, dbBytes: main + wal, journalMode, artifactCount: artifacts.count, artifactBytes: artifacts.bytes, tables };
}

async function fileSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}
