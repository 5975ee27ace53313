import { stat } from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import { OrreryError, type CallInput, type CallOutput } from '../../../app/contract';
import type { SandboxSession } from '../../../app/contract/sandbox';
import { newId } from '../../../app/lib/ids';
import type { JobBackend, SandboxJobBackends } from '../jobs/backend';
import type { Clock } from '../../core/clock';
import type { EventBus } from '../../core/event-bus';
import type { Logger } from '../../core/logger';
import type { TaskRegistry } from '../../core/tasks';
import type { EnvService } from '../envs/env-service';
import type { OpenProject, ProjectService } from '../projects/project-service';
import type { UserStore } from '../user/user-store';
import { closeOrphanedSessions, getSession, listSessions, sessionsCsv, type SessionFilter } from './audit';
import { DockerClient } from './docker';
import { runExecSession, type ExecResult } from './exec-session';
import { containerPaths, resolveLimits, type SandboxLimits } from './hardening';
import { ensureBaseImage, imageId, listImages, pruneImages, readBaseRecipe, requireImage, type ImageSummary } from './images';
import { buildProjectImage, installableRequirements, projectImageTag } from './project-image';
import { readPoolConfig, writePoolConfig, type PoolConfig } from './pool-config';
import { makeOutputDir, removeOutputDir, sweepOutputDirs } from './scratch';
import { openShell, type ShellSession } from './shell-session';
import { SandboxJobBackend } from './job-backend';
import { pidAlive } from '../../core/pids';
import { listSandboxContainers, sweepStrays, type LabelledContainer } from './sweep';
import { WarmPool, type PoolSpec } from './warm-pool';

/** What the sandbox service needs. */
export interface SandboxServiceDeps {
  readonly bus: EventBus;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly projects: ProjectService;
  readonly envs: EnvService;
  readonly user: UserStore;
  readonly tasks: TaskRegistry;
  readonly allowedRoots: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly resourcesDir: string;
  readonly userHome: string;
  /**
   * Fill the warm pool on the first exec (default true). A one-shot CLI process passes false: containers it
   * warmed would be thrown away at exit. Asking for the pool (sandbox.pool / configurePool) fills it anyway.
   */
  readonly warmPool?: boolean;
}

/**
 * Docker sandboxes: hardened containers for code, kernels and jobs, images, a warm pool and an audit log.
 * Constructing it never touches Docker, so Orrery starts without it; every call first passes `ready()`,
 * which answers `unavailable` with the advice when Docker is missing or down, and on first success sweeps
 * the containers a crashed Orrery left behind.
 */
export class SandboxService implements SandboxJobBackends {
  readonly client: DockerClient;
  private readonly pool: WarmPool;
  private swept: Promise<void> | null = null;
  private backend: SandboxJobBackend | null = null;
  private poolWanted: boolean;

  constructor(readonly deps: SandboxServiceDeps) {
    this.client = new DockerClient(deps.env);
    this.poolWanted = deps.warmPool !== false;
    this.pool = new WarmPool({
      docker: () => this.client.require(),
      logger: deps.logger.child('pool'),
      makeOutputDir,
      removeOutputDir,
    });
  }

  /** The Docker client once the daemon answers (strays swept on first use); `unavailable` otherwise. */
  async ready(): Promise<Docker> {
    const docker = await this.client.require();
    this.swept ??= this.sweepStrays().then(
      () => undefined,
      (error: unknown) => this.deps.logger.warn('sandbox sweep failed', { error }),
    );
    await this.swept;
    return docker;
  }

  /** Removes containers and output folders of Orrery processes that are gone, and closes their sessions in the open project's log. */
  async sweepStrays(): Promise<string[]> {
    const removed = await sweepStrays(await this.client.require());
    await sweepOutputDirs(pidAlive);
    if (removed.length > 0) this.deps.logger.info('removed stray sandbox containers', { count: removed.length });
    const open = this.deps.projects.current();
    if (open) closeOrphanedSessions(this.deps.projects.requireCurrent().db, this.deps.clock.now(), pidAlive);
    return removed;
  }

  async status(): Promise<CallOutput<'sandbox.status'>> {
    const recipe = await readBaseRecipe(this.deps.resourcesDir);
    const state = await this.client.available();
    if (!state.ok) return { available: false, problem: state.problem, message: state.message, version: null, gpu: false, baseImage: { tag: recipe.tag, present: false } };
    const present = (await imageId(this.client.docker, recipe.tag)) !== null;
    return {
      available: true,
      problem: null,
      message: `Docker ${state.version} (API ${state.apiVersion}) is running.`,
      version: state.version,
      gpu: state.runtimes.includes('nvidia'),
      baseImage: { tag: recipe.tag, present },
    };
  }

  /** Runs one command in a sandbox as a task (cancellable); see `runExecSession`. */
  async exec(input: CallInput<'sandbox.exec'>): Promise<ExecResult> {
    const docker = await this.ready();
    const project = this.deps.projects.requireCurrent();
    const config = await this.poolConfig();
    const limits = resolveLimits(input.limits ?? {}, config.limits);
    const sessionId = input.sessionId ?? newId('sbx');
    return this.deps.tasks.run(input.taskId, `Sandbox: ${input.command.join(' ').slice(0, 80)}`, async (task) => {
      const image = input.image ?? (await this.defaultImage(docker, project, task));
      if (input.image) await requireImage(docker, input.image);
      const spec = await this.specFor(project, image, limits);
      if (this.poolWanted) void this.configurePoolFor(config, project);
      return runExecSession(
        { docker, bus: this.deps.bus, clock: this.deps.clock, pool: this.pool, project },
        { sessionId, command: input.command, image, limits, spec, workingDir: input.workingDir, usePool: input.pool !== false, signal: task.signal },
      );
    });
  }

  /** An interactive shell in a sandbox (the CLI's `orrery sandbox shell`); audited as kind `shell`. */
  async shell(input: { image?: string; limits?: Partial<SandboxLimits>; columns: number; rows: number }): Promise<ShellSession> {
    const docker = await this.ready();
    const project = this.deps.projects.requireCurrent();
    const limits = resolveLimits(input.limits ?? {}, (await this.poolConfig()).limits);
    const image = input.image ?? (await this.defaultImage(docker, project));
    if (input.image) await requireImage(docker, input.image);
    const spec = await this.specFor(project, image, limits);
    return openShell({ docker, bus: this.deps.bus, clock: this.deps.clock, project }, { sessionId: newId('sbx'), image, limits, spec, columns: input.columns, rows: input.rows });
  }

  sessions(filter: SessionFilter = {}): SandboxSession[] {
    return listSessions(this.deps.projects.requireCurrent().db, filter);
  }

  session(id: string): SandboxSession {
    return getSession(this.deps.projects.requireCurrent().db, id);
  }

  exportAudit(input: CallInput<'sandbox.exportAudit'>): CallOutput<'sandbox.exportAudit'> {
    const sessions = this.sessions({ limit: 100_000, ...input.filter });
    const stamp = new Date(this.deps.clock.now()).toISOString().replace(/[:.]/g, '-');
    const content = input.format === 'csv' ? sessionsCsv(sessions) : `${JSON.stringify(sessions, null, 2)}\n`;
    return { format: input.format, filename: `sandbox-audit-${stamp}.${input.format}`, content, count: sessions.length };
  }

  async images(): Promise<ImageSummary[]> {
    return listImages(await this.ready());
  }

  /** Builds the base image (cached) or the project image from an env lock, as a task with progress. */
  async buildImage(input: CallInput<'sandbox.buildImage'>): Promise<CallOutput<'sandbox.buildImage'>> {
    const docker = await this.ready();
    const label = input.target === 'base' ? 'Build the sandbox base image' : 'Build the project sandbox image';
    return this.deps.tasks.run(input.taskId, label, async (task) => {
      const base = await this.ensureBase(docker, task);
      if (input.target === 'base') return base;
      const project = this.deps.projects.requireCurrent();
      const lock = await this.lockFor(input.lockId);
      const { left } = installableRequirements(lock.content);
      if (left.length > 0) task.output('stderr', `Left out (they point at host paths): ${left.join(', ')}\n`);
      const built = await buildProjectImage(docker, {
        resourcesDir: this.deps.resourcesDir,
        baseTag: base.tag,
        tag: projectImageTag(project.project.id),
        requirements: lock.content,
        wheelsDir: input.wheelsDir,
        indexUrl: input.indexUrl,
        labels: { 'orrery.project': project.project.id, 'orrery.lock': lock.id },
        progress: task,
      });
      return { ...built, built: true };
    });
  }

  async pruneImages(input: { includeBase?: boolean } = {}): Promise<CallOutput<'sandbox.pruneImages'>> {
    return pruneImages(await this.ready(), input);
  }

  async ps(): Promise<LabelledContainer[]> {
    return listSandboxContainers(await this.ready());
  }

  /** The warm pool now (it starts filling once Docker answers and a project is open). */
  async poolStatus(): Promise<CallOutput<'sandbox.pool'>> {
    this.poolWanted = true;
    const config = await this.poolConfig();
    const open = this.deps.projects.current() ? this.deps.projects.requireCurrent() : null;
    if (open && (await this.client.available()).ok) {
      await this.ready();
      await this.configurePoolFor(config, open);
    }
    const now = this.pool.status();
    return { size: config.size, idle: now.idle, starting: now.starting, image: now.image, limits: now.limits ?? config.limits };
  }

  /** Stores the pool size and limits (user-level) and refills the pool with them. */
  async configurePool(input: CallInput<'sandbox.configurePool'>): Promise<CallOutput<'sandbox.pool'>> {
    const current = await this.poolConfig();
    const next: PoolConfig = { size: input.size ?? current.size, limits: resolveLimits(input.limits ?? {}, current.limits) };
    await writePoolConfig(this.deps.userHome, next);
    this.poolConfigCache = next;
    return this.poolStatus();
  }

  /** Waits until the warm pool is full (benchmarks and tests). */
  async poolReady(timeoutMs?: number): Promise<void> {
    await this.poolStatus();
    await this.pool.ready(timeoutMs);
  }

  /** The job backend that runs jobs in hardened containers (one per job). */
  jobBackend(): JobBackend {
    this.backend ??= new SandboxJobBackend({
      docker: () => this.ready(),
      projects: this.deps.projects,
      clock: this.deps.clock,
      resourcesDir: this.deps.resourcesDir,
      limits: async () => (await this.poolConfig()).limits,
      image: async (docker, project) => this.defaultImage(docker, project),
    });
    return this.backend;
  }

  async dispose(): Promise<void> {
    await this.pool.dispose();
    await this.backend?.dispose();
  }

  private poolConfigCache: PoolConfig | null = null;
  private baseBuild: ReturnType<typeof ensureBaseImage> | null = null;

  /** The base image; concurrent callers share one build (a failed build is retried by the next caller). */
  private ensureBase(docker: Docker, progress?: Parameters<typeof ensureBaseImage>[1]['progress']): ReturnType<typeof ensureBaseImage> {
    this.baseBuild ??= ensureBaseImage(docker, { resourcesDir: this.deps.resourcesDir, progress }).finally(() => {
      this.baseBuild = null;
    });
    return this.baseBuild;
  }

  private async poolConfig(): Promise<PoolConfig> {
    this.poolConfigCache ??= await readPoolConfig(this.deps.userHome);
    return this.poolConfigCache;
  }

  /** The project image when one was built, else the base image (built on first use, with progress). */
  private async defaultImage(docker: Docker, project: OpenProject, progress?: Parameters<typeof ensureBaseImage>[1]['progress']): Promise<string> {
    const projectTag = projectImageTag(project.project.id);
    if (await imageId(docker, projectTag)) return projectTag;
    return (await this.ensureBase(docker, progress)).tag;
  }

  private async specFor(project: OpenProject, image: string, limits: SandboxLimits): Promise<PoolSpec> {
    const store = await stat(path.join(project.path, '.orrery')).catch(() => null);
    return { image, limits, projectDir: project.path, maskPaths: store?.isDirectory() ? [`${containerPaths.project}/.orrery`] : [] };
  }

  /** Points the pool at the open project's default image and the configured limits (a no-op when unchanged). */
  private async configurePoolFor(config: PoolConfig, project: OpenProject): Promise<void> {
    try {
      const docker = await this.client.require();
      const image = await this.defaultImage(docker, project);
      this.pool.configure(config.size, await this.specFor(project, image, config.limits));
    } catch (error) {
      this.deps.logger.warn('warm pool not configured', { error });
    }
  }

  private async lockFor(lockId: string | undefined): Promise<{ id: string; content: string }> {
    if (lockId) {
      const lock = await this.deps.envs.lockGet(lockId);
      if (lock.format === 'conda') throw new OrreryError('invalid_input', 'A conda lock cannot be installed with pip in the sandbox image; lock a venv or uv env.');
      return { id: lock.id, content: lock.content ?? '' };
    }
    const locks = (await this.deps.envs.locks()).filter((lock) => lock.format !== 'conda');
    const newest = locks[0];
    if (!newest) throw new OrreryError('not_found', 'The project has no pip lock yet: lock an env first (env.lock), then build the project image.');
    const lock = await this.deps.envs.lockGet(newest.id);
    return { id: lock.id, content: lock.content ?? '' };
  }
}
