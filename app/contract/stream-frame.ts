// Stream frames of the WebSocket transport; free of zod so the page's bundle can use them without the schemas.
import type { ServerFrame } from './wire';

/**
 * Stream output (an event whose payload is `{ data: string }`, like `terminal.data`) travels as a stream frame
 * instead of JSON: `\u0000event\u0000id\u0000` and then the output itself. JSON would escape every `\r\n` of
 * terminal output on the host and unescape it again in the page; a JSON frame never starts with U+0000.
 */
const streamMark = '\u0000';

/** True when `id` can travel in a stream frame's header (it holds no U+0000; an id that does goes as JSON). */
export function fitsStreamFrame(id: string): boolean {
  return !id.includes(streamMark);
}

/** The stream frame of one `{ data }` event (see `fitsStreamFrame`). */
export function encodeStreamFrame(event: string, id: string, data: string): string {
  return `${streamMark}${event}${streamMark}${id}${streamMark}${data}`;
}

/** Reads one text frame from the host: a stream frame, or JSON. Throws when it is neither. */
export function decodeServerFrame(text: string): ServerFrame {
  if (!text.startsWith(streamMark)) return JSON.parse(text) as ServerFrame;
  const eventEnd = text.indexOf(streamMark, 1);
  const idEnd = eventEnd === -1 ? -1 : text.indexOf(streamMark, eventEnd + 1);
  if (idEnd === -1) throw new Error('the stream frame has no header');
  return { t: 'event', event: text.slice(1, eventEnd), id: text.slice(eventEnd + 1, idEnd), payload: { data: text.slice(idEnd + 1) } };
}
