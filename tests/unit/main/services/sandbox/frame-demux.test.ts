import { describe, expect, it } from 'vitest';
import { FrameDemuxer, type FrameStream } from '../../../../../main/services/sandbox/frame-demux';

function frame(type: number, text: string): Buffer {
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(Buffer.byteLength(text), 4);
  return Buffer.concat([header, Buffer.from(text)]);
}

describe('FrameDemuxer', () => {
  it('splits frames that arrive cut anywhere, and lets the receiver change between frames', () => {
    const first: string[] = [];
    const second: string[] = [];
    const demuxer = new FrameDemuxer((stream: FrameStream, payload) => first.push(`${stream}:${payload.toString()}`));
    const bytes = Buffer.concat([frame(2, 'ready\n'), frame(1, 'out'), frame(2, 'err')]);
    demuxer.push(bytes.subarray(0, 3));
    demuxer.push(bytes.subarray(3, 14));
    demuxer.onFrame = (stream, payload) => second.push(`${stream}:${payload.toString()}`);
    demuxer.push(bytes.subarray(14, 20));
    demuxer.push(bytes.subarray(20));
    expect(first).toEqual(['stderr:ready\n']);
    expect(second).toEqual(['stdout:out', 'stderr:err']);
  });
});
