import Database from 'better-sqlite3';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { OrreryError } from '../../../app/contract';
import type { Logger } from '../../core/logger';

/** A better-sqlite3 connection as the services use it. */
export type Db = Database.Database;

/** Which store a file is: each kind has its own application id and migrations. */
export type StoreKind = 'project' | 'user';

/** One numbered schema step; `version` runs from 1 upward without gaps. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly up: (db: Db) => void;
}

/** What openDatabase needs besides the file. */
export interface OpenDatabaseOptions {
  readonly migrations: readonly Migration[];
  readonly kind: StoreKind;
  readonly logger: Logger;
}

/** `PRAGMA application_id` per kind ("ORRP", "ORRU"): another program's SQLite file is refused, not migrated. */
export const applicationIds: Readonly<Record<StoreKind, number>> = { project: 0x4f525250, user: 0x4f525255 };

const sqliteMagic = 'SQLite format 3\u0000';
const headerBytes = 100;

/** The facts the SQLite file header holds (https://sqlite.org/fileformat2.html#the_database_header). */
interface Header {
  readonly userVersion: number;
  readonly applicationId: number;
}

/**
 * Opens (creating when missing) a store file: WAL, foreign keys, busy timeout, synchronous=NORMAL, then the
 * migrations newer than its `user_version`, each in its own transaction. A file it cannot trust is refused
 * with `corrupt_store` or `newer_schema` and left byte-for-byte as it was.
 */
export function openDatabase(file: string, options: OpenDatabaseOptions): Db {
  const latest = checkMigrations(options.migrations);
  const header = readHeader(file, options.kind);
  if (header) refuseByHeader(file, header, latest, options.kind);

  const db = connect(file, options.kind);
  try {
    inspect(db, file, latest, options.kind);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db, options.migrations, options.kind, options.logger);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** The schema version a migration list brings a store to; throws (a bug) when versions are not 1..N. */
export function checkMigrations(migrations: readonly Migration[]): number {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) throw new Error(`Migration ${migration.name} has version ${migration.version}, expected ${index + 1}`);
  });
  return migrations.length;
}

/** The schema version stored in an open database. */
export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function readHeader(file: string, kind: StoreKind): Header | null {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw cannotOpen(file, kind, error);
  }
  // SQLite treats an empty file as a new database.
  if (size === 0) return null;
  const buffer = Buffer.alloc(headerBytes);
  let read = 0;
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    read = readSync(fd, buffer, 0, headerBytes, 0);
  } catch (error) {
    throw cannotOpen(file, kind, error);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (read < headerBytes || buffer.toString('latin1', 0, 16) !== sqliteMagic) {
    throw corrupt(file, kind, 'it is not an SQLite database');
  }
  return { userVersion: buffer.readUInt32BE(60), applicationId: buffer.readUInt32BE(68) };
}

function refuseByHeader(file: string, header: Header, latest: number, kind: StoreKind): void {
  if (header.applicationId !== 0 && header.applicationId !== applicationIds[kind]) {
    throw corrupt(file, kind, `it is an SQLite database of another program (application id ${header.applicationId})`);
  }
  if (header.userVersion > latest) throw newer(file, header.userVersion, latest);
}

function connect(file: string, kind: StoreKind): Db {
  const binding = process.env.ORRERY_SQLITE_BINDING;
  try {
    return new Database(file, { timeout: 5000, ...(binding ? { nativeBinding: binding } : {}) });
  } catch (error) {
    throw cannotOpen(file, kind, error);
  }
}

/** Checks what the header cannot show: the version as the WAL sees it, page integrity, a foreign schema. */
function inspect(db: Db, file: string, latest: number, kind: StoreKind): void {
  let version: number;
  let check: string[];
  let tables: number;
  try {
    version = schemaVersion(db);
    if (version > latest) throw newer(file, version, latest);
    check = (db.pragma('quick_check') as { quick_check: string }[]).map((row) => row.quick_check);
    tables = (db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table'").get() as { n: number }).n;
  } catch (error) {
    if (error instanceof OrreryError) throw error;
    if (isSqliteCorruption(error)) throw corrupt(file, kind, (error as Error).message, error);
    throw error;
  }
  if (check.length !== 1 || check[0] !== 'ok') throw corrupt(file, kind, `PRAGMA quick_check reports: ${check.slice(0, 3).join('; ')}`);
  const applicationId = db.pragma('application_id', { simple: true }) as number;
  if (version === 0 && tables > 0 && applicationId !== applicationIds[kind]) {
    throw corrupt(file, kind, 'it holds tables but is not an Orrery store');
  }
}

function migrate(db: Db, migrations: readonly Migration[], kind: StoreKind, logger: Logger): void {
  const from = schemaVersion(db);
  for (const migration of migrations) {
    if (migration.version <= from) continue;
    const apply = db.transaction(() => {
      migration.up(db);
      if (migration.version === 1) db.pragma(`application_id = ${applicationIds[kind]}`);
      db.pragma(`user_version = ${migration.version}`);
    });
    // IMMEDIATE takes the write lock first, so two processes opening one store cannot both migrate it.
    apply.immediate();
    logger.info('migrated store', { kind, version: migration.version, name: migration.name });
  }
}

function isSqliteCorruption(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT_INDEX' || code === 'SQLITE_CORRUPT_SEQUENCE';
}

function storeName(kind: StoreKind): string {
  return kind === 'project' ? 'project store' : 'user data store';
}

function corrupt(file: string, kind: StoreKind, reason: string, cause?: unknown): OrreryError {
  const recover =
    kind === 'project'
      ? 'Copy the .orrery folder somewhere safe as a backup, then restore project.db from a backup or move .orrery aside and create the project again'
      : 'Copy it somewhere safe as a backup, then move it aside; Orrery starts a fresh one with default settings';
  return new OrreryError(
    'corrupt_store',
    `${file} cannot be opened as an Orrery ${storeName(kind)}: ${reason}. Orrery left the file untouched. ${recover} (the sqlite3 shell's ".recover" command may salvage rows from the copy).`,
    { cause },
  );
}

function newer(file: string, found: number, known: number): OrreryError {
  return new OrreryError(
    'newer_schema',
    `${file} was written by a newer Orrery (schema ${found}, this one knows ${known}); update Orrery to open it. The file was left untouched.`,
  );
}

function cannotOpen(file: string, kind: StoreKind, error: unknown): OrreryError {
  const code = (error as { code?: unknown }).code;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY') {
    return new OrreryError('not_writable', `Orrery cannot open ${file} for writing (${String(code)}). Check that you own the folder and that it is not read-only.`, { cause: error });
  }
  if (code === 'EISDIR') return corrupt(file, kind, 'it is a folder, not a file', error);
  return new OrreryError('internal', `Orrery could not open ${file}: ${(error as Error).message}`, { cause: error });
}
