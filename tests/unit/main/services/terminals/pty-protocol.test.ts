import { describe, expect, it } from 'vitest';
import { encodeBytesFrame, encodeMessageFrame, OutputFrameReader } from '../../../../../main/services/terminals/pty-protocol';

/** Feeds `stream` to a reader in pieces cut at `cuts`, and answers what came out. */
function read(stream: Buffer, cuts: readonly number[]): unknown[] {
  const out: unknown[] = [];
  const reader = new OutputFrameReader((message) => out.push(message));
  let start = 0;
  for (const cut of [...cuts, stream.length]) {
    reader.push(stream.subarray(start, cut));
    start = cut;
  }
  return out;
}

/** Joins consecutive data messages of one id, so results compare independently of where the stream was cut. */
function joined(messages: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const message of messages as { type: string; id: string; data?: string }[]) {
    const last = out[out.length - 1] as { type: string; id: string; data: string } | undefined;
    if (message.type === 'data' && last?.type === 'data' && last.id === message.id) last.data += message.data;
    else out.push({ ...message });
  }
  return out;
}

describe('the pty host output pipe', () => {
  const text = 'a\r\né漢😀z';
  const bytes = Buffer.from(text, 'utf8');
  // The output split inside every multi-byte character, across terminals' frames, then the exits.
  const stream = Buffer.concat([
    encodeMessageFrame({ type: 'spawned', id: 't1', pid: 7 }),
    ...[0, 4, 5, 9, 11, 13].map((at, i, all) => encodeBytesFrame('t1', bytes.subarray(at, all[i + 1] ?? bytes.length))),
    encodeBytesFrame('t2', Buffer.from('other')),
    encodeBytesFrame('t2', bytes.subarray(0, 6)),
    encodeMessageFrame({ type: 'exit', id: 't2', exitCode: 0, signal: null }),
    encodeMessageFrame({ type: 'exit', id: 't1', exitCode: 3, signal: null }),
  ]);
  const expected = [
    { type: 'spawned', id: 't1', pid: 7 },
    { type: 'data', id: 't1', data: text },
    // t2 ended inside a character: what is left comes out (replaced) before its exit.
    { type: 'data', id: 't2', data: 'othera\r\né\ufffd' },
    { type: 'exit', id: 't2', exitCode: 0, signal: null },
    { type: 'exit', id: 't1', exitCode: 3, signal: null },
  ];

  it('gives back the messages in order and the output whole, UTF-8 split across frames included', () => {
    const messages = read(stream, []) as { type: string; data?: string }[];
    expect(messages.filter((m) => m.type === 'data' && !m.data)).toEqual([]);
    expect(messages.filter((m) => m.type === 'data').map((m) => m.data)).toEqual(['a\r\n', 'é', '漢', '😀z', 'other', 'a\r\né', '\ufffd']);
    expect(joined(messages)).toEqual(expected);
  });

  it('reads the same wherever the pipe cuts the stream', () => {
    for (let cut = 1; cut < stream.length; cut++) {
      expect(joined(read(stream, [cut]))).toEqual(joined(expected));
    }
    expect(joined(read(stream, Array.from({ length: stream.length - 1 }, (_, i) => i + 1)))).toEqual(joined(expected));
  });

  it('hands on a frame that is not JSON as null, for the host to refuse', () => {
    const frame = encodeMessageFrame({ type: 'disposed' });
    frame.write('!', 5);
    expect(read(frame, [])).toEqual([null]);
  });
});
