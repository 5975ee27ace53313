import type { Logger } from '../../core/logger';
import type { PtyHost } from './pty-host';
import { isPtyMessage, type PtyMessage, type PtyRequest } from './pty-protocol';

/**
 * One running host process seen from the service side: a forked child (pty-host-child.ts) or an Electron
 * utilityProcess (main/platform). The channel only moves protocol objects; the remote host does the rest.
 */
export interface PtyChannel {
  send(request: PtyRequest): void;
  /** Every message the process sends (checked with `isPtyMessage` before use). */
  onMessage(listener: (message: unknown) => void): void;
  /** The process ended (expectedly or not). */
  onExit(listener: (code: number | null) => void): void;
  /** Ends the process forcefully (used only when it does not exit after `dispose`). */
  terminate(): void;
}

/** How long a host process gets to end its ptys and exit after `dispose` before it is terminated. */
const disposeTimeoutMs = 5000;

/**
 * A PtyHost whose ptys run in another process reached through `open()`. The process starts on the first spawn
 * and again after it died; if it dies, each of its terminals is reported as exited (code -1) and an error
 * says why, so no terminal is left looking alive.
 */
export function createRemotePtyHost(open: () => PtyChannel, logger: Logger): PtyHost {
  const listeners = new Set<(message: PtyMessage) => void>();
  const live = new Set<string>();
  /** Spawns sent but not yet answered: if the process dies first, each gets an error at once, not a timeout. */
  const starting = new Set<string>();
  let channel: PtyChannel | null = null;
  let exited: Promise<void> = Promise.resolve();
  let disposed = false;

  const emit = (message: PtyMessage) => {
    for (const listener of [...listeners]) listener(message);
  };

  const connect = (): PtyChannel => {
    if (channel) return channel;
    const opened = open();
    channel = opened;
    let markExited!: () => void;
    exited = new Promise((resolve) => (markExited = resolve));
    opened.onMessage((message) => {
      if (!isPtyMessage(message)) return logger.warn('pty host sent an unknown message');
      if (message.type === 'spawned' || message.type === 'error') starting.delete(message.id);
      if (message.type === 'spawned') live.add(message.id);
      if (message.type === 'exit') live.delete(message.id);
      emit(message);
    });
    opened.onExit((code) => {
      if (channel === opened) channel = null;
      if (!disposed) {
        logger.error('pty host process ended unexpectedly', { code });
        emit({ type: 'error', id: '', message: `The terminal host process ended (code ${code}); open a new terminal to restart it.` });
      }
      for (const id of starting) emit({ type: 'error', id, message: `The terminal host process ended (code ${code}) before it started the shell` });
      starting.clear();
      for (const id of live) emit({ type: 'exit', id, exitCode: -1, signal: null });
      live.clear();
      markExited();
    });
    return opened;
  };

  const send = (request: PtyRequest) => {
    if (disposed) return;
    try {
      connect().send(request);
    } catch (error) {
      if ('id' in request) emit({ type: 'error', id: request.id, message: `The terminal host is unreachable: ${(error as Error).message}` });
    }
  };

  return {
    spawn: (request) => {
      starting.add(request.id);
      send({ type: 'spawn', ...request });
    },
    write: (id, data) => send({ type: 'write', id, data }),
    resize: (id, cols, rows) => send({ type: 'resize', id, cols, rows }),
    pause: (id) => send({ type: 'pause', id }),
    resume: (id) => send({ type: 'resume', id }),
    kill: (id, graceMs) => send(graceMs === undefined ? { type: 'kill', id } : { type: 'kill', id, graceMs }),
    onMessage(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      const current = channel;
      if (current) {
        try {
          current.send({ type: 'dispose' });
        } catch {
          current.terminate();
        }
        const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), disposeTimeoutMs).unref());
        if ((await Promise.race([exited.then(() => 'exited' as const), timer])) === 'timeout') {
          logger.warn('pty host did not exit after dispose; terminating it');
          current.terminate();
          await exited;
        }
      }
      listeners.clear();
    },
  };
}
