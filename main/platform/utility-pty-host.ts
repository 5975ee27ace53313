import type { ForkOptions, UtilityProcess } from 'electron';
import type { PtyHostFactory } from '../services/terminals/pty-host';
import { createRemotePtyHost, type PtyChannel } from '../services/terminals/pty-host-remote';

/** The part of a UtilityProcess the pty channel uses (a fake in tests). */
export type UtilityProcessLike = Pick<UtilityProcess, 'postMessage' | 'on' | 'kill' | 'pid'>;

/** Electron's `utilityProcess` module, as far as forking goes. */
export interface UtilityForker {
  fork(modulePath: string, args?: string[], options?: ForkOptions): UtilityProcessLike;
}

/**
 * Ptys in an Electron utilityProcess running the bundled worker (out/main/pty-host.cjs, which talks over
 * `process.parentPort`): a flood of terminal output is read and batched off the main process's event loop,
 * and a crash there leaves the window alive. The process starts with the first terminal.
 */
export function createUtilityPtyHost(deps: { utilityProcess: UtilityForker; workerPath: string }): PtyHostFactory {
  return ({ logger }) =>
    createRemotePtyHost((): PtyChannel => {
      const child = deps.utilityProcess.fork(deps.workerPath, [], { serviceName: 'Orrery terminals', stdio: 'inherit' });
      const exitListeners: ((code: number | null) => void)[] = [];
      let running = true;
      child.on('spawn', () => logger.debug('pty host started', { pid: child.pid }));
      child.on('exit', (code) => {
        running = false;
        for (const listener of exitListeners) listener(code);
      });
      child.on('error', (type, location) => logger.error('pty host failed', { type, location }));
      return {
        send(request) {
          if (!running) throw new Error('the pty host process has ended');
          child.postMessage(request);
        },
        onMessage: (listener) => child.on('message', listener),
        onExit: (listener) => exitListeners.push(listener),
        terminate: () => {
          child.kill();
        },
      };
    }, logger);
}
