import path from 'node:path';
import { OrreryError } from '../../../app/contract';
import { packageManifestSchema, type EdgePackage, type PackageManifest, type PackageTarget } from '../../../app/contract/packages';
import { newId } from '../../../app/lib/ids';
import type { Db } from '../store/open-database';

interface PackageRow {
  id: string;
  version_id: string;
  model_name: string;
  version: number;
  target: PackageTarget;
  file_name: string;
  path: string;
  sha256: string;
  size: number;
  manifest: string;
  created_at: number;
}

const columns = `p.id, p.version_id, m.name AS model_name, v.version, p.target, p.file_name, p.path, p.sha256, p.size, p.manifest, p.created_at`;
const joined = `model_packages p JOIN model_versions v ON v.id = p.version_id JOIN models m ON m.id = v.model_id`;

/** What a new package row holds (its tar.gz already a blob of the artifact store). */
export interface NewPackage {
  readonly versionId: string;
  readonly target: PackageTarget;
  readonly fileName: string;
  /** The blob's path relative to the project folder. */
  readonly relativePath: string;
  readonly sha256: string;
  readonly size: number;
  readonly manifest: PackageManifest;
  readonly createdAt: number;
}

/** The `model_packages` rows of a project: one per build, linked to its version (the version stays while a package does). */
export class PackageStore {
  constructor(private readonly deps: { db: Db; projectPath: string }) {}

  add(item: NewPackage): EdgePackage {
    const id = newId('mpkg');
    this.deps.db
      .prepare('INSERT INTO model_packages (id, version_id, target, file_name, path, sha256, size, manifest, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, item.versionId, item.target, item.fileName, item.relativePath, item.sha256, item.size, JSON.stringify(item.manifest), item.createdAt);
    return this.get(id);
  }

  get(id: string): EdgePackage {
    const row = this.deps.db.prepare(`SELECT ${columns} FROM ${joined} WHERE p.id = ?`).get(id) as PackageRow | undefined;
    if (!row) throw new OrreryError('not_found', `No package ${id} in this project; list them with \`orrery model show NAME@VERSION\` or the Package tab.`);
    return this.packageOf(row);
  }

  /** Packages of a version (or of every version), newest first. */
  list(versionId?: string): EdgePackage[] {
    const rows = (
      versionId === undefined
        ? this.deps.db.prepare(`SELECT ${columns} FROM ${joined} ORDER BY p.created_at DESC, p.rowid DESC`).all()
        : this.deps.db.prepare(`SELECT ${columns} FROM ${joined} WHERE p.version_id = ? ORDER BY p.created_at DESC, p.rowid DESC`).all(versionId)
    ) as PackageRow[];
    return rows.map((row) => this.packageOf(row));
  }

  /** Removes a row (the blob stays); `conflict` while a deployment record points at it. */
  delete(id: string): void {
    const item = this.get(id);
    try {
      this.deps.db.prepare('DELETE FROM model_packages WHERE id = ?').run(id);
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
        throw new OrreryError('conflict', `${item.fileName} (${id}) is recorded by deployments; it stays while they do.`, { cause: error });
      }
      throw error;
    }
  }

  private packageOf(row: PackageRow): EdgePackage {
    return {
      id: row.id,
      versionId: row.version_id,
      modelName: row.model_name,
      version: row.version,
      target: row.target,
      fileName: row.file_name,
      path: path.resolve(this.deps.projectPath, row.path),
      sha256: row.sha256,
      size: row.size,
      manifest: packageManifestSchema.parse(JSON.parse(row.manifest)),
      createdAt: row.created_at,
    };
  }
}

/** Packages of a version, for the model card and `orrery model show` (lineage: version → exports → packages). */
export function packagesOfVersion(db: Db, projectPath: string, versionId: string): EdgePackage[] {
  return new PackageStore({ db, projectPath }).list(versionId);
}
