import { useState, type FormEvent } from 'react';
import type { CallInput } from '../../../app/contract';
import type { ModelExport } from '../../../app/contract/models';
import { useClient } from '../../client/context';
import { useAppStore, useAppStoreApi } from '../../store/context';
import { openVersionOf } from '../../store/models-slice';
import { formatTime } from '../../ui/format';
import { TaskOutput, useTask } from '../../ui/task-output';
import { exportRequest, formatBytes, formatMs } from './model-format';

function Parity({ parity }: { parity: NonNullable<ModelExport['parity']> }) {
  return (
    <span className={parity.passed ? 'parity-pass' : 'parity-fail'}>
      {parity.passed ? 'parity passed' : 'parity FAILED'}: max abs {parity.maxAbs.toExponential(2)}, max rel {parity.maxRel.toExponential(2)} (tolerance {parity.tolerance.toExponential(0)}, {parity.samples}{' '}
      samples)
    </span>
  );
}

function ExportList({ exports }: { exports: readonly ModelExport[] }) {
  if (exports.length === 0) return <p className="muted">No export yet.</p>;
  return (
    <table className="data-table" aria-label="Exports">
      <thead>
        <tr>
          <th>Kind</th>
          <th>Size</th>
          <th>Opset</th>
          <th>Parity</th>
          <th>Quantization</th>
          <th>Made</th>
        </tr>
      </thead>
      <tbody>
        {exports.map((e) => (
          <tr key={e.id}>
            <td>{e.kind}</td>
            <td className="num">{formatBytes(e.size)}</td>
            <td className="num">{e.opset ?? '—'}</td>
            <td>{e.parity ? <Parity parity={e.parity} /> : <span className="muted">not checked</span>}</td>
            <td>
              {e.quantization ? (
                <span>
                  {formatBytes(e.quantization.sizeBefore)} → {formatBytes(e.quantization.sizeAfter)}, p50 {formatMs(e.quantization.p50MsBefore)} → {formatMs(e.quantization.p50MsAfter)}
                </span>
              ) : (
                <span className="muted">—</span>
              )}
            </td>
            <td>{formatTime(e.createdAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The Export tab: the wizard (env, class, input shape, opset, tolerance, quantize), its progress, and the exports with their parity. */
export function ExportPanel() {
  const client = useClient();
  const store = useAppStoreApi();
  const version = useAppStore((s) => openVersionOf(s));
  const exports = useAppStore((s) => s.modelExports);
  const envs = useAppStore((s) => s.envs);
  const task = useTask(client);
  const [envId, setEnvId] = useState('');
  const [modelClass, setModelClass] = useState('');
  const [classArgs, setClassArgs] = useState('');
  const [shape, setShape] = useState('');
  const [opset, setOpset] = useState('');
  const [tolerance, setTolerance] = useState('1e-4');
  const [samples, setSamples] = useState('16');
  const [quantize, setQuantize] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!version) return null;
  const running = task.task !== null && task.task.finished === null;
  const needsClass = version.format === 'pytorch';

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    let input: Omit<CallInput<'model.export'>, 'taskId'>;
    try {
      input = exportRequest(version.id, { envId, modelClass, classArgs, shape, opset, tolerance, samples, quantize });
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      return;
    }
    task
      .start('Export to ONNX', (taskId) => client.call('model.export', { ...input, taskId }))
      .then(() => store.getState().loadExports())
      .catch(() => void store.getState().loadExports().catch(() => undefined)); // the task panel shows the error; a failed parity is still stored
  };

  return (
    <section className="card" aria-label="Export to ONNX">
      <h3>Export to ONNX</h3>
      {version.format === 'onnx' ? (
        <p className="muted">This version is already ONNX. Its exports (int8 quantizations) are listed below.</p>
      ) : (
        <form className="export-form" onSubmit={submit}>
          <label>
            Environment
            <select className="inline-select" value={envId} onChange={(e) => setEnvId(e.target.value)}>
              <option value="">the project&apos;s default</option>
              {envs.map((env) => (
                <option key={env.id} value={env.id}>
                  {env.name}
                </option>
              ))}
            </select>
          </label>
          {needsClass && (
            <>
              <label>
                Model class (module:Class, importable from the project)
                <input className="text-input mono" value={modelClass} placeholder="model:Net" onChange={(e) => setModelClass(e.target.value)} />
              </label>
              <label>
                Class arguments (JSON)
                <input className="text-input mono" value={classArgs} placeholder='{"hidden": 64}' onChange={(e) => setClassArgs(e.target.value)} />
              </label>
            </>
          )}
          <label>
            Input shape without the batch axis
            <input className="text-input mono" value={shape} placeholder="1, 28, 28 (empty: from the metadata)" onChange={(e) => setShape(e.target.value)} />
          </label>
          <label>
            Opset
            <input className="text-input" value={opset} placeholder="default" inputMode="numeric" onChange={(e) => setOpset(e.target.value)} />
          </label>
          <label>
            Parity tolerance
            <input className="text-input" value={tolerance} onChange={(e) => setTolerance(e.target.value)} />
          </label>
          <label>
            Samples
            <input className="text-input" value={samples} inputMode="numeric" onChange={(e) => setSamples(e.target.value)} />
          </label>
          <label className="checkbox-label">
            <input type="checkbox" checked={quantize} onChange={(e) => setQuantize(e.target.checked)} /> Also quantize to int8 (needs onnxruntime in the env)
          </label>
          <button type="submit" className="button is-primary" disabled={running || (needsClass && !modelClass.trim())}>
            Export
          </button>
        </form>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {task.task && <TaskOutput task={task.task} onCancel={() => void task.cancel()} onClose={task.clear} />}
      <h4>Exports</h4>
      <ExportList exports={exports} />
    </section>
  );
}
