import { createHash } from 'node:crypto';
import { OrreryError } from '../../../app/contract';
import { newId } from '../../../app/lib/ids';
import type { EnvLock } from '../../../app/models';
import type { CallOutput } from '../../../app/contract';
import type { Db } from '../store/open-database';

/** One pinned package of a snapshot: its normalized name and version (or the URL it came from). */
export interface LockedPackage {
  readonly name: string;
  readonly version: string;
}

/** PEP 503 normalized name: lower case, runs of `-_.` as one `-`. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** Parses `pip freeze` lines: `name==version`, `name @ url`, `-e url#egg=name`; comments and options skipped. */
export function parseFreeze(content: string): LockedPackage[] {
  const out: LockedPackage[] = [];
  for (const raw of content.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const pinned = /^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*===?\s*(\S+)/.exec(line);
    const direct = /^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*@\s*(\S+)/.exec(line);
    const editable = /^-e\s+(\S+?)(?:#egg=([A-Za-z0-9._-]+))?$/.exec(line);
    if (pinned) out.push({ name: normalizeName(pinned[1]!), version: pinned[2]! });
    else if (direct) out.push({ name: normalizeName(direct[1]!), version: direct[2]! });
    else if (editable) out.push({ name: normalizeName(editable[2] ?? editable[1]!), version: `-e ${editable[1]!}` });
  }
  return out;
}

/** Parses a `conda env export` YAML: `- name=version=build` dependencies and the `pip:` list below them. */
export function parseCondaExport(content: string): LockedPackage[] {
  const out: LockedPackage[] = [];
  for (const raw of content.split('\n')) {
    const item = /^\s*-\s+(\S.*)$/.exec(raw);
    if (!item) continue;
    const text = item[1]!.trim();
    if (text.endsWith(':')) continue;
    const pip = parseFreeze(text);
    if (pip.length > 0 && /==|@/.test(text)) {
      out.push(...pip.map((entry) => ({ name: `pip:${entry.name}`, version: entry.version })));
      continue;
    }
    const [name, version, build] = text.split('=');
    if (name && version) out.push({ name: normalizeName(name), version: build ? `${version}=${build}` : version });
  }
  return out;
}

/** The packages of a lock's content by its format. */
export function lockPackages(format: EnvLock['format'], content: string): LockedPackage[] {
  return format === 'conda' ? parseCondaExport(content) : parseFreeze(content);
}

/** Added, removed, changed (by normalized name) and the count unchanged between two package sets. */
export function diffPackages(from: readonly LockedPackage[], to: readonly LockedPackage[]): CallOutput<'env.diff'> {
  const before = new Map(from.map((entry) => [entry.name, entry.version]));
  const after = new Map(to.map((entry) => [entry.name, entry.version]));
  const diff: CallOutput<'env.diff'> = { added: [], removed: [], changed: [], unchanged: 0 };
  for (const [name, version] of after) {
    const old = before.get(name);
    if (old === undefined) diff.added.push({ name, version });
    else if (old !== version) diff.changed.push({ name, from: old, to: version });
    else diff.unchanged++;
  }
  for (const [name, version] of before) if (!after.has(name)) diff.removed.push({ name, version });
  const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
  diff.added.sort(byName);
  diff.removed.sort(byName);
  diff.changed.sort(byName);
  return diff;
}

/** The requirements.txt or environment.yml of a lock. */
export function exportLockText(lock: EnvLock & { content: string }, format: 'requirements' | 'environment-yml'): { fileName: string; text: string } {
  const header = `# ${lock.envName}, Python ${lock.pythonVersion}, snapshot ${lock.id} of ${new Date(lock.createdAt).toISOString()} (sha256 ${lock.hash.slice(0, 12)})\n`;
  if (format === 'requirements') {
    if (lock.format === 'pip') return { fileName: 'requirements.txt', text: header + lock.content };
    const lines = parseCondaExport(lock.content).map((entry) =>
      entry.name.startsWith('pip:') ? pipLine(entry.name.slice(4), entry.version) : `${entry.name}==${entry.version.split('=')[0]!}`,
    );
    return { fileName: 'requirements.txt', text: header + lines.join('\n') + '\n' };
  }
  if (lock.format === 'conda') return { fileName: 'environment.yml', text: lock.content };
  const [major, minor] = lock.pythonVersion.split('.');
  const pins = lock.content.split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
  const yamlName = lock.envName.replace(/[^A-Za-z0-9._-]+/g, '-');
  const text = [`name: ${yamlName}`, 'dependencies:', `  - python=${major}.${minor}`, '  - pip', '  - pip:', ...pins.map((pin) => `      - ${JSON.stringify(pin)}`), ''].join('\n');
  return { fileName: 'environment.yml', text };
}

function pipLine(name: string, version: string): string {
  if (version.startsWith('-e ')) return version;
  return /^[a-z+]+:\/\//.test(version) ? `${name} @ ${version}` : `${name}==${version}`;
}

interface LockRow {
  id: string;
  env_id: string;
  env_name: string;
  created_at: number;
  format: 'pip' | 'conda';
  hash: string;
  package_count: number;
  python_version: string;
  note: string | null;
  content?: string;
}

function fromRow(row: LockRow): EnvLock {
  return {
    id: row.id,
    envId: row.env_id,
    envName: row.env_name,
    createdAt: row.created_at,
    format: row.format,
    hash: row.hash,
    packageCount: row.package_count,
    pythonVersion: row.python_version,
    note: row.note,
    ...(row.content !== undefined ? { content: row.content } : {}),
  };
}

/** What a new lock records. */
export interface NewLock {
  readonly envId: string;
  readonly envName: string;
  readonly format: EnvLock['format'];
  readonly pythonVersion: string;
  readonly note: string | null;
  readonly content: string;
  readonly now: number;
}

/** Stores a snapshot in the project store (`env_locks`) with its sha256 and package count. */
export function insertLock(db: Db, lock: NewLock): EnvLock {
  const row: LockRow = {
    id: newId('lock'),
    env_id: lock.envId,
    env_name: lock.envName,
    created_at: lock.now,
    format: lock.format,
    hash: createHash('sha256').update(lock.content).digest('hex'),
    package_count: lockPackages(lock.format, lock.content).length,
    python_version: lock.pythonVersion,
    note: lock.note,
    content: lock.content,
  };
  db.prepare(
    'INSERT INTO env_locks (id, env_id, env_name, created_at, format, hash, package_count, python_version, note, content) VALUES (@id, @env_id, @env_name, @created_at, @format, @hash, @package_count, @python_version, @note, @content)',
  ).run(row);
  return fromRow(row);
}

/** Snapshots, newest first (without content), of one env or all. */
export function listLocks(db: Db, envId?: string): EnvLock[] {
  const columns = 'id, env_id, env_name, created_at, format, hash, package_count, python_version, note';
  const rows = envId
    ? db.prepare(`SELECT ${columns} FROM env_locks WHERE env_id = ? ORDER BY created_at DESC, rowid DESC`).all(envId)
    : db.prepare(`SELECT ${columns} FROM env_locks ORDER BY created_at DESC, rowid DESC`).all();
  return (rows as LockRow[]).map(fromRow);
}

/** One snapshot with its content; `not_found` names what to do. */
export function getLock(db: Db, lockId: string): EnvLock & { content: string } {
  const row = db.prepare('SELECT * FROM env_locks WHERE id = ?').get(lockId) as LockRow | undefined;
  if (!row) throw new OrreryError('not_found', `No snapshot ${lockId} in this project; list them with \`orrery env locks\`.`);
  return fromRow(row) as EnvLock & { content: string };
}
