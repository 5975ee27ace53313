import { describe, expect, it } from 'vitest';
import { OutputRing } from '../../../../../main/services/terminals/output-ring';

describe('OutputRing', () => {
  it('keeps everything under the capacity, in order', () => {
    const ring = new OutputRing(100);
    ring.push('hello ');
    ring.push('world');
    expect(ring.read()).toBe('hello world');
    expect(ring.read()).toBe('hello world');
    expect(ring.length).toBe(11);
  });

  it('drops the oldest output beyond the capacity, starting at a line', () => {
    const ring = new OutputRing(20);
    for (let i = 0; i < 10; i++) ring.push(`line ${i}\r\n`);
    const kept = ring.read();
    expect(kept.length).toBeLessThanOrEqual(20);
    expect(kept.endsWith('line 9\r\n')).toBe(true);
    expect(kept.startsWith('line ')).toBe(true);
  });

  it('keeps the tail of a chunk larger than the capacity', () => {
    const ring = new OutputRing(8);
    ring.push('0123456789abcdef');
    expect(ring.read()).toBe('89abcdef');
    ring.push('');
    expect(ring.length).toBe(8);
  });
});
