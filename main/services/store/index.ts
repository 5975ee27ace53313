export { ArtifactStore, isSha256, type ArtifactInfo, type ArtifactSource, type PutResult, type VerifyResult } from './artifact-store';
export { MetricWriter, type MetricPoint, type MetricWriterOptions } from './metric-writer';
export { applicationIds, checkMigrations, openDatabase, schemaVersion, type Db, type Migration, type OpenDatabaseOptions, type StoreKind } from './open-database';
export { projectMigrations, projectSchemaV1 } from './project-migrations';
export { createRun, type NewRun } from './runs';
