import { fork, type SerializationType } from 'node:child_process';
import type { PtyHostFactory } from './pty-host';
import { createRemotePtyHost, type PtyChannel } from './pty-host-remote';

/** How messages cross the IPC pipe: JSON (default) or the structured-clone `advanced` serialization. */
export interface ChildPtyHostOptions {
  readonly serialization?: SerializationType;
}

/**
 * Ptys in a forked Node process running the bundled worker (out/main/pty-host.cjs), so a flood of output is
 * read and batched off this process's event loop. The web host uses this; Electron uses a utilityProcess.
 */
export function createChildProcessPtyHost(workerPath: string, options: ChildPtyHostOptions = {}): PtyHostFactory {
  return ({ logger }) =>
    createRemotePtyHost((): PtyChannel => {
      const child = fork(workerPath, [], {
        execArgv: [],
        serialization: options.serialization ?? 'json',
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      logger.debug('pty host started', { pid: child.pid });
      const exitListeners: ((code: number | null) => void)[] = [];
      child.on('exit', (code) => {
        for (const listener of exitListeners) listener(code);
      });
      child.on('error', (error) => logger.warn('pty host process error', { error }));
      return {
        send(request) {
          if (!child.connected) throw new Error('the pty host process is not connected');
          child.send(request);
        },
        onMessage: (listener) => child.on('message', listener),
        onExit: (listener) => exitListeners.push(listener),
        terminate: () => child.kill('SIGKILL'),
      };
    }, logger);
}
