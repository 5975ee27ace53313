import { describe, expect, it } from 'vitest';
import { downsample, finiteWindow, lttb, minMax } from '../../../../../main/services/tracking/downsample';

const ramp = (n: number) => Float64Array.from({ length: n }, (_, i) => i);

describe('minMax', () => {
  it('keeps a single spike at any bucket count and never exceeds maxPoints', () => {
    const x = ramp(100_000);
    const y = new Float64Array(100_000).fill(1);
    y[54_321] = 99;
    y[77_777] = -5;
    for (const maxPoints of [10, 100, 2000]) {
      const out = minMax(x, y, maxPoints);
      expect(out.x.length).toBeLessThanOrEqual(maxPoints);
      expect(Math.max(...out.y)).toBe(99);
      expect(Math.min(...out.y)).toBe(-5);
      expect(out.x[out.y.indexOf(99)]).toBe(54_321);
      // x stays in order.
      for (let i = 1; i < out.x.length; i++) expect(out.x[i]!).toBeGreaterThan(out.x[i - 1]!);
    }
  });

  it('returns short series whole and skips empty buckets of sparse x', () => {
    expect(Array.from(minMax(ramp(5), ramp(5), 10).y)).toEqual([0, 1, 2, 3, 4]);
    const x = Float64Array.from([0, 1, 2, 1000, 1001, 1002, 1e6]);
    const out = minMax(x, Float64Array.from([5, 1, 7, 3, 9, 2, 4]), 4);
    expect(out.x.length).toBeLessThanOrEqual(4);
    // Three clusters, three buckets used: each keeps its extremes; the empty middle buckets are skipped.
    expect(Array.from(out.y)).toContain(1);
    expect(Array.from(out.y)).toContain(9);
    expect(out.x[out.x.length - 1]).toBe(1e6);
  });
});

describe('lttb', () => {
  it('keeps first and last points and exactly maxPoints points', () => {
    const x = ramp(10_000);
    const y = Float64Array.from(x, (v) => Math.sin(v / 100));
    const out = lttb(x, y, 500);
    expect(out.x.length).toBe(500);
    expect(out.x[0]).toBe(0);
    expect(out.x[499]).toBe(9999);
    for (let i = 1; i < out.x.length; i++) expect(out.x[i]!).toBeGreaterThan(out.x[i - 1]!);
    // The peaks of the sine survive.
    expect(Math.max(...out.y)).toBeGreaterThan(0.99);
  });
});

describe('downsample', () => {
  it('counts NaN and Inf values without drawing them', () => {
    const x = ramp(10);
    const y = Float64Array.from([1, NaN, 3, Infinity, 5, -Infinity, 7, 8, 9, 10]);
    const out = downsample(x, y, { maxPoints: 100, method: 'minmax' });
    expect(out.points).toBe(10);
    expect(out.nonFinite).toBe(3);
    expect(Array.from(out.y)).toEqual([1, 3, 5, 7, 8, 9, 10]);
  });

  it('re-samples inside a zoom range', () => {
    const x = ramp(1_000_000);
    const out = downsample(x, x, { maxPoints: 1000, method: 'lttb', range: { from: 1000, to: 1999 } });
    expect(out.points).toBe(1000);
    expect(out.x[0]).toBe(1000);
    expect(out.x[out.x.length - 1]).toBe(1999);
    const window = finiteWindow(x, x, { from: 10.5 });
    expect(window.x[0]).toBe(11);
  });
});
