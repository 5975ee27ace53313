import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OutputPump, utf8Length, type OutputKind } from '../../../../../renderer/features/terminal/output-pump';

/** An xterm.js stand-in that finishes a write only when the test says so. */
class FakeTerminal {
  readonly writes: string[] = [];
  private readonly callbacks: (() => void)[] = [];
  write(data: string, callback?: () => void): void {
    this.writes.push(data);
    if (callback) this.callbacks.push(callback);
  }
  finish(): void {
    this.callbacks.shift()?.();
  }
}

const options = { maxWriteChars: 10, floodIntervalMs: 50, floodChars: 6 };

describe('OutputPump', () => {
  let now = 0;
  beforeEach(() => {
    vi.useFakeTimers();
    now = 0;
  });
  afterEach(() => vi.useRealTimers());

  const make = () => {
    const term = new FakeTerminal();
    const written: [string, OutputKind][] = [];
    const pump = new OutputPump(term, (chunk, kind) => written.push([chunk, kind]), options, () => now);
    return { term, written, pump };
  };

  it('writes a trickle at once and one write at a time, joining what waited', () => {
    const { term, written, pump } = make();
    pump.push('a');
    expect(term.writes).toEqual(['a']);
    pump.push('b');
    pump.push('c');
    expect(term.writes).toEqual(['a']);
    expect(pump.backlog).toBe(3);
    term.finish();
    expect(written).toEqual([['a', 'live']]);
    expect(term.writes).toEqual(['a', 'bc']);
    term.finish();
    expect(pump.backlog).toBe(0);
  });

  it('caps a write and, in a flood, spaces writes so output gathers', () => {
    const { term, pump } = make();
    pump.push('x');
    pump.push('0123456789');
    pump.push('ab');
    term.finish();
    expect(term.writes).toEqual(['x', '0123456789']);
    pump.push('c');
    term.finish();
    // A flood: the next write waits for the interval (unless a full write is queued).
    vi.advanceTimersByTime(49);
    expect(term.writes).toHaveLength(2);
    now = 50;
    vi.advanceTimersByTime(1);
    expect(term.writes).toEqual(['x', '0123456789', 'abc']);
    term.finish();
    now = 60;
    pump.push('0123456789A');
    expect(term.writes.at(-1)).toBe('0123456789A');
  });

  it('never joins output of different kinds, and keeps order', () => {
    const { term, written, pump } = make();
    pump.push('a');
    pump.push('b', 'replay');
    pump.push('[exit]', 'notice');
    pump.push('c');
    for (let i = 0; i < 4; i++) {
      now += 100;
      vi.advanceTimersByTime(100);
      term.finish();
    }
    expect(term.writes).toEqual(['a', 'b', '[exit]', 'c']);
    expect(written.map(([, kind]) => kind)).toEqual(['live', 'replay', 'notice', 'live']);
  });

  it('ignores output and callbacks after dispose', () => {
    const { term, written, pump } = make();
    pump.push('a');
    pump.dispose();
    term.finish();
    pump.push('b');
    expect(written).toEqual([]);
    expect(term.writes).toEqual(['a']);
  });
});

describe('utf8Length', () => {
  it('counts the bytes of ASCII, two-, three- and four-byte characters', () => {
    expect(utf8Length('plain\r\n')).toBe(7);
    expect(utf8Length('é')).toBe(2);
    expect(utf8Length('€')).toBe(3);
    expect(utf8Length('😀')).toBe(4);
    expect(utf8Length('a€😀é')).toBe(new TextEncoder().encode('a€😀é').length);
  });
});
