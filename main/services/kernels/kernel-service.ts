import path from 'node:path';
import { OrreryError, type CallOutput, type ParsedInput } from '../../../app/contract';
import { newId } from '../../../app/lib/ids';
import type { KernelInfo, OpenNotebook } from '../../../app/models';
import type { Clock } from '../../core/clock';
import type { EventBus } from '../../core/event-bus';
import type { Logger } from '../../core/logger';
import { checkPathInRoots } from '../../core/paths';
import type { TaskRegistry } from '../../core/tasks';
import type { EnvService } from '../envs/env-service';
import type { ProjectService } from '../projects/project-service';
import { NotebookRuns } from './cell-runs';
import { runtimeDir } from './connection';
import type { HeartbeatOptions } from './heartbeat';
import { KernelHandle } from './kernel-handle';
import { buildLaunch, chooseLaunch, globalSpecs } from './kernel-launch';
import { envSpecs, publicSpec, type ResolvedSpec } from './kernelspecs';
import type { SandboxService } from '../sandbox/sandbox-service';
import { isSandboxSpec, sandboxKernelsFor, type SandboxKernels } from '../sandbox/kernel-launcher';
import type { KernelLaunch } from './kernel-session';

/** What the kernel service needs. */
export interface KernelServiceDeps {
  readonly bus: EventBus;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly tasks: TaskRegistry;
  readonly envs: EnvService;
  readonly projects: ProjectService;
  readonly env: NodeJS.ProcessEnv;
  readonly userHome: string;
  /** Where a notebook's kernel runs when it asks for a sandbox (specName `sandbox:*`). */
  readonly sandbox?: SandboxService;
  /** The sandbox kernel launcher itself (tests and benchmarks hand one in); default: built from `sandbox`. */
  readonly sandboxKernels?: SandboxKernels;
  /** Roots notebook paths must lie in (default: no check beyond making the path absolute). */
  readonly allowedRoots?: readonly string[];
  /** Spacing of kernel.cell events per cell (default 50 ms: ≤ 20 a second). */
  readonly cellEventIntervalMs?: number;
  /** Heartbeat timing (tests shorten it). */
  readonly heartbeat?: HeartbeatOptions;
}

/** A launch with what the kernel's info says of it. */
interface ChosenLaunch {
  readonly launch: KernelLaunch;
  readonly displayName: string;
  readonly envId: string | null;
}

/** What `notebook.open` lays over a file: the kernel of that notebook, its kept cell runs, a waiting prompt. */
export type NotebookSession = Pick<OpenNotebook, 'kernel' | 'runs' | 'pendingInput'>;

/** Jupyter kernels over ZeroMQ (messaging protocol 5.x), one per notebook; outputs kept while no view is open. */
export class KernelService {
  private readonly kernels = new Map<string, KernelHandle>();
  private readonly runsByPath = new Map<string, NotebookRuns>();
  private readonly starting = new Map<string, Promise<KernelInfo>>();
  private readonly unsubscribe: () => void;
  private projectId: string | null;
  private sandboxKernels: SandboxKernels | null;

  constructor(readonly deps: KernelServiceDeps) {
    this.projectId = deps.projects.current()?.id ?? null;
    this.sandboxKernels = deps.sandboxKernels ?? null;
    this.unsubscribe = deps.bus.subscribe('project.changed', '', ({ payload }) => {
      const id = payload.project?.id ?? null;
      if (id === this.projectId) return;
      this.projectId = id;
      void this.shutdownAll('project changed');
    });
  }

  /** Kernelspecs of one env (its own, or synthesized), or of the Jupyter paths plus every known env. */
  async specs(envId?: string): Promise<CallOutput<'kernel.specs'>> {
    if (envId) return (await envSpecs(await this.deps.envs.get(envId), this.deps.env)).map(publicSpec);
    const found: ResolvedSpec[] = [...(await globalSpecs(this.deps.env))];
    const known = await this.deps.envs.list({}).catch(() => ({ envs: [] }));
    for (const env of known.envs) if (!env.missing) found.push(...(await envSpecs(env, this.deps.env)));
    return found.map(publicSpec);
  }

  /** Every kernel the service holds (dead ones until they are shut down or replaced). */
  list(): KernelInfo[] {
    return [...this.kernels.values()].map((handle) => handle.info);
  }

  private async notebookPath(input: string): Promise<string> {
    if (this.deps.allowedRoots) return checkPathInRoots(input, this.deps.allowedRoots, 'notebookPath');
    if (!path.isAbsolute(input)) throw new OrreryError('invalid_input', `notebookPath: "${input}" is not an absolute path.`);
    return path.resolve(input);
  }

  private handleFor(notebookPath: string): KernelHandle | undefined {
    return [...this.kernels.values()].find((h) => h.info.notebookPath === notebookPath && h.info.status !== 'shutdown');
  }

  private runsFor(notebookPath: string): NotebookRuns {
    let runs = this.runsByPath.get(notebookPath);
    if (!runs) {
      runs = new NotebookRuns(
        (run) => {
          const kernel = this.handleFor(notebookPath);
          if (kernel) this.deps.bus.publish('kernel.cell', kernel.info.id, run);
        },
        this.deps.clock,
        this.deps.cellEventIntervalMs,
      );
      this.runsByPath.set(notebookPath, runs);
    }
    return runs;
  }

  /** Starts the notebook's kernel (or answers the running one); a dead one is replaced. */
  async start(input: ParsedInput<'kernel.start'>): Promise<KernelInfo> {
    const notebookPath = await this.notebookPath(input.notebookPath);
    const existing = this.handleFor(notebookPath);
    if (existing && existing.info.status !== 'dead') return existing.info;
    const inFlight = this.starting.get(notebookPath);
    if (inFlight) return inFlight;
    const started = this.deps.tasks.run(input.taskId, `Starting a kernel for ${path.basename(notebookPath)}`, async (task) => {
      if (existing) await this.shutdownHandle(existing);
      const kernelId = newId('kernel');
      const chosen = isSandboxSpec(input.specName)
        ? await this.sandboxLaunch(kernelId, notebookPath, input.specName, (message) => task.progress(0, null, message))
        : await this.localLaunch(kernelId, notebookPath, input);
      task.throwIfCancelled();
      const launch = this.deps.heartbeat ? { ...chosen.launch, heartbeat: this.deps.heartbeat } : chosen.launch;
      const info: KernelInfo = {
        id: kernelId, notebookPath, specName: launch.specName, displayName: chosen.displayName, envId: chosen.envId,
        status: 'starting', pid: null, startedAt: this.deps.clock.now(), reason: null,
      };
      const handle = new KernelHandle(info, async () => launch, this.runsFor(notebookPath), this.deps.bus, this.deps.logger);
      this.kernels.set(kernelId, handle);
      this.deps.bus.publish('kernel.status', kernelId, info);
      try {
        await handle.boot();
      } catch (error) {
        this.kernels.delete(kernelId);
        this.deps.bus.publish('kernel.status', kernelId, { ...info, status: 'dead', reason: (error as Error).message });
        throw error;
      }
      this.deps.logger.info('kernel started', { kernelId, notebookPath, spec: launch.specName, pid: handle.info.pid, sandbox: handle.info.sandbox?.sessionId });
      return handle.info;
    });
    this.starting.set(notebookPath, started);
    try {
      return await started;
    } finally {
      this.starting.delete(notebookPath);
    }
  }

  /** A kernel in the chosen (or default) env, as a local process. */
  private async localLaunch(kernelId: string, notebookPath: string, input: ParsedInput<'kernel.start'>): Promise<ChosenLaunch> {
    const choice = await chooseLaunch(this.deps.envs, this.deps.logger, this.deps.env, input);
    const launch = buildLaunch(choice, { kernelId, notebookPath, connectionDir: runtimeDir(this.deps.userHome), processEnv: this.deps.env, envs: this.deps.envs, logger: this.deps.logger });
    return { launch, displayName: choice.spec.displayName, envId: choice.env?.id ?? null };
  }

  /** A kernel in a hardened container of the image the spec names; each boot (start, restart) is a new container. */
  private async sandboxLaunch(kernelId: string, notebookPath: string, specName: string, progress: (message: string) => void): Promise<ChosenLaunch> {
    const launcher = this.sandboxKernels ?? this.sandboxLauncher();
    const projectDir = this.deps.projects.current()?.path ?? null;
    const sandbox = await launcher.prepare({ kernelId, specName, notebookPath, projectDir }, progress);
    const launch: KernelLaunch = {
      kernelId,
      specName,
      argv: () => [],
      env: {},
      cwd: path.dirname(notebookPath),
      connectionDir: runtimeDir(this.deps.userHome),
      // docker kill --signal SIGINT reaches the kernel through the container's init.
      interruptMode: 'signal',
      logger: this.deps.logger,
      start: sandbox.start,
    };
    return { launch, displayName: `Python 3 (sandbox: ${sandbox.image})`, envId: null };
  }

  private sandboxLauncher(): SandboxKernels {
    if (!this.deps.sandbox) throw new OrreryError('unavailable', 'Sandboxes are not available in this Orrery; choose a local environment for the kernel.');
    this.sandboxKernels = sandboxKernelsFor(this.deps.sandbox, this.deps.logger);
    return this.sandboxKernels;
  }

  private require(kernelId: string): KernelHandle {
    const handle = this.kernels.get(kernelId);
    if (!handle) throw new OrreryError('not_found', `No kernel ${kernelId}; it was shut down. Start the notebook's kernel again.`);
    return handle;
  }

  /** Queues a cell; its outputs arrive as kernel.cell events and stay kept for the notebook. */
  async execute(input: ParsedInput<'kernel.execute'>): Promise<CallOutput<'kernel.execute'>> {
    const msgId = this.require(input.kernelId).execute(input.cellId, input.code, input.stopOnError ?? true);
    return { msgId };
  }

  /** Answers a pending input() prompt. */
  async input(kernelId: string, value: string): Promise<{ ok: true }> {
    await this.require(kernelId).input(value);
    return { ok: true };
  }

  /** Interrupts the running cell. */
  async interrupt(kernelId: string): Promise<{ ok: true }> {
    await this.require(kernelId).interrupt();
    return { ok: true };
  }

  /** Restarts the kernel in place (same id); queued cells are aborted. */
  async restart(kernelId: string): Promise<KernelInfo> {
    const handle = this.require(kernelId);
    await handle.restart();
    return handle.info;
  }

  /** Shuts the kernel down; its process ends. */
  async shutdown(kernelId: string): Promise<{ ok: true }> {
    await this.shutdownHandle(this.require(kernelId));
    return { ok: true };
  }

  private async shutdownHandle(handle: KernelHandle): Promise<void> {
    await handle.shutdown();
    this.kernels.delete(handle.info.id);
  }

  /** Completions at a cursor position. */
  async complete(input: ParsedInput<'kernel.complete'>): Promise<CallOutput<'kernel.complete'>> {
    const reply = await this.require(input.kernelId).ask('complete_request', { code: input.code, cursor_pos: input.cursorPos });
    const matches = Array.isArray(reply.matches) ? reply.matches.map(String) : [];
    const experimental = (reply.metadata as { _jupyter_types_experimental?: { type?: string }[] } | undefined)?._jupyter_types_experimental;
    return {
      matches,
      cursorStart: typeof reply.cursor_start === 'number' ? reply.cursor_start : input.cursorPos,
      cursorEnd: typeof reply.cursor_end === 'number' ? reply.cursor_end : input.cursorPos,
      types: Array.isArray(experimental) && experimental.length === matches.length ? experimental.map((t) => String(t.type ?? '')) : null,
    };
  }

  /** Documentation of the name at a cursor position. */
  async inspect(input: ParsedInput<'kernel.inspect'>): Promise<CallOutput<'kernel.inspect'>> {
    const reply = await this.require(input.kernelId).ask('inspect_request', { code: input.code, cursor_pos: input.cursorPos, detail_level: input.detailLevel ?? 0 });
    return { found: reply.found === true, data: (reply.data as Record<string, unknown> | undefined) ?? {} };
  }

  /** The live session of a notebook (for `notebook.open`): its kernel, kept runs and a waiting prompt. */
  sessionFor(notebookPath: string): NotebookSession {
    const handle = this.handleFor(notebookPath);
    const pending = handle?.pendingInput;
    return {
      kernel: handle?.info ?? null,
      runs: this.runsByPath.get(notebookPath)?.snapshot() ?? [],
      pendingInput: pending ? { cellId: pending.cellId, prompt: pending.prompt, password: pending.password } : null,
    };
  }

  /** Drops kept outputs (all of the notebook's, or the named cells) once a view saved them to the file. */
  forget(notebookPath: string, cellIds?: readonly string[]): { ok: true } {
    const file = path.resolve(notebookPath);
    const runs = this.runsByPath.get(file);
    if (!runs) return { ok: true };
    runs.forget(cellIds);
    if (runs.empty && !this.handleFor(file)) {
      runs.dispose();
      this.runsByPath.delete(file);
    }
    return { ok: true };
  }

  private async shutdownAll(why: string): Promise<void> {
    const handles = [...this.kernels.values()];
    if (handles.length > 0) this.deps.logger.info('shutting down kernels', { count: handles.length, why });
    await Promise.all([...this.starting.values()].map((p) => p.catch(() => undefined)));
    await Promise.all([...this.kernels.values()].map((handle) => this.shutdownHandle(handle).catch(() => undefined)));
    for (const runs of this.runsByPath.values()) runs.dispose();
    this.runsByPath.clear();
    // Pooled sandbox kernels mount the project that just closed.
    await this.sandboxKernels?.discardPools();
  }

  /** Shuts every kernel down (project close, Orrery exit): no kernel process or sandbox container outlives Orrery. */
  async dispose(): Promise<void> {
    this.unsubscribe();
    await this.shutdownAll('dispose');
    await this.sandboxKernels?.dispose();
  }
}
