/**
 * Part of project schema 7: edge packages built from model versions. The tar.gz is a blob of the artifact store
 * (`sha256`, `path` relative to the project); a version cannot be deleted while a package of it exists (RESTRICT).
 */
export const packageSchema = `
CREATE TABLE model_packages (
  id TEXT PRIMARY KEY,
  version_id TEXT NOT NULL REFERENCES model_versions (id) ON DELETE RESTRICT,
  target TEXT NOT NULL CHECK (target IN ('linux-x64', 'linux-arm64')),
  file_name TEXT NOT NULL,
  path TEXT NOT NULL,
  sha256 TEXT NOT NULL REFERENCES artifacts (sha256),
  size INTEGER NOT NULL,
  manifest TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX model_packages_by_version ON model_packages (version_id, created_at);
`;
