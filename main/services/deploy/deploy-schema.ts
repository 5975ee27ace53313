import { packageSchema } from './package-schema';

/**
 * Part of project schema 7: deployments (which package went to which device, when, with what result). The device
 * lives in user.db, so it is kept here by name and host as they were (no foreign key across databases); a version
 * cannot be deleted while a deployment of it is on record (RESTRICT), a package can (its id is then forgotten).
 */
export const deploymentSchema = `
CREATE TABLE deployments (
  id TEXT PRIMARY KEY,
  action TEXT NOT NULL CHECK (action IN ('deploy', 'rollback')),
  device_name TEXT NOT NULL,
  host TEXT NOT NULL,
  version_id TEXT NOT NULL REFERENCES model_versions (id) ON DELETE RESTRICT,
  package_id TEXT REFERENCES model_packages (id) ON DELETE SET NULL,
  package_sha256 TEXT,
  target TEXT NOT NULL,
  result TEXT NOT NULL CHECK (result IN ('ok', 'failed')),
  failed_step TEXT,
  message TEXT,
  remote_path TEXT,
  previous_path TEXT,
  log TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER NOT NULL
);
CREATE INDEX deployments_by_device ON deployments (device_name, finished_at);
CREATE INDEX deployments_by_version ON deployments (version_id, finished_at);
`;

/** Project schema 7: edge packages and deployments. */
export const deploySchema = packageSchema + deploymentSchema;

/** User schema 5: devices (SSH targets) for deploys, shared by every project of the user; a passphrase only encrypted. */
export const deviceUserSchema = `
CREATE TABLE devices (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  host TEXT NOT NULL,
  port INTEGER NOT NULL,
  username TEXT NOT NULL,
  key_path TEXT NOT NULL,
  known_hosts_path TEXT NOT NULL,
  remote_root TEXT NOT NULL,
  target TEXT NOT NULL CHECK (target IN ('linux-x64', 'linux-arm64')),
  passphrase_scheme TEXT CHECK (passphrase_scheme IN ('safe-storage', 'key-file')),
  passphrase_cipher BLOB,
  created_at INTEGER NOT NULL
);
`;
