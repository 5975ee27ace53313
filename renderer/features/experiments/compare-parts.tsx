import { useMemo, useState } from 'react';
import { CartesianGrid, Scatter, ScatterChart, Tooltip, XAxis, YAxis, ZAxis } from 'recharts';
import type { RunSummary } from '../../../app/contract';
import { formatNumber, runColor } from './chart-math';
import { axisTicks, axisX, buildAxis, pathData, polylinePoints, positionY, type ParallelBox } from './parallel-scale';
import { paramRows, shownParamRows } from './param-diff';
import { formatParam } from './run-columns';

/** The params of the compared runs side by side; the toggle keeps only those that differ. */
export function ParamsTable({ runs }: { runs: readonly RunSummary[] }) {
  const [onlyDiffering, setOnlyDiffering] = useState(true);
  const rows = useMemo(() => paramRows(runs), [runs]);
  const shown = shownParamRows(rows, onlyDiffering);
  return (
    <section className="compare-section">
      <div className="compare-section-head">
        <h3>Params</h3>
        <label>
          <input type="checkbox" checked={onlyDiffering} onChange={(e) => setOnlyDiffering(e.target.checked)} /> Only params that differ
        </label>
      </div>
      <div className="compare-params-scroll">
        <table className="facts-table compare-params" aria-label="Compared params">
          <thead>
            <tr>
              <th>Param</th>
              {runs.map((run, i) => (
                <th key={run.id} style={{ color: runColor(i) }}>
                  {run.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((row) => (
              <tr key={row.key} className={row.differs ? 'is-different' : undefined}>
                <th className="mono">{row.key}</th>
                {row.values.map((value, i) => (
                  <td key={runs[i]!.id} className="mono">
                    {value}
                  </td>
                ))}
              </tr>
            ))}
            {shown.length === 0 && (
              <tr>
                <td colSpan={runs.length + 1} className="muted">
                  {rows.length === 0 ? 'These runs have no params.' : 'Every param is the same in these runs.'}
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function KeySelect({ label, value, keys, onChange }: { label: string; value: string; keys: readonly string[]; onChange: (key: string) => void }) {
  return (
    <label>
      {label}{' '}
      <select aria-label={label} value={value} onChange={(e) => onChange(e.target.value)}>
        {keys.map((k) => (
          <option key={k} value={k}>
            {k}
          </option>
        ))}
      </select>
    </label>
  );
}

/** One dot per run: a param on x, a metric's last value on y. */
export function ParamScatter({ runs, paramKeys, metricKeys }: { runs: readonly RunSummary[]; paramKeys: readonly string[]; metricKeys: readonly string[] }) {
  const [param, setParam] = useState(paramKeys[0] ?? '');
  const [metric, setMetric] = useState(metricKeys[0] ?? '');
  const p = paramKeys.includes(param) ? param : (paramKeys[0] ?? '');
  const m = metricKeys.includes(metric) ? metric : (metricKeys[0] ?? '');
  const axis = buildAxis(p, runs.map((r) => r.params[p]));
  const points = runs.flatMap((run, i) => {
    const raw = run.params[p];
    const y = run.metrics[m];
    if (raw === undefined || y === undefined || y === null) return [];
    const x = axis.kind === 'number' ? (raw as number) : formatParam(raw);
    return [{ x, y, name: run.name, fill: runColor(i) }];
  });
  return (
    <section className="compare-section">
      <div className="compare-section-head">
        <h3>Param vs metric</h3>
        <KeySelect label="Param" value={p} keys={paramKeys} onChange={setParam} />
        <KeySelect label="Metric" value={m} keys={metricKeys} onChange={setMetric} />
      </div>
      {p && m ? (
        <ScatterChart width={420} height={260} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
          <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
          <XAxis dataKey="x" name={p} type={axis.kind === 'number' ? 'number' : 'category'} domain={['auto', 'auto']} stroke="var(--fg-faint)" fontSize={11} tickFormatter={(v: unknown) => (typeof v === 'number' ? formatNumber(v) : String(v))} />
          <YAxis dataKey="y" name={m} type="number" domain={['auto', 'auto']} stroke="var(--fg-faint)" fontSize={11} width={56} tickFormatter={(v: number) => formatNumber(v)} />
          <ZAxis range={[60, 60]} />
          <Tooltip isAnimationActive={false} contentStyle={{ background: 'var(--bg-elevated)', border: '1px solid var(--border)', fontSize: 12 }} />
          <Scatter data={points} isAnimationActive={false} />
        </ScatterChart>
      ) : (
        <p className="muted">The runs need a param and a metric.</p>
      )}
    </section>
  );
}

/** Parallel coordinates: one axis per param and one for the metric, one line per run (SVG; recharts has none). */
export function ParallelCoordinates({ runs, paramKeys, metricKeys }: { runs: readonly RunSummary[]; paramKeys: readonly string[]; metricKeys: readonly string[] }) {
  const [metric, setMetric] = useState(metricKeys[0] ?? '');
  const m = metricKeys.includes(metric) ? metric : (metricKeys[0] ?? '');
  const labels = m ? [...paramKeys, m] : [...paramKeys];
  const valuesOf = (run: RunSummary) => [...paramKeys.map((k) => run.params[k]), ...(m ? [run.metrics[m]] : [])];
  const axes = labels.map((label, i) => buildAxis(label, runs.map((run) => valuesOf(run)[i])));
  const box: ParallelBox = { width: Math.max(420, axes.length * 140), height: 280, padX: 60, padY: 30 };
  return (
    <section className="compare-section">
      <div className="compare-section-head">
        <h3>Parallel coordinates</h3>
        {metricKeys.length > 0 && <KeySelect label="Metric axis" value={m} keys={metricKeys} onChange={setMetric} />}
      </div>
      {axes.length < 2 ? (
        <p className="muted">Parallel coordinates need two axes or more (params that differ, and a metric).</p>
      ) : (
        <div className="parallel-scroll">
          <svg width={box.width} height={box.height} role="img" aria-label="Parallel coordinates" className="parallel-coordinates">
            {runs.map((run, i) => (
              <path key={run.id} d={pathData(polylinePoints(axes, valuesOf(run), box))} stroke={runColor(i)} strokeWidth={2} fill="none" opacity={0.85}>
                <title>{run.name}</title>
              </path>
            ))}
            {axes.map((axis, i) => {
              const x = axisX(i, axes.length, box);
              return (
                <g key={axis.label}>
                  <line x1={x} x2={x} y1={box.padY} y2={box.height - box.padY} stroke="var(--fg-faint)" />
                  {axisTicks(axis).map((tick) => (
                    <text key={tick.label} x={x - 5} y={positionY(tick.position, box) + 3} fontSize={10} textAnchor="end" fill="var(--fg-muted)" stroke="var(--bg)" strokeWidth={3} paintOrder="stroke">
                      {tick.label}
                    </text>
                  ))}
                  <text x={x} y={box.padY - 12} fontSize={11} fontWeight={600} textAnchor="middle" fill={i === axes.length - 1 && m ? 'var(--accent)' : 'var(--fg)'}>
                    {axis.label}
                  </text>
                </g>
              );
            })}
          </svg>
        </div>
      )}
    </section>
  );
}
