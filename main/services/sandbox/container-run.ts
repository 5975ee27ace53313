import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { SandboxStatus } from '../../../app/contract/sandbox';
import { BoundedOutput, defaultOutputCap } from './bounded-output';
import { dockerStatus, removeContainer } from './docker';
import type { FrameStream } from './frame-demux';
import { launcherExit, type PooledContainer } from './warm-pool';

/** What one run inside a container needs besides the container. */
export interface RunRequest {
  readonly command: readonly string[];
  readonly timeoutS: number;
  readonly workingDir?: string;
  readonly signal?: AbortSignal;
  readonly outputCap?: number;
  readonly onOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
}

/** How a run ended, with its kept output. */
export interface RunOutcome {
  readonly status: Exclude<SandboxStatus, 'running'>;
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly truncated: boolean;
  readonly containerId: string;
  readonly message: string | null;
  /** Resolves once the container is dead and removed (a pooled one is killed after the answer, to keep it fast). */
  readonly settled: Promise<void>;
}

type StopReason = 'timeout' | 'cancelled' | null;

/**
 * Runs a container created from `options` to its end (cold start): attach before start so no output is
 * lost, a wall-clock watchdog that kills it, then the container's own word on its exit code and OOM kill.
 * The container is always removed.
 */
export async function runCold(docker: Docker, options: Docker.ContainerCreateOptions, request: RunRequest): Promise<RunOutcome> {
  const container = await docker.createContainer(options);
  try {
    const output = new BoundedOutput(request.outputCap ?? defaultOutputCap, request.onOutput);
    const stream = (await container.attach({ stream: true, stdout: true, stderr: true })) as unknown as Readable;
    const drained = pump(docker, stream, output);
    await container.start();
    const watchdog = startWatchdog(request, () => killQuietly(container));
    try {
      await container.wait();
      await drained;
    } finally {
      watchdog.stop();
    }
    const state = (await container.inspect()).State;
    return outcome(container.id, output, state.ExitCode, state.OOMKilled, watchdog.reason(), request.timeoutS, Promise.resolve());
  } finally {
    await removeContainer(docker, container.id);
  }
}

/**
 * Runs the command in a pooled container: the command line goes to its launcher, which runs it and reports
 * its exit code on stderr, so the answer comes without waiting for the container's teardown. Output arrives
 * on the stream attached when the pool started it. A SIGKILL (137) is checked against the container's OOM
 * flag. The container serves this one run; it is killed and removed in the background (`settled`).
 */
export async function runInPooled(docker: Docker, pooled: PooledContainer, request: RunRequest): Promise<RunOutcome> {
  const { container, stream, demuxer } = pooled;
  const output = new BoundedOutput(request.outputCap ?? defaultOutputCap, request.onOutput);
  const nonce = randomBytes(16).toString('hex');
  const ended = new Promise<number | null>((resolve) => {
    const scan = exitScanner(nonce, (name, payload) => output.write(name, payload), resolve);
    demuxer.onFrame = scan;
    stream.once('end', () => resolve(null));
    stream.once('close', () => resolve(null));
    stream.once('error', () => resolve(null));
  });
  const watchdog = startWatchdog(request, () => killQuietly(container));
  let reported: number | null;
  try {
    stream.write(`${JSON.stringify({ argv: request.command, cwd: request.workingDir ?? '/project', nonce })}\n`);
    reported = await ended;
    output.finish();
  } finally {
    watchdog.stop();
  }
  const discard = (async () => {
    await killQuietly(container);
    await container.wait().catch(() => undefined);
  })();
  const settled = discard.then(() => removeContainer(docker, container.id)).catch(() => undefined).finally(() => stream.destroy());
  // Without a report the container ended (killed, OOM, timeout): its state says how.
  if (reported === null || reported === 137) {
    await discard;
    const state = (await container.inspect()).State;
    return outcome(container.id, output, reported ?? state.ExitCode, state.OOMKilled, watchdog.reason(), request.timeoutS, settled);
  }
  return outcome(container.id, output, reported, false, watchdog.reason(), request.timeoutS, settled);
}

/**
 * Passes output on and catches the launcher's exit report (with this run's nonce) at the end of a stderr
 * frame, held back when split across frames. A report with another nonce is output like any other.
 */
function exitScanner(nonce: string, write: (name: FrameStream, payload: Buffer) => void, onExit: (code: number) => void): (name: FrameStream, payload: Buffer) => void {
  let carry: Buffer = Buffer.alloc(0);
  return (name, payload) => {
    if (name === 'stdout') return write(name, payload);
    const data = carry.length > 0 ? Buffer.concat([carry, payload]) : payload;
    carry = Buffer.alloc(0);
    const text = data.toString('latin1');
    const at = text.lastIndexOf('\u0000orrery-exit ');
    const report = at >= 0 ? launcherExit.exec(text.slice(at)) : null;
    if (report && report[1] === nonce) {
      write(name, data.subarray(0, at));
      onExit(Number(report[2]));
    } else if (at >= 0 && text.length - at < 64 && !text.slice(at).includes('\n')) {
      write(name, data.subarray(0, at));
      carry = data.subarray(at);
    } else {
      write(name, data);
    }
  };
}

/** Feeds a multiplexed stream into the bounded output; resolves when the stream ends. */
function pump(docker: Docker, stream: Readable, output: BoundedOutput): Promise<void> {
  return new Promise<void>((resolve) => {
    const sink = (name: 'stdout' | 'stderr') => ({ write: (chunk: Buffer) => output.write(name, chunk) }) as unknown as NodeJS.WritableStream;
    docker.modem.demuxStream(stream, sink('stdout'), sink('stderr'));
    const done = (): void => {
      output.finish();
      resolve();
    };
    stream.once('end', done);
    stream.once('close', done);
    stream.once('error', done);
  });
}

function startWatchdog(request: RunRequest, kill: () => Promise<void>): { stop(): void; reason(): StopReason } {
  let reason: StopReason = null;
  const fire = (why: Exclude<StopReason, null>) => (): void => {
    if (reason) return;
    reason = why;
    void kill();
  };
  const onAbort = fire('cancelled');
  const timer = setTimeout(fire('timeout'), request.timeoutS * 1000);
  if (request.signal?.aborted) onAbort();
  request.signal?.addEventListener('abort', onAbort, { once: true });
  return {
    stop: () => {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
    },
    reason: () => reason,
  };
}

async function killQuietly(container: Docker.Container): Promise<void> {
  try {
    await container.kill({ signal: 'SIGKILL' });
  } catch (error) {
    // 409: not running any more; 404: already removed.
    if (dockerStatus(error) !== 409 && dockerStatus(error) !== 404) throw error;
  }
}

function outcome(
  containerId: string,
  output: BoundedOutput,
  exitCode: number | null | undefined,
  oom: boolean,
  reason: StopReason,
  timeoutS: number,
  settled: Promise<void>,
): RunOutcome {
  const code = exitCode ?? null;
  const kept = { stdout: output.text('stdout'), stderr: output.text('stderr'), truncated: output.truncated, containerId, settled };
  if (reason === 'timeout') return { ...kept, status: 'timeout', exitCode: code, message: `Killed after the ${timeoutS} s wall-clock limit.` };
  if (reason === 'cancelled') return { ...kept, status: 'cancelled', exitCode: code, message: 'Cancelled; the container was killed.' };
  if (oom) return { ...kept, status: 'oom', exitCode: code, message: 'Killed by the out-of-memory killer: the run went past its memory limit.' };
  if (code === 0) return { ...kept, status: 'ok', exitCode: code, message: null };
  if (code === 137) return { ...kept, status: 'killed', exitCode: code, message: 'Killed (SIGKILL) from outside the run.' };
  return { ...kept, status: 'error', exitCode: code, message: `Exited with code ${String(code)}.` };
}
