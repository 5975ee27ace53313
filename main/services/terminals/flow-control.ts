import type { Clock } from '../../core/clock';

/** Watermarks of output flow control, in characters of output sent but not yet acknowledged by a view. */
export interface FlowLimits {
  /** Pause the pty above this many unacknowledged characters. */
  readonly highChars: number;
  /** Resume it once acknowledgements bring the count below this. */
  readonly lowChars: number;
  /** A view that sent no acknowledgement for this long is gone: resume, and stop counting until it acks again. */
  readonly staleMs: number;
}

/**
 * Defaults: a few MB in flight keeps a WebSocket and xterm.js busy; a lagging tab never holds more than that. The
 * page gathers up to 2 MiB per write during a flood (renderer/features/terminal/output-pump.ts) and the sockets
 * between hold MBs more, so the window is 8 MiB, and the pty resumes at 4 MiB, before the page has run dry.
 */
export const defaultFlowLimits: FlowLimits = { highChars: 8 * 1024 * 1024, lowChars: 4 * 1024 * 1024, staleMs: 3000 };

/**
 * Flow control of one terminal's output (the xterm.js watermark scheme across the contract): views acknowledge
 * what they have processed (`terminal.ack`), and the pty is paused while too much is unacknowledged. It starts
 * only once a view acknowledges, so output with no view (or a client that never acks) is never held back.
 */
export class OutputFlow {
  private unacked = 0;
  private active = false;
  private pausedNow = false;
  private lastAck = 0;

  constructor(
    private readonly control: { pause(): void; resume(): void },
    private readonly clock: Clock,
    private readonly limits: FlowLimits = defaultFlowLimits,
  ) {}

  /** Output went out to the views. */
  sent(chars: number): void {
    if (!this.active) return;
    this.unacked += chars;
    if (!this.pausedNow && this.unacked > this.limits.highChars) {
      this.pausedNow = true;
      this.control.pause();
    }
  }

  /** A view processed `chars` characters of output. */
  acked(chars: number): void {
    this.active = true;
    this.lastAck = this.clock.now();
    this.unacked = Math.max(0, this.unacked - chars);
    if (this.pausedNow && this.unacked < this.limits.lowChars) this.release();
  }

  /** Called periodically while paused: resumes when the views stopped acknowledging. */
  check(): void {
    if (this.pausedNow && this.clock.now() - this.lastAck > this.limits.staleMs) {
      this.active = false;
      this.unacked = 0;
      this.release();
    }
  }

  /** True while the pty is paused by this flow. */
  get paused(): boolean {
    return this.pausedNow;
  }

  private release(): void {
    this.pausedNow = false;
    this.control.resume();
  }
}
