// The Jupyter wire protocol (messaging 5.x): messages as ZeroMQ frames, signed with HMAC-SHA256 over
// header, parent header, metadata and content; signatures checked in constant time on receipt.
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

/** Protocol version Orrery speaks. */
export const protocolVersion = '5.3';

const delimiter = Buffer.from('<IDS|MSG>');

/** A message header. */
export interface MessageHeader {
  readonly msg_id: string;
  readonly msg_type: string;
  readonly session: string;
  readonly username: string;
  readonly date: string;
  readonly version: string;
}

/** A decoded Jupyter message. */
export interface JupyterMessage {
  readonly header: MessageHeader;
  readonly parent_header: Partial<MessageHeader>;
  readonly metadata: Record<string, unknown>;
  readonly content: Record<string, unknown>;
  readonly buffers: Buffer[];
}

/** Signs the four JSON parts with the connection key (hex digest); an empty key disables signing, as Jupyter does. */
export function sign(key: string, parts: readonly (string | Buffer)[]): string {
  if (key === '') return '';
  const hmac = createHmac('sha256', key);
  for (const part of parts) hmac.update(part);
  return hmac.digest('hex');
}

/** True when `signature` is the right one for the parts (constant-time compare). */
export function verify(key: string, signature: Buffer, parts: readonly Buffer[]): boolean {
  if (key === '') return true;
  const expected = Buffer.from(sign(key, parts), 'utf8');
  return expected.length === signature.length && timingSafeEqual(expected, signature);
}

/** A new message of a type from this session, optionally in reply to `parent`. */
export function createMessage(
  session: string,
  msgType: string,
  content: Record<string, unknown>,
  parent: Partial<MessageHeader> = {},
  metadata: Record<string, unknown> = {},
): JupyterMessage {
  const header: MessageHeader = {
    msg_id: randomUUID(),
    msg_type: msgType,
    session,
    username: 'orrery',
    date: new Date().toISOString(),
    version: protocolVersion,
  };
  return { header, parent_header: parent, metadata, content, buffers: [] };
}

/** The frames of a message (no routing identities: Orrery's sockets are DEALERs). */
export function serialize(message: JupyterMessage, key: string): Buffer[] {
  const parts = [message.header, message.parent_header, message.metadata, message.content].map((part) => Buffer.from(JSON.stringify(part), 'utf8'));
  return [delimiter, Buffer.from(sign(key, parts), 'utf8'), ...parts, ...message.buffers];
}

/** Thrown for a frame list that is not a valid, correctly signed Jupyter message. */
export class WireError extends Error {}

/** Decodes frames (identities before the delimiter are skipped); throws WireError on a bad signature or shape. */
export function deserialize(frames: readonly Buffer[], key: string): JupyterMessage {
  const at = frames.findIndex((frame) => frame.equals(delimiter));
  if (at < 0 || frames.length < at + 6) throw new WireError('message without the <IDS|MSG> delimiter or its parts');
  const signature = frames[at + 1]!;
  const parts = frames.slice(at + 2, at + 6);
  if (!verify(key, signature, parts)) throw new WireError('message signature does not match the connection key');
  const [header, parent, metadata, content] = parts.map((part) => JSON.parse(part.toString('utf8')) as Record<string, unknown>);
  return {
    header: header as unknown as MessageHeader,
    parent_header: (parent ?? {}) as Partial<MessageHeader>,
    metadata: metadata ?? {},
    content: content ?? {},
    buffers: frames.slice(at + 6).map((frame) => Buffer.from(frame)),
  };
}
