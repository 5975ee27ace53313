// The pty host worker: runs node-pty off the main process's event loop and speaks pty-protocol with its parent,
// over Electron's `process.parentPort` (utilityProcess) when present, else over the child_process IPC channel;
// started with `--output-pipe`, it sends every message and its output as frames on fd 4 instead (pty-protocol).
import net from 'node:net';
import { createLogger, stderrSink } from '../core/logger';
import { applyPtyRequest, createInProcessPtyHost } from '../services/terminals/pty-host';
import { encodeBytesFrame, encodeMessageFrame, isPtyRequest, type PtyMessage, type PtyRequest } from '../services/terminals/pty-protocol';

/** Electron's utilityProcess port (typed here: this bundle does not import electron). */
interface ParentPort {
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

interface Transport {
  send(message: PtyMessage): void;
  /** Output bytes of one terminal, when the transport carries bytes (else output goes as `data` messages). */
  readonly sendBytes?: (id: string, bytes: Buffer) => void;
  onRequest(listener: (request: unknown) => void): void;
  /** Resolves once everything sent so far has left this process. */
  drain(): Promise<void>;
}

function parentPortTransport(port: ParentPort): Transport {
  return {
    send: (message) => port.postMessage(message),
    onRequest: (listener) => port.on('message', (event) => listener(event.data)),
    drain: () => new Promise((resolve) => setImmediate(resolve)),
  };
}

function ipcTransport(): Transport {
  let last: Promise<void> = Promise.resolve();
  return {
    send(message) {
      if (!process.connected) return;
      last = new Promise((resolve) => process.send!(message, undefined, undefined, () => resolve()));
    },
    onRequest: (listener) => process.on('message', listener),
    drain: () => last,
  };
}

/** Requests over the IPC channel; messages and output as frames on the output pipe (fd 4), in one ordered stream. */
function outputPipeTransport(): Transport {
  const pipe = new net.Socket({ fd: 4, readable: false, writable: true });
  let last: Promise<void> = Promise.resolve();
  const write = (frame: Buffer) => {
    if (pipe.destroyed) return;
    last = new Promise((resolve) => pipe.write(frame, () => resolve()));
  };
  pipe.on('error', (error) => logger.warn('output pipe error', { error: error.message }));
  return {
    send: (message) => write(encodeMessageFrame(message)),
    sendBytes: (id, bytes) => write(encodeBytesFrame(id, bytes)),
    onRequest: (listener) => process.on('message', listener),
    drain: () => last,
  };
}

const logger = createLogger([stderrSink('warn')], 'warn', 'pty-host');
const parentPort = (process as { parentPort?: ParentPort }).parentPort;
if (!parentPort && !process.send) {
  process.stderr.write('pty-host: start me with child_process.fork or Electron utilityProcess\n');
  process.exit(2);
}
const transport = parentPort ? parentPortTransport(parentPort) : process.argv.includes('--output-pipe') ? outputPipeTransport() : ipcTransport();
const host = createInProcessPtyHost(transport.sendBytes ? { logger, rawOutput: transport.sendBytes } : { logger });
host.onMessage((message) => transport.send(message));

let shuttingDown = false;
/** Ends every pty tree, then this process: no orphan shells when the parent asks or disappears. */
async function shutDown(answer: boolean): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  await host.dispose();
  if (answer) transport.send({ type: 'disposed' });
  await transport.drain();
  process.exit(0);
}

transport.onRequest((request: unknown) => {
  if (!isPtyRequest(request)) return logger.warn('ignored a message that is not a pty request');
  if (request.type === 'dispose') return void shutDown(true);
  if (!shuttingDown) applyPtyRequest(host, request as PtyRequest);
});
process.on('disconnect', () => void shutDown(false));
// A parent killed with SIGKILL closes no channel under utilityProcess: notice the reparenting instead.
const parentPid = process.ppid;
setInterval(() => {
  if (process.ppid !== parentPid) void shutDown(false);
}, 1000).unref();
