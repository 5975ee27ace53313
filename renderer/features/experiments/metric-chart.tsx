import { useMemo, useRef, useState, type MouseEvent } from 'react';
import { CartesianGrid, LineChart, XAxis, YAxis } from 'recharts';
import type { SeriesResult } from '../../../app/contract';
import { dragToRange, formatNumber, formatX, hiddenPointsNote, linePath, nearestIndex, prepareSeries, xExtent, xTicks, yExtent, yTicks, type ChartSettings, type PlotFrame } from './chart-math';

/** One run's line in a chart. */
export interface ChartLine {
  readonly runId: string;
  readonly name: string;
  readonly color: string;
  readonly series: SeriesResult;
}

/** An x window the user zoomed to. */
export interface XWindow {
  readonly from: number;
  readonly to: number;
}

/** Props of a drawn chart: its lines, controls, size and zoom. */
export interface MetricChartProps {
  readonly lines: readonly ChartLine[];
  readonly settings: ChartSettings;
  readonly width: number;
  readonly height: number;
  readonly zoom: XWindow | null;
  readonly onZoom: (zoom: XWindow | null) => void;
}

const margin = { top: 8, right: 12, bottom: 0, left: 0 };
const yAxisWidth = 56;
const xAxisHeight = 24;
/** At most this many runs are listed in the hover readout. */
const readoutRows = 8;

type Prepared = { readonly line: ChartLine; readonly data: ReturnType<typeof prepareSeries> };

/** The values under the pointer: per line, the point nearest to x (smoothed value when smoothing). */
function Readout({ prepared, x, left, settings }: { prepared: readonly Prepared[]; x: number; left: number; settings: ChartSettings }) {
  const rows = prepared
    .map(({ line, data }) => {
      const i = nearestIndex(data.points, x);
      const p = i >= 0 ? data.points[i] : undefined;
      return p ? { line, value: settings.smoothing > 0 ? p.smooth : p.raw } : null;
    })
    .filter((r): r is { line: ChartLine; value: number } => r !== null)
    .sort((a, b) => b.value - a.value);
  if (rows.length === 0) return null;
  return (
    <div className="metric-chart-readout" style={{ left }} role="status">
      <div className="muted">{formatX(x, settings.x)}</div>
      {rows.slice(0, readoutRows).map(({ line, value }) => (
        <div key={line.runId}>
          <span className="legend-swatch" style={{ background: line.color }} /> {line.name} <span className="mono">{formatNumber(value)}</span>
        </div>
      ))}
      {rows.length > readoutRows && <div className="muted">+{rows.length - readoutRows} more</div>}
    </div>
  );
}

/**
 * Lines of one metric (one per run), smoothed over a faint raw line; drag to zoom on x, double-click to reset.
 * recharts draws the grid and the axes over domains computed here; the lines are plain SVG paths in the same frame.
 */
export function MetricChart({ lines, settings, width, height, zoom, onZoom }: MetricChartProps) {
  const prepared = useMemo(() => lines.map((line) => ({ line, data: prepareSeries(line.series, settings) })), [lines, settings]);
  const extent = useMemo(() => xExtent(prepared.map((p) => p.data)), [prepared]);
  const yDomain = useMemo(() => yExtent(prepared.map((p) => p.data), settings.logY), [prepared, settings.logY]);
  const domain: [number, number] | null = zoom ? [zoom.from, zoom.to] : extent;
  const plotLeft = margin.left + yAxisWidth;
  const plotWidth = Math.max(0, width - plotLeft - margin.right);
  const plotHeight = Math.max(0, height - margin.top - margin.bottom - xAxisHeight);
  const [drag, setDrag] = useState<{ start: number; end: number } | null>(null);
  const [hover, setHover] = useState<number | null>(null);
  const plot = useRef<HTMLDivElement>(null);
  const smoothing = settings.smoothing > 0;
  const frame: PlotFrame | null = domain && yDomain ? { width: plotWidth, height: plotHeight, x: domain, y: yDomain, logY: settings.logY } : null;
  const paths = useMemo(
    () => (frame ? prepared.map(({ line, data }) => ({ line, raw: linePath(data.points, 'raw', frame), smooth: smoothing ? linePath(data.points, 'smooth', frame) : '' })) : []),
    // The frame's numbers, not its identity (a new object each render), decide the paths.
    [prepared, smoothing, frame?.width, frame?.height, frame?.x[0], frame?.x[1], frame?.y[0], frame?.y[1], frame?.logY],
  );

  const pxOf = (event: MouseEvent) => event.clientX - (plot.current?.getBoundingClientRect().left ?? 0) - plotLeft;
  const xOf = (px: number) => (domain ? domain[0] + (px / Math.max(plotWidth, 1)) * (domain[1] - domain[0]) : 0);
  const finishDrag = () => {
    if (drag && domain) {
      const range = dragToRange(drag.start, drag.end, plotWidth, domain);
      if (range) onZoom(range);
    }
    setDrag(null);
  };
  const nonFinite = prepared.reduce((sum, p) => sum + p.data.nonFinite, 0);
  const hiddenByLog = prepared.reduce((sum, p) => sum + p.data.hiddenByLog, 0);
  const note = hiddenPointsNote(nonFinite, hiddenByLog);
  const corners = frame ? [{ x: frame.x[0], y: frame.y[0] }, { x: frame.x[1], y: frame.y[1] }] : [];

  return (
    <div className="metric-chart" style={{ width, height: height + (note ? 18 : 0) }}>
      <div
        ref={plot}
        className="metric-chart-plot"
        data-testid="chart-plot"
        data-x-domain={domain ? domain.map((v) => formatX(v, settings.x)).join(' – ') : ''}
        title="Drag to zoom; double-click to reset"
        style={{ height }}
        onMouseDown={(e) => {
          const px = pxOf(e);
          if (e.button === 0 && px >= 0 && px <= plotWidth) setDrag({ start: px, end: px });
        }}
        onMouseMove={(e) => {
          const px = pxOf(e);
          if (drag) setDrag({ start: drag.start, end: px });
          setHover(px >= 0 && px <= plotWidth ? px : null);
        }}
        onMouseUp={finishDrag}
        onMouseLeave={() => {
          setDrag(null);
          setHover(null);
        }}
        onDoubleClick={() => onZoom(null)}
      >
        {width > 0 && frame && (
          <LineChart width={width} height={height} margin={margin} data={corners}>
            <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
            <XAxis dataKey="x" type="number" domain={[frame.x[0], frame.x[1]]} ticks={xTicks(frame.x)} allowDataOverflow height={xAxisHeight} tickFormatter={(v: number) => formatX(v, settings.x)} stroke="var(--fg-faint)" fontSize={11} />
            <YAxis dataKey="y" type="number" width={yAxisWidth} scale={settings.logY ? 'log' : 'linear'} domain={[frame.y[0], frame.y[1]]} ticks={yTicks(frame.y, frame.logY)} allowDataOverflow tickFormatter={(v: number) => formatNumber(v)} stroke="var(--fg-faint)" fontSize={11} />
          </LineChart>
        )}
        {frame && (
          <svg className="metric-chart-lines" width={plotWidth} height={plotHeight} style={{ left: plotLeft, top: margin.top }} aria-hidden="true">
            {paths.map(({ line, raw, smooth }) => (
              <g key={line.runId} stroke={line.color} fill="none" data-run={line.runId}>
                <path className="chart-line" d={raw} strokeWidth={1} strokeOpacity={smoothing ? 0.25 : 1} />
                {smoothing && <path className="chart-line" d={smooth} strokeWidth={1.6} />}
              </g>
            ))}
            {hover !== null && !drag && <line x1={hover} x2={hover} y1={0} y2={plotHeight} stroke="var(--fg-faint)" />}
          </svg>
        )}
        {!frame && <div className="metric-chart-empty">No points{zoom ? ' in this range' : ''}</div>}
        <div className="metric-chart-zoom" style={{ left: plotLeft, top: margin.top, width: plotWidth, height: plotHeight }}>
          {drag && <div className="metric-chart-selection" style={{ left: Math.min(drag.start, drag.end), width: Math.abs(drag.end - drag.start) }} />}
        </div>
        {hover !== null && !drag && frame && <Readout prepared={prepared} x={xOf(hover)} left={Math.min(plotLeft + hover + 12, Math.max(0, width - 200))} settings={settings} />}
      </div>
      {note && (
        <p className="metric-chart-note" data-testid="chart-note">
          {note}
        </p>
      )}
    </div>
  );
}
