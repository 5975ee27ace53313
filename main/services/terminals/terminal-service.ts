import { stat } from 'node:fs/promises';
import path from 'node:path';
import { OrreryError } from '../../../app/contract';
import { newId } from '../../../app/lib/ids';
import type { Settings, TerminalInfo } from '../../../app/models';
import type { Clock } from '../../core/clock';
import { anyId, type EventBus } from '../../core/event-bus';
import type { Logger } from '../../core/logger';
import { checkPathInRoots, isInside } from '../../core/paths';
import { defaultFlowLimits, OutputFlow, type FlowLimits } from './flow-control';
import { HeldOutput } from './held-output';
import { OutputRing } from './output-ring';
import type { PtyHost, PtyHostFactory } from './pty-host';
import type { PtyMessage } from './pty-protocol';
import { buildTerminalEnv, resolveShell, startupArgs } from './terminal-env';

/** What the terminal service needs of the project service: the open project's folder, or a `no_project` error. */
export interface TerminalProjects {
  requireCurrent(): { readonly path: string } | Promise<{ readonly path: string }>;
}

/** Constructor dependencies, as core.ts hands them. */
export interface TerminalServiceDeps {
  readonly bus: EventBus;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly projects: TerminalProjects;
  readonly allowedRoots: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly ptyHost: PtyHostFactory;
  readonly settings: () => Pick<Settings, 'terminalShell'> | Promise<Pick<Settings, 'terminalShell'>>;
  /** Output flow-control watermarks (tests make them small). */
  readonly flowLimits?: FlowLimits;
  /** Activates the project's default Python env on a shell's variables (the env service's `activateDefault`). */
  readonly activateEnv?: (base: NodeJS.ProcessEnv) => NodeJS.ProcessEnv;
  /** A folder of the user's for the shells' start-up file (see `startupArgs`); none: shells start as they are. */
  readonly startupDir?: string;
}

/** What `terminal.create` takes (all optional). */
export interface CreateTerminalInput {
  readonly cols?: number | undefined;
  readonly rows?: number | undefined;
  readonly cwd?: string | undefined;
  readonly title?: string | undefined;
}

interface Terminal {
  info: TerminalInfo;
  readonly projectPath: string;
  readonly output: OutputRing;
  readonly flow: OutputFlow;
  /** Output held back while the views lag (instead of pausing the pty, when they declared the lines they keep). */
  readonly held: HeldOutput;
  holding: boolean;
  /** The pty itself is paused: the views lag and declared nothing, or the hold is full. */
  ptyPaused: boolean;
  /** The most lines a view said it keeps, and when a view last acknowledged without saying (null: never). */
  keepLines: number | null;
  plainAckAt: number | null;
  /** Settles when the host answered the spawn. */
  readonly started: Promise<void>;
  readonly exited: Promise<void>;
  markExited(): void;
}

interface PendingSpawn {
  resolve(pid: number): void;
  reject(error: OrreryError): void;
}

const ok = { ok: true } as const;
const spawnTimeoutMs = 10_000;
/** Output held for lagging views beyond this pauses the pty (at least the window, and room to find unseen lines). */
function holdCapChars(limits: FlowLimits): number {
  return Math.max(limits.highChars, 1024 * 1024);
}
/** After SIGHUP, how long a terminal's processes get before SIGKILL. */
const killGraceMs = 1500;

/** Integrated terminals of the open project: a pty each, in a pty host; output and exits go out on the bus. */
export class TerminalService {
  private readonly terminals = new Map<string, Terminal>();
  /** Terminals being closed: off the list at once, still routed messages until their exit. */
  private readonly closing = new Map<string, Terminal>();
  private readonly pending = new Map<string, PendingSpawn>();
  private readonly host: PtyHost;
  private readonly unsubscribes: (() => void)[] = [];
  private counter = 0;
  private disposed = false;
  /** Runs while some terminal is paused by flow control, to resume those whose views went away. */
  private flowWatch: NodeJS.Timeout | null = null;

  constructor(private readonly deps: TerminalServiceDeps) {
    this.host = deps.ptyHost({ logger: deps.logger.child('pty-host') });
    this.unsubscribes.push(this.host.onMessage((message) => this.onHostMessage(message)));
    this.unsubscribes.push(
      deps.bus.subscribe('project.changed', anyId, ({ payload }) => {
        void this.killOutside(payload.project?.path ?? null);
      }),
    );
  }

  /** Opens a terminal in the project folder (or `cwd`, which must lie inside it). */
  async create(input: CreateTerminalInput): Promise<TerminalInfo> {
    if (this.disposed) throw new OrreryError('unavailable', 'Terminals are shutting down; try again after Orrery restarts.');
    const { path: projectPath } = await this.deps.projects.requireCurrent();
    const cwd = await this.resolveCwd(projectPath, input.cwd);
    const shell = await resolveShell((await this.deps.settings()).terminalShell, this.deps.env);
    const env = buildTerminalEnv(this.deps.env, projectPath, this.deps.activateEnv);
    const args = await startupArgs(shell, env, this.deps.startupDir);
    const id = newId('term');
    const cols = input.cols ?? 80;
    const rows = input.rows ?? 24;
    const title = input.title ?? `${path.basename(shell.file)} ${++this.counter}`;
    const started = this.waitForSpawn(id);
    const terminal = this.track(id, projectPath, { id, title, shell: shell.file, cwd, pid: 0, cols, rows, createdAt: this.deps.clock.now(), exitCode: null }, started);
    this.host.spawn({ id, file: shell.file, args, cwd, env, cols, rows });
    try {
      const pid = await started;
      terminal.info = { ...terminal.info, pid };
    } catch (error) {
      this.terminals.delete(id);
      throw error;
    }
    if (!(await this.stillCurrent(projectPath)) || !this.terminals.has(id)) {
      await this.close(terminal);
      throw new OrreryError('cancelled', 'The project closed or changed while the terminal was opening; open a new terminal.');
    }
    this.deps.logger.info('terminal opened', { id, shell: shell.file, cwd, pid: terminal.info.pid });
    return terminal.info;
  }

  /** Every terminal, oldest first; exited ones keep their exit code until closed. */
  list(): TerminalInfo[] {
    return [...this.terminals.values()].map((terminal) => terminal.info);
  }

  /** Sends input to a terminal; input to one that has exited is dropped. */
  write(id: string, data: string): typeof ok {
    const terminal = this.require(id);
    if (terminal.info.exitCode === null) this.host.write(id, data);
    return ok;
  }

  /** Resizes a terminal's pty. */
  resize(id: string, cols: number, rows: number): typeof ok {
    const terminal = this.require(id);
    terminal.info = { ...terminal.info, cols, rows };
    if (terminal.info.exitCode === null) this.host.resize(id, cols, rows);
    return ok;
  }

  /** Closes a terminal: its whole process tree ends (SIGHUP, then SIGKILL), and it leaves the list. */
  async kill(id: string): Promise<typeof ok> {
    await this.close(this.require(id));
    return ok;
  }

  /**
   * Flow control: a view has processed `chars` characters of this terminal's output; `keepLines`, when it shows
   * output in a bounded scrollback, lets the service leave out lines that would scroll out of it unseen.
   */
  ack(id: string, chars: number, keepLines?: number): typeof ok {
    const terminal = this.require(id);
    if (keepLines === undefined) terminal.plainAckAt = this.deps.clock.now();
    else terminal.keepLines = Math.max(terminal.keepLines ?? 0, keepLines);
    terminal.flow.acked(chars);
    return ok;
  }

  /** The terminal's recent output (bounded), to redraw it after a reload. */
  replay(id: string): { data: string } {
    return { data: this.require(id).output.read() };
  }

  /** Closes every terminal. */
  async killAll(): Promise<void> {
    await Promise.all([...this.terminals.values()].map((terminal) => this.close(terminal)));
  }

  /** Closes every terminal and releases the pty host (a host process exits). */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.killAll();
    await this.host.dispose();
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
    if (this.flowWatch) clearInterval(this.flowWatch);
    for (const [id, pending] of this.pending) pending.reject(new OrreryError('unavailable', `Terminal ${id} was not started: Orrery is shutting down.`));
    this.pending.clear();
  }

  private require(id: string): Terminal {
    const terminal = this.terminals.get(id);
    if (!terminal) throw new OrreryError('not_found', `There is no terminal ${id}; it was closed. List the terminals or open a new one.`);
    return terminal;
  }

  private async resolveCwd(projectPath: string, cwd: string | undefined): Promise<string> {
    const realProject = await checkPathInRoots(projectPath, [projectPath], 'project');
    if (cwd === undefined) return realProject;
    const requested = path.resolve(realProject, cwd);
    const real = await checkPathInRoots(requested, this.deps.allowedRoots, 'cwd');
    if (!isInside(realProject, real)) {
      throw new OrreryError('path_outside_root', `cwd: ${cwd} is outside the project folder ${projectPath}; choose a folder inside the project.`);
    }
    const stats = await stat(real).catch(() => null);
    if (!stats?.isDirectory()) throw new OrreryError('not_found', `cwd: ${cwd} is not an existing folder inside the project; create it first or pick another.`);
    return real;
  }

  private waitForSpawn(id: string): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new OrreryError('timeout', 'The terminal host did not start the shell in time; try again, and see the log if it persists.'));
      }, spawnTimeoutMs);
      const settle = () => {
        clearTimeout(timer);
        this.pending.delete(id);
      };
      this.pending.set(id, {
        resolve: (pid) => (settle(), resolve(pid)),
        reject: (error) => (settle(), reject(error)),
      });
    });
  }

  private track(id: string, projectPath: string, info: TerminalInfo, started: Promise<number>): Terminal {
    let markExited!: () => void;
    const exited = new Promise<void>((resolve) => (markExited = resolve));
    const limits = this.deps.flowLimits ?? defaultFlowLimits;
    const flow = new OutputFlow(
      {
        pause: () => {
          if (this.keepLinesOf(terminal) !== null) terminal.holding = true;
          else this.pausePty(terminal);
          this.watchFlow();
        },
        resume: () => {
          if (terminal.holding) {
            terminal.holding = false;
            this.sendHeld(terminal);
          }
          if (terminal.ptyPaused && terminal.held.chars <= holdCapChars(limits)) {
            terminal.ptyPaused = false;
            this.host.resume(id);
          }
        },
      },
      this.deps.clock,
      limits,
    );
    const terminal: Terminal = {
      info,
      projectPath,
      output: new OutputRing(),
      flow,
      held: new HeldOutput(),
      holding: false,
      ptyPaused: false,
      keepLines: null,
      plainAckAt: null,
      started: started.then(() => undefined, () => markExited()),
      exited,
      markExited,
    };
    this.terminals.set(id, terminal);
    return terminal;
  }

  private onHostMessage(message: PtyMessage): void {
    switch (message.type) {
      case 'spawned':
        this.pending.get(message.id)?.resolve(message.pid);
        return;
      case 'data': {
        const terminal = this.find(message.id);
        if (!terminal) return;
        if (terminal.holding) return this.hold(terminal, message.data);
        terminal.output.push(message.data);
        this.deps.bus.publish('terminal.data', message.id, { data: message.data });
        terminal.flow.sent(message.data.length);
        return;
      }
      case 'exit': {
        const terminal = this.find(message.id);
        if (!terminal) return;
        // Output still held goes out before the exit (the views get it whatever their lag).
        this.sendHeld(terminal);
        terminal.info = { ...terminal.info, exitCode: message.exitCode };
        terminal.markExited();
        this.deps.bus.publish('terminal.exit', message.id, { exitCode: message.exitCode, signal: message.signal });
        return;
      }
      case 'error': {
        const pending = this.pending.get(message.id);
        if (pending) pending.reject(new OrreryError('unavailable', `${message.message}. Check the terminal shell in the settings.`));
        else this.deps.logger.warn('pty host error', { id: message.id, message: message.message });
        return;
      }
      case 'disposed':
        return;
    }
  }

  /** Lines the views keep, while every view acknowledging lately has said so; else null (nothing is left out). */
  private keepLinesOf(terminal: Terminal): number | null {
    const { staleMs } = this.deps.flowLimits ?? defaultFlowLimits;
    if (terminal.keepLines === null) return null;
    if (terminal.plainAckAt !== null && this.deps.clock.now() - terminal.plainAckAt <= staleMs) return null;
    return terminal.keepLines;
  }

  /** Holds output while the views lag, leaving out lines they could never show; a full hold pauses the pty. */
  private hold(terminal: Terminal, data: string): void {
    terminal.held.push(data);
    const keep = this.keepLinesOf(terminal);
    if (keep !== null) terminal.held.compact(keep);
    if (!terminal.ptyPaused && terminal.held.chars > holdCapChars(this.deps.flowLimits ?? defaultFlowLimits)) this.pausePty(terminal);
  }

  private pausePty(terminal: Terminal): void {
    if (terminal.ptyPaused) return;
    terminal.ptyPaused = true;
    this.host.pause(terminal.info.id);
  }

  /** Sends what was held (and says how many bytes were left out of it). */
  private sendHeld(terminal: Terminal): void {
    const { data, skipped } = terminal.held.take();
    if (data.length === 0 && skipped === 0) return;
    terminal.output.push(data);
    this.deps.bus.publish('terminal.data', terminal.info.id, skipped > 0 ? { data, skipped } : { data });
    terminal.flow.sent(data.length);
  }

  /** Checks paused terminals every half second until none is paused. */
  private watchFlow(): void {
    if (this.flowWatch) return;
    this.flowWatch = setInterval(() => {
      let anyPaused = false;
      for (const terminal of this.terminals.values()) {
        terminal.flow.check();
        anyPaused ||= terminal.flow.paused;
      }
      if (!anyPaused && this.flowWatch) {
        clearInterval(this.flowWatch);
        this.flowWatch = null;
      }
    }, 500);
    this.flowWatch.unref();
  }

  /** True while `projectPath` is still the open project (it may have changed while a terminal opened). */
  private async stillCurrent(projectPath: string): Promise<boolean> {
    try {
      return (await this.deps.projects.requireCurrent()).path === projectPath;
    } catch {
      return false;
    }
  }

  private find(id: string): Terminal | undefined {
    return this.terminals.get(id) ?? this.closing.get(id);
  }

  /** Takes a terminal off the list at once, ends its process tree and waits (boundedly) for its exit. */
  private async close(terminal: Terminal): Promise<void> {
    const { id } = terminal.info;
    this.terminals.delete(id);
    this.closing.set(id, terminal);
    try {
      await terminal.started;
      if (terminal.info.exitCode !== null) return;
      this.host.kill(id, killGraceMs);
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, killGraceMs + 3000).unref());
      await Promise.race([terminal.exited, timeout]);
    } finally {
      this.closing.delete(id);
    }
  }

  private async killOutside(projectPath: string | null): Promise<void> {
    const doomed = [...this.terminals.values()].filter((terminal) => terminal.projectPath !== projectPath);
    if (doomed.length === 0) return;
    this.deps.logger.info('project changed: closing its terminals', { count: doomed.length });
    await Promise.all(doomed.map((terminal) => this.close(terminal)));
  }
}
