import { fork, type SerializationType } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { PtyHostFactory } from './pty-host';
import { createRemotePtyHost, type PtyChannel } from './pty-host-remote';
import { OutputFrameReader } from './pty-protocol';

/** After the worker exited, how long its output pipe may take to deliver what is left before the exit is reported. */
const pipeDrainMs = 1000;

/** How messages cross the IPC pipe: JSON (default) or the structured-clone `advanced` serialization. */
export interface ChildPtyHostOptions {
  readonly serialization?: SerializationType;
}

/**
 * Ptys in a forked Node process running the bundled worker (out/main/pty-host.cjs), so a flood of output is
 * read and batched off this process's event loop. The web host uses this; Electron uses a utilityProcess.
 * Requests go over the IPC channel; messages and output come back as frames on an output pipe (fd 4), so output
 * crosses as bytes instead of JSON.
 */
export function createChildProcessPtyHost(workerPath: string, options: ChildPtyHostOptions = {}): PtyHostFactory {
  return ({ logger }) =>
    createRemotePtyHost((): PtyChannel => {
      const child = fork(workerPath, ['--output-pipe'], {
        execArgv: [],
        serialization: options.serialization ?? 'json',
        stdio: ['ignore', 'inherit', 'inherit', 'ipc', 'pipe'],
      });
      logger.debug('pty host started', { pid: child.pid });
      const messageListeners: ((message: unknown) => void)[] = [];
      const reader = new OutputFrameReader((message) => {
        for (const listener of messageListeners) listener(message);
      });
      const pipe = child.stdio[4] as Readable;
      const pipeEnded = new Promise<void>((resolve) => {
        pipe.on('data', (chunk: Buffer) => reader.push(chunk));
        pipe.on('close', () => resolve());
        pipe.on('error', (error) => logger.warn('pty host output pipe error', { error: error.message }));
      });
      const exitListeners: ((code: number | null) => void)[] = [];
      child.on('exit', (code) => {
        // What the worker wrote before it ended is still in the pipe: deliver it first (boundedly: a shell that
        // inherited the pipe could keep it open).
        const drained = new Promise((resolve) => setTimeout(resolve, pipeDrainMs).unref());
        void Promise.race([pipeEnded, drained]).then(() => {
          for (const listener of exitListeners) listener(code);
        });
      });
      child.on('error', (error) => logger.warn('pty host process error', { error }));
      return {
        send(request) {
          if (!child.connected) throw new Error('the pty host process is not connected');
          child.send(request);
        },
        onMessage: (listener) => {
          messageListeners.push(listener);
          child.on('message', listener);
        },
        onExit: (listener) => exitListeners.push(listener),
        terminate: () => child.kill('SIGKILL'),
      };
    }, logger);
}
