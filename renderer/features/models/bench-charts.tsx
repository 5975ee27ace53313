import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { BenchResult } from '../../../app/contract/models';
import { runColor } from '../experiments/chart-math';
import { histogramBars, threadsSeries } from './model-format';

type BenchRow = BenchResult['rows'][number];
const tooltipStyle = { background: 'var(--bg-elevated)', border: '1px solid var(--border)', fontSize: 12 };

/** The latency histogram of one setting (threads × batch): bars of the counts per latency bucket. */
export function LatencyHistogram({ row }: { row: BenchRow }) {
  const bars = histogramBars(row);
  return (
    <figure className="bench-chart" aria-label="Latency histogram" data-testid="latency-histogram">
      <figcaption className="muted">
        Latency histogram, {row.threads} thread{row.threads === 1 ? '' : 's'} × batch {row.batch} (ms)
      </figcaption>
      <BarChart width={460} height={220} data={bars} margin={{ top: 8, right: 16, bottom: 8, left: 0 }} barCategoryGap={1}>
        <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="label" stroke="var(--fg-faint)" fontSize={11} interval="preserveStartEnd" />
        <YAxis stroke="var(--fg-faint)" fontSize={11} width={40} allowDecimals={false} />
        <Tooltip isAnimationActive={false} contentStyle={tooltipStyle} formatter={(value) => [String(value), 'runs']} labelFormatter={(label) => `from ${String(label)} ms`} />
        <Bar dataKey="count" fill="var(--accent)" isAnimationActive={false} />
      </BarChart>
    </figure>
  );
}

/** p50 latency by intra-op thread count, one line per batch size. */
export function ThreadsChart({ rows }: { rows: BenchResult['rows'] }) {
  const { data, batches } = threadsSeries(rows);
  return (
    <figure className="bench-chart" aria-label="Threads vs latency" data-testid="threads-chart">
      <figcaption className="muted">p50 latency (ms) by threads</figcaption>
      <LineChart width={460} height={220} data={data} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
        <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
        <XAxis dataKey="threads" type="number" domain={['dataMin', 'dataMax']} allowDecimals={false} stroke="var(--fg-faint)" fontSize={11} ticks={data.map((d) => d.threads ?? 0)} />
        <YAxis stroke="var(--fg-faint)" fontSize={11} width={48} domain={[0, 'auto']} />
        <Tooltip isAnimationActive={false} contentStyle={tooltipStyle} />
        <Legend wrapperStyle={{ fontSize: 11 }} />
        {batches.map((b, i) => (
          <Line key={b} dataKey={`b${b}`} name={`batch ${b}`} stroke={runColor(i)} dot isAnimationActive={false} connectNulls />
        ))}
      </LineChart>
    </figure>
  );
}
