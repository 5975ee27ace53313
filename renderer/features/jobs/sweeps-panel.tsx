import { useEffect, useRef, useState, type FormEvent } from 'react';
import { errorMessage } from '../../client/client-error';
import { FormActions } from '../../ui/form-actions';
import { useAppStore, useAppStoreApi } from '../../store/context';
import type { Sweep, SweepTrial } from '../../store/jobs-slice';
import { formatTime } from '../../ui/format';
import { EnvSelect } from './env-select';
import { whereLabel } from './job-format';

/** `4 succeeded · 1 running · 1 queued` from a sweep's per-state counts (zeros left out). */
export function sweepStatesLabel(states: Sweep['states']): string {
  const order = ['running', 'queued', 'succeeded', 'failed', 'cancelled', 'lost'] as const;
  return order
    .filter((state) => (states[state] ?? 0) > 0)
    .map((state) => `${states[state]} ${state}`)
    .join(' · ');
}

/** A trial's params in one line (`lr=0.01 batch=32`). */
export function paramsLabel(params: SweepTrial['params']): string {
  return Object.entries(params)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
}

function TrialsTable({ sweep }: { sweep: Sweep }) {
  const store = useAppStoreApi();
  const trials = useAppStore((s) => s.sweepTrials[sweep.id]);
  if (!trials) return <p className="muted">Loading trials…</p>;
  return (
    <table className="sweep-trials" aria-label={`Trials of ${sweep.name}`}>
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">Params</th>
          <th scope="col">State</th>
          <th scope="col">{sweep.metric ?? 'Metric'}</th>
          <th scope="col">Run</th>
        </tr>
      </thead>
      <tbody>
        {trials.map((trial) => (
          <tr key={trial.index} data-testid="sweep-trial">
            <td>{trial.index}</td>
            <td className="mono">{paramsLabel(trial.params)}</td>
            <td>
              <span className={`job-state is-${trial.state}`}>{trial.state}</span>
            </td>
            <td className="mono">{trial.metric === null ? '—' : trial.metric.toPrecision(4)}</td>
            <td>
              <button type="button" className="link-button" onClick={() => store.getState().openRun(trial.runId)} aria-label={`Open the run of trial ${trial.index}`}>
                {trial.runId.slice(0, 8)}
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function SweepCard({ sweep, open, onToggle }: { sweep: Sweep; open: boolean; onToggle: () => void }) {
  const store = useAppStoreApi();
  const clusters = useAppStore((s) => s.clusters);
  return (
    <li className="sweep-row" data-testid="sweep-row" aria-label={`Sweep ${sweep.name}`}>
      <button type="button" className="sweep-row-head" aria-expanded={open} onClick={onToggle}>
        <strong>{sweep.name}</strong>
        <span className="muted">
          {sweep.trialCount} trials on {whereLabel(sweep, clusters)} · {sweepStatesLabel(sweep.states)} · {formatTime(sweep.createdAt)}
          {sweep.externalId ? ` · array ${sweep.externalId}` : ''}
        </span>
      </button>
      {open && (
        <>
          <TrialsTable sweep={sweep} />
          <button type="button" className="button" onClick={() => void store.getState().compareSweep(sweep.id)}>
            Compare trials
          </button>
        </>
      )}
    </li>
  );
}

/** A spec to start from: a grid over the learning rate of the PyTorch template (installed by its first job). */
export const exampleSweepSpec = `name: lr-grid
script: templates/pytorch-classifier/train.py
args: [--epochs, "3"]
params:
  lr: [0.001, 0.003, 0.01, 0.03, 0.1, 0.3]
pass_params: args
metric: epoch/val/loss
goal: minimize
`;

/** The YAML spec and where to fan it out; a typo comes back with its line and column. */
function NewSweepForm({ onDone }: { onDone: () => void }) {
  const store = useAppStoreApi();
  const clusters = useAppStore((s) => s.clusters);
  const [spec, setSpec] = useState(exampleSweepSpec);
  const [target, setTarget] = useState('');
  const [envId, setEnvId] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setBusy(true);
    try {
      await store.getState().startSweep({ spec, ...(target ? { cluster: target } : {}), ...(envId ? { envId } : {}) });
      onDone();
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="sweep-new" aria-label="New sweep" onSubmit={(e) => void submit(e)}>
      <label className="field">
        <span>Sweep spec (YAML)</span>
        <textarea className="text-input mono" rows={10} aria-label="Sweep spec" value={spec} onChange={(e) => setSpec(e.target.value)} spellCheck={false} />
      </label>
      <EnvSelect value={envId} onChange={setEnvId} />
      <label className="field">
        <span>Run trials on</span>
        <select className="text-input" aria-label="Run trials on" value={target} onChange={(e) => setTarget(e.target.value)}>
          <option value="">as the spec says (default: this machine)</option>
          {clusters.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name} ({c.kind === 'slurm' ? 'Slurm array' : 'Ray'})
            </option>
          ))}
        </select>
      </label>
      <FormActions error={error} busy={busy} submit="Start sweep" busySubmit="Starting…" onCancel={onDone} />
    </form>
  );
}

/** The project's sweeps; one opened shows its trials (params, state, metric, run) and compares them in Experiments. */
export function SweepsPanel() {
  const store = useAppStoreApi();
  const sweeps = useAppStore((s) => s.sweeps);
  const error = useAppStore((s) => s.sweepsError);
  const jobs = useAppStore((s) => s.jobs);
  const [openId, setOpenId] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const openRef = useRef(openId);
  openRef.current = openId;
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => {
    void store.getState().loadSweeps();
    return () => {
      if (timer.current) clearTimeout(timer.current);
      timer.current = null;
    };
  }, [store]);
  // Trials change state through job.changed: the list (and the open sweep's trials) follow, at most once a second.
  useEffect(() => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      void store.getState().loadSweeps();
      if (openRef.current) void store.getState().loadSweepTrials(openRef.current);
    }, 1000);
  }, [store, jobs]);
  return (
    <section className="card sweeps-panel" aria-label="Sweeps">
      <div className="job-list-head">
        <h3>Sweeps</h3>
        {!creating && (
          <button type="button" className="button is-primary" onClick={() => setCreating(true)}>
            New sweep…
          </button>
        )}
      </div>
      {creating && <NewSweepForm onDone={() => setCreating(false)} />}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {sweeps.length === 0 ? (
        <p className="muted">No sweeps yet. Start one with New sweep… or from a terminal with `orrery sweep sweep.yaml` (a grid or random search, each trial a tracked run).</p>
      ) : (
        <ul className="sweep-rows" aria-label="Sweeps, newest first">
          {sweeps.map((sweep) => (
            <SweepCard
              key={sweep.id}
              sweep={sweep}
              open={openId === sweep.id}
              onToggle={() => {
                const next = openId === sweep.id ? null : sweep.id;
                setOpenId(next);
                if (next) void store.getState().loadSweepTrials(next);
              }}
            />
          ))}
        </ul>
      )}
    </section>
  );
}
