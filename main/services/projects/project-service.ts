import path from 'node:path';
import { OrreryError } from '../../../app/contract';
import { newId } from '../../../app/lib/ids';
import type { Project, ProjectInfo, RecentProject } from '../../../app/models';
import type { Clock } from '../../core/clock';
import type { EventBus } from '../../core/event-bus';
import type { Logger } from '../../core/logger';
import { checkPathInRoots } from '../../core/paths';
import { ArtifactStore } from '../store/artifact-store';
import { openDatabase, schemaVersion, type Db } from '../store/open-database';
import { projectMigrations } from '../store/project-migrations';
import type { UserStore } from '../user/user-store';
import { artifactsRoot, copySample, hasProjectStore, prepareProjectFolder, projectDbPath } from './project-files';
import { describeProject } from './project-info';

/** The open project as other services use it: its row, folder, store and artifacts. */
export interface OpenProject {
  readonly project: Project;
  readonly path: string;
  readonly db: Db;
  readonly artifacts: ArtifactStore;
}

/** What `create` takes (the contract's `project.create` input). */
export interface CreateProjectInput {
  readonly path: string;
  readonly name?: string;
  readonly sample?: boolean;
}

/** Name of the folder the first start creates in the projects folder. */
export const sampleProjectFolder = 'sample-project';

interface ProjectRow {
  id: string;
  name: string;
  created_at: number;
}

/** Creates, opens, closes and lists projects; at most one is open, and every path stays inside the allowed roots. */
export class ProjectService {
  private open_: OpenProject | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: {
      user: UserStore;
      bus: EventBus;
      logger: Logger;
      clock: Clock;
      allowedRoots: readonly string[];
      resourcesDir: string;
      projectsDir: string;
    },
  ) {}

  /** The open project, or null. */
  current(): Project | null {
    return this.open_?.project ?? null;
  }

  /** The open project for services that work inside one; `no_project` when none is open. */
  requireCurrent(): OpenProject {
    if (!this.open_) throw new OrreryError('no_project', 'Open or create a project first');
    return this.open_;
  }

  /** Makes a project in a folder (created if missing), optionally with the sample content, and opens it. */
  create(input: CreateProjectInput): Promise<Project> {
    return this.serialize(async () => {
      const folder = await checkPathInRoots(input.path, this.deps.allowedRoots);
      if (await hasProjectStore(folder)) {
        throw new OrreryError('already_exists', `${folder} already holds an Orrery project; open it instead.`);
      }
      await prepareProjectFolder(folder);
      if (input.sample) await copySample(this.deps.resourcesDir, folder);
      const db = openDatabase(projectDbPath(folder), { migrations: projectMigrations, kind: 'project', logger: this.deps.logger });
      try {
        const name = input.name ?? path.basename(folder);
        db.prepare('INSERT INTO project (id, name, created_at) VALUES (?, ?, ?)').run(newId('proj'), name, this.deps.clock.now());
      } catch (error) {
        db.close();
        throw error;
      }
      this.deps.logger.info('project created', { path: folder, sample: input.sample === true });
      return this.activate(folder, db);
    });
  }

  /** Opens an existing project folder, closing the one open before. */
  open(projectPath: string): Promise<Project> {
    return this.serialize(async () => {
      const folder = await checkPathInRoots(projectPath, this.deps.allowedRoots);
      if (this.open_?.path === folder) {
        this.deps.user.touchRecent(folder, this.open_.project.name);
        return this.open_.project;
      }
      return this.activate(folder, await this.openStore(folder));
    });
  }

  /** Closes the open project; answers whether one was open. */
  close(): Promise<{ closed: boolean }> {
    return this.serialize(async () => {
      if (!this.open_) return { closed: false };
      this.release();
      this.deps.bus.publish('project.changed', '', { project: null });
      return { closed: true };
    });
  }

  /** Recently opened projects, newest first. */
  recent(): Promise<RecentProject[]> {
    return this.deps.user.recent();
  }

  /** Facts about the open project's store, or about the project at `projectPath` (opened briefly, not made current). */
  info(projectPath?: string): Promise<ProjectInfo> {
    return this.serialize(async () => {
      if (projectPath === undefined) {
        const open = this.requireCurrent();
        return describeProject(open.project, open.db);
      }
      const folder = await checkPathInRoots(projectPath, this.deps.allowedRoots);
      if (this.open_?.path === folder) return describeProject(this.open_.project, this.open_.db);
      const db = await this.openStore(folder);
      try {
        return await describeProject(readProject(db, folder, this.deps.clock.now()), db);
      } finally {
        db.close();
      }
    });
  }

  /**
   * Start-up: reopens the last project if it still opens; on a first start (no recent project at all) creates
   * and opens the sample project in the projects folder. Never throws: a failure leaves no project open.
   */
  async openStartupProject(): Promise<void> {
    let last: { path: string } | null;
    try {
      last = this.deps.user.lastOpened();
    } catch (error) {
      this.deps.logger.error('cannot read the recent projects', { error });
      return;
    }
    try {
      if (last) {
        await this.open(last.path);
        return;
      }
      const samplePath = path.join(this.deps.projectsDir, sampleProjectFolder);
      if (await hasProjectStore(samplePath)) await this.open(samplePath);
      else await this.create({ path: samplePath, name: 'Sample project', sample: true });
    } catch (error) {
      this.deps.logger.warn('no project opened at start-up', { path: last?.path ?? this.deps.projectsDir, error });
    }
  }

  /** Closes the open project without announcing it (the app is going away). */
  dispose(): void {
    this.release();
  }

  private async openStore(folder: string): Promise<Db> {
    if (!(await hasProjectStore(folder))) {
      throw new OrreryError('not_found', `${folder} is not an Orrery project (no .orrery/project.db); create one there.`);
    }
    return openDatabase(projectDbPath(folder), { migrations: projectMigrations, kind: 'project', logger: this.deps.logger });
  }

  private activate(folder: string, db: Db): Project {
    let project: Project;
    try {
      project = readProject(db, folder, this.deps.clock.now());
    } catch (error) {
      db.close();
      throw error;
    }
    this.release();
    const artifacts = new ArtifactStore({ root: artifactsRoot(folder), db, clock: this.deps.clock });
    this.open_ = { project, path: folder, db, artifacts };
    this.deps.user.touchRecent(folder, project.name);
    this.deps.bus.publish('project.changed', '', { project });
    artifacts.removeStaleTemp().catch((error: unknown) => this.deps.logger.warn('cannot clean artifact temp files', { error }));
    this.deps.logger.info('project opened', { path: folder });
    return project;
  }

  private release(): void {
    const open = this.open_;
    this.open_ = null;
    open?.db.close();
  }

  /** Runs project changes one at a time, so two opens cannot interleave. */
  private serialize<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** The project row (one per store); a store whose creation stopped before it was written gets one now. */
function readProject(db: Db, folder: string, now: number): Project {
  let row = db.prepare('SELECT id, name, created_at FROM project LIMIT 1').get() as ProjectRow | undefined;
  if (!row) {
    row = { id: newId('proj'), name: path.basename(folder), created_at: now };
    db.prepare('INSERT INTO project (id, name, created_at) VALUES (?, ?, ?)').run(row.id, row.name, row.created_at);
  }
  return { id: row.id, name: row.name, path: folder, createdAt: row.created_at, openedAt: now, schemaVersion: schemaVersion(db) };
}
