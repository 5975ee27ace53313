import { useCallback, useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import type { Env, EnvPackage } from '../../../app/models';
import { useClient } from '../../client/context';
import { ErrorLine } from './error-line';
import { useAppStoreApi } from '../../store/context';
import { TaskOutput, useTask } from '../../ui/task-output';
import { installInput, installSources, type InstallSource } from './env-format';

/** Failures after which the service has put the env back as it was (pip failed, or was stopped). */
const restoredCodes: ReadonlySet<string> = new Set(['process_failed', 'cancelled', 'timeout']);

/** env.packages of one env, reloaded when the env changes; `replace` takes an install's answer. */
function usePackages(env: Env) {
  const client = useClient();
  const [packages, setPackages] = useState<readonly EnvPackage[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(async () => {
    setError(null);
    try {
      setPackages(await client.call('env.packages', { id: env.id }));
    } catch (caught) {
      setPackages([]);
      setError(caught);
    }
  }, [client, env.id]);
  useEffect(() => {
    setPackages(null);
    if (!env.missing) void load();
  }, [load, env.missing]);
  return { packages, error, load, replace: setPackages };
}

/** Install / upgrade from a spec, a requirements file, a wheel or sdist, an editable folder or a git URL. */
function InstallForm({ busy, onInstall }: { busy: boolean; onInstall: (source: InstallSource, value: string, upgrade: boolean) => void }) {
  const [source, setSource] = useState<InstallSource>('spec');
  const [value, setValue] = useState('');
  const [upgrade, setUpgrade] = useState(false);
  const id = useId();
  const meta = installSources.find((s) => s.id === source) ?? installSources[0];
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!busy) onInstall(source, value, upgrade);
  };
  return (
    <form className="env-install-form" onSubmit={submit} aria-label="Install packages">
      <select className="text-input env-source" aria-label="Install from" value={source} onChange={(e) => setSource(e.target.value as InstallSource)}>
        {installSources.map((s) => (
          <option key={s.id} value={s.id}>
            {s.label}
          </option>
        ))}
      </select>
      <input
        id={id}
        className="text-input mono"
        aria-label={`Package to install (${meta.label.toLowerCase()})`}
        value={value}
        spellCheck={false}
        autoComplete="off"
        placeholder={meta.placeholder}
        onChange={(e) => setValue(e.target.value)}
      />
      <label className="check">
        <input type="checkbox" checked={upgrade} onChange={(e) => setUpgrade(e.target.checked)} />
        Upgrade
      </label>
      <button type="submit" className="button is-primary" disabled={busy}>
        Install
      </button>
    </form>
  );
}

function PackagesTable({ packages, selected, onToggle }: { packages: readonly EnvPackage[]; selected: ReadonlySet<string>; onToggle: (name: string) => void }) {
  return (
    <div className="env-table-wrap">
      <table className="data-table env-table" aria-label="Installed packages">
        <thead>
          <tr>
            <th scope="col" className="env-check-col">
              <span className="visually-hidden">Select</span>
            </th>
            <th scope="col">Name</th>
            <th scope="col">Version</th>
            <th scope="col">Editable location</th>
          </tr>
        </thead>
        <tbody>
          {packages.map((pkg) => (
            <tr key={pkg.name} className={selected.has(pkg.name) ? 'is-selected' : undefined}>
              <td className="env-check-col">
                <input type="checkbox" aria-label={`Select ${pkg.name}`} checked={selected.has(pkg.name)} onChange={() => onToggle(pkg.name)} />
              </td>
              <td className="mono">{pkg.name}</td>
              <td className="mono">{pkg.version}</td>
              <td className="mono muted">{pkg.editableLocation ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Installs and uninstalls in one env as tasks; the table takes each answer, or is listed again after a failure. */
function usePackageChanges(env: Env, packages: ReturnType<typeof usePackages>, clearSelection: () => void) {
  const client = useClient();
  const store = useAppStoreApi();
  const task = useTask(client);
  const [formError, setFormError] = useState<unknown>(null);
  const afterChange = async (work: Promise<{ packages: readonly EnvPackage[] }>) => {
    try {
      packages.replace((await work).packages);
      clearSelection();
      // ipykernel or pip may have come or gone: the env's badges follow.
      void client.call('env.get', { id: env.id }).then((fresh) => store.getState().applyEnvFound(fresh), () => undefined);
    } catch {
      // The task panel shows the error; the env was restored, so list what it holds now.
      void packages.load();
    }
  };
  const install = (source: InstallSource, value: string, upgrade: boolean) => {
    setFormError(null);
    let input;
    try {
      input = installInput(env.id, source, value, upgrade);
    } catch (caught) {
      return setFormError(caught);
    }
    void afterChange(task.start(`Install into ${env.name}`, (taskId) => client.call('env.install', { ...input, taskId })));
  };
  const uninstall = (names: string[]) => {
    if (names.length > 0) void afterChange(task.start(`Uninstall from ${env.name}`, (taskId) => client.call('env.uninstall', { id: env.id, names, taskId })));
  };
  return { task, formError, install, uninstall, busy: task.task !== null && task.task.finished === null };
}

/** The packages of the selected env: filterable table, install/upgrade, uninstall, live output with cancel (keyed by env). */
export function EnvPackages({ env }: { env: Env }) {
  const packages = usePackages(env);
  const [filter, setFilter] = useState('');
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const changes = usePackageChanges(env, packages, () => setSelected(new Set()));
  const { task } = changes;
  const list = packages.packages;
  const shown = useMemo(() => {
    const needle = filter.trim().toLowerCase();
    return (list ?? []).filter((p) => !needle || p.name.toLowerCase().includes(needle) || (p.editableLocation ?? '').toLowerCase().includes(needle));
  }, [list, filter]);
  const toggle = (name: string) => {
    const next = new Set(selected);
    if (!next.delete(name)) next.add(name);
    setSelected(next);
  };
  return (
    <section className="card env-packages" aria-labelledby="env-packages-heading">
      <div className="env-section-head">
        <h3 id="env-packages-heading">Packages</h3>
        <span className="muted">{list === null ? 'Loading…' : `${list.length} installed`}</span>
      </div>
      <InstallForm busy={changes.busy} onInstall={changes.install} />
      <ErrorLine error={changes.formError} />
      {task.task && <TaskOutput task={task.task} onCancel={() => void task.cancel()} onClose={task.clear} />}
      {restoredCodes.has(task.task?.error?.code ?? '') && !/restored/i.test(task.task?.error?.message ?? '') && (
        <p className="env-restored-note">The environment was put back as it was before this change.</p>
      )}
      <div className="env-toolbar">
        <input className="text-input env-filter" aria-label="Filter packages" placeholder="Filter packages" value={filter} onChange={(e) => setFilter(e.target.value)} />
        <button type="button" className="button" disabled={changes.busy || selected.size === 0} onClick={() => changes.uninstall([...selected])}>
          {selected.size > 0 ? `Uninstall selected (${selected.size})` : 'Uninstall selected'}
        </button>
        <button type="button" className="button" aria-label="Reload packages" disabled={changes.busy} onClick={() => void packages.load()}>
          Reload
        </button>
      </div>
      <ErrorLine error={packages.error} />
      {list !== null && <PackagesTable packages={shown} selected={selected} onToggle={toggle} />}
      {list !== null && shown.length === 0 && <p className="muted">{filter ? `No package matches “${filter}”.` : 'No packages.'}</p>}
    </section>
  );
}
