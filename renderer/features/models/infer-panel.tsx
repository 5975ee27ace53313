import { useEffect, useState, type FormEvent } from 'react';
import type { InferInput, InferResult } from '../../../app/contract/models';
import { useAppStore, useAppStoreApi } from '../../store/context';
import { formatDims, formatMs, parseTensorsText, sampleTensorsText } from './model-format';

type InputKind = InferInput['kind'];
const kindTitles: Readonly<Record<InputKind, string>> = { tensors: 'JSON tensors', image: 'Image file', csv: 'CSV row' };
/** Output values shown per output; the rest are counted. */
const shownValues = 64;

function InferOutput({ result }: { result: InferResult }) {
  return (
    <section className="infer-result" aria-label="Prediction">
      <p role="status">
        Answered in <strong>{formatMs(result.latencyMs)}</strong>
      </p>
      {result.topK && (
        <table className="data-table" aria-label="Top-k">
          <thead>
            <tr>
              <th>#</th>
              <th>Class</th>
              <th>Score</th>
            </tr>
          </thead>
          <tbody>
            {result.topK.map((k, i) => (
              <tr key={k.index}>
                <td>{i + 1}</td>
                <td>{k.label ?? k.index}</td>
                <td className="num">{k.score.toPrecision(4)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {result.outputs.map((o) => (
        <div key={o.name}>
          <h4>
            {o.name} <span className="muted">{o.dtype} {formatDims(o.dims)}</span>
          </h4>
          <pre className="infer-values">
            {o.data
              .slice(0, shownValues)
              .map((v) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(5)) : JSON.stringify(v)))
              .join(', ')}
            {o.data.length > shownValues ? ` … (${o.data.length - shownValues} more)` : ''}
          </pre>
        </div>
      ))}
    </section>
  );
}

/** The Inference tab: a form made from the input signature (JSON tensors, an image file, a CSV row) and the prediction. */
export function InferPanel() {
  const store = useAppStoreApi();
  const info = useAppStore((s) => s.inspection);
  const result = useAppStore((s) => s.inferResult);
  const serverError = useAppStore((s) => s.inferError);
  const busy = useAppStore((s) => s.inferring);
  const [kind, setKind] = useState<InputKind>('tensors');
  const [tensors, setTensors] = useState('');
  const [image, setImage] = useState('');
  const [csv, setCsv] = useState('');
  const [formError, setFormError] = useState<string | null>(null);
  useEffect(() => setTensors(info ? sampleTensorsText(info.inputs) : ''), [info]);
  if (!info) return <section className="card muted">Inference needs an ONNX file that could be inspected (see the Inspect tab).</section>;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setFormError(null);
    let input: InferInput;
    try {
      if (kind === 'tensors') input = parseTensorsText(tensors, info.inputs);
      else if (kind === 'image') input = { kind: 'image', path: image.trim() };
      else input = { kind: 'csv', row: csv.trim() };
    } catch (e) {
      setFormError(e instanceof Error ? e.message : String(e));
      return;
    }
    void store.getState().infer(input);
  };
  return (
    <section className="card" aria-label="Inference">
      <h3>Inference</h3>
      <p className="muted">
        Inputs: {info.inputs.map((i) => `${i.name} ${i.dtype} ${formatDims(i.dims)}`).join('; ')}
      </p>
      <form className="infer-form" onSubmit={submit}>
        <div className="segmented" role="radiogroup" aria-label="Input kind">
          {(Object.keys(kindTitles) as InputKind[]).map((k) => (
            <label key={k} className="radio-label">
              <input type="radio" name="infer-kind" checked={kind === k} onChange={() => setKind(k)} /> {kindTitles[k]}
            </label>
          ))}
        </div>
        {kind === 'tensors' && (
          <label>
            Tensors (JSON: input name → dims and data)
            <textarea className="text-input mono" rows={8} value={tensors} onChange={(e) => setTensors(e.target.value)} spellCheck={false} />
          </label>
        )}
        {kind === 'image' && (
          <label>
            Image file (PNG or JPEG; resized and normalized as the metadata declares)
            <input className="text-input" value={image} placeholder="/path/to/image.png" onChange={(e) => setImage(e.target.value)} />
          </label>
        )}
        {kind === 'csv' && (
          <label>
            CSV row (its numbers become the input, 1 × n)
            <input className="text-input mono" value={csv} placeholder="5.1, 3.5, 1.4, 0.2" onChange={(e) => setCsv(e.target.value)} />
          </label>
        )}
        <button type="submit" className="button is-primary" disabled={busy}>
          {busy ? 'Running…' : 'Predict'}
        </button>
      </form>
      {(formError ?? serverError) && (
        <p className="form-error" role="alert">
          {formError ?? serverError}
        </p>
      )}
      {result && <InferOutput result={result} />}
    </section>
  );
}
