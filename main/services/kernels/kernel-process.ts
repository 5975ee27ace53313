// The kernel's OS process: spawned in its own process group (so a shutdown reaches anything it started),
// its exit watched, the tail of its stderr kept to explain a failure.
import { spawn, type ChildProcess } from 'node:child_process';

/** How a kernel process ended. */
export interface KernelExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Last lines the kernel wrote on stderr/stdout. */
  readonly tail: string;
}

/** Most characters of output kept for error messages. */
const tailLimit = 4000;

/** One kernel process. */
export class KernelProcess {
  readonly child: ChildProcess;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<KernelExit>;
  private tail = '';
  private exitInfo: KernelExit | null = null;

  constructor(argv: readonly string[], options: { env: NodeJS.ProcessEnv; cwd: string }) {
    const [program, ...args] = argv;
    this.child = spawn(program!, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => {
      this.tail = (this.tail + chunk.toString('utf8')).slice(-tailLimit);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      let spawnError: Error | null = null;
      this.child.once('error', (error) => {
        spawnError = error;
        // A spawn failure emits no 'exit'; report it as an exit here.
        if (this.child.pid === undefined) finish(null, null);
      });
      const finish = (code: number | null, signal: NodeJS.Signals | null) => {
        if (this.exitInfo) return;
        const tail = spawnError ? `${spawnError.message}\n${this.tail}` : this.tail;
        this.exitInfo = { code, signal, tail: tail.trim() };
        resolve(this.exitInfo);
      };
      this.child.once('exit', (code, signal) => finish(code, signal));
    });
  }

  /** The OS process id (null when the spawn failed). */
  get pid(): number | null {
    return this.child.pid ?? null;
  }

  /** True until the process exited. */
  get alive(): boolean {
    return this.exitInfo === null && this.child.pid !== undefined;
  }

  /** Output seen so far (the last few thousand characters). */
  get output(): string {
    return this.tail.trim();
  }

  /** Sends a signal to the process group (falls back to the process itself). */
  signal(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined || !this.alive) return;
    try {
      process.kill(-pid, signal);
    } catch {
      try {
        process.kill(pid, signal);
      } catch {
        // Already gone.
      }
    }
  }

  /** Waits up to `graceMs` for a clean exit, then kills the whole group; resolves once it is gone. */
  async stop(graceMs: number): Promise<KernelExit> {
    if (this.alive) {
      const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
      const exit = await this.exited;
      clearTimeout(timer);
      // Children the kernel started (in its group) go too.
      this.killGroupLeftovers();
      return exit;
    }
    this.killGroupLeftovers();
    return this.exited;
  }

  private killGroupLeftovers(): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // No process left in the group.
    }
  }
}

/** A one-line reason for an exit, with the kernel's last output line when it helps. */
export function describeExit(exit: KernelExit): string {
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code ?? 'unknown'}`;
  const lines = exit.tail.split('\n').map((line) => line.trim()).filter(Boolean);
  const last = lines.slice(-3).join(' | ');
  return `The kernel process ${how}${last ? `: ${last}` : ''}.`;
}
