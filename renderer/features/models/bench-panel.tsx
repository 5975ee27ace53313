import { useEffect, useState, type FormEvent } from 'react';
import type { BenchResult } from '../../../app/contract/models';
import { useClient } from '../../client/context';
import { useAppStore, useAppStoreApi } from '../../store/context';
import { formatTime } from '../../ui/format';
import { TaskOutput, useTask } from '../../ui/task-output';
import { LatencyHistogram, ThreadsChart } from './bench-charts';
import { bestRow, compareBenchmarks, formatMs, parseIntList } from './model-format';

function BenchTable({ result, picked, onPick }: { result: BenchResult; picked: number; onPick: (index: number) => void }) {
  return (
    <table className="data-table" aria-label="Benchmark results">
      <thead>
        <tr>
          <th>Threads</th>
          <th>Batch</th>
          <th>p50</th>
          <th>p95</th>
          <th>p99</th>
          <th>Mean</th>
          <th>Items/s</th>
        </tr>
      </thead>
      <tbody>
        {result.rows.map((r, i) => (
          <tr key={`${r.threads}x${r.batch}`} className={i === picked ? 'is-selected' : undefined} onClick={() => onPick(i)} aria-selected={i === picked}>
            <td>
              <button type="button" className="link-button" onClick={() => onPick(i)} aria-label={`Histogram of ${r.threads} threads × batch ${r.batch}`}>
                {r.threads}
              </button>
            </td>
            <td className="num">{r.batch}</td>
            <td className="num">{formatMs(r.p50Ms)}</td>
            <td className="num">{formatMs(r.p95Ms)}</td>
            <td className="num">{formatMs(r.p99Ms)}</td>
            <td className="num">{formatMs(r.meanMs)}</td>
            <td className="num">{r.throughputPerS.toFixed(0)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Stored benchmarks of every version of the model, each by its fastest setting. */
function VersionsComparison() {
  const all = useAppStore((s) => s.modelBenchmarks);
  const versions = useAppStore((s) => s.modelVersions);
  const rows = compareBenchmarks(all);
  if (new Set(rows.map((r) => r.versionId)).size < 2) return null;
  const versionName = (id: string | null) => {
    const v = versions.find((x) => x.id === id);
    return v ? `v${v.version}` : 'a file';
  };
  return (
    <>
      <h4>Across versions (fastest setting of each benchmark, per item)</h4>
      <table className="data-table" aria-label="Benchmarks across versions">
        <thead>
          <tr>
            <th>Version</th>
            <th>Benchmark</th>
            <th>Threads × batch</th>
            <th>p50</th>
            <th>p50 per item</th>
            <th>p99</th>
            <th>Items/s</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id}>
              <td>{versionName(r.versionId)}</td>
              <td>{formatTime(r.createdAt)}</td>
              <td>
                {r.best.threads} × {r.best.batch}
              </td>
              <td className="num">{formatMs(r.best.p50Ms)}</td>
              <td className="num">{formatMs(r.best.p50Ms / r.best.batch)}</td>
              <td className="num">{formatMs(r.best.p99Ms)}</td>
              <td className="num">{r.best.throughputPerS.toFixed(0)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** The Benchmark tab: settings, the run with its progress, the results drawn, and earlier benchmarks to compare. */
export function BenchPanel() {
  const client = useClient();
  const store = useAppStoreApi();
  const versionId = useAppStore((s) => s.openVersionId);
  const canRun = useAppStore((s) => s.inspection !== null);
  const benchmarks = useAppStore((s) => s.benchmarks);
  const task = useTask(client);
  const [threads, setThreads] = useState('1, 2');
  const [batches, setBatches] = useState('1, 8');
  const [warmup, setWarmup] = useState('20');
  const [iterations, setIterations] = useState('200');
  const [error, setError] = useState<string | null>(null);
  const [shownId, setShownId] = useState<string | null>(null);
  const [picked, setPicked] = useState(0);
  useEffect(() => {
    setShownId(null);
    setPicked(0);
  }, [versionId]);
  const shown = benchmarks.find((b) => b.id === shownId) ?? benchmarks[0] ?? null;
  const row = shown ? (shown.rows[picked] ?? bestRow(shown.rows)) : null;
  const running = task.task !== null && task.task.finished === null;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!versionId) return;
    setError(null);
    let input;
    try {
      input = {
        target: { versionId },
        threads: parseIntList(threads, 'thread count'),
        batchSizes: parseIntList(batches, 'batch size'),
        warmup: parseIntList(warmup, 'warm-up count')[0]!,
        iterations: parseIntList(iterations, 'iteration count')[0]!,
      };
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      return;
    }
    task
      .start('Benchmark', (taskId) => client.call('model.bench', { ...input, taskId }))
      .then((result) => {
        store.getState().addBenchmark(result);
        setShownId(result.id);
        const best = bestRow(result.rows);
        setPicked(best ? result.rows.indexOf(best) : 0);
      })
      .catch(() => undefined); // the task panel shows the error
  };

  return (
    <section className="card" aria-label="Latency benchmark">
      <h3>Latency benchmark</h3>
      {!canRun && <p className="muted">A benchmark needs an ONNX file that could be inspected (see the Inspect tab).</p>}
      <form className="bench-form" onSubmit={submit}>
        <label>
          Threads
          <input className="text-input" value={threads} onChange={(e) => setThreads(e.target.value)} />
        </label>
        <label>
          Batch sizes
          <input className="text-input" value={batches} onChange={(e) => setBatches(e.target.value)} />
        </label>
        <label>
          Warm-up
          <input className="text-input" value={warmup} inputMode="numeric" onChange={(e) => setWarmup(e.target.value)} />
        </label>
        <label>
          Iterations
          <input className="text-input" value={iterations} inputMode="numeric" onChange={(e) => setIterations(e.target.value)} />
        </label>
        <button type="submit" className="button is-primary" disabled={!canRun || running}>
          Run benchmark
        </button>
      </form>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {task.task && <TaskOutput task={task.task} onCancel={() => void task.cancel()} onClose={task.clear} />}
      {shown && (
        <div className="bench-result">
          {benchmarks.length > 1 && (
            <label className="inline-label">
              Benchmark
              <select
                className="inline-select"
                value={shown.id}
                onChange={(e) => {
                  setShownId(e.target.value);
                  setPicked(0);
                }}
              >
                {benchmarks.map((b) => (
                  <option key={b.id} value={b.id}>
                    {formatTime(b.createdAt)} — {b.label} ({b.iterations} iterations)
                  </option>
                ))}
              </select>
            </label>
          )}
          <BenchTable result={shown} picked={row ? shown.rows.indexOf(row) : -1} onPick={setPicked} />
          <div className="bench-charts">
            {row && <LatencyHistogram row={row} />}
            <ThreadsChart rows={shown.rows} />
          </div>
        </div>
      )}
      {!shown && canRun && <p className="muted">No benchmark of this version yet.</p>}
      <VersionsComparison />
    </section>
  );
}
