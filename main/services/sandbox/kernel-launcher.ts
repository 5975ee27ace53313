// Launches notebook kernels in sandbox containers: which image a `sandbox:*` kernelspec means, a small pool of
// kernels already booting (one per image and project, each used once, then replaced), the audit entry of each
// container, the output folder collected when the kernel ends, and nothing left behind on dispose.
import { readdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { OrreryError } from '../../../app/contract';
import { newId } from '../../../app/lib/ids';
import type { Logger } from '../../core/logger';
import type { KernelLaunch, StartedKernel } from '../kernels/kernel-session';
import { finishSession, insertSession } from './audit';
import { collectOutputs } from './collect-outputs';
import { containerPaths, defaultLimits, type SandboxLimits } from './hardening';
import { ensureBaseImage, imageId, requireImage } from './images';
import { kernelDirPrefix, removeKernelDir, startKernelContainer, type KernelContainer, type KernelContainerSpec } from './kernel-container';
import { readPoolConfig } from './pool-config';
import { projectImageTag } from './project-image';
import type { SandboxService } from './sandbox-service';
import { pidAlive } from '../../core/pids';

/** The prefix of kernelspec names that run in a sandbox: `sandbox:base`, `sandbox:project`, `sandbox:<image>`. */
export const sandboxSpecPrefix = 'sandbox:';

/** True for a kernelspec name that asks for a sandbox. */
export function isSandboxSpec(specName: string | undefined): specName is string {
  return specName !== undefined && (specName === 'sandbox' || specName.startsWith(sandboxSpecPrefix));
}

/** Which image a sandbox spec asks for: Orrery's base image, the project image, or an image by name. */
export type SandboxImageChoice = { readonly kind: 'base' } | { readonly kind: 'project' } | { readonly kind: 'named'; readonly reference: string };

/** Reads `sandbox`, `sandbox:base`, `sandbox:project` or `sandbox:<image reference>`. */
export function parseSandboxSpec(specName: string): SandboxImageChoice {
  const rest = specName === 'sandbox' ? 'base' : specName.slice(sandboxSpecPrefix.length);
  if (rest === 'base' || rest === '') return { kind: 'base' };
  if (rest === 'project') return { kind: 'project' };
  if (!/^[a-z0-9][a-z0-9._\-/:@]*$/i.test(rest) || rest.length > 255) {
    throw new OrreryError('invalid_input', `"${specName}" names no image; use sandbox:base, sandbox:project or sandbox:<image>:<tag>.`);
  }
  return { kind: 'named', reference: rest };
}

/** The audit log of kernel containers (the sandbox service's store). */
export interface KernelAudit {
  /** A kernel container began serving a notebook. */
  begin(entry: { sessionId: string; command: string; image: string; limits: SandboxLimits }): Promise<void> | void;
  /** It ended: collects its output folder as artifacts and records the outcome. */
  end(entry: { sessionId: string; exitCode: number | null; killed: boolean; oom: boolean; requested: boolean; outputDir: string }): Promise<void>;
}

/** What the launcher needs. */
export interface SandboxKernelDeps {
  /** The Docker client when the daemon answers; an `unavailable` OrreryError with advice otherwise. */
  readonly docker: () => Promise<Docker>;
  /** The image a choice means, built or checked (the base image is built on first use). */
  readonly resolveImage: (choice: SandboxImageChoice, progress?: (message: string) => void) => Promise<string>;
  readonly audit: KernelAudit;
  readonly logger: Logger;
  /** Removes containers and folders a crashed Orrery left; run once before the first kernel. */
  readonly sweep?: () => Promise<unknown>;
  /** The limits a kernel container runs under (read at each start; network is always off, no wall-clock limit). */
  readonly limits?: () => Promise<SandboxLimits>;
  /** Kernels kept booted per image and project (0: none; default 1). */
  readonly poolSize?: number;
}

/** A notebook's kernel as the launcher needs to know it. */
export interface SandboxKernelRequest {
  readonly kernelId: string;
  readonly specName: string;
  readonly notebookPath: string;
  /** The open project's folder (mounted read-only at /project), or null. */
  readonly projectDir: string | null;
}

/** What the kernel service gets back: the launch to boot (and re-boot on restart) and the image it runs. */
export interface SandboxLaunch {
  readonly image: string;
  readonly start: (launch: KernelLaunch) => Promise<StartedKernel>;
}

/** The working directory of a notebook inside the container: its folder under /project, else /project or /tmp. */
export function containerCwd(notebookPath: string, projectDir: string | null): string {
  if (!projectDir) return containerPaths.tmp;
  const relative = path.relative(projectDir, path.dirname(notebookPath));
  if (relative.startsWith('..') || path.isAbsolute(relative)) return containerPaths.project;
  return path.posix.join(containerPaths.project, ...relative.split(path.sep));
}

/** Sandboxed kernels: started from a pool when one is ready, else cold; every container removed when its kernel ends. */
export class SandboxKernels {
  private readonly pools = new Map<string, Promise<KernelContainer>[]>();
  private readonly live = new Set<KernelContainer>();
  private swept: Promise<unknown> | null = null;
  private disposed = false;

  constructor(private readonly deps: SandboxKernelDeps) {}

  private async limits(): Promise<SandboxLimits> {
    return { ...((await this.deps.limits?.()) ?? defaultLimits), network: false };
  }

  /** Resolves the image (building the base image on first use) and answers how to boot the kernel in it. */
  async prepare(request: SandboxKernelRequest, progress?: (message: string) => void): Promise<SandboxLaunch> {
    if (this.disposed) throw new OrreryError('unavailable', 'Orrery is shutting down; start the kernel again after it restarts.');
    const docker = await this.deps.docker();
    this.swept ??= (this.deps.sweep?.() ?? Promise.resolve()).catch((error: unknown) => this.deps.logger.warn('sandbox sweep failed', { error: String(error) }));
    await this.swept;
    const image = await this.deps.resolveImage(parseSandboxSpec(request.specName), progress);
    const spec: Omit<KernelContainerSpec, 'sessionId'> = {
      image,
      limits: await this.limits(),
      kernelName: request.specName,
      ...(request.projectDir ? { projectDir: request.projectDir } : {}),
      workingDir: request.projectDir ? containerPaths.project : containerPaths.tmp,
      // The project's own store (.orrery: database, artifacts) stays out of the kernel's sight.
      ...(request.projectDir && (await isDirectory(path.join(request.projectDir, '.orrery'))) ? { maskPaths: [`${containerPaths.project}/.orrery`] } : {}),
    };
    const cwd = containerCwd(request.notebookPath, request.projectDir);
    return { image, start: () => this.boot(docker, spec, cwd) };
  }

  private poolKey(spec: Omit<KernelContainerSpec, 'sessionId'>): string {
    return `${spec.image}|${spec.projectDir ?? ''}|${JSON.stringify(spec.limits)}`;
  }

  /** Takes a pooled container (or starts one) and tops the pool up in the background. */
  private async boot(docker: Docker, spec: Omit<KernelContainerSpec, 'sessionId'>, cwd: string): Promise<StartedKernel> {
    const key = this.poolKey(spec);
    const pool = this.pools.get(key) ?? [];
    this.pools.set(key, pool);
    const pooled = pool.shift();
    this.fill(docker, spec, key);
    let container: KernelContainer;
    try {
      container = pooled ? await pooled : await this.create(docker, spec);
    } catch (error) {
      // A pooled container that failed (image removed, daemon restarted): try once cold.
      if (!pooled) throw error;
      container = await this.create(docker, spec);
    }
    if (this.disposed) {
      await this.discard(container);
      throw new OrreryError('unavailable', 'Orrery is shutting down; start the kernel again after it restarts.');
    }
    return this.claim(container, cwd);
  }

  private create(docker: Docker, spec: Omit<KernelContainerSpec, 'sessionId'>): Promise<KernelContainer> {
    return startKernelContainer(docker, { ...spec, sessionId: newId('sbx') });
  }

  /** Keeps `poolSize` kernels booting for this image and project. */
  private fill(docker: Docker, spec: Omit<KernelContainerSpec, 'sessionId'>, key: string): void {
    const pool = this.pools.get(key)!;
    while (!this.disposed && pool.length < (this.deps.poolSize ?? 1)) {
      const pending = this.create(docker, spec);
      pending.catch((error: unknown) => {
        this.deps.logger.warn('sandbox kernel pool: a container did not start', { error: String(error) });
        const index = pool.indexOf(pending);
        if (index >= 0) pool.splice(index, 1);
      });
      pool.push(pending);
    }
  }

  /** Records the session and hands the container to a kernel session; its end removes it and collects its output. */
  private async claim(container: KernelContainer, cwd: string): Promise<StartedKernel> {
    const { spec } = container;
    try {
      await this.deps.audit.begin({ sessionId: spec.sessionId, command: `ipykernel (${spec.kernelName})`, image: spec.image, limits: spec.limits });
    } catch (error) {
      // Nothing runs unrecorded.
      await this.discard(container);
      throw error;
    }
    this.live.add(container);
    const moved = cwd !== (spec.workingDir ?? containerPaths.tmp);
    return {
      connection: container.connection,
      runner: container.runner,
      ...(moved ? { setupCode: `__import__('os').chdir(${JSON.stringify(cwd)})` } : {}),
      details: { sandbox: { image: spec.image, sessionId: spec.sessionId, containerId: container.containerId } },
      cleanup: () => this.finish(container),
    };
  }

  /** After the kernel stopped: the container is gone; its output is collected and the audit entry closed. */
  private async finish(container: KernelContainer): Promise<void> {
    this.live.delete(container);
    const exit = await container.runner.stop(0);
    try {
      await this.deps.audit.end({ sessionId: container.spec.sessionId, exitCode: exit.code, killed: exit.signal === 'SIGKILL', oom: container.runner.oomKilled, requested: container.runner.shutDownByOrrery, outputDir: container.outputDir });
    } catch (error) {
      this.deps.logger.warn('sandbox kernel: audit entry not closed', { sessionId: container.spec.sessionId, error: String(error) });
    } finally {
      await removeKernelDir(container.hostDir);
    }
  }

  private async discard(container: KernelContainer): Promise<void> {
    await container.runner.remove().catch(() => undefined);
    await removeKernelDir(container.hostDir);
  }

  /** Containers this launcher holds (pooled or serving a kernel), for `ps` and tests. */
  get containerCount(): number {
    return this.live.size + [...this.pools.values()].reduce((sum, pool) => sum + pool.length, 0);
  }

  /** Waits until every pool holds a started container (benchmarks and tests measure a warm start). */
  async warm(): Promise<void> {
    await Promise.all([...this.pools.values()].flat().map((pending) => pending.catch(() => undefined)));
  }

  /** Removes the pooled containers (the project closed: they mount its folder); the next start fills the pool again. */
  async discardPools(): Promise<void> {
    const pooled = [...this.pools.values()].flat();
    this.pools.clear();
    await Promise.all(
      pooled.map(async (pending) => {
        const container = await pending.catch(() => null);
        if (container) await this.discard(container);
      }),
    );
  }

  /** Removes the pooled containers; kernels still running are shut down by the kernel service before this. */
  async dispose(): Promise<void> {
    this.disposed = true;
    await this.discardPools();
    await Promise.all([...this.live].map((container) => this.finish(container).catch(() => undefined)));
  }
}

async function isDirectory(dir: string): Promise<boolean> {
  return (await stat(dir).catch(() => null))?.isDirectory() ?? false;
}

/** Removes `<tmp>/orrery-kernel-<pid>-*` folders whose Orrery is gone (their containers are swept by label). */
export async function sweepKernelDirs(alive: (pid: number) => boolean = pidAlive): Promise<number> {
  let removed = 0;
  for (const name of await readdir(os.tmpdir()).catch(() => [])) {
    const pid = Number(new RegExp(`^${kernelDirPrefix}(\\d+)-`).exec(name)?.[1]);
    if (!Number.isInteger(pid) || pid <= 0 || alive(pid)) continue;
    await removeKernelDir(path.join(os.tmpdir(), name));
    removed += 1;
  }
  return removed;
}

/** The base image, the project's image, or a named local image (never pulled: no registry is assumed). */
async function resolveImage(docker: Docker, sandbox: SandboxService, choice: SandboxImageChoice, progress?: (message: string) => void): Promise<string> {
  if (choice.kind === 'named') {
    await requireImage(docker, choice.reference);
    return choice.reference;
  }
  if (choice.kind === 'project') {
    const project = sandbox.deps.projects.requireCurrent();
    const tag = projectImageTag(project.project.id);
    if (!(await imageId(docker, tag))) {
      throw new OrreryError('not_found', `This project has no sandbox image yet; build it in the Sandbox area (Images → Build project image), or choose the base image.`);
    }
    return tag;
  }
  const built = await ensureBaseImage(docker, {
    resourcesDir: sandbox.deps.resourcesDir,
    progress: { progress: (_done, _total, message) => progress?.(message) },
  });
  return built.tag;
}

type KernelEnd = Parameters<KernelAudit['end']>[0];

/** How a kernel session ended: OOM; ok when it exited cleanly or Orrery shut it down; killed (by a signal); else error. */
export function kernelSessionStatus(end: KernelEnd): 'ok' | 'oom' | 'killed' | 'error' {
  if (end.oom) return 'oom';
  if (end.requested || end.exitCode === 0 || end.exitCode === null) return 'ok';
  return end.killed ? 'killed' : 'error';
}

function kernelSessionMessage(end: KernelEnd): string | null {
  if (end.oom) return 'The kernel hit the memory limit and was killed (OOM).';
  if (end.requested && end.exitCode !== 0) return 'Shut down by Orrery; the kernel did not end within the grace period and was stopped.';
  if (!end.requested && end.exitCode !== 0 && end.exitCode !== null) return `The kernel ended by itself (exit ${end.exitCode}).`;
  return null;
}

/** The audit log of the open project: a `kernel` row per container, closed with the artifacts of its /output. */
function projectAudit(sandbox: SandboxService): KernelAudit {
  const { bus, clock } = sandbox.deps;
  const open = () => sandbox.deps.projects.requireCurrent();
  return {
    begin(entry) {
      const session = insertSession(open().db, { id: entry.sessionId, kind: 'kernel', command: entry.command, image: entry.image, limits: entry.limits, startedAt: clock.now() });
      bus.publish('sandbox.audit', '', { session });
    },
    async end(entry) {
      const project = open();
      const collected = await collectOutputs(project.artifacts, entry.outputDir);
      const status = kernelSessionStatus(entry);
      const session = finishSession(project.db, entry.sessionId, {
        status,
        exitCode: entry.exitCode,
        endedAt: clock.now(),
        outputTruncated: false,
        files: collected.files,
        skipped: collected.skipped,
        containerId: null,
        message: kernelSessionMessage(entry),
      });
      bus.publish('sandbox.audit', '', { session });
    },
  };
}

/** The launcher the kernel service uses, on the sandbox service's Docker connection (strays swept on first use), images and audit log. */
export function sandboxKernelsFor(sandbox: SandboxService, logger: Logger, options: { poolSize?: number } = {}): SandboxKernels {
  return new SandboxKernels({
    docker: async () => {
      if (!sandbox.deps.projects.current()) {
        throw new OrreryError('no_project', "Open or create a project first: a sandboxed kernel records its session in the project's audit log.");
      }
      return sandbox.ready();
    },
    resolveImage: (choice, progress) => resolveImage(sandbox.client.docker, sandbox, choice, progress),
    audit: projectAudit(sandbox),
    logger,
    sweep: () => sweepKernelDirs(),
    // The limits the user set for every sandbox (Sandbox area, `sandbox.configurePool`).
    limits: async () => (await readPoolConfig(sandbox.deps.userHome)).limits,
    ...options,
  });
}
