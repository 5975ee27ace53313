/**
 * The messages between the terminal service and a pty host. The host may run in this process
 * (`createInProcessPtyHost`), in a forked child (`createChildProcessPtyHost`) or in an Electron
 * utilityProcess (main/platform): every transport carries exactly these plain objects, one per message.
 *
 * Service → host: `spawn`, `write`, `resize`, `pause`/`resume` (flow control), `kill`, `dispose`.
 * Host → service: `spawned` (after `spawn`), `data` (batched output, in order), `exit` (once per terminal),
 * `error` (a request that failed, e.g. the shell could not start; `id` names the terminal or is '' for the host),
 * and `disposed` (answer to `dispose`, after every process tree is gone).
 */

/** Starts a pty running `file args` in `cwd` with exactly `env`. */
export interface PtySpawnRequest {
  readonly type: 'spawn';
  readonly id: string;
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly cols: number;
  readonly rows: number;
}

/** Sends input (keystrokes, pasted text) to a pty. */
export interface PtyWriteRequest {
  readonly type: 'write';
  readonly id: string;
  readonly data: string;
}

/** Resizes a pty. */
export interface PtyResizeRequest {
  readonly type: 'resize';
  readonly id: string;
  readonly cols: number;
  readonly rows: number;
}

/**
 * Stops reading a pty's output until `resume` (flow control while a view lags far behind): the kernel's buffer
 * fills and the program writing blocks, so nothing is lost and no memory grows.
 */
export interface PtyPauseRequest {
  readonly type: 'pause';
  readonly id: string;
}

/** Reads a paused pty's output again. */
export interface PtyResumeRequest {
  readonly type: 'resume';
  readonly id: string;
}

/** Ends a pty's whole process tree: SIGHUP, then SIGKILL after `graceMs` for whatever is left. */
export interface PtyKillRequest {
  readonly type: 'kill';
  readonly id: string;
  readonly graceMs?: number;
}

/** Ends every process tree; the host answers `disposed` and then accepts nothing more. */
export interface PtyDisposeRequest {
  readonly type: 'dispose';
}

/** Every request a pty host accepts. */
export type PtyRequest =
  | PtySpawnRequest
  | PtyWriteRequest
  | PtyResizeRequest
  | PtyPauseRequest
  | PtyResumeRequest
  | PtyKillRequest
  | PtyDisposeRequest;

/** The pty started; `pid` is the shell's process id (also its process group and session). */
export interface PtySpawnedMessage {
  readonly type: 'spawned';
  readonly id: string;
  readonly pid: number;
}

/** Output of one pty: several node-pty chunks batched into one message (a few ms, at most ~64 KiB). */
export interface PtyDataMessage {
  readonly type: 'data';
  readonly id: string;
  readonly data: string;
}

/** The shell ended (all output was sent before this); `signal` is null unless a signal ended it. */
export interface PtyExitMessage {
  readonly type: 'exit';
  readonly id: string;
  readonly exitCode: number;
  readonly signal: number | null;
}

/** A request failed; `id` is the terminal's, or '' when it concerns the host itself. */
export interface PtyErrorMessage {
  readonly type: 'error';
  readonly id: string;
  readonly message: string;
}

/** Answer to `dispose`: every process tree the host started is gone. */
export interface PtyDisposedMessage {
  readonly type: 'disposed';
}

/** Every message a pty host sends back. */
export type PtyMessage = PtySpawnedMessage | PtyDataMessage | PtyExitMessage | PtyErrorMessage | PtyDisposedMessage;

/** Batching limits for output: flush after this long, or as soon as this many characters are waiting. */
export const outputBatch = { maxDelayMs: 4, maxChars: 64 * 1024 } as const;

const requestTypes: ReadonlySet<string> = new Set(['spawn', 'write', 'resize', 'pause', 'resume', 'kill', 'dispose']);
const messageTypes: ReadonlySet<string> = new Set(['spawned', 'data', 'exit', 'error', 'disposed']);

/** True when a value arriving over a transport has the shape of a request (fields are checked by the host). */
export function isPtyRequest(value: unknown): value is PtyRequest {
  return typeof value === 'object' && value !== null && requestTypes.has(String((value as { type?: unknown }).type));
}

/** True when a value arriving over a transport has the shape of a host message. */
export function isPtyMessage(value: unknown): value is PtyMessage {
  return typeof value === 'object' && value !== null && messageTypes.has(String((value as { type?: unknown }).type));
}
