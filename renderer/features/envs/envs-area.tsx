import { useEffect } from 'react';
import type { Env } from '../../../app/models';
import { formatTime } from '../../ui/format';
import { useAppStore, useAppStoreApi } from '../../store/context';
import { EnvCreateDialog } from './env-create-dialog';
import { describeEnv, missingReason } from './env-format';
import { EnvBadges, EnvList } from './env-list';
import { EnvLocks } from './env-locks';
import { EnvPackages } from './env-packages';
import './envs.css';

/** The selected env's facts and the "Use for this project" action. */
function EnvHeader({ env, isDefault }: { env: Env; isDefault: boolean }) {
  const store = useAppStoreApi();
  const hasProject = useAppStore((s) => s.current !== null);
  return (
    <section className="card env-header" aria-label={`Environment ${env.name}`}>
      <div className="card-head">
        <div>
          <p className="eyebrow">{env.kind} environment</p>
          <h2 data-testid="env-selected-name">{env.name}</h2>
          <p className="muted">{describeEnv(env)}</p>
        </div>
        <div className="env-toolbar">
          {isDefault ? (
            <button type="button" className="button" disabled={!hasProject} onClick={() => void store.getState().setDefaultEnv(null)}>
              Stop using for this project
            </button>
          ) : (
            <button type="button" className="button is-primary" disabled={!hasProject || env.missing} onClick={() => void store.getState().setDefaultEnv(env.id)}>
              Use for this project
            </button>
          )}
        </div>
      </div>
      {env.missing && (
        <p className="form-error" role="alert">
          {missingReason(env)}
        </p>
      )}
      <dl className="env-facts">
        <dt>Interpreter</dt>
        <dd className="mono">{env.python}</dd>
        <dt>Prefix</dt>
        <dd className="mono">{env.prefix}</dd>
        <dt>Found by</dt>
        <dd>{env.sources.join(', ') || '—'}</dd>
        <dt>Probed</dt>
        <dd>{formatTime(env.probedAt)}</dd>
        <dt>Tools</dt>
        <dd>
          <EnvBadges env={env} isDefault={isDefault} />
        </dd>
      </dl>
    </section>
  );
}

/** Opens the Create dialog when asked (palette, buttons, "Recreate…" on a snapshot). */
function CreateDialogHost() {
  const request = useAppStore((s) => s.envCreateRequest);
  const clear = useAppStore((s) => s.clearCreateEnvRequest);
  if (!request) return null;
  return <EnvCreateDialog key={request.seq} fromLock={request.fromLock} onClose={clear} />;
}

/** Chooses an env to show when none is: the project's, else the first found. */
function useInitialSelection(): Env | null {
  const store = useAppStoreApi();
  const selected = useAppStore((s) => s.envs.find((e) => e.id === s.selectedEnvId) ?? null);
  const fallback = useAppStore((s) => (s.selectedEnvId ? null : (s.defaultEnv?.id ?? null)));
  useEffect(() => {
    if (fallback) store.getState().selectEnv(fallback);
  }, [fallback, store]);
  return selected;
}

/** The Environments area: every env found (live while discovery runs), and the packages and snapshots of the one picked. */
export function EnvsArea() {
  const selected = useInitialSelection();
  const defaultId = useAppStore((s) => s.defaultEnv?.id ?? null);
  return (
    <section className="envs-area" aria-label="Environments">
      <EnvList />
      <div className="env-detail">
        {selected ? (
          <>
            <EnvHeader env={selected} isDefault={selected.id === defaultId} />
            {!selected.missing && <EnvPackages key={`p:${selected.id}`} env={selected} />}
            <EnvLocks key={`l:${selected.id}`} env={selected} />
          </>
        ) : (
          <section className="card env-empty">
            <p className="muted">Pick an environment on the left to see its packages and snapshots.</p>
          </section>
        )}
      </div>
      <CreateDialogHost />
    </section>
  );
}
