/**
 * User schema 4: cluster profiles (host, user, key, partition, defaults) and their secrets (SSH key passphrase,
 * Ray token), encrypted like provider keys. The profile's settings are one JSON column, checked by zod on read, so
 * a new optional field needs no migration; the secret lives in its own table and never in that JSON.
 */
export const clusterUserSchema = `
  CREATE TABLE cluster_profiles (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('slurm', 'ray')),
    config TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE UNIQUE INDEX cluster_profiles_by_name ON cluster_profiles (lower(name));
  CREATE TABLE cluster_secrets (
    cluster_id TEXT PRIMARY KEY REFERENCES cluster_profiles (id) ON DELETE CASCADE,
    scheme TEXT NOT NULL CHECK (scheme IN ('safe-storage', 'key-file')),
    cipher BLOB NOT NULL
  );
`;
