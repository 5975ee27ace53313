import { OrreryError } from '../../../app/contract';
import {
  benchResultSchema,
  lineageSchema,
  modelExportSchema,
  type BenchResult,
  type Lineage,
  type Model,
  type ModelExport,
  type ModelFormat,
  type ModelStage,
  type ModelVersion,
} from '../../../app/contract/models';
import { newId } from '../../../app/lib/ids';
import type { Clock } from '../../core/clock';
import type { ArtifactStore } from '../store/artifact-store';
import type { Db } from '../store/open-database';

/** What `register` stores: the blob already in the artifact store (or a file to put there) and its lineage. */
export interface RegisterVersionInput {
  readonly name: string;
  readonly format: ModelFormat;
  /** A blob already in the store (a run's artifact) or a file to store now. */
  readonly blob: { readonly sha256: string } | { readonly file: string };
  readonly fileName: string;
  readonly source: ModelVersion['source'];
  readonly runId: string | null;
  readonly notes: string | null;
  readonly lineage: Lineage;
  readonly description?: string | null;
}

/** What an export added: the outcome of the exporter, its blob. */
export interface ExportRecord {
  readonly kind: ModelExport['kind'];
  readonly opset: number | null;
  readonly parity: ModelExport['parity'];
  readonly quantization: ModelExport['quantization'];
  readonly fromExportId?: string | null;
}

/** A benchmark to keep. */
export interface BenchmarkRecord {
  readonly versionId: string | null;
  readonly sha256: string;
  readonly label: string;
  readonly warmup: number;
  readonly iterations: number;
  readonly rows: BenchResult['rows'];
}

interface ModelRow {
  id: string;
  name: string;
  description: string | null;
  created_at: number;
  updated_at: number;
}

interface VersionRow {
  id: string;
  model_id: string;
  model_name: string;
  version: number;
  format: string;
  sha256: string;
  file_name: string;
  size: number;
  source: string;
  run_id: string | null;
  stage: string;
  notes: string | null;
  lineage: string;
  created_at: number;
}

interface ExportRow {
  id: string;
  version_id: string;
  kind: string;
  sha256: string;
  size: number;
  opset: number | null;
  parity: string | null;
  quantization: string | null;
  from_export_id: string | null;
  created_at: number;
}

interface BenchmarkRow {
  id: string;
  version_id: string | null;
  sha256: string;
  label: string;
  warmup: number;
  iterations: number;
  rows: string;
  created_at: number;
}

const versionColumns = `v.id, v.model_id, m.name AS model_name, v.version, v.format, v.sha256, v.file_name, v.size, v.source, v.run_id,
  v.stage, v.notes, v.lineage, v.created_at`;
const versionIdPattern = /^mver_[a-z0-9]+$/;

/** Stages a ref may name after `@` when no alias of that name exists (the newest version in that stage). */
const stageRefs: readonly ModelStage[] = ['staging', 'production', 'archived'];

/**
 * The model registry of a project: models by unique name, numbered versions whose files are blobs of the artifact
 * store, aliases, stages, exports and stored benchmarks. A version's run cannot be deleted while it exists (the
 * schema says RESTRICT; the tracking service answers `conflict` first).
 */
export class ModelRegistry {
  constructor(private readonly deps: { db: Db; artifacts: ArtifactStore; clock: Clock }) {}

  /** Registered models, the most recently changed first. */
  list(): Model[] {
    const rows = this.deps.db.prepare('SELECT * FROM models ORDER BY updated_at DESC, name').all() as ModelRow[];
    return rows.map((row) => this.modelOf(row));
  }

  /** A model by id or name, with its versions (newest first). */
  get(idOrName: string): { model: Model; versions: ModelVersion[] } {
    const row = this.modelRow(idOrName);
    const versions = this.deps.db
      .prepare(`SELECT ${versionColumns} FROM model_versions v JOIN models m ON m.id = v.model_id WHERE v.model_id = ? ORDER BY v.version DESC`)
      .all(row.id) as VersionRow[];
    return { model: this.modelOf(row), versions: this.versionsOf(versions) };
  }

  /**
   * One version by reference: its id (`mver_…`), `name@3`, `name@alias`, `name@production` (the newest version in
   * that stage when no alias has the name), `name@latest` or a bare model name (its newest version).
   */
  version(ref: string): ModelVersion {
    const trimmed = ref.trim();
    if (versionIdPattern.test(trimmed)) {
      const row = this.deps.db
        .prepare(`SELECT ${versionColumns} FROM model_versions v JOIN models m ON m.id = v.model_id WHERE v.id = ?`)
        .get(trimmed) as VersionRow | undefined;
      if (row) return this.versionsOf([row])[0]!;
    }
    const at = trimmed.lastIndexOf('@');
    const name = at < 0 ? trimmed : trimmed.slice(0, at);
    const selector = at < 0 ? 'latest' : trimmed.slice(at + 1);
    const model = this.modelRow(name, ref);
    const query = `SELECT ${versionColumns} FROM model_versions v JOIN models m ON m.id = v.model_id WHERE v.model_id = ?`;
    let row: VersionRow | undefined;
    if (/^\d+$/.test(selector)) {
      row = this.deps.db.prepare(`${query} AND v.version = ?`).get(model.id, Number(selector)) as VersionRow | undefined;
    } else {
      row = this.deps.db
        .prepare(`${query} AND v.id = (SELECT version_id FROM model_aliases WHERE model_id = ? AND alias = ?)`)
        .get(model.id, model.id, selector) as VersionRow | undefined;
      if (!row && (stageRefs as readonly string[]).includes(selector)) {
        row = this.deps.db.prepare(`${query} AND v.stage = ? ORDER BY v.version DESC LIMIT 1`).get(model.id, selector) as VersionRow | undefined;
      }
      if (!row && selector === 'latest') {
        row = this.deps.db.prepare(`${query} ORDER BY v.version DESC LIMIT 1`).get(model.id) as VersionRow | undefined;
      }
    }
    if (!row) {
      const known = this.get(model.id);
      const choices = [...known.versions.map((version) => String(version.version)), ...Object.keys(known.model.aliases)];
      throw new OrreryError(
        'not_found',
        `Model ${model.name} has no version "${selector}"${choices.length > 0 ? `; it has ${choices.join(', ')}` : ' yet; register one first'}.`,
      );
    }
    return this.versionsOf([row])[0]!;
  }

  /** Registers the next version of a model (the model is created on its first version). */
  async register(input: RegisterVersionInput): Promise<ModelVersion> {
    const name = input.name.trim();
    if (name.length === 0 || name.includes('@')) {
      throw new OrreryError('invalid_input', `name: "${input.name}" cannot name a model; use letters, digits, _ . - and spaces (no @).`);
    }
    let sha256: string;
    let size: number;
    if ('file' in input.blob) {
      const put = await this.deps.artifacts.putFile(input.blob.file);
      ({ hash: sha256, size } = put);
    } else {
      const blob = await this.deps.artifacts.get(input.blob.sha256);
      ({ hash: sha256, size } = blob);
    }
    lineageSchema.parse(input.lineage);
    const { db, clock } = this.deps;
    const id = newId('mver', 12);
    db.transaction(() => {
      const now = clock.now();
      let model = db.prepare('SELECT * FROM models WHERE name = ?').get(name) as ModelRow | undefined;
      if (!model) {
        const modelId = newId('mdl', 10);
        db.prepare('INSERT INTO models (id, name, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?)').run(modelId, name, input.description ?? null, now, now);
        model = { id: modelId, name, description: input.description ?? null, created_at: now, updated_at: now };
      } else {
        db.prepare('UPDATE models SET updated_at = ? WHERE id = ?').run(now, model.id);
      }
      const next = (db.prepare('SELECT coalesce(max(version), 0) + 1 FROM model_versions WHERE model_id = ?').pluck().get(model.id) as number) ?? 1;
      db.prepare(
        `INSERT INTO model_versions (id, model_id, version, format, sha256, file_name, size, source, run_id, stage, notes, lineage, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'none', ?, ?, ?)`,
      ).run(id, model.id, next, input.format, sha256, input.fileName, size, input.source, input.runId, input.notes, JSON.stringify(input.lineage), now);
    })();
    return this.version(id);
  }

  /** Changes a version's stage or notes (undefined: unchanged; notes null clears them). */
  update(versionId: string, change: { stage?: ModelStage; notes?: string | null }): ModelVersion {
    const current = this.requireVersion(versionId);
    const { db, clock } = this.deps;
    db.transaction(() => {
      db.prepare('UPDATE model_versions SET stage = ?, notes = ? WHERE id = ?').run(
        change.stage ?? current.stage,
        change.notes === undefined ? current.notes : change.notes,
        versionId,
      );
      db.prepare('UPDATE models SET updated_at = ? WHERE id = ?').run(clock.now(), current.modelId);
    })();
    return this.version(versionId);
  }

  /** Points an alias at a version of the model, or removes it (versionId null). */
  alias(modelIdOrName: string, alias: string, versionId: string | null): Model {
    const model = this.modelRow(modelIdOrName);
    if (!/^[a-z][a-z0-9_-]{0,39}$/.test(alias)) {
      throw new OrreryError('invalid_input', `alias: "${alias}" is not an alias; use lowercase letters, digits, _ and - (such as champion).`);
    }
    if (alias === 'latest') throw new OrreryError('invalid_input', 'alias: "latest" always means the newest version; choose another alias.');
    const { db, clock } = this.deps;
    if (versionId === null) {
      const removed = db.prepare('DELETE FROM model_aliases WHERE model_id = ? AND alias = ?').run(model.id, alias).changes;
      if (removed === 0) throw new OrreryError('not_found', `Model ${model.name} has no alias "${alias}".`);
    } else {
      const owner = db.prepare('SELECT model_id FROM model_versions WHERE id = ?').pluck().get(versionId) as string | undefined;
      if (!owner) throw new OrreryError('not_found', `No model version ${versionId}; list versions with \`orrery model show ${model.name}\`.`);
      if (owner !== model.id) throw new OrreryError('invalid_input', `Version ${versionId} belongs to another model than ${model.name}; an alias points at a version of its own model.`);
      db.prepare('INSERT INTO model_aliases (model_id, alias, version_id) VALUES (?, ?, ?) ON CONFLICT (model_id, alias) DO UPDATE SET version_id = excluded.version_id').run(
        model.id,
        alias,
        versionId,
      );
    }
    db.prepare('UPDATE models SET updated_at = ? WHERE id = ?').run(clock.now(), model.id);
    return this.modelOf(this.modelRow(model.id));
  }

  /** Deletes a version, its aliases, exports and benchmarks; the model goes with its last version. Blobs stay. */
  deleteVersion(versionId: string): void {
    const version = this.requireVersion(versionId);
    const { db, clock } = this.deps;
    const packaged = db.prepare('SELECT count(*) FROM model_packages WHERE version_id = ?').pluck().get(versionId) as number;
    if (packaged > 0) {
      throw new OrreryError('conflict', `${version.modelName}@${version.version} has ${packaged} edge package(s); delete them first (model.deletePackage, or the Package tab), then the version.`);
    }
    db.transaction(() => {
      db.prepare('DELETE FROM model_versions WHERE id = ?').run(versionId);
      const left = db.prepare('SELECT count(*) FROM model_versions WHERE model_id = ?').pluck().get(version.modelId) as number;
      if (left === 0) db.prepare('DELETE FROM models WHERE id = ?').run(version.modelId);
      else db.prepare('UPDATE models SET updated_at = ? WHERE id = ?').run(clock.now(), version.modelId);
    })();
  }

  /** The versions registered from a run (what keeps the run from being deleted). */
  versionsOfRun(runId: string): ModelVersion[] {
    const rows = this.deps.db
      .prepare(`SELECT ${versionColumns} FROM model_versions v JOIN models m ON m.id = v.model_id WHERE v.run_id = ? ORDER BY m.name, v.version`)
      .all(runId) as VersionRow[];
    return this.versionsOf(rows);
  }

  /** Keeps an export of a version (its file already put in the artifact store as `sha256`). */
  addExport(versionId: string, outcome: ExportRecord, sha256: string, size: number): ModelExport {
    this.requireVersion(versionId);
    const id = newId('mexp', 12);
    this.deps.db
      .prepare(
        `INSERT INTO model_exports (id, version_id, kind, sha256, size, opset, parity, quantization, from_export_id, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        versionId,
        outcome.kind,
        sha256,
        size,
        outcome.opset,
        outcome.parity ? JSON.stringify(outcome.parity) : null,
        outcome.quantization ? JSON.stringify(outcome.quantization) : null,
        outcome.fromExportId ?? null,
        this.deps.clock.now(),
      );
    return this.export(id);
  }

  /** One export by id. */
  export(exportId: string): ModelExport {
    const row = this.deps.db.prepare('SELECT * FROM model_exports WHERE id = ?').get(exportId) as ExportRow | undefined;
    if (!row) throw new OrreryError('not_found', `No model export ${exportId}; list a version's exports with \`orrery model show NAME@VERSION\`.`);
    return exportOf(row);
  }

  /** Exports of a version, newest first. */
  exports(versionId: string): ModelExport[] {
    this.requireVersion(versionId);
    const rows = this.deps.db.prepare('SELECT * FROM model_exports WHERE version_id = ? ORDER BY created_at DESC, rowid DESC').all(versionId) as ExportRow[];
    return rows.map(exportOf);
  }

  /** Keeps a benchmark's results. */
  addBenchmark(record: BenchmarkRecord): BenchResult {
    if (record.versionId !== null) this.requireVersion(record.versionId);
    const result: BenchResult = {
      id: newId('mbench', 12),
      versionId: record.versionId,
      sha256: record.sha256,
      label: record.label,
      warmup: record.warmup,
      iterations: record.iterations,
      rows: record.rows,
      createdAt: this.deps.clock.now(),
    };
    benchResultSchema.parse(result);
    this.deps.db
      .prepare('INSERT INTO model_benchmarks (id, version_id, sha256, label, warmup, iterations, rows, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(result.id, result.versionId, result.sha256, result.label, result.warmup, result.iterations, JSON.stringify(result.rows), result.createdAt);
    return result;
  }

  /** Stored benchmarks of a version, of every version of a model, or all of them; newest first. */
  benchmarks(filter: { versionId?: string; modelId?: string } = {}): BenchResult[] {
    let rows: BenchmarkRow[];
    const order = 'ORDER BY b.created_at DESC, b.rowid DESC';
    if (filter.versionId !== undefined) {
      this.requireVersion(filter.versionId);
      rows = this.deps.db.prepare(`SELECT b.* FROM model_benchmarks b WHERE b.version_id = ? ${order}`).all(filter.versionId) as BenchmarkRow[];
    } else if (filter.modelId !== undefined) {
      const model = this.modelRow(filter.modelId);
      rows = this.deps.db
        .prepare(`SELECT b.* FROM model_benchmarks b JOIN model_versions v ON v.id = b.version_id WHERE v.model_id = ? ${order}`)
        .all(model.id) as BenchmarkRow[];
    } else {
      rows = this.deps.db.prepare(`SELECT b.* FROM model_benchmarks b ${order}`).all() as BenchmarkRow[];
    }
    return rows.map((row) => ({
      id: row.id,
      versionId: row.version_id,
      sha256: row.sha256,
      label: row.label,
      warmup: row.warmup,
      iterations: row.iterations,
      rows: benchResultSchema.shape.rows.parse(JSON.parse(row.rows)),
      createdAt: row.created_at,
    }));
  }

  /** A version by id; `not_found` otherwise. */
  requireVersion(versionId: string): ModelVersion {
    const row = this.deps.db
      .prepare(`SELECT ${versionColumns} FROM model_versions v JOIN models m ON m.id = v.model_id WHERE v.id = ?`)
      .get(versionId) as VersionRow | undefined;
    if (!row) throw new OrreryError('not_found', `No model version ${versionId}; list versions with \`orrery model list\` and \`orrery model show NAME\`.`);
    return this.versionsOf([row])[0]!;
  }

  private modelRow(idOrName: string, ref?: string): ModelRow {
    const row = this.deps.db.prepare('SELECT * FROM models WHERE id = ? OR name = ? ORDER BY id = ? DESC LIMIT 1').get(idOrName, idOrName, idOrName) as
      | ModelRow
      | undefined;
    if (!row) {
      throw new OrreryError('not_found', `No model ${JSON.stringify(ref ?? idOrName)} in this project; list models with \`orrery model list\`, register one with \`orrery model register\`.`);
    }
    return row;
  }

  private modelOf(row: ModelRow): Model {
    const aliases = this.deps.db
      .prepare('SELECT a.alias, v.version FROM model_aliases a JOIN model_versions v ON v.id = a.version_id WHERE a.model_id = ? ORDER BY a.alias')
      .all(row.id) as { alias: string; version: number }[];
    const latest = this.deps.db.prepare('SELECT max(version) FROM model_versions WHERE model_id = ?').pluck().get(row.id) as number | null;
    return {
      id: row.id,
      name: row.name,
      description: row.description,
      latestVersion: latest ?? null,
      aliases: Object.fromEntries(aliases.map((entry) => [entry.alias, entry.version])),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  private versionsOf(rows: readonly VersionRow[]): ModelVersion[] {
    const aliasesOf = this.deps.db.prepare('SELECT alias FROM model_aliases WHERE version_id = ? ORDER BY alias').pluck();
    return rows.map((row) => ({
      id: row.id,
      modelId: row.model_id,
      modelName: row.model_name,
      version: row.version,
      format: row.format as ModelFormat,
      sha256: row.sha256,
      fileName: row.file_name,
      size: row.size,
      source: row.source as ModelVersion['source'],
      stage: row.stage as ModelStage,
      aliases: aliasesOf.all(row.id) as string[],
      notes: row.notes,
      lineage: parseLineage(row.lineage, row.run_id),
      createdAt: row.created_at,
    }));
  }
}

function parseLineage(text: string, runId: string | null): Lineage {
  const parsed = lineageSchema.safeParse(safeJson(text));
  if (parsed.success) return parsed.data;
  return { runId, runName: null, params: {}, metrics: {}, envLockId: null, gitCommit: null, datasets: [] };
}

function safeJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

function exportOf(row: ExportRow): ModelExport {
  return modelExportSchema.parse({
    id: row.id,
    versionId: row.version_id,
    kind: row.kind,
    sha256: row.sha256,
    size: row.size,
    opset: row.opset,
    parity: safeJson(row.parity),
    quantization: safeJson(row.quantization),
    fromExportId: row.from_export_id,
    createdAt: row.created_at,
  });
}
