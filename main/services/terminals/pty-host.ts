import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import * as pty from 'node-pty';
import type { Logger } from '../../core/logger';
import { killProcessTree } from './process-tree';
import { OutputBatcher } from './output-batcher';
import { type PtyMessage, type PtyRequest, type PtySpawnRequest } from './pty-protocol';

/** Where ptys live: in this process, a forked child or an Electron utilityProcess; all speak pty-protocol. */
export interface PtyHost {
  /** Starts a pty; answers with a `spawned` or an `error` message for that id. */
  spawn(request: Omit<PtySpawnRequest, 'type'>): void;
  write(id: string, data: string): void;
  resize(id: string, cols: number, rows: number): void;
  /** Stops reading the pty's output (flow control); the program writing blocks until `resume`. */
  pause(id: string): void;
  resume(id: string): void;
  /** Ends the pty's whole process tree (SIGHUP, then SIGKILL after the grace period); an `exit` message follows. */
  kill(id: string, graceMs?: number): void;
  /** Subscribes to every message the host sends; returns the unsubscribe. */
  onMessage(listener: (message: PtyMessage) => void): () => void;
  /** Ends every process tree, then releases the host (a child host's process exits). */
  dispose(): Promise<void>;
}

/** Builds a pty host; core takes one so each face picks where ptys run. */
export type PtyHostFactory = (deps: { readonly logger: Logger }) => PtyHost;

interface Session {
  readonly pty: pty.IPty;
  readonly output: OutputBatcher<Buffer>;
  readonly exited: Promise<void>;
}

/** What an in-process host needs; `rawOutput` takes each output batch as bytes instead of `data` messages. */
export interface InProcessPtyHostDeps {
  readonly logger: Logger;
  /**
   * Receives the output as the pty's bytes (UTF-8, a character may be split across batches), in order with the
   * messages: the pty-host worker frames them onto its output pipe, and the service side decodes them.
   */
  readonly rawOutput?: (id: string, bytes: Buffer) => void;
}

const concatBytes = (parts: readonly Buffer[]): Buffer => Buffer.concat(parts);

/** Applies one protocol request to a host (the worker's dispatch; `dispose` is answered by the caller). */
export function applyPtyRequest(host: PtyHost, request: PtyRequest): void {
  switch (request.type) {
    case 'spawn':
      host.spawn(request);
      return;
    case 'write':
      host.write(request.id, request.data);
      return;
    case 'resize':
      host.resize(request.id, request.cols, request.rows);
      return;
    case 'pause':
      host.pause(request.id);
      return;
    case 'resume':
      host.resume(request.id);
      return;
    case 'kill':
      host.kill(request.id, request.graceMs);
      return;
    case 'dispose':
      return;
  }
}

/**
 * Opens the pty's slave side too, so the master never sees a hang-up while output is still buffered: libuv takes
 * POLLHUP after a short read for the end of the stream, and the last few KiB a command printed before the shell
 * exited were lost (seen here on Linux). node-pty then ends the stream itself 200 ms after the exit; the handle
 * closes on exit.
 */
function holdSlaveOpen(child: pty.IPty): Promise<FileHandle | null> {
  const ptsName = (child as { ptsName?: unknown }).ptsName;
  if (process.platform === 'win32' || typeof ptsName !== 'string' || !ptsName.startsWith('/dev/')) return Promise.resolve(null);
  return open(ptsName, constants.O_RDWR | constants.O_NOCTTY).catch(() => null);
}

/**
 * node-pty in this process. Output is read as bytes and batched per terminal (OutputBatcher: a few ms, at most
 * ~64 KiB) so a flood becomes a few large messages instead of thousands of small ones; each batch is decoded
 * (a character split across reads is completed by the next) unless `rawOutput` takes the bytes.
 */
export const createInProcessPtyHost = ({ logger, rawOutput }: InProcessPtyHostDeps): PtyHost => {
  const sessions = new Map<string, Session>();
  const listeners = new Set<(message: PtyMessage) => void>();
  let disposed = false;

  const emit = (message: PtyMessage) => {
    for (const listener of [...listeners]) listener(message);
  };

  const start = (request: Omit<PtySpawnRequest, 'type'>) => {
    const { id } = request;
    const child = pty.spawn(request.file, [...request.args], {
      name: 'xterm-256color',
      cols: request.cols,
      rows: request.rows,
      cwd: request.cwd,
      env: { ...request.env },
      // Bytes, not strings: batches are joined as bytes and decoded once (or not at all here, with rawOutput).
      encoding: null,
    });
    const decoder = rawOutput ? null : new StringDecoder('utf8');
    const deliver = rawOutput
      ? (bytes: Buffer) => rawOutput(id, bytes)
      : (bytes: Buffer) => {
          const data = decoder!.write(bytes);
          if (data.length > 0) emit({ type: 'data', id, data });
        };
    let markExited!: () => void;
    const session: Session = {
      pty: child,
      output: new OutputBatcher<Buffer>(deliver, undefined, undefined, concatBytes),
      exited: new Promise<void>((resolve) => (markExited = resolve)),
    };
    sessions.set(id, session);
    const slave = holdSlaveOpen(child);
    // With `encoding: null` node-pty hands out Buffers (its typings say string).
    child.onData((data) => session.output.push(data as unknown as Buffer));
    child.onExit(({ exitCode, signal }) => {
      void slave.then((handle) => handle?.close());
      session.output.flush();
      const rest = decoder?.end() ?? '';
      if (rest.length > 0) emit({ type: 'data', id, data: rest });
      sessions.delete(id);
      emit({ type: 'exit', id, exitCode, signal: signal ? signal : null });
      markExited();
    });
    emit({ type: 'spawned', id, pid: child.pid });
  };

  const withSession = (id: string, action: string, run: (session: Session) => void) => {
    const session = sessions.get(id);
    if (!session) {
      // The terminal may have just exited; the service already knows, so this is not an error for the user.
      logger.debug(`pty ${action}: no running pty`, { id });
      return;
    }
    try {
      run(session);
    } catch (error) {
      emit({ type: 'error', id, message: `pty ${action} failed: ${(error as Error).message}` });
    }
  };

  return {
    spawn(request) {
      if (disposed) return emit({ type: 'error', id: request.id, message: 'The pty host was disposed.' });
      if (sessions.has(request.id)) return emit({ type: 'error', id: request.id, message: 'A pty with this id exists.' });
      try {
        start(request);
      } catch (error) {
        emit({ type: 'error', id: request.id, message: `Could not start ${request.file}: ${(error as Error).message}` });
      }
    },
    write: (id, data) => withSession(id, 'write', (session) => session.pty.write(data)),
    resize: (id, cols, rows) => withSession(id, 'resize', (session) => session.pty.resize(cols, rows)),
    pause: (id) => withSession(id, 'pause', (session) => session.pty.pause()),
    resume: (id) => withSession(id, 'resume', (session) => session.pty.resume()),
    kill(id, graceMs) {
      const session = sessions.get(id);
      if (!session) return;
      killProcessTree(session.pty.pid, graceMs).catch((error: unknown) =>
        emit({ type: 'error', id, message: `Could not end the terminal's processes: ${(error as Error).message}` }),
      );
    },
    onMessage(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      const running = [...sessions.values()];
      await Promise.all(running.map((session) => killProcessTree(session.pty.pid).catch(() => undefined)));
      // node-pty reports exit once it reaped the shell; wait for that, boundedly.
      await Promise.race([Promise.all(running.map((s) => s.exited)), new Promise((r) => setTimeout(r, 2000).unref())]);
      for (const session of running) session.output.dispose();
      listeners.clear();
    },
  };
};
