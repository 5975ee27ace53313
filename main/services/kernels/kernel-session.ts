// One running kernel: its process, its ZeroMQ channels (shell/control/stdin DEALER, iopub SUB, hb REQ),
// signed requests with their replies, readiness (kernel_info answered and iopub flowing), interrupt and
// shutdown. Messages with a bad signature are dropped.
import { randomUUID } from 'node:crypto';
import type * as Zmq from 'zeromq';
import { OrreryError } from '../../../app/contract';
import type { KernelInfo } from '../../../app/models';
import type { Logger } from '../../core/logger';
import { channelAddress, removeConnectionFile, writeConnectionFile, type ConnectionInfo } from './connection';
import { defaultHeartbeat, Heartbeat, type HeartbeatOptions } from './heartbeat';
import { describeExit, KernelProcess, type KernelExit } from './kernel-process';
import { createMessage, deserialize, serialize, type JupyterMessage, type MessageHeader } from './wire';

/** Channels that carry requests from Orrery. */
export type RequestChannel = 'shell' | 'control' | 'stdin';

/** What runs a kernel: a local process group, or a sandbox container. */
export interface KernelRunner {
  /** The OS process id, or null where there is none on this host (a container). */
  readonly pid: number | null;
  readonly alive: boolean;
  /** The last lines the kernel wrote, to explain a failure. */
  readonly output: string;
  /** Resolves when the kernel has ended (never rejects). */
  readonly exited: Promise<KernelExit>;
  /** Sends a signal to the kernel (SIGINT interrupts the running cell). */
  signal(signal: NodeJS.Signals): void | Promise<void>;
  /** Waits up to `graceMs` for a clean exit, then kills; resolves once everything it started is gone. */
  stop(graceMs: number): Promise<KernelExit>;
}

/** A kernel that was started: where its channels are (as seen from Orrery) and what runs it. */
export interface StartedKernel {
  readonly connection: ConnectionInfo;
  readonly runner: KernelRunner;
  /** Code run silently once the kernel is ready (a pooled sandbox kernel moves to the notebook's folder). */
  readonly setupCode?: string;
  /** What the kernel's info says about where it runs (a sandbox's image and audit session). */
  readonly details?: Pick<KernelInfo, 'sandbox'>;
  /** Ends what the start left (connection file; a sandbox's container, folders and audit entry); called after the runner stopped. */
  cleanup(): Promise<void>;
}

/** How to launch a kernel. */
export interface KernelLaunch {
  readonly kernelId: string;
  readonly specName: string;
  /** argv with `{connection_file}` still in it (filled here). */
  readonly argv: (connectionFile: string) => string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly connectionDir: string;
  readonly interruptMode: 'signal' | 'message';
  readonly logger: Logger;
  readonly startTimeoutMs?: number;
  readonly heartbeat?: HeartbeatOptions;
  /** Starts the kernel somewhere else than a local process (a sandbox container); default: `startLocal`. */
  readonly start?: (launch: KernelLaunch) => Promise<StartedKernel>;
}

/** The local way: a connection file with loopback TCP ports in Orrery's runtime folder, the spec's argv as a process group. */
export async function startLocal(launch: KernelLaunch): Promise<StartedKernel> {
  const { file, info } = await writeConnectionFile(launch.connectionDir, launch.kernelId, launch.specName);
  try {
    const runner = new KernelProcess(launch.argv(file), { env: { ...launch.env, JPY_PARENT_PID: String(process.pid) }, cwd: launch.cwd });
    return { connection: info, runner, cleanup: () => removeConnectionFile(file) };
  } catch (error) {
    await removeConnectionFile(file);
    throw new OrreryError('process_failed', `The kernel could not be started: ${(error as Error).message}`, { cause: error });
  }
}

/** Callbacks from a session. */
export interface KernelSessionEvents {
  onIopub(message: JupyterMessage): void;
  onStdin(message: JupyterMessage): void;
  /** The kernel died (process exit or lost heartbeat); called once, not after a requested shutdown. */
  onDead(reason: string): void;
}

interface Pending {
  resolve(message: JupyterMessage): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout | null;
}

/** A live kernel. Build it with `KernelSession.start`. */
export class KernelSession {
  readonly id = randomUUID();
  private readonly sockets: Record<RequestChannel, Zmq.Dealer>;
  private readonly iopub: Zmq.Subscriber;
  private readonly heartbeat: Heartbeat;
  private readonly sendChains: Record<RequestChannel, Promise<unknown>> = { shell: Promise.resolve(), control: Promise.resolve(), stdin: Promise.resolve() };
  private readonly pending = new Map<string, Pending>();
  private readonly iopubWatchers = new Set<(message: JupyterMessage) => void>();
  private readonly info: ConnectionInfo;
  private ending = false;
  private deadReason: string | null = null;

  private constructor(
    zmq: typeof Zmq,
    readonly launch: KernelLaunch,
    private readonly started: StartedKernel,
    private readonly events: KernelSessionEvents,
  ) {
    const info = started.connection;
    this.info = info;
    const dealer = (port: number) => {
      // shell and stdin share one routing id: ipykernel sends input_request to the shell requester's identity.
      const socket = new zmq.Dealer({ linger: 0, routingId: this.id });
      socket.connect(channelAddress(info, port));
      return socket;
    };
    this.sockets = { shell: dealer(info.shell_port), control: dealer(info.control_port), stdin: dealer(info.stdin_port) };
    this.iopub = new zmq.Subscriber({ linger: 0 });
    this.iopub.connect(channelAddress(info, info.iopub_port));
    this.iopub.subscribe();
    this.heartbeat = new Heartbeat(zmq, channelAddress(info, info.hb_port), (reason) => this.die(reason), launch.heartbeat ?? defaultHeartbeat);
    for (const channel of ['shell', 'control', 'stdin'] as const) void this.receiveLoop(this.sockets[channel], channel);
    void this.receiveLoop(this.iopub, 'iopub');
    void this.process.exited.then((exit) => this.die(describeExit(exit)));
  }

  /** What runs the kernel (process or container). */
  get process(): KernelRunner {
    return this.started.runner;
  }

  /** Starts the kernel (locally, or as the launch says) and waits until it answers on shell and publishes on iopub. */
  static async start(launch: KernelLaunch, events: KernelSessionEvents): Promise<KernelSession> {
    const zmq = await import('zeromq');
    const started = await (launch.start ?? startLocal)(launch);
    const session = new KernelSession(zmq, launch, started, events);
    try {
      await session.waitReady(launch.startTimeoutMs ?? 60_000);
      await session.setup(launch.startTimeoutMs ?? 60_000);
    } catch (error) {
      await session.shutdown(0);
      if (error instanceof OrreryError && error.code === 'kernel_dead') {
        throw new OrreryError('process_failed', `The kernel failed to start. ${error.message}`, { cause: error });
      }
      throw error;
    }
    session.heartbeat.start();
    return session;
  }

  /** Runs the start's setup code (silently: no execution count, no history); a failure ends the start. */
  private async setup(timeoutMs: number): Promise<void> {
    const code = this.started.setupCode;
    if (!code) return;
    const content = { code, silent: true, store_history: false, user_expressions: {}, allow_stdin: false, stop_on_error: true };
    const reply = await this.request('shell', 'execute_request', content, timeoutMs).reply;
    if (reply.content.status !== 'ok') {
      throw new OrreryError('process_failed', `The kernel could not be prepared: ${String(reply.content.ename ?? '')} ${String(reply.content.evalue ?? '')}`.trim());
    }
  }

  /** Where the kernel runs, for its info (set for a sandbox). */
  get details(): Pick<KernelInfo, 'sandbox'> {
    return this.started.details ?? {};
  }

  /** The kernel's pid (null if the spawn failed). */
  get pid(): number | null {
    return this.process.pid;
  }

  /** Why it died, or null while alive. */
  get dead(): string | null {
    return this.deadReason;
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const exited = this.process.exited.then((exit) => {
      throw new OrreryError('process_failed', `The kernel failed to start. ${describeExit(exit)}`);
    });
    exited.catch(() => undefined);
    while (Date.now() < deadline) {
      const { msgId, reply } = this.request('shell', 'kernel_info_request', {}, deadline - Date.now());
      const iopubSeen = this.waitIopub((m) => m.parent_header.msg_id === msgId, Math.min(1000, Math.max(0, deadline - Date.now())));
      await Promise.race([reply, exited]);
      if (await Promise.race([iopubSeen, exited])) return;
    }
    throw new OrreryError('timeout', `The kernel did not become ready within ${Math.round(timeoutMs / 1000)} s. ${this.process.output.split('\n').slice(-3).join(' ')}`.trim());
  }

  private waitIopub(match: (message: JupyterMessage) => boolean, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const watcher = (message: JupyterMessage) => {
        if (!match(message)) return;
        this.iopubWatchers.delete(watcher);
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.iopubWatchers.delete(watcher);
        resolve(false);
      }, timeoutMs);
      this.iopubWatchers.add(watcher);
    });
  }

  private async receiveLoop(socket: Zmq.Dealer | Zmq.Subscriber, channel: RequestChannel | 'iopub'): Promise<void> {
    try {
      for await (const frames of socket) {
        let message: JupyterMessage;
        try {
          message = deserialize(frames, this.info.key);
        } catch (error) {
          this.launch.logger.warn('dropped a kernel message', { channel, error: (error as Error).message });
          continue;
        }
        this.dispatch(channel, message);
      }
    } catch (error) {
      if (!this.ending) this.launch.logger.warn('kernel channel closed', { channel, error: (error as Error).message });
    }
  }

  private dispatch(channel: RequestChannel | 'iopub', message: JupyterMessage): void {
    if (channel === 'iopub') {
      for (const watcher of [...this.iopubWatchers]) watcher(message);
      this.events.onIopub(message);
      return;
    }
    if (channel === 'stdin') return this.events.onStdin(message);
    const parentId = message.parent_header.msg_id;
    const waiting = parentId ? this.pending.get(parentId) : undefined;
    if (!waiting) return;
    this.pending.delete(parentId!);
    if (waiting.timer) clearTimeout(waiting.timer);
    waiting.resolve(message);
  }

  /** Sends a message on a channel (sends on one socket are queued: zeromq allows one at a time). */
  send(channel: RequestChannel, message: JupyterMessage): Promise<void> {
    if (this.deadReason) return Promise.reject(new OrreryError('kernel_dead', this.deadReason));
    const frames = serialize(message, this.info.key);
    const next = this.sendChains[channel].then(() => this.sockets[channel].send(frames));
    this.sendChains[channel] = next.catch(() => undefined);
    return next;
  }

  /** Sends a request and answers its id and a promise of the reply (rejected if the kernel dies or the time runs out). */
  request(channel: 'shell' | 'control', msgType: string, content: Record<string, unknown>, timeoutMs?: number, parent?: Partial<MessageHeader>): { msgId: string; reply: Promise<JupyterMessage> } {
    const message = createMessage(this.id, msgType, content, parent);
    const msgId = message.header.msg_id;
    const reply = new Promise<JupyterMessage>((resolve, reject) => {
      if (this.deadReason) return reject(new OrreryError('kernel_dead', this.deadReason));
      const timer = timeoutMs === undefined ? null : setTimeout(() => {
        this.pending.delete(msgId);
        reject(new OrreryError('timeout', `The kernel did not answer ${msgType} within ${Math.round(timeoutMs / 1000)} s.`));
      }, timeoutMs);
      this.pending.set(msgId, { resolve, reject, timer });
      this.send(channel, message).catch((error: unknown) => {
        this.pending.delete(msgId);
        if (timer) clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      });
    });
    reply.catch(() => undefined);
    return { msgId, reply };
  }

  /** Interrupts the running cell: SIGINT to the process group, or interrupt_request when the spec asks for messages. */
  async interrupt(): Promise<void> {
    if (this.deadReason) throw new OrreryError('kernel_dead', this.deadReason);
    if (this.launch.interruptMode === 'signal') return this.process.signal('SIGINT');
    await this.request('control', 'interrupt_request', {}, 10_000).reply;
  }

  private die(reason: string): void {
    if (this.deadReason) return;
    this.deadReason = reason;
    for (const [id, waiting] of this.pending) {
      if (waiting.timer) clearTimeout(waiting.timer);
      waiting.reject(new OrreryError('kernel_dead', reason));
      this.pending.delete(id);
    }
    if (!this.ending) {
      this.launch.logger.warn('kernel died', { kernelId: this.launch.kernelId, reason });
      this.events.onDead(reason);
      // A kernel that lost its heartbeat may still be running: end it.
      void this.shutdown(0);
    }
  }

  /** Asks the kernel to shut down (shutdown_request on control), kills its group after `graceMs`, closes everything. */
  async shutdown(graceMs = 2000, restart = false): Promise<void> {
    if (this.ending) {
      await this.process.exited;
      return;
    }
    this.ending = true;
    this.heartbeat.stop();
    if (this.process.alive && graceMs > 0 && !this.deadReason) {
      const message = createMessage(this.id, 'shutdown_request', { restart });
      await Promise.race([this.send('control', message).catch(() => undefined), new Promise((r) => setTimeout(r, 200))]);
    }
    await this.process.stop(graceMs);
    this.die('The kernel was shut down.');
    for (const socket of [...Object.values(this.sockets), this.iopub]) socket.close();
    await this.started.cleanup();
  }
}
