import { useId, useState, type FormEvent } from 'react';
import { errorMessage } from '../../client/client-error';
import { useAppStore, useAppStoreApi } from '../../store/context';
import type { ClusterAdd, ClusterProfile, ClusterTestState } from '../../store/jobs-slice';

/** The add-profile form's fields, as typed. */
export interface ClusterFields {
  readonly name: string;
  readonly kind: 'slurm' | 'ray';
  readonly transport: 'local' | 'ssh';
  readonly host: string;
  readonly port: string;
  readonly user: string;
  readonly keyPath: string;
  readonly knownHostsPath: string;
  readonly address: string;
  readonly secret: string;
  readonly partition: string;
}

export const emptyClusterFields: ClusterFields = {
  name: '', kind: 'slurm', transport: 'local', host: '', port: '22', user: '', keyPath: '', knownHostsPath: '', address: 'http://127.0.0.1:8265', secret: '', partition: '',
};

/** cluster.add input from the form: only the fields of the chosen kind and transport; throws what is missing. */
export function clusterAddInputOf(fields: ClusterFields): ClusterAdd {
  const name = fields.name.trim();
  if (!name) throw new Error('Give the cluster a name, such as "lab-slurm".');
  const partition = fields.partition.trim();
  const secret = fields.secret.trim();
  const common = { name, ...(partition ? { partition } : {}), ...(secret ? { secret } : {}) };
  if (fields.kind === 'ray') return { ...common, kind: 'ray', address: fields.address.trim() };
  if (fields.transport === 'local') return { ...common, kind: 'slurm', transport: 'local' };
  const port = Number(fields.port || '22');
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error('The SSH port is a whole number from 1 to 65535.');
  return {
    ...common,
    kind: 'slurm',
    transport: 'ssh',
    host: fields.host.trim(),
    port,
    user: fields.user.trim(),
    keyPath: fields.keyPath.trim(),
    ...(fields.knownHostsPath.trim() ? { knownHostsPath: fields.knownHostsPath.trim() } : {}),
  };
}

/** Where a profile points, in words. */
export function profileTarget(profile: ClusterProfile): string {
  if (profile.kind === 'ray') return profile.address ?? '';
  return profile.transport === 'ssh' ? `${profile.user ?? ''}@${profile.host ?? ''}:${profile.port ?? 22}` : 'sbatch on this machine';
}

function TestLine({ state }: { state: ClusterTestState | undefined }) {
  if (!state) return null;
  if (state.status === 'testing') return <p className="muted">Testing…</p>;
  if (state.status === 'failed') {
    return (
      <p className="form-error" role="alert" data-testid="cluster-test-result">
        {state.message}
      </p>
    );
  }
  return (
    <p className="cluster-test-ok" data-testid="cluster-test-result">
      ✓ {state.result.summary}
    </p>
  );
}

function ClusterRow({ profile }: { profile: ClusterProfile }) {
  const store = useAppStoreApi();
  const test = useAppStore((s) => s.clusterTests[profile.id]);
  return (
    <li className="cluster-row" data-testid="cluster-row" aria-label={`Cluster ${profile.name}`}>
      <div className="cluster-row-head">
        <strong>{profile.name}</strong>
        <span className="muted">
          {profile.kind === 'slurm' ? 'Slurm' : 'Ray'} · {profileTarget(profile)}
          {profile.partition ? ` · partition ${profile.partition}` : ''}
          {profile.secretStore ? ' · secret stored encrypted' : ''}
        </span>
      </div>
      <div className="cluster-row-actions">
        <button type="button" className="button" disabled={test?.status === 'testing'} onClick={() => void store.getState().testCluster(profile.id)}>
          Test
        </button>
        <button type="button" className="button" onClick={() => void store.getState().removeCluster(profile.id)}>
          Remove
        </button>
      </div>
      <TestLine state={test} />
    </li>
  );
}

function AddClusterForm() {
  const store = useAppStoreApi();
  const [fields, setFields] = useState<ClusterFields>(emptyClusterFields);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();
  const change = (patch: Partial<ClusterFields>) => setFields({ ...fields, ...patch });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const added = await store.getState().addCluster(clusterAddInputOf(fields));
      setFields(emptyClusterFields);
      void store.getState().testCluster(added.id);
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  };
  const text = (label: string, key: keyof ClusterFields, props: { placeholder?: string; type?: string; mono?: boolean } = {}) => (
    <label className="field">
      <span>{label}</span>
      <input
        className={`text-input${props.mono ? ' mono' : ''}`}
        aria-label={label}
        type={props.type ?? 'text'}
        placeholder={props.placeholder}
        value={fields[key]}
        onChange={(e) => change({ [key]: e.target.value })}
      />
    </label>
  );
  return (
    <form className="cluster-add" aria-label="Add a cluster" onSubmit={(e) => void submit(e)}>
      <h4>Add a cluster</h4>
      {text('Cluster name', 'name', { placeholder: 'lab-slurm' })}
      <fieldset>
        <legend>Engine</legend>
        <label className="check">
          <input type="radio" name={`${id}-kind`} checked={fields.kind === 'slurm'} onChange={() => change({ kind: 'slurm' })} /> Slurm
        </label>
        <label className="check">
          <input type="radio" name={`${id}-kind`} checked={fields.kind === 'ray'} onChange={() => change({ kind: 'ray' })} /> Ray
        </label>
      </fieldset>
      {fields.kind === 'slurm' ? (
        <>
          <label className="field">
            <span>Submit from</span>
            <select className="text-input" aria-label="Submit from" value={fields.transport} onChange={(e) => change({ transport: e.target.value as 'local' | 'ssh' })}>
              <option value="local">this machine (sbatch here)</option>
              <option value="ssh">a login node over SSH</option>
            </select>
          </label>
          {fields.transport === 'ssh' && (
            <>
              {text('Login node', 'host', { placeholder: 'login.lab.org' })}
              {text('SSH port', 'port')}
              {text('User', 'user')}
              {text('Private key file', 'keyPath', { placeholder: '/home/me/.ssh/id_ed25519', mono: true })}
              {text('known_hosts file', 'knownHostsPath', { placeholder: '~/.ssh/known_hosts', mono: true })}
              {text('Key passphrase', 'secret', { type: 'password', placeholder: '(none)' })}
            </>
          )}
          {text('Default partition', 'partition', { placeholder: "(the cluster's default)" })}
        </>
      ) : (
        <>
          {text('Jobs API address', 'address', { mono: true })}
          {text('Token', 'secret', { type: 'password', placeholder: '(none)' })}
        </>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="button is-primary" disabled={busy}>
        {busy ? 'Adding…' : 'Add cluster'}
      </button>
    </form>
  );
}

/** Cluster profiles of this user: each with Test (sinfo / the Ray version) and Remove, and the form to add one. */
export function ClustersPanel() {
  const clusters = useAppStore((s) => s.clusters);
  const error = useAppStore((s) => s.clustersError);
  return (
    <section className="card clusters-panel" aria-label="Clusters">
      <h3>Clusters</h3>
      <p className="muted">Jobs sent to a cluster run on its engine (Slurm, Ray) and are tracked here like local ones. Secrets are stored encrypted.</p>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {clusters.length === 0 ? (
        <p className="muted">No clusters yet.</p>
      ) : (
        <ul className="cluster-rows" aria-label="Cluster profiles">
          {clusters.map((profile) => (
            <ClusterRow key={profile.id} profile={profile} />
          ))}
        </ul>
      )}
      <AddClusterForm />
    </section>
  );
}
