import { useState, type FormEvent } from 'react';
import { errorMessage } from '../../client/client-error';
import { useAppStore, useAppStoreApi } from '../../store/context';
import { formatCost, sumTotals } from './prompt-format';

const groups = [
  { id: 'model', title: 'Model' },
  { id: 'prompt', title: 'Prompt' },
  { id: 'suite', title: 'Suite run' },
  { id: 'day', title: 'Day' },
] as const;

function UsageTotals() {
  const store = useAppStoreApi();
  const group = useAppStore((s) => s.usageGroup);
  const totals = useAppStore((s) => s.usageTotals);
  const project = useAppStore((s) => s.current?.path ?? null);
  const sum = sumTotals(totals);
  if (!project) return null;
  return (
    <section className="card usage-totals" aria-label="Usage totals">
      <div className="card-head">
        <h3>Usage</h3>
        <label>
          by{' '}
          <select className="inline-select" aria-label="Group usage by" value={group} onChange={(e) => void store.getState().loadUsage(e.target.value as typeof group)}>
            {groups.map((g) => (
              <option key={g.id} value={g.id}>
                {g.title}
              </option>
            ))}
          </select>
        </label>
      </div>
      <table className="prompt-table">
        <thead>
          <tr>
            <th>{groups.find((g) => g.id === group)?.title}</th>
            <th>Calls</th>
            <th>Tokens in</th>
            <th>Tokens out</th>
            <th>Cost</th>
          </tr>
        </thead>
        <tbody>
          {totals.length === 0 && (
            <tr>
              <td colSpan={5} className="muted">
                No model calls in this project yet.
              </td>
            </tr>
          )}
          {totals.map((t) => (
            <tr key={t.key}>
              <td>{t.label}</td>
              <td>{t.calls}</td>
              <td>
                {t.inputTokens}
                {t.estimated ? ' (some est.)' : ''}
              </td>
              <td>{t.outputTokens}</td>
              <td>
                {formatCost(t.costUsd)}
                {t.unpriced ? ` + ${t.unpriced} without price` : ''}
              </td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th>Total</th>
            <td>{sum.calls}</td>
            <td>{sum.inputTokens}</td>
            <td>{sum.outputTokens}</td>
            <td data-testid="usage-total-cost">{formatCost(sum.costUsd)}</td>
          </tr>
        </tfoot>
      </table>
    </section>
  );
}

function PriceForm() {
  const store = useAppStoreApi();
  const [model, setModel] = useState('');
  const [input, setInput] = useState('');
  const [output, setOutput] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      const inputPerMTok = Number(input);
      const outputPerMTok = Number(output);
      if (!model.trim()) throw new Error('Name the model (or a prefix ending in *).');
      if (input.trim() === '' || output.trim() === '' || !(inputPerMTok >= 0) || !(outputPerMTok >= 0)) throw new Error('Prices are USD per million tokens, 0 or more.');
      await store.getState().setPrice({ model: model.trim(), inputPerMTok, outputPerMTok });
      setError(null);
      setModel('');
      setInput('');
      setOutput('');
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return (
    <form className="price-form" aria-label="Set a price" onSubmit={(e) => void submit(e)}>
      <input className="text-input mono" aria-label="Price model" placeholder="model or prefix*" value={model} onChange={(e) => setModel(e.target.value)} />
      <input className="text-input" aria-label="Input USD per million tokens" placeholder="in $/Mtok" inputMode="decimal" value={input} onChange={(e) => setInput(e.target.value)} />
      <input className="text-input" aria-label="Output USD per million tokens" placeholder="out $/Mtok" inputMode="decimal" value={output} onChange={(e) => setOutput(e.target.value)} />
      <button type="submit" className="button">
        Set price
      </button>
      {error && <p className="form-error">{error}</p>}
    </form>
  );
}

function PriceTable() {
  const store = useAppStoreApi();
  const prices = useAppStore((s) => s.prices);
  const [filter, setFilter] = useState('');
  const shown = prices.filter((p) => p.model.toLowerCase().includes(filter.trim().toLowerCase()));
  return (
    <section className="card price-table" aria-label="Prices">
      <div className="card-head">
        <h3>Prices (USD per million tokens)</h3>
        <input className="text-input" aria-label="Filter prices" placeholder="Filter" value={filter} onChange={(e) => setFilter(e.target.value)} />
      </div>
      <PriceForm />
      <table className="prompt-table">
        <thead>
          <tr>
            <th>Model</th>
            <th>Input</th>
            <th>Output</th>
            <th>Source</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {shown.map((p) => (
            <tr key={p.model} data-testid="price-row">
              <td className="mono">{p.model}</td>
              <td>{p.inputPerMTok}</td>
              <td>{p.outputPerMTok}</td>
              <td className="muted">{p.source}</td>
              <td>
                {p.source === 'user' && (
                  <button type="button" className="button" onClick={() => void store.getState().setPrice({ model: p.model, reset: true }).catch(() => undefined)}>
                    Reset
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** Token and cost totals of the project, and the editable price table. */
export function UsagePanel() {
  return (
    <div className="usage-panel">
      <UsageTotals />
      <PriceTable />
    </div>
  );
}
