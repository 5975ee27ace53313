import { useEffect, useLayoutEffect, useRef, useState, type RefObject } from 'react';
import type { SeriesResult } from '../../../app/contract';
import { errorMessage } from '../../client/client-error';
import { useClient } from '../../client/context';
import { pointsForWidth, type ChartSettings, type ChartX } from './chart-math';
import { MetricChart, type XWindow } from './metric-chart';

/** The width of an element, kept current as it resizes (rounded to 10 px so small changes do not refetch). */
export function useElementWidth(ref: RefObject<HTMLElement | null>): number {
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return;
    const measure = () => setWidth(Math.floor(element.clientWidth / 10) * 10);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}

/** A run drawn in a panel. */
export interface PanelRun {
  readonly id: string;
  readonly name: string;
  readonly color: string;
}

/** Props of a panel: which metric of which runs, the shared controls, and a tick that asks for fresh points. */
export interface SeriesPanelProps {
  readonly title: string;
  readonly metricKey: string;
  readonly runs: readonly PanelRun[];
  readonly settings: ChartSettings;
  /** Bumped while a run is live: the series are asked again. */
  readonly liveTick?: number;
  readonly height?: number;
  /** Points asked per pixel of plot width (compare views with many runs ask fewer). */
  readonly density?: number;
}

/** runs.series for one key of some runs: at most one point per pixel, re-asked on zoom, x change and live ticks. */
function usePanelSeries(props: SeriesPanelProps, width: number, zoom: XWindow | null) {
  const client = useClient();
  const [series, setSeries] = useState<readonly SeriesResult[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const seq = useRef(0);
  const runIds = props.runs.map((r) => r.id).join(',');
  const maxPoints = pointsForWidth((width - 70) * (props.density ?? 1));
  const { metricKey, liveTick } = props;
  const x = props.settings.x;
  useEffect(() => {
    if (width <= 0 || runIds === '') return;
    const mine = ++seq.current;
    const range = zoom ? { from: zoom.from, to: zoom.to } : undefined;
    const started = performance.now();
    client.call('runs.series', { runIds: runIds.split(','), keys: [metricKey], x, maxPoints, method: 'minmax', ...(range ? { range } : {}) }).then(
      (answer) => {
        // The call's time, for the dashboard benchmark (its share of a chart's time to draw).
        performance.measure('orrery:runs.series', { start: started });
        if (mine !== seq.current) return;
        setSeries(answer.series);
        setError(null);
      },
      (err: unknown) => mine === seq.current && setError(errorMessage(err)),
    );
  }, [client, runIds, metricKey, x, maxPoints, zoom, liveTick, width]);
  return { series, error };
}

/** A titled chart of one metric for one or more runs. */
export function SeriesPanel(props: SeriesPanelProps) {
  const box = useRef<HTMLDivElement>(null);
  const width = useElementWidth(box);
  const [zoom, setZoom] = useState<XWindow | null>(null);
  // A zoom window means nothing on another x axis.
  const [zoomX, setZoomX] = useState<ChartX>(props.settings.x);
  if (zoomX !== props.settings.x) {
    setZoomX(props.settings.x);
    setZoom(null);
  }
  const { series, error } = usePanelSeries(props, width, zoom);
  const lines = (series ?? []).flatMap((s) => {
    const run = props.runs.find((r) => r.id === s.runId);
    return run ? [{ runId: run.id, name: run.name, color: run.color, series: s }] : [];
  });
  return (
    <figure className="series-panel" aria-label={`Chart of ${props.title}`} data-testid="series-panel">
      <figcaption>
        <span className="series-panel-title" title={props.metricKey}>
          {props.title}
        </span>
        {zoom && (
          <button type="button" className="link-button" onClick={() => setZoom(null)}>
            Reset zoom
          </button>
        )}
      </figcaption>
      <div ref={box} className="series-panel-body">
        {error ? <p className="error-text">{error}</p> : series === null ? <p className="muted series-panel-loading">Loading…</p> : <MetricChart lines={lines} settings={props.settings} width={width} height={props.height ?? 180} zoom={zoom} onZoom={setZoom} />}
      </div>
    </figure>
  );
}

/** The shared chart controls: x axis, log scale y, EMA smoothing. */
export function ChartControls({ settings, onChange }: { settings: ChartSettings; onChange: (change: Partial<ChartSettings>) => void }) {
  return (
    <div className="chart-controls" role="group" aria-label="Chart controls">
      <label>
        X axis{' '}
        <select value={settings.x} onChange={(e) => onChange({ x: e.target.value as ChartX })} aria-label="X axis">
          <option value="step">Step</option>
          <option value="time">Wall time</option>
          <option value="relative">Relative time</option>
        </select>
      </label>
      <label>
        <input type="checkbox" checked={settings.logY} onChange={(e) => onChange({ logY: e.target.checked })} /> Log scale y
      </label>
      <label className="chart-smoothing">
        Smoothing
        <input type="range" min={0} max={0.99} step={0.01} value={settings.smoothing} aria-label="Smoothing" onChange={(e) => onChange({ smoothing: Number(e.target.value) })} />
        <output className="mono">{settings.smoothing.toFixed(2)}</output>
      </label>
    </div>
  );
}
