// The resource options of `orrery run --cluster` (also used by `orrery cluster add` and `orrery sandbox exec`).
import { describe, expect, it } from 'vitest';
import { parseMemory, parseTimeLimit } from '../../../../../main/server/commands/jobs';

describe('--mem', () => {
  it.each([
    ['500', 500],
    ['500M', 500],
    ['4G', 4096],
    ['1.5G', 1536],
    ['2048MiB', 2048],
    ['1T', 1024 * 1024],
    ['1536K', 2],
  ])('%s → %d MiB', (text, mb) => {
    expect(parseMemory(text)).toBe(mb);
  });

  it.each(['', 'lots', '-5M', '0', '4X'])('refuses %j', (text) => {
    expect(parseMemory(text)).toBeNull();
  });
});

describe('--time', () => {
  it.each([
    ['90', 90],
    ['1', 1],
    ['10:30', 11],
    ['1:30:00', 90],
    ['2-00:00', 2880],
    ['1-02:03:04', 1564],
  ])('%s → %d minutes', (text, minutes) => {
    expect(parseTimeLimit(text)).toBe(minutes);
  });

  it.each(['', '0', 'soon', '1:2:3:4', '-5', '0:00'])('refuses %j', (text) => {
    expect(parseTimeLimit(text)).toBeNull();
  });
});
