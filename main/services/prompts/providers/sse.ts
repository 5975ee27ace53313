/**
 * An incremental Server-Sent Events parser following the WHATWG "event stream interpretation": lines end in CRLF,
 * LF or CR (a CR at the end of one chunk and an LF at the start of the next are one line end), `:` starts a
 * comment, `data:` lines of one event are joined with LF, a blank line dispatches. Bytes are decoded as UTF-8
 * across chunk boundaries, a leading BOM is dropped. Events are handed out synchronously as each chunk is pushed,
 * so a caller sees text the moment its event is complete.
 */

/** One dispatched event. */
export interface SseEvent {
  /** The `event:` field, or `message` when the event named none. */
  readonly event: string;
  /** The `data:` lines joined with LF. */
  readonly data: string;
  /** The last `id:` seen (WHATWG keeps it across events). */
  readonly id: string;
}

/** Thrown by `push` when one line grows past the parser's limit (a stream that never ends its line). */
export class SseLineTooLongError extends Error {
  constructor(readonly limit: number) {
    super(`An event-stream line went past ${limit} characters without ending.`);
    this.name = 'SseLineTooLongError';
  }
}

export class SseParser {
  private readonly decoder = new TextDecoder('utf-8');
  private pending = '';
  private sawFirstChunk = false;
  /** The previous chunk ended in CR: an LF starting the next chunk belongs to that line end. */
  private skipLeadingLf = false;
  private eventType = '';
  private dataLines: string[] = [];
  private lastId = '';

  constructor(
    private readonly onEvent: (event: SseEvent) => void,
    private readonly maxLineChars = Number.POSITIVE_INFINITY,
  ) {}

  /** Feeds bytes (or already decoded text); dispatches every event completed by them. */
  push(chunk: Uint8Array | string): void {
    let text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    if (!this.sawFirstChunk && text.length > 0) {
      this.sawFirstChunk = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (this.skipLeadingLf && text.length > 0) {
      this.skipLeadingLf = false;
      if (text.charCodeAt(0) === 10) text = text.slice(1);
    }
    this.consume(text);
  }

  /** The stream ended: an event without its closing blank line is dropped, as the spec says. */
  end(): void {
    const rest = this.decoder.decode();
    if (rest.length > 0) this.consume(rest);
    this.pending = '';
    this.dataLines = [];
    this.eventType = '';
  }

  private consume(text: string): void {
    let buffer = this.pending.length > 0 ? this.pending + text : text;
    let start = 0;
    for (;;) {
      const lf = buffer.indexOf('\n', start);
      const cr = buffer.indexOf('\r', start);
      let end: number;
      if (lf === -1 && cr === -1) break;
      if (cr === -1 || (lf !== -1 && lf < cr)) end = lf;
      else end = cr;
      this.line(buffer.slice(start, end));
      if (buffer.charCodeAt(end) === 13) {
        if (end + 1 < buffer.length) start = buffer.charCodeAt(end + 1) === 10 ? end + 2 : end + 1;
        else {
          start = end + 1;
          this.skipLeadingLf = true;
        }
      } else start = end + 1;
    }
    buffer = start === 0 ? buffer : buffer.slice(start);
    if (buffer.length > this.maxLineChars) throw new SseLineTooLongError(this.maxLineChars);
    this.pending = buffer;
  }

  private line(line: string): void {
    if (line.length === 0) {
      this.dispatch();
      return;
    }
    if (line.charCodeAt(0) === 58 /* : */) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    switch (field) {
      case 'event':
        this.eventType = value;
        break;
      case 'data':
        this.dataLines.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) this.lastId = value;
        break;
      default:
        // `retry` and unknown fields change nothing a client of a model API needs.
        break;
    }
  }

  private dispatch(): void {
    if (this.dataLines.length === 0) {
      this.eventType = '';
      return;
    }
    const event: SseEvent = { event: this.eventType === '' ? 'message' : this.eventType, data: this.dataLines.join('\n'), id: this.lastId };
    this.dataLines = [];
    this.eventType = '';
    this.onEvent(event);
  }
}
