import type { Deployment, DeployStep } from '../../../app/contract/deploy';
import type { PackageTarget } from '../../../app/contract/packages';
import type { Db } from '../store/open-database';

interface DeploymentRow {
  id: string;
  action: Deployment['action'];
  device_name: string;
  host: string;
  version_id: string;
  model_name: string;
  version: number;
  package_id: string | null;
  package_sha256: string | null;
  target: PackageTarget;
  result: Deployment['result'];
  failed_step: DeployStep | null;
  message: string | null;
  remote_path: string | null;
  previous_path: string | null;
  log: string;
  started_at: number;
  finished_at: number;
}

const columns = `d.*, m.name AS model_name, v.version`;
const joined = `deployments d JOIN model_versions v ON v.id = d.version_id JOIN models m ON m.id = v.model_id`;

/** Which deployments to list. */
export interface DeploymentFilter {
  readonly device?: string;
  readonly modelName?: string;
  readonly versionId?: string;
}

/** The `deployments` rows of a project: every deploy and rollback, failed ones included, with its log. */
export class DeploymentStore {
  constructor(private readonly db: Db) {}

  add(record: Omit<Deployment, 'modelName' | 'version'>): void {
    this.db
      .prepare(
        `INSERT INTO deployments (id, action, device_name, host, version_id, package_id, package_sha256, target, result, failed_step, message,
           remote_path, previous_path, log, started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        record.id,
        record.action,
        record.deviceName,
        record.host,
        record.versionId,
        record.packageId,
        record.packageSha256,
        record.target,
        record.result,
        record.failedStep,
        record.message,
        record.remotePath,
        record.previousPath,
        record.log,
        record.startedAt,
        record.finishedAt,
      );
  }

  get(id: string): Deployment | null {
    const row = this.db.prepare(`SELECT ${columns} FROM ${joined} WHERE d.id = ?`).get(id) as DeploymentRow | undefined;
    return row ? deploymentOf(row) : null;
  }

  /** Newest first. */
  list(filter: DeploymentFilter = {}): Deployment[] {
    const conditions: [string, string | undefined][] = [
      ['d.device_name = ?', filter.device],
      ['m.name = ?', filter.modelName],
      ['d.version_id = ?', filter.versionId],
    ];
    const used = conditions.filter((condition): condition is [string, string] => condition[1] !== undefined);
    const where = used.map(([sql]) => sql);
    const values = used.map(([, value]) => value);
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const rows = this.db.prepare(`SELECT ${columns} FROM ${joined} ${clause} ORDER BY d.finished_at DESC, d.rowid DESC`).all(...values) as DeploymentRow[];
    return rows.map(deploymentOf);
  }
}

function deploymentOf(row: DeploymentRow): Deployment {
  return {
    id: row.id,
    action: row.action,
    deviceName: row.device_name,
    host: row.host,
    versionId: row.version_id,
    modelName: row.model_name,
    version: row.version,
    packageId: row.package_id,
    packageSha256: row.package_sha256,
    target: row.target,
    result: row.result,
    failedStep: row.failed_step,
    message: row.message,
    remotePath: row.remote_path,
    previousPath: row.previous_path,
    log: row.log,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}
