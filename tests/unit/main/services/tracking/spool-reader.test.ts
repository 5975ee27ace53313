import { describe, expect, it } from 'vitest';
import { firstFrameEnd, metricsMagic, parseEventLines, parseMetricFrames } from '../../../../../main/services/tracking/spool-reader';

/** A metrics frame laid out as docs/tracking-spool.md says. */
function frame(key: string, steps: number[], times: number[], values: number[]): Uint8Array {
  const k = Buffer.from(key, 'utf8');
  const padded = (k.length + 7) & ~7;
  const out = Buffer.alloc(8 + padded + 24 * steps.length);
  out.writeUInt32LE(k.length, 0);
  out.writeUInt32LE(steps.length, 4);
  k.copy(out, 8);
  [...steps, ...times, ...values].forEach((v, i) => out.writeDoubleLE(v, 8 + padded + 8 * i));
  return out;
}

function aligned(...parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(new ArrayBuffer(total));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe('parseEventLines', () => {
  it('takes whole lines only and leaves a torn last line for later', () => {
    const text = '{"t":"start","time":1,"pid":5}\n{"t":"params","params":{"lr":0.1}}\n{"t":"fini';
    const parsed = parseEventLines(Buffer.from(text));
    expect(parsed.events.map((e) => e.t)).toEqual(['start', 'params']);
    expect(parsed.consumed).toBe(text.lastIndexOf('\n') + 1);
    expect(parseEventLines(Buffer.from('{"t":"start"')).consumed).toBe(0);
  });

  it('keeps bad lines apart and skips event types it does not know', () => {
    const parsed = parseEventLines(Buffer.from('not json\n{"t":"future","x":1}\n{"t":"finish","status":"odd","time":1}\n{"t":"tags","tags":["a"]}\n'));
    expect(parsed.events).toEqual([{ t: 'tags', tags: ['a'] }]);
    expect(parsed.invalid).toEqual(['not json', '{"t":"finish","status":"odd","time":1}']);
  });
});

describe('parseMetricFrames', () => {
  const magic = Buffer.from(metricsMagic, 'latin1');
  const a = frame('loss', [0, 1, 2], [10, 11, 12], [0.5, NaN, Infinity]);
  const b = frame('sys/gpu0/util', [5], [15], [97]);

  it('views whole frames as float64 columns and stops before a torn frame', () => {
    const bytes = aligned(magic, a, b, b.subarray(0, 20));
    const parsed = parseMetricFrames(bytes, 0);
    expect(parsed.error).toBeUndefined();
    expect(parsed.frames.map((f) => f.key)).toEqual(['loss', 'sys/gpu0/util']);
    expect(Array.from(parsed.frames[0]!.values)).toEqual([0.5, NaN, Infinity]);
    expect(Array.from(parsed.frames[1]!.times)).toEqual([15]);
    expect(parsed.consumed).toBe(8 + a.length + b.length);
    // The next pass starts at the torn frame, which is whole by then.
    const rest = parseMetricFrames(aligned(b), parsed.consumed);
    expect(rest.frames.map((f) => f.key)).toEqual(['sys/gpu0/util']);
    expect(rest.consumed).toBe(b.length);
  });

  it('waits for the magic, and refuses a file that is not a metrics file', () => {
    expect(parseMetricFrames(aligned(magic.subarray(0, 5)), 0)).toEqual({ frames: [], consumed: 0 });
    expect(parseMetricFrames(aligned(Buffer.from('NOTMETRC'), a), 0).error).toMatch(/ORRMET1/);
    const bad = Buffer.alloc(8);
    bad.writeUInt32LE(1 << 30, 0);
    expect(parseMetricFrames(aligned(bad), 16).error).toMatch(/key length/);
  });

  it('tells where the first frame ends, so a frame larger than one read can be read whole', () => {
    expect(firstFrameEnd(aligned(magic, a.subarray(0, 8)), 0)).toBe(8 + a.length);
    expect(firstFrameEnd(aligned(b.subarray(0, 8)), 64)).toBe(b.length);
    expect(firstFrameEnd(aligned(magic), 0)).toBeNull();
  });
});
