import { describe, expect, it } from 'vitest';
import { OutputBatcher, type BatchTimers } from '../../../../../main/services/terminals/output-batcher';

/** Timers that fire only when the test says so. */
function manualTimers(): BatchTimers & { fire(): void; armed: number } {
  let callback: (() => void) | null = null;
  const timers = {
    armed: 0,
    set(cb: () => void) {
      callback = cb;
      timers.armed++;
      return 1;
    },
    clear() {
      callback = null;
    },
    fire() {
      const cb = callback;
      callback = null;
      cb?.();
    },
  };
  return timers;
}

describe('OutputBatcher', () => {
  it('joins chunks that arrive within the delay into one delivery', () => {
    const timers = manualTimers();
    const delivered: string[] = [];
    const batcher = new OutputBatcher((data) => delivered.push(data), { maxDelayMs: 4, maxChars: 100 }, timers);
    batcher.push('ab');
    batcher.push('cd');
    batcher.push('');
    expect(delivered).toEqual([]);
    expect(timers.armed).toBe(1);
    timers.fire();
    expect(delivered).toEqual(['abcd']);
  });

  it('delivers at once when the size limit is reached, in order', () => {
    const timers = manualTimers();
    const delivered: string[] = [];
    const batcher = new OutputBatcher((data) => delivered.push(data), { maxDelayMs: 4, maxChars: 5 }, timers);
    batcher.push('abc');
    batcher.push('def');
    batcher.push('g');
    expect(delivered).toEqual(['abcdef']);
    timers.fire();
    expect(delivered).toEqual(['abcdef', 'g']);
  });

  it('flush delivers what waits and cancels the timer; dispose drops it', () => {
    const timers = manualTimers();
    const delivered: string[] = [];
    const batcher = new OutputBatcher((data) => delivered.push(data), { maxDelayMs: 4, maxChars: 100 }, timers);
    batcher.push('x');
    batcher.flush();
    batcher.flush();
    timers.fire();
    expect(delivered).toEqual(['x']);
    batcher.push('lost');
    batcher.dispose();
    timers.fire();
    expect(delivered).toEqual(['x']);
  });
});
