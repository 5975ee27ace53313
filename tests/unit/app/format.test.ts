import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../../app/lib/format';

describe('formatBytes', () => {
  it('keeps about three significant figures in the largest fitting unit', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(3 * 1024 + 220)).toBe('3.21 KiB');
    expect(formatBytes(61_850)).toBe('60.4 KiB');
    expect(formatBytes(210 * 1024 * 1024)).toBe('210 MiB');
    expect(formatBytes(5 * 1024 ** 5)).toBe('5120 TiB');
  });

  it('answers a dash for values that are not sizes', () => {
    expect(formatBytes(-1)).toBe('—');
    expect(formatBytes(Number.NaN)).toBe('—');
  });
});
