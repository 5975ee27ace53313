import { describe, expect, it } from 'vitest';
import { dragToRange, emaSmooth, formatDuration, hiddenPointsNote, linePath, nearestIndex, niceDomain, pointsForWidth, xTicks, yTicks, prepareSeries, xExtent, yExtent } from '../../../../renderer/features/experiments/chart-math';

describe('EMA smoothing', () => {
  it('is the identity at weight 0', () => {
    expect(emaSmooth([3, 1, 4, 1, 5], 0)).toEqual([3, 1, 4, 1, 5]);
  });

  it('is debiased: a constant series stays constant from its first point', () => {
    for (const v of emaSmooth([2, 2, 2, 2], 0.9)) expect(v).toBeCloseTo(2, 12);
  });

  it('follows the TensorBoard formula', () => {
    // last = 0.5·0 + 0.5·1 = 0.5 → /0.5 = 1; last = 0.25 + 0.5·3 = 1.75 → /0.75 = 2.333…
    const [a, b] = emaSmooth([1, 3], 0.5);
    expect(a).toBeCloseTo(1, 12);
    expect(b).toBeCloseTo(7 / 3, 12);
  });

  it('answers NaN for non-finite values and leaves the average untouched', () => {
    const smoothed = emaSmooth([1, Number.NaN, Number.POSITIVE_INFINITY, 3], 0.5);
    expect(smoothed[1]).toBeNaN();
    expect(smoothed[2]).toBeNaN();
    expect(smoothed[3]).toBeCloseTo(7 / 3, 12);
  });

  it('clamps the weight below 1 so the line still moves', () => {
    const smoothed = emaSmooth([0, 10, 10, 10], 1);
    expect(smoothed[3]!).toBeGreaterThan(0);
  });
});

describe('preparing a series to draw', () => {
  const series = { x: [0, 1, 2, 3], y: [1, -1, 0.5, 2], nonFinite: 3 };

  it('keeps every finite point on a linear axis and carries the server count of non-finite points', () => {
    const prepared = prepareSeries(series, { logY: false, smoothing: 0 });
    expect(prepared.points.map((p) => p.raw)).toEqual([1, -1, 0.5, 2]);
    expect(prepared.nonFinite).toBe(3);
    expect(prepared.hiddenByLog).toBe(0);
  });

  it('hides points ≤ 0 on a log axis and counts them', () => {
    const prepared = prepareSeries(series, { logY: true, smoothing: 0 });
    expect(prepared.points.map((p) => p.x)).toEqual([0, 2, 3]);
    expect(prepared.hiddenByLog).toBe(1);
    expect(hiddenPointsNote(prepared.nonFinite, prepared.hiddenByLog)).toBe('3 non-finite points (NaN/Inf) not drawn; 1 point ≤ 0 hidden by the log scale');
  });

  it('says nothing when every point is drawn', () => {
    expect(hiddenPointsNote(0, 0)).toBeNull();
  });

  it('finds the x extent over several series, widening a single x', () => {
    const a = prepareSeries({ x: [5, 9], y: [1, 1], nonFinite: 0 }, { logY: false, smoothing: 0 });
    const b = prepareSeries({ x: [2, 7], y: [1, 1], nonFinite: 0 }, { logY: false, smoothing: 0 });
    expect(xExtent([a, b])).toEqual([2, 9]);
    expect(xExtent([prepareSeries({ x: [4], y: [1], nonFinite: 0 }, { logY: false, smoothing: 0 })])).toEqual([3, 5]);
    expect(xExtent([])).toBeNull();
  });
});

describe('zoom by drag', () => {
  it('maps a drag in either direction to an x range inside the domain', () => {
    expect(dragToRange(100, 300, 400, [0, 1000])).toEqual({ from: 250, to: 750 });
    expect(dragToRange(300, 100, 400, [0, 1000])).toEqual({ from: 250, to: 750 });
  });

  it('clamps a drag past the plot and ignores a click', () => {
    expect(dragToRange(-50, 200, 400, [10, 20])).toEqual({ from: 10, to: 15 });
    expect(dragToRange(100, 102, 400, [0, 1000])).toBeNull();
  });

  it('asks about one point per pixel within the contract bounds', () => {
    expect(pointsForWidth(420.4)).toBe(420);
    expect(pointsForWidth(-5)).toBe(2);
    expect(pointsForWidth(50_000)).toBe(10_000);
  });

  it('writes relative time as a duration', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(0.854)).toBe('0.85s');
    expect(formatDuration(0.0042)).toBe('0.0042s');
    expect(formatDuration(42)).toBe('42s');
    expect(formatDuration(185)).toBe('3m05s');
    expect(formatDuration(7620)).toBe('2h07m');
  });
});

describe('drawing lines in the plot frame', () => {
  const points = [
    { x: 0, raw: 0, smooth: 0 },
    { x: 5, raw: 10, smooth: 5 },
    { x: 10, raw: 5, smooth: Number.NaN },
  ];

  it('maps x and y domains onto the plot box, y growing upwards', () => {
    const frame = { width: 100, height: 50, x: [0, 10] as const, y: [0, 10] as const, logY: false };
    expect(linePath(points, 'raw', frame)).toBe('M0.0,50.0L50.0,0.0L100.0,25.0');
    expect(linePath(points, 'smooth', frame)).toBe('M0.0,50.0L50.0,25.0');
  });

  it('maps y by decades on a log axis', () => {
    const frame = { width: 10, height: 30, x: [0, 10] as const, y: [1, 1000] as const, logY: true };
    expect(linePath([{ x: 0, raw: 1, smooth: 1 }, { x: 10, raw: 100, smooth: 100 }], 'raw', frame)).toBe('M0.0,30.0L10.0,10.0');
  });

  it('rounds the y domain to whole steps (decades on a log axis)', () => {
    expect(niceDomain(0.0031, 2.29)).toEqual([0, 2.5]);
    expect(niceDomain(0.236, 1.001)).toEqual([0.2, 1.2]);
    const prepared = prepareSeries({ x: [0, 1], y: [0.02, 30], nonFinite: 0 }, { logY: true, smoothing: 0 });
    expect(yExtent([prepared], true)).toEqual([0.01, 100]);
    // A loss (all positive) is not padded below zero.
    const loss = prepareSeries({ x: [0, 1], y: [0.1, 2.3], nonFinite: 0 }, { logY: false, smoothing: 0 });
    expect(yExtent([loss], false)).toEqual([0, 2.5]);
  });

  it('puts y ticks on every step, or on decades for a log axis', () => {
    expect(yTicks([0, 2.5], false)).toEqual([0, 0.5, 1, 1.5, 2, 2.5]);
    expect(yTicks([0.2, 1.2], false)).toEqual([0.2, 0.4, 0.6, 0.8, 1, 1.2]);
    expect(yTicks([0.01, 100], true)).toEqual([0.01, 0.1, 1, 10, 100]);
  });

  it('puts x ticks on round values inside the domain', () => {
    expect(xTicks([0, 249])).toEqual([0, 50, 100, 150, 200]);
    expect(xTicks([3, 17])).toEqual([5, 10, 15]);
    expect(xTicks([0, 0.85])).toEqual([0, 0.2, 0.4, 0.6, 0.8]);
  });

  it('finds the point nearest to an x', () => {
    expect(nearestIndex(points, 3)).toBe(1);
    expect(nearestIndex(points, 2)).toBe(0);
    expect(nearestIndex(points, 99)).toBe(2);
    expect(nearestIndex([], 1)).toBe(-1);
  });
});
