import { useId, useMemo, useState, type FormEvent } from 'react';
import type { Env } from '../../../app/models';
import { ErrorLine } from './error-line';
import { useAppStore, useAppStoreApi } from '../../store/context';
import { missingReason, sortEnvs } from './env-format';

/** Small labels beside an env: ipykernel, pip, project env, missing. */
export function EnvBadges({ env, isDefault }: { env: Env; isDefault: boolean }) {
  return (
    <span className="env-badges">
      {isDefault && <span className="env-badge is-default">project env</span>}
      {env.missing ? (
        <span className="env-badge is-missing">missing</span>
      ) : (
        <>
          <span className={`env-badge${env.hasIpykernel ? ' is-ok' : ' is-off'}`} title={env.hasIpykernel ? 'ipykernel is installed: notebooks can run here' : 'No ipykernel: install it to run notebooks here'}>
            {env.hasIpykernel ? 'ipykernel' : 'no ipykernel'}
          </span>
          <span className={`env-badge${env.hasPip ? ' is-ok' : ' is-off'}`} title={env.hasPip ? 'pip is available' : 'No pip in this env'}>
            {env.hasPip ? 'pip' : 'no pip'}
          </span>
        </>
      )}
    </span>
  );
}

/** The accessible name of an env's row: name, kind and version, and whether it is the project's or missing. */
export function envRowLabel(env: Env, isDefault: boolean): string {
  return `${env.name} — ${env.kind} ${env.version}${isDefault ? ', project environment' : ''}${env.missing ? ', missing' : ''}`;
}

function EnvRow({ env, isDefault, selected, onSelect }: { env: Env; isDefault: boolean; selected: boolean; onSelect: () => void }) {
  return (
    <li>
      <button
        type="button"
        className={`env-row${selected ? ' is-selected' : ''}${env.missing ? ' is-missing' : ''}`}
        aria-pressed={selected}
        aria-label={envRowLabel(env, isDefault)}
        title={env.missing ? missingReason(env) : env.python}
        data-env-id={env.id}
        onClick={onSelect}
      >
        <span className="env-row-name">{env.name}</span>
        <span className="env-row-meta">
          <span className={`env-kind is-${env.kind}`}>{env.kind}</span>
          <span className="env-version">{env.version}</span>
        </span>
        <span className="env-row-path mono">{env.missing ? missingReason(env) : env.prefix}</span>
        <EnvBadges env={env} isDefault={isDefault} />
      </button>
    </li>
  );
}

/** A path field that registers an interpreter or env folder discovery did not find (env.register). */
function AddInterpreterForm({ onDone }: { onDone: () => void }) {
  const store = useAppStoreApi();
  const [path, setPath] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const id = useId();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    if (!path.trim()) return setError(new Error('Type the full path of a python interpreter or of an env folder.'));
    setBusy(true);
    setError(null);
    try {
      await store.getState().registerEnv(path.trim());
      setPath('');
      onDone();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="env-add-form" onSubmit={(e) => void submit(e)}>
      <label htmlFor={id}>Interpreter or env folder</label>
      <div className="field-row">
        <input id={id} className="text-input mono" autoFocus value={path} spellCheck={false} placeholder="/opt/python3.12/bin/python3" onChange={(e) => setPath(e.target.value)} />
        <button type="submit" className="button is-primary" disabled={busy}>
          {busy ? 'Adding…' : 'Add'}
        </button>
        <button type="button" className="button" onClick={onDone}>
          Cancel
        </button>
      </div>
      <ErrorLine error={error} />
    </form>
  );
}

/** Every known env (filling in while discovery runs), Refresh, Add interpreter… and Create environment…. */
export function EnvList() {
  const envs = useAppStore((s) => s.envs);
  const defaultId = useAppStore((s) => s.defaultEnv?.id ?? null);
  const selectedId = useAppStore((s) => s.selectedEnvId);
  const discovering = useAppStore((s) => s.envsDiscovering);
  const error = useAppStore((s) => s.envsError);
  const store = useAppStoreApi();
  const [adding, setAdding] = useState(false);
  const sorted = useMemo(() => sortEnvs(envs, defaultId), [envs, defaultId]);
  return (
    <section className="card env-list-card" aria-labelledby="env-list-heading">
      <div className="env-list-head">
        <h3 id="env-list-heading">Environments</h3>
        <span className="env-discovering" role="status" aria-live="polite">
          {discovering ? `Discovering… ${envs.length} found` : `${envs.length} found`}
        </span>
      </div>
      <div className="env-toolbar">
        <button type="button" className="button" aria-label="Refresh environments" disabled={discovering} onClick={() => void store.getState().loadEnvs(true)}>
          {discovering ? 'Refreshing…' : 'Refresh'}
        </button>
        <button type="button" className="button" onClick={() => setAdding(true)} aria-expanded={adding}>
          Add interpreter…
        </button>
        <button type="button" className="button is-primary" onClick={() => store.getState().requestCreateEnv()}>
          Create environment…
        </button>
      </div>
      {adding && <AddInterpreterForm onDone={() => setAdding(false)} />}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <ul className="env-list" aria-label="Environments found">
        {sorted.map((env) => (
          <EnvRow key={env.id} env={env} isDefault={env.id === defaultId} selected={env.id === selectedId} onSelect={() => store.getState().selectEnv(env.id)} />
        ))}
      </ul>
      {sorted.length === 0 && !discovering && <p className="muted">No Python found yet. Refresh, add an interpreter, or create an environment.</p>}
    </section>
  );
}
