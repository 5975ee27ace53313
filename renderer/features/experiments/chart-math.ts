import type { SeriesResult } from '../../../app/contract';

/** How charts draw their x axis: the step, wall-clock time, or seconds since the run started. */
export type ChartX = 'step' | 'time' | 'relative';

/** The controls every metric chart shares (run page and compare). */
export interface ChartSettings {
  readonly x: ChartX;
  readonly logY: boolean;
  /** EMA weight in [0, 0.999]; 0 draws the raw line only. */
  readonly smoothing: number;
}

/** The settings a fresh workbench starts with. */
export const defaultChartSettings: ChartSettings = { x: 'step', logY: false, smoothing: 0.6 };

/**
 * TensorBoard's debiased exponential moving average: each finite value pulls the average by (1 - weight), and the
 * start is divided by (1 - weight^n) so the first points are not dragged towards 0. Non-finite values answer NaN and
 * leave the average as it was.
 */
export function emaSmooth(values: ArrayLike<number>, weight: number): number[] {
  const w = Math.min(Math.max(weight, 0), 0.999);
  const out = new Array<number>(values.length);
  let last = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      out[i] = Number.NaN;
      continue;
    }
    last = last * w + (1 - w) * v;
    count++;
    const debias = w === 0 ? 1 : 1 - Math.pow(w, count);
    out[i] = last / debias;
  }
  return out;
}

/** One drawn point: x, the raw value and the smoothed one. */
export interface ChartPoint {
  readonly x: number;
  readonly raw: number;
  readonly smooth: number;
}

/** The points of one series ready to draw, and what could not be drawn. */
export interface PreparedSeries {
  readonly points: readonly ChartPoint[];
  /** NaN/±Inf points the server counted and left out. */
  readonly nonFinite: number;
  /** Points ≤ 0 hidden because the y axis is logarithmic. */
  readonly hiddenByLog: number;
}

/** Smooths a series (over its drawn points) and drops what a log axis cannot show. */
export function prepareSeries(series: Pick<SeriesResult, 'x' | 'y' | 'nonFinite'>, settings: Pick<ChartSettings, 'logY' | 'smoothing'>): PreparedSeries {
  const smooth = settings.smoothing > 0 ? emaSmooth(series.y, settings.smoothing) : series.y;
  const points: ChartPoint[] = [];
  let hiddenByLog = 0;
  for (let i = 0; i < series.x.length; i++) {
    const raw = series.y[i]!;
    const s = smooth[i]!;
    if (!Number.isFinite(raw) || !Number.isFinite(series.x[i]!)) continue;
    if (settings.logY && (raw <= 0 || s <= 0)) {
      hiddenByLog++;
      continue;
    }
    points.push({ x: series.x[i]!, raw, smooth: s });
  }
  return { points, nonFinite: series.nonFinite, hiddenByLog };
}

/** The note under a chart about points not drawn; null when every point is drawn. */
export function hiddenPointsNote(nonFinite: number, hiddenByLog: number): string | null {
  const parts: string[] = [];
  if (nonFinite > 0) parts.push(`${nonFinite.toLocaleString('en-US')} non-finite point${nonFinite === 1 ? '' : 's'} (NaN/Inf) not drawn`);
  if (hiddenByLog > 0) parts.push(`${hiddenByLog.toLocaleString('en-US')} point${hiddenByLog === 1 ? '' : 's'} ≤ 0 hidden by the log scale`);
  return parts.length > 0 ? parts.join('; ') : null;
}

/** The [min, max] of x over several prepared series; null when none has a point. */
export function xExtent(series: readonly PreparedSeries[]): [number, number] | null {
  let min = Infinity;
  let max = -Infinity;
  for (const s of series) {
    const first = s.points[0];
    const last = s.points[s.points.length - 1];
    if (first && first.x < min) min = first.x;
    if (last && last.x > max) max = last.x;
  }
  if (min === Infinity) return null;
  return min === max ? [min - 1, max + 1] : [min, max];
}

/**
 * The x range a drag selected, from two pixel positions inside the plot area of `plotWidth` pixels that shows
 * `domain`; null for a click or a drag too short to mean a range.
 */
export function dragToRange(startPx: number, endPx: number, plotWidth: number, domain: readonly [number, number]): { from: number; to: number } | null {
  if (plotWidth <= 0 || Math.abs(endPx - startPx) < 4) return null;
  const clamp = (px: number) => Math.min(Math.max(px, 0), plotWidth);
  const toX = (px: number) => domain[0] + (clamp(px) / plotWidth) * (domain[1] - domain[0]);
  const a = toX(Math.min(startPx, endPx));
  const b = toX(Math.max(startPx, endPx));
  return b > a ? { from: a, to: b } : null;
}

/** How many points to ask for: about one per pixel of the plot (the contract allows 2 to 10,000). */
export function pointsForWidth(width: number): number {
  return Math.min(10_000, Math.max(2, Math.round(width)));
}

/** A tick label for an x value. */
export function formatX(value: number, x: ChartX): string {
  if (x === 'time') return new Date(value * 1000).toLocaleTimeString('en-GB', { hour12: false });
  if (x === 'relative') return formatDuration(value);
  return formatNumber(value);
}

/** Seconds as `0.0042s`, `1.5s`, `42s`, `3m05s`, `2h07m`. */
export function formatDuration(seconds: number): string {
  // Short runs (a smoke test) still get readable ticks: 0.25s, 1.5s.
  if (Math.abs(seconds) < 10) return `${Number(seconds.toPrecision(2))}s`;
  const s = Math.round(seconds);
  if (Math.abs(s) < 60) return `${s}s`;
  if (Math.abs(s) < 3600) return `${Math.floor(s / 60)}m${String(Math.abs(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor(Math.abs(s % 3600) / 60)).padStart(2, '0')}m`;
}

/** A number short enough for an axis tick or a table cell. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e6 || abs < 1e-3)) return value.toExponential(2);
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return Number(value.toPrecision(4)).toString();
}

/** Distinct colors for runs, in order; wraps after the palette's end. */
export const runColors = ['#4e79a7', '#f28e2b', '#e15759', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#9c755f', '#8cd17d', '#86bcb6', '#d37295'] as const;

/** The color of the run at `index`. */
export function runColor(index: number): string {
  return runColors[index % runColors.length]!;
}

/** The y range to draw: the drawn points' min and max (raw and smoothed), padded 5% (a log axis: by a factor). */
export function yExtent(series: readonly PreparedSeries[], logY: boolean): [number, number] | null {
  let min = Infinity;
  let max = -Infinity;
  for (const s of series) {
    for (const p of s.points) {
      const lo = Math.min(p.raw, p.smooth);
      const hi = Math.max(p.raw, p.smooth);
      if (lo < min) min = lo;
      if (hi > max) max = hi;
    }
  }
  if (min === Infinity) return null;
  if (logY) return [10 ** Math.floor(Math.log10(min)), 10 ** Math.ceil(Math.log10(max) + (min === max ? 1e-9 : 0))];
  if (min === max) return niceDomain(min - (Math.abs(min) || 1) * 0.5, max + (Math.abs(max) || 1) * 0.5);
  const pad = (max - min) * 0.05;
  // Padding does not push a positive series (a loss) below zero.
  return niceDomain(min >= 0 ? Math.max(0, min - pad) : min - pad, max + pad);
}

/** The round step of about 5 ticks over a range. */
function niceStep(range: number): number {
  const rough = range / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
}

/** Round away the float noise of arithmetic on steps (0.30000000000000004). */
function clean(value: number): number {
  return Number(value.toPrecision(12));
}

/** Round x tick values inside a domain (about 5); time axes get whole steps of the same rule. */
export function xTicks(domain: readonly [number, number]): number[] {
  const range = domain[1] - domain[0];
  if (!(range > 0)) return [domain[0]];
  const step = niceStep(range);
  const ticks: number[] = [];
  for (let v = Math.ceil(domain[0] / step) * step; v <= domain[1] + step * 1e-9 && ticks.length < 50; v += step) ticks.push(clean(v));
  return ticks;
}

/** The y tick values of a domain from `yExtent`: every step (linear), or every decade (log). */
export function yTicks(domain: readonly [number, number], logY: boolean): number[] {
  if (logY) {
    const from = Math.round(Math.log10(domain[0]));
    const to = Math.round(Math.log10(domain[1]));
    const every = Math.max(1, Math.ceil((to - from) / 6));
    const ticks: number[] = [];
    for (let k = from; k <= to; k += every) ticks.push(10 ** k);
    return ticks;
  }
  const step = niceStep(domain[1] - domain[0]);
  const ticks: number[] = [];
  for (let v = domain[0]; v <= domain[1] + step / 2 && ticks.length < 50; v += step) ticks.push(clean(v));
  return ticks;
}

/** Widens [min, max] to multiples of a round step (1, 2 or 5 × 10^k, about 5 ticks), so axis ticks read well. */
export function niceDomain(min: number, max: number): [number, number] {
  const step = niceStep(max - min);
  return [clean(Math.floor(min / step) * step), clean(Math.ceil(max / step) * step)];
}

/** Where the plot area draws x and y domains, linear or log on y. */
export interface PlotFrame {
  readonly width: number;
  readonly height: number;
  readonly x: readonly [number, number];
  readonly y: readonly [number, number];
  readonly logY: boolean;
}

/**
 * SVG path data of one series in a plot frame (pixels from the plot's top left). Drawing the lines as plain paths
 * instead of one recharts Line each keeps a chart of 100 runs cheap: recharts costs tens of ms per Line.
 */
export function linePath(points: readonly ChartPoint[], value: 'raw' | 'smooth', frame: PlotFrame): string {
  const [x0, x1] = frame.x;
  const ty = frame.logY ? Math.log10 : (v: number) => v;
  const y0 = ty(frame.y[0]);
  const y1 = ty(frame.y[1]);
  const sx = x1 === x0 ? 0 : frame.width / (x1 - x0);
  const sy = y1 === y0 ? 0 : frame.height / (y1 - y0);
  let d = '';
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    const v = value === 'raw' ? p.raw : p.smooth;
    if (!Number.isFinite(v)) continue;
    const px = (p.x - x0) * sx;
    const py = frame.height - (ty(v) - y0) * sy;
    d += `${d === '' ? 'M' : 'L'}${px.toFixed(1)},${py.toFixed(1)}`;
  }
  return d;
}

/** The index of the point nearest to `x` in points sorted by x; -1 when there is none. */
export function nearestIndex(points: readonly ChartPoint[], x: number): number {
  if (points.length === 0) return -1;
  let lo = 0;
  let hi = points.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (points[mid]!.x < x) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs(points[lo - 1]!.x - x) <= Math.abs(points[lo]!.x - x)) return lo - 1;
  return lo;
}
