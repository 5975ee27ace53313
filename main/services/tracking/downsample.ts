/** How a long series is thinned for drawing: min/max per bucket keeps spikes; LTTB keeps the shape. */
export type DownsampleMethod = 'minmax' | 'lttb';

/** A series thinned for drawing: the drawn points in x order, and what was left out of the line. */
export interface Downsampled {
  readonly x: Float64Array;
  readonly y: Float64Array;
  /** Points of the series inside the range (finite or not). */
  readonly points: number;
  /** Points inside the range whose value (or x) is NaN or ±Inf: counted, never drawn. */
  readonly nonFinite: number;
}

/** An optional x window [from, to] (both inclusive); the series is re-sampled inside it. */
export interface XRange {
  readonly from?: number | undefined;
  readonly to?: number | undefined;
}

/** First index with x[i] >= value in an ascending array. */
function lowerBound(x: Float64Array, value: number): number {
  let lo = 0;
  let hi = x.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index with x[i] > value in an ascending array. */
function upperBound(x: Float64Array, value: number): number {
  let lo = 0;
  let hi = x.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The finite points of x (ascending) and y inside the range, with the count of points left out as non-finite. */
export function finiteWindow(x: Float64Array, y: Float64Array, range: XRange = {}): { x: Float64Array; y: Float64Array; points: number; nonFinite: number } {
  const start = range.from === undefined ? 0 : lowerBound(x, range.from);
  const end = range.to === undefined ? x.length : upperBound(x, range.to);
  const points = Math.max(0, end - start);
  let nonFinite = 0;
  for (let i = start; i < end; i++) if (!Number.isFinite(y[i]!) || !Number.isFinite(x[i]!)) nonFinite++;
  if (nonFinite === 0) return { x: x.subarray(start, Math.max(start, end)), y: y.subarray(start, Math.max(start, end)), points, nonFinite };
  const fx = new Float64Array(points - nonFinite);
  const fy = new Float64Array(points - nonFinite);
  let j = 0;
  for (let i = start; i < end; i++) {
    const xv = x[i]!;
    const yv = y[i]!;
    if (!Number.isFinite(yv) || !Number.isFinite(xv)) continue;
    fx[j] = xv;
    fy[j] = yv;
    j++;
  }
  return { x: fx, y: fy, points, nonFinite };
}

/**
 * Min/max per bucket: the x span is cut into `maxPoints / 2` equal-width buckets and each keeps its lowest and
 * highest point, in x order, so a single spike survives any zoom level. x must be ascending and finite.
 */
export function minMax(x: Float64Array, y: Float64Array, maxPoints: number): { x: Float64Array; y: Float64Array } {
  const n = x.length;
  if (n <= maxPoints) return { x: x.slice(), y: y.slice() };
  const buckets = Math.max(1, Math.floor(maxPoints / 2));
  const x0 = x[0]!;
  const span = x[n - 1]! - x0;
  const outX = new Float64Array(buckets * 2);
  const outY = new Float64Array(buckets * 2);
  let out = 0;
  let i = 0;
  for (let b = 0; b < buckets && i < n; b++) {
    const edge = b === buckets - 1 ? Infinity : x0 + (span * (b + 1)) / buckets;
    let minI = i;
    let maxI = i;
    let minV = y[i]!;
    let maxV = minV;
    i++;
    while (i < n && x[i]! < edge) {
      const v = y[i]!;
      if (v < minV) {
        minV = v;
        minI = i;
      } else if (v > maxV) {
        maxV = v;
        maxI = i;
      }
      i++;
    }
    const first = Math.min(minI, maxI);
    const second = Math.max(minI, maxI);
    outX[out] = x[first]!;
    outY[out] = y[first]!;
    out++;
    if (second !== first) {
      outX[out] = x[second]!;
      outY[out] = y[second]!;
      out++;
    }
    // Buckets with no point are skipped: the next bucket starts where the data does.
    if (i < n) while (b < buckets - 2 && x[i]! >= x0 + (span * (b + 2)) / buckets) b++;
  }
  return { x: outX.slice(0, out), y: outY.slice(0, out) };
}

/**
 * Largest-Triangle-Three-Buckets (Steinarsson 2013): keeps the first and last points and, per bucket, the
 * point forming the largest triangle with the previous pick and the next bucket's average. x ascending, finite.
 */
export function lttb(x: Float64Array, y: Float64Array, maxPoints: number): { x: Float64Array; y: Float64Array } {
  const n = x.length;
  if (n <= maxPoints || maxPoints < 3) return { x: x.slice(0, n <= maxPoints ? n : maxPoints), y: y.slice(0, n <= maxPoints ? n : maxPoints) };
  const outX = new Float64Array(maxPoints);
  const outY = new Float64Array(maxPoints);
  const every = (n - 2) / (maxPoints - 2);
  let a = 0;
  outX[0] = x[0]!;
  outY[0] = y[0]!;
  for (let i = 0; i < maxPoints - 2; i++) {
    const nextStart = Math.floor((i + 1) * every) + 1;
    const nextEnd = Math.min(n, Math.floor((i + 2) * every) + 1);
    let avgX = 0;
    let avgY = 0;
    for (let j = nextStart; j < nextEnd; j++) {
      avgX += x[j]!;
      avgY += y[j]!;
    }
    const count = nextEnd - nextStart;
    avgX /= count;
    avgY /= count;
    const start = Math.floor(i * every) + 1;
    const end = Math.floor((i + 1) * every) + 1;
    const ax = x[a]!;
    const ay = y[a]!;
    let best = -1;
    let pick = start;
    for (let j = start; j < end; j++) {
      const area = Math.abs((ax - avgX) * (y[j]! - ay) - (ax - x[j]!) * (avgY - ay));
      if (area > best) {
        best = area;
        pick = j;
      }
    }
    outX[i + 1] = x[pick]!;
    outY[i + 1] = y[pick]!;
    a = pick;
  }
  outX[maxPoints - 1] = x[n - 1]!;
  outY[maxPoints - 1] = y[n - 1]!;
  return { x: outX, y: outY };
}

/** Thins a series (x ascending) to at most `maxPoints` drawn points inside an optional x range. */
export function downsample(x: Float64Array, y: Float64Array, options: { maxPoints: number; method: DownsampleMethod; range?: XRange }): Downsampled {
  const window = finiteWindow(x, y, options.range);
  const thin = options.method === 'lttb' ? lttb(window.x, window.y, options.maxPoints) : minMax(window.x, window.y, options.maxPoints);
  return { x: thin.x, y: thin.y, points: window.points, nonFinite: window.nonFinite };
}
