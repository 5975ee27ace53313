import { describe, expect, it } from 'vitest';
import { SseLineTooLongError, SseParser, type SseEvent } from '../../../../../../main/services/prompts/providers/sse';

function parse(chunks: readonly (Uint8Array | string)[]): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = new SseParser((event) => events.push(event));
  for (const chunk of chunks) parser.push(chunk);
  parser.end();
  return events;
}

/** Every way of cutting `bytes` in two, plus one byte at a time. */
function splits(bytes: Uint8Array): Uint8Array[][] {
  const out: Uint8Array[][] = [];
  for (let at = 0; at <= bytes.length; at++) out.push([bytes.subarray(0, at), bytes.subarray(at)]);
  out.push([...bytes].map((byte) => Uint8Array.of(byte)));
  return out;
}

const stream = [
  ': a comment line\n',
  'event: content_block_delta\n',
  'data: {"text":"héllo 🌍"}\n',
  '\n',
  'data: first line\r\n',
  'data: second line\r\n',
  '\r\n',
  'id: 7\r',
  'data:no space after the colon\r',
  '\r',
  'event: message_stop\n',
  'data: {}\n',
  '\n',
].join('');

const expected: SseEvent[] = [
  { event: 'content_block_delta', data: '{"text":"héllo 🌍"}', id: '' },
  { event: 'message', data: 'first line\nsecond line', id: '' },
  { event: 'message', data: 'no space after the colon', id: '7' },
  { event: 'message_stop', data: '{}', id: '7' },
];

describe('SseParser', () => {
  it('parses LF, CRLF and CR line ends, multi-line data, comments, event names and ids', () => {
    expect(parse([stream])).toEqual(expected);
  });

  it('gives the same events however the bytes are cut (multi-byte characters and CR LF pairs included)', () => {
    const bytes = new TextEncoder().encode(stream);
    for (const chunks of splits(bytes)) expect(parse(chunks)).toEqual(expected);
  });

  it('hands out each event as soon as its blank line arrives', () => {
    const events: SseEvent[] = [];
    const parser = new SseParser((event) => events.push(event));
    parser.push('data: one\n');
    expect(events).toEqual([]);
    parser.push('\n');
    expect(events.map((event) => event.data)).toEqual(['one']);
    parser.push('data: two\r');
    expect(events).toHaveLength(1);
    parser.push('\r');
    expect(events.map((event) => event.data)).toEqual(['one', 'two']);
  });

  it('drops a leading BOM, events without data, and an event the stream ended before its blank line', () => {
    expect(parse(['\uFEFFdata: a\n\n', 'event: ping\n\n', 'retry: 5\n\n', 'data: cut off'])).toEqual([{ event: 'message', data: 'a', id: '' }]);
  });

  it('keeps an empty data line as an empty line of the event', () => {
    expect(parse(['data\ndata:\ndata: x\n\n'])).toEqual([{ event: 'message', data: '\n\nx', id: '' }]);
  });

  it('refuses a line that grows past its limit', () => {
    const parser = new SseParser(() => undefined, 10);
    parser.push('data: 1234');
    expect(() => parser.push('567890')).toThrow(SseLineTooLongError);
  });
});
