import { useEffect, useId, useState, type FormEvent } from 'react';
import type { CallInput } from '../../../app/contract';
import type { Env, EnvLock, EnvTools } from '../../../app/models';
import { useClient } from '../../client/context';
import { useAppStore, useAppStoreApi } from '../../store/context';
import { formatTime } from '../../ui/format';
import { Modal } from '../../ui/modal';
import { TaskOutput, useTask } from '../../ui/task-output';
import { defaultEnvPath, shortHash } from './env-format';
import { ErrorLine } from './error-line';

type CreateKind = 'venv' | 'conda' | 'uv';
type CreateInput = Omit<CallInput<'env.create'>, 'taskId'>;

/** Whether this machine can create a kind, and why not when it cannot. */
export function kindAvailability(tools: EnvTools | null, kind: CreateKind): { ok: boolean; why: string } {
  if (!tools) return { ok: false, why: 'checking…' };
  if (kind === 'venv') return tools.venv ? { ok: true, why: '' } : { ok: false, why: 'no Python with the venv module was found' };
  if (kind === 'conda') return tools.conda ? { ok: true, why: tools.conda } : { ok: false, why: 'conda, mamba or micromamba is not installed' };
  return tools.uv ? { ok: true, why: tools.uv } : { ok: false, why: 'uv is not installed' };
}

/** The form's fields. */
interface CreateFields {
  kind: CreateKind;
  python: string;
  location: string;
  name: string;
  systemSitePackages: boolean;
}

/** The env.create input for the form's fields (conda takes a name or a path; venv/uv a folder). */
export function createInputOf(fields: CreateFields): CreateInput {
  const location = fields.location.trim();
  const python = fields.python.trim();
  const input: CreateInput = { kind: fields.kind, makeDefault: true, ...(python ? { python } : {}) };
  if (fields.kind === 'conda') {
    const name = fields.name.trim();
    if (location) return { ...input, path: location };
    if (!name) throw new Error('Give the conda env a name, or a folder to create it in.');
    return { ...input, name };
  }
  if (!location) throw new Error('Type the folder for the new environment, e.g. <project>/.venv.');
  return { ...input, path: location, ...(fields.kind === 'venv' && fields.systemSitePackages ? { systemSitePackages: true } : {}) };
}

function useTools(): { tools: EnvTools | null; error: unknown } {
  const client = useClient();
  const [tools, setTools] = useState<EnvTools | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    client.call('env.tools', undefined).then(
      (answer) => live && setTools(answer),
      (caught: unknown) => live && setError(caught),
    );
    return () => {
      live = false;
    };
  }, [client]);
  return { tools, error };
}

function KindField({ tools, kind, onChange }: { tools: EnvTools | null; kind: CreateKind; onChange: (kind: CreateKind) => void }) {
  return (
    <fieldset className="env-kind-field">
      <legend>Kind</legend>
      {(['venv', 'conda', 'uv'] as const).map((k) => {
        const { ok, why } = kindAvailability(tools, k);
        return (
          <label key={k} className={`check${ok ? '' : ' is-disabled'}`} title={why}>
            <input type="radio" name="env-kind" value={k} checked={kind === k} disabled={!ok} onChange={() => onChange(k)} />
            {k}
            {!ok && <span className="muted"> — {why}</span>}
          </label>
        );
      })}
    </fieldset>
  );
}

function PythonField({ tools, kind, value, onChange }: { tools: EnvTools | null; kind: CreateKind; value: string; onChange: (value: string) => void }) {
  const id = useId();
  if (kind === 'conda') {
    return (
      <div className="field">
        <label htmlFor={id}>Python version</label>
        <input id={id} className="text-input mono" value={value} placeholder="3.11" onChange={(e) => onChange(e.target.value)} />
      </div>
    );
  }
  return (
    <div className="field">
      <label htmlFor={id}>Base Python</label>
      <select id={id} className="text-input mono" value={value} onChange={(e) => onChange(e.target.value)}>
        {(tools?.pythons ?? []).map((p) => (
          <option key={p.python} value={p.python}>
            {p.version} — {p.python}
          </option>
        ))}
      </select>
    </div>
  );
}

function TextField({ label, value, onChange, placeholder }: { label: string; value: string; onChange: (value: string) => void; placeholder?: string }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} className="text-input mono" value={value} spellCheck={false} placeholder={placeholder} onChange={(e) => onChange(e.target.value)} />
    </div>
  );
}

/** The fields, starting from the project's `.venv` and the first Python that can build it. */
function useCreateFields(tools: EnvTools | null, projectPath: string | undefined, fromLock: EnvLock | null) {
  const [fields, setFields] = useState<CreateFields>({
    kind: fromLock?.format === 'conda' ? 'conda' : 'venv',
    python: '',
    location: fromLock?.format === 'conda' ? '' : defaultEnvPath(projectPath),
    name: fromLock ? `${fromLock.envName}-restored` : '',
    systemSitePackages: false,
  });
  useEffect(() => {
    if (!tools) return;
    setFields((f) => {
      const pythons = tools.pythons;
      const lockPython = fromLock ? pythons.find((p) => p.version === fromLock.pythonVersion) : undefined;
      const python = f.python || (f.kind === 'conda' ? (fromLock?.pythonVersion ?? '') : (lockPython ?? pythons[0])?.python) || '';
      const kind = kindAvailability(tools, f.kind).ok ? f.kind : ((['venv', 'uv', 'conda'] as const).find((k) => kindAvailability(tools, k).ok) ?? f.kind);
      return { ...f, kind, python };
    });
  }, [tools, fromLock]);
  const patch = (change: Partial<CreateFields>) =>
    setFields((f) => {
      const next = { ...f, ...change };
      // conda takes a version, venv and uv an interpreter: a kind change resets the Python.
      if (change.kind && change.kind !== f.kind) {
        next.python = change.kind === 'conda' ? (fromLock?.pythonVersion ?? '') : (tools?.pythons[0]?.python ?? '');
        next.location = change.kind === 'conda' ? '' : f.location || defaultEnvPath(projectPath);
      }
      return next;
    });
  return { fields, patch };
}

/** Runs env.create / env.recreate as a task; on success the env is listed, selected and the project's default. */
function useCreateRun(fromLock: EnvLock | null, onClose: () => void) {
  const client = useClient();
  const store = useAppStoreApi();
  const task = useTask(client);
  const [formError, setFormError] = useState<unknown>(null);
  const running = task.task !== null && task.task.finished === null;
  const created = (env: Env) => {
    const state = store.getState();
    state.applyEnvFound(env);
    state.applyDefaultEnv(env);
    state.selectEnv(env.id);
    state.notify('info', `Created ${env.name} (Python ${env.version}); it is the project's environment now.`, 'env');
    onClose();
  };
  const run = (fields: CreateFields) => {
    if (running) return;
    setFormError(null);
    let input: CreateInput;
    try {
      input = createInputOf(fields);
    } catch (caught) {
      return setFormError(caught);
    }
    const work = fromLock
      ? task.start(`Recreate ${fromLock.envName}`, (taskId) => client.call('env.recreate', { ...input, lockId: fromLock.id, taskId }))
      : task.start(`Create ${fields.kind}`, (taskId) => client.call('env.create', { ...input, taskId }));
    work.then(created, () => undefined);
  };
  const close = () => {
    if (running) void task.cancel();
    onClose();
  };
  return { task, running, formError, run, close };
}

/** Creates an env (or recreates one from a snapshot): kind, Python, location; progress and output while it runs. */
export function EnvCreateDialog({ fromLock, onClose }: { fromLock: EnvLock | null; onClose: () => void }) {
  const projectPath = useAppStore((s) => s.current?.path);
  const { tools, error: toolsError } = useTools();
  const { fields, patch } = useCreateFields(tools, projectPath, fromLock);
  const { task, running, formError, run, close } = useCreateRun(fromLock, onClose);
  const title = fromLock ? 'Recreate environment' : 'Create environment';
  const submit = (event: FormEvent) => {
    event.preventDefault();
    run(fields);
  };

  return (
    <Modal label={title} onClose={close} className="env-create-dialog">
      <h2 className="dialog-title">{title}</h2>
      <form className="env-create-form" onSubmit={submit}>
        {fromLock && (
          <p className="muted">
            With exactly the {fromLock.packageCount} packages of {fromLock.envName}'s snapshot of {formatTime(fromLock.createdAt)} ({shortHash(fromLock.hash)}).
          </p>
        )}
        <KindField tools={tools} kind={fields.kind} onChange={(kind) => patch({ kind })} />
        <PythonField tools={tools} kind={fields.kind} value={fields.python} onChange={(python) => patch({ python })} />
        {fields.kind === 'conda' && <TextField label="Name" value={fields.name} onChange={(name) => patch({ name })} placeholder="my-env" />}
        <TextField label={fields.kind === 'conda' ? 'Location (optional, instead of a name)' : 'Location'} value={fields.location} onChange={(location) => patch({ location })} />
        {fields.kind === 'venv' && (
          <label className="check">
            <input type="checkbox" checked={fields.systemSitePackages} onChange={(e) => patch({ systemSitePackages: e.target.checked })} />
            System site packages (see the base Python's packages)
          </label>
        )}
        <ErrorLine error={toolsError} />
        <ErrorLine error={formError} />
        {task.task && <TaskOutput task={task.task} onCancel={() => void task.cancel()} />}
        <div className="form-actions">
          <button type="button" className="button" onClick={close}>
            {running ? 'Cancel and close' : 'Close'}
          </button>
          <button type="submit" className="button is-primary" disabled={running || !tools || !kindAvailability(tools, fields.kind).ok}>
            {running ? 'Creating…' : fromLock ? 'Recreate' : 'Create'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
