import { formatParam } from './run-columns';

/** One vertical axis of a parallel-coordinates plot: numeric (min to max) or categorical (distinct values, evenly). */
export type ParallelAxis =
  | { readonly kind: 'number'; readonly label: string; readonly min: number; readonly max: number }
  | { readonly kind: 'category'; readonly label: string; readonly categories: readonly string[] };

/** Builds an axis from the values the runs have for it: numeric when every present value is a finite number. */
export function buildAxis(label: string, values: readonly unknown[]): ParallelAxis {
  const present = values.filter((v) => v !== undefined && v !== null);
  if (present.length > 0 && present.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    const numbers = present as number[];
    return { kind: 'number', label, min: Math.min(...numbers), max: Math.max(...numbers) };
  }
  const categories = [...new Set(present.map((v) => formatParam(v)))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return { kind: 'category', label, categories };
}

/**
 * Where a value sits on an axis, from 0 (bottom) to 1 (top); null when the run has no value for it. A numeric axis
 * whose runs all share one value puts it in the middle; a single category too.
 */
export function axisPosition(axis: ParallelAxis, value: unknown): number | null {
  if (value === undefined || value === null) return null;
  if (axis.kind === 'number') {
    if (typeof value !== 'number' || !Number.isFinite(value)) return null;
    if (axis.max === axis.min) return 0.5;
    return (value - axis.min) / (axis.max - axis.min);
  }
  const index = axis.categories.indexOf(formatParam(value));
  if (index < 0) return null;
  return axis.categories.length === 1 ? 0.5 : index / (axis.categories.length - 1);
}

/** The tick labels of an axis with their positions (0 bottom, 1 top). */
export function axisTicks(axis: ParallelAxis): { position: number; label: string }[] {
  if (axis.kind === 'category') return axis.categories.map((label) => ({ label, position: axisPosition(axis, label) ?? 0.5 }));
  if (axis.max === axis.min) return [{ position: 0.5, label: formatParam(axis.min) }];
  return [0, 0.5, 1].map((position) => ({ position, label: formatParam(axis.min + position * (axis.max - axis.min)) }));
}

/** The drawing box of a parallel-coordinates plot: its size and the margins around the axes. */
export interface ParallelBox {
  readonly width: number;
  readonly height: number;
  /** Left and right of the first and last axis (room for tick labels). */
  readonly padX: number;
  /** Above and below the axes (room for titles). */
  readonly padY: number;
}

/** The x of axis `index` in a box holding `count` axes. */
export function axisX(index: number, count: number, box: ParallelBox): number {
  return count > 1 ? box.padX + (index * (box.width - 2 * box.padX)) / (count - 1) : box.width / 2;
}

/** The y of a position (0 bottom, 1 top) on the axes. */
export function positionY(position: number, box: ParallelBox): number {
  return box.padY + (1 - position) * (box.height - 2 * box.padY);
}

/** A run's polyline through the axes, in pixels; a gap (null) where the run lacks a value. */
export function polylinePoints(axes: readonly ParallelAxis[], values: readonly unknown[], box: ParallelBox): (readonly [number, number] | null)[] {
  return axes.map((axis, i) => {
    const p = axisPosition(axis, values[i]);
    if (p === null) return null;
    return [axisX(i, axes.length, box), positionY(p, box)] as const;
  });
}

/** SVG path data of a polyline with gaps: each unbroken stretch is its own `M … L …`. */
export function pathData(points: readonly (readonly [number, number] | null)[]): string {
  let d = '';
  let pen = false;
  for (const point of points) {
    if (!point) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${point[0].toFixed(1)},${point[1].toFixed(1)}`;
    pen = true;
  }
  return d;
}
