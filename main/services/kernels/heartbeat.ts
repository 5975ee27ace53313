// The heartbeat channel: a REQ socket pinging the kernel's echo server. A kernel that misses several
// beats in a row while its process still runs is reported lost, so nothing waits on it forever.
import type * as Zmq from 'zeromq';

/** Heartbeat timing (ms) and how many misses in a row mean the kernel is lost. */
export interface HeartbeatOptions {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly misses: number;
}

/** Generous defaults: a busy shared machine must not be mistaken for a dead kernel. */
export const defaultHeartbeat: HeartbeatOptions = { intervalMs: 3000, timeoutMs: 5000, misses: 4 };

/** Pings `address` until stopped; calls `onLost` once after `misses` failed beats in a row. */
export class Heartbeat {
  private socket: Zmq.Request | null = null;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private missed = 0;

  constructor(
    private readonly zmq: typeof Zmq,
    private readonly address: string,
    private readonly onLost: (reason: string) => void,
    private readonly options: HeartbeatOptions = defaultHeartbeat,
  ) {}

  /** Starts beating. */
  start(): void {
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.beat(), this.options.intervalMs);
  }

  private fresh(): Zmq.Request {
    this.socket?.close();
    const socket = new this.zmq.Request({ linger: 0, receiveTimeout: this.options.timeoutMs, sendTimeout: this.options.timeoutMs });
    socket.connect(this.address);
    this.socket = socket;
    return socket;
  }

  private async beat(): Promise<void> {
    if (this.stopped) return;
    const socket = this.socket ?? this.fresh();
    try {
      await socket.send('ping');
      await socket.receive();
      this.missed = 0;
    } catch {
      if (this.stopped) return;
      this.missed++;
      // A REQ socket that timed out is stuck mid-exchange; start a new one.
      this.fresh();
      if (this.missed >= this.options.misses) {
        this.stop();
        this.onLost(`The kernel stopped answering its heartbeat (${this.missed} beats missed).`);
        return;
      }
    }
    this.schedule();
  }

  /** Stops beating and closes the socket. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.socket?.close();
    this.socket = null;
  }
}
