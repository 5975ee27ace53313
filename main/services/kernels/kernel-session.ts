// One running kernel: its process, its ZeroMQ channels (shell/control/stdin DEALER, iopub SUB, hb REQ),
// signed requests with their replies, readiness (kernel_info answered and iopub flowing), interrupt and
// shutdown. Messages with a bad signature are dropped.
import { randomUUID } from 'node:crypto';
import type * as Zmq from 'zeromq';
import { OrreryError } from '../../../app/contract';
import type { Logger } from '../../core/logger';
import { channelAddress, removeConnectionFile, writeConnectionFile, type ConnectionInfo } from './connection';
import { defaultHeartbeat, Heartbeat, type HeartbeatOptions } from './heartbeat';
import { describeExit, KernelProcess } from './kernel-process';
import { createMessage, deserialize, serialize, type JupyterMessage, type MessageHeader } from './wire';

/** Channels that carry requests from Orrery. */
export type RequestChannel = 'shell' | 'control' | 'stdin';

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
  private ending = false;
  private deadReason: string | null = null;

  private constructor(
    zmq: typeof Zmq,
    readonly launch: KernelLaunch,
    readonly process: KernelProcess,
    readonly connectionFile: string,
    private readonly info: ConnectionInfo,
    private readonly events: KernelSessionEvents,
  ) {
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

  /** Writes the connection file, spawns the kernel and waits until it answers on shell and publishes on iopub. */
  static async start(launch: KernelLaunch, events: KernelSessionEvents): Promise<KernelSession> {
    const zmq = await import('zeromq');
    const { file, info } = await writeConnectionFile(launch.connectionDir, launch.kernelId, launch.specName);
    let kernelProcess: KernelProcess;
    try {
      kernelProcess = new KernelProcess(launch.argv(file), { env: { ...launch.env, JPY_PARENT_PID: String(process.pid) }, cwd: launch.cwd });
    } catch (error) {
      await removeConnectionFile(file);
      throw new OrreryError('process_failed', `The kernel could not be started: ${(error as Error).message}`, { cause: error });
    }
    const session = new KernelSession(zmq, launch, kernelProcess, file, info, events);
    try {
      await session.waitReady(launch.startTimeoutMs ?? 60_000);
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
    await removeConnectionFile(this.connectionFile);
  }
}
