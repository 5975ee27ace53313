import { StringDecoder } from 'node:string_decoder';

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

/**
 * The output pipe of a child-process pty host (fd 4 of the worker, `--output-pipe`): every host → service message
 * goes there in order, as frames `[kind: u8][length: u32 BE][body]`. Kind 0: a message as JSON. Kind 1: output
 * bytes of one terminal, body `[id length: u8][id][bytes]`, UTF-8 that may split a character across frames (the
 * reader decodes per terminal). Output skips JSON on both sides: no escaping of every `\r\n`, no parsing.
 */
const frameHeaderBytes = 5;
const messageFrame = 0;
const bytesFrame = 1;

/** One message as an output-pipe frame. */
export function encodeMessageFrame(message: PtyMessage): Buffer {
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  const frame = Buffer.allocUnsafe(frameHeaderBytes + body.length);
  frame.writeUInt8(messageFrame, 0);
  frame.writeUInt32BE(body.length, 1);
  body.copy(frame, frameHeaderBytes);
  return frame;
}

/** Output bytes of terminal `id` as an output-pipe frame. */
export function encodeBytesFrame(id: string, bytes: Uint8Array): Buffer {
  const idLength = Buffer.byteLength(id, 'utf8');
  if (idLength > 255) throw new Error(`pty id too long for an output frame: ${id}`);
  const frame = Buffer.allocUnsafe(frameHeaderBytes + 1 + idLength + bytes.length);
  frame.writeUInt8(bytesFrame, 0);
  frame.writeUInt32BE(1 + idLength + bytes.length, 1);
  frame.writeUInt8(idLength, frameHeaderBytes);
  frame.write(id, frameHeaderBytes + 1, 'utf8');
  frame.set(bytes, frameHeaderBytes + 1 + idLength);
  return frame;
}

/**
 * Reads an output pipe: `push` each chunk as it arrives; complete frames come out in order, as messages (`data`
 * decoded per terminal, a character split across frames completed by the next; what is left of a terminal's
 * output is flushed before its `exit`). Values that are not messages are handed on for `isPtyMessage` to refuse.
 */
export class OutputFrameReader {
  private buffered: Buffer = Buffer.alloc(0);
  private readonly decoders = new Map<string, StringDecoder>();

  constructor(private readonly onMessage: (message: unknown) => void) {}

  push(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    let offset = 0;
    while (this.buffered.length - offset >= frameHeaderBytes) {
      const length = this.buffered.readUInt32BE(offset + 1);
      const end = offset + frameHeaderBytes + length;
      if (this.buffered.length < end) break;
      const kind = this.buffered.readUInt8(offset);
      const body = this.buffered.subarray(offset + frameHeaderBytes, end);
      offset = end;
      if (kind === bytesFrame) this.bytes(body);
      else if (kind === messageFrame) this.message(body);
    }
    this.buffered = offset === this.buffered.length ? Buffer.alloc(0) : this.buffered.subarray(offset);
  }

  private bytes(body: Buffer): void {
    const idLength = body.readUInt8(0);
    const id = body.toString('utf8', 1, 1 + idLength);
    let decoder = this.decoders.get(id);
    if (!decoder) this.decoders.set(id, (decoder = new StringDecoder('utf8')));
    const data = decoder.write(body.subarray(1 + idLength));
    if (data.length > 0) this.onMessage({ type: 'data', id, data } satisfies PtyDataMessage);
  }

  private message(body: Buffer): void {
    let message: unknown;
    try {
      message = JSON.parse(body.toString('utf8'));
    } catch {
      message = null;
    }
    if (isPtyMessage(message) && message.type === 'exit') {
      const rest = this.decoders.get(message.id)?.end() ?? '';
      this.decoders.delete(message.id);
      if (rest.length > 0) this.onMessage({ type: 'data', id: message.id, data: rest } satisfies PtyDataMessage);
    }
    this.onMessage(message);
  }
}
