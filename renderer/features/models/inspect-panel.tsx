import type { OnnxInfo, TensorInfo } from '../../../app/contract/models';
import { useAppStore } from '../../store/context';
import { openVersionOf } from '../../store/models-slice';
import { formatBytes, formatCount, formatDims, formatOpsets, operatorRows } from './model-format';

/** How many graph nodes the summary lists. */
const graphRows = 40;

function TensorTable({ label, tensors }: { label: string; tensors: readonly TensorInfo[] }) {
  return (
    <table className="data-table" aria-label={label}>
      <thead>
        <tr>
          <th>{label}</th>
          <th>Type</th>
          <th>Shape</th>
        </tr>
      </thead>
      <tbody>
        {tensors.map((t) => (
          <tr key={t.name}>
            <td className="mono">{t.name}</td>
            <td>{t.dtype}</td>
            <td className="mono">{formatDims(t.dims)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** What an ONNX file holds, as the inspector reads it. */
export function OnnxSummary({ info }: { info: OnnxInfo }) {
  const metadata = Object.entries(info.metadata);
  return (
    <div className="onnx-summary">
      {info.unsupported.length > 0 && (
        <p className="form-error" role="alert">
          onnxruntime-node here cannot run this model: {info.unsupported.join('; ')}
        </p>
      )}
      <dl className="model-facts" aria-label="ONNX facts">
        <dt>Size</dt>
        <dd>{formatBytes(info.size)}</dd>
        <dt>IR version</dt>
        <dd>{info.irVersion}</dd>
        <dt>Opsets</dt>
        <dd>{formatOpsets(info.opsets)}</dd>
        <dt>Producer</dt>
        <dd>{info.producer || <span className="muted">not given</span>}</dd>
        <dt>Nodes</dt>
        <dd>{formatCount(info.nodes)}</dd>
        <dt>Parameters</dt>
        <dd>
          {formatCount(info.parameters)} <span className="muted">({formatBytes(info.parameterBytes)})</span>
        </dd>
      </dl>
      <div className="model-tables">
        <TensorTable label="Inputs" tensors={info.inputs} />
        <TensorTable label="Outputs" tensors={info.outputs} />
      </div>
      <div className="model-tables">
        <table className="data-table" aria-label="Operators">
          <thead>
            <tr>
              <th>Operator</th>
              <th>Count</th>
            </tr>
          </thead>
          <tbody>
            {operatorRows(info).map((r) => (
              <tr key={r.op}>
                <td>{r.op}</td>
                <td className="num">{r.count}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <table className="data-table" aria-label="Metadata">
          <thead>
            <tr>
              <th>Metadata</th>
              <th>Value</th>
            </tr>
          </thead>
          <tbody>
            {metadata.length === 0 && (
              <tr>
                <td colSpan={2} className="muted">none</td>
              </tr>
            )}
            {metadata.map(([k, v]) => (
              <tr key={k}>
                <td className="mono">{k}</td>
                <td className="mono metadata-value">{v}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h4>Graph</h4>
      <ol className="graph-summary" aria-label="Graph summary">
        {info.graph.slice(0, graphRows).map((n, i) => (
          <li key={`${i}-${n.name}`}>
            <strong>{n.op}</strong> <span className="muted">{n.name}</span> <span className="mono">{n.inputs.join(', ')} → {n.outputs.join(', ')}</span>
          </li>
        ))}
      </ol>
      {info.nodes > Math.min(graphRows, info.graph.length) && <p className="muted">… {formatCount(info.nodes - Math.min(graphRows, info.graph.length))} more nodes</p>}
    </div>
  );
}

/** The Inspect tab: the open version's ONNX inspection, or why there is none. */
export function InspectPanel() {
  const version = useAppStore((s) => openVersionOf(s));
  const info = useAppStore((s) => s.inspection);
  const error = useAppStore((s) => s.inspectionError);
  if (!version) return null;
  return (
    <section className="card" aria-label="ONNX inspection">
      <h3>ONNX inspection</h3>
      {version.format !== 'onnx' && !info && <p className="muted">This version is a {version.format} file: export it to ONNX (Export tab) to inspect and run it.</p>}
      {error && <p className="form-error">{error}</p>}
      {info ? <OnnxSummary info={info} /> : !error && version.format === 'onnx' && <p className="muted">Reading the file…</p>}
    </section>
  );
}
