import { useEffect, useId, useState, type FormEvent } from 'react';
import { useClient } from '../../client/context';
import { errorMessage } from '../../client/client-error';
import { FormActions } from '../../ui/form-actions';
import { useAppStore, useAppStoreApi } from '../../store/context';
import type { JobSubmit, JobTemplate } from '../../store/jobs-slice';
import { Modal } from '../../ui/modal';
import { EnvSelect } from './env-select';
import { splitArgs, templateArgs } from './job-format';

/** Resources typed in the wizard for a cluster job (empty: the profile's default). */
export interface ResourceFields {
  readonly cpus: string;
  readonly memoryMb: string;
  readonly gpus: string;
  readonly timeLimitMinutes: string;
  readonly partition: string;
}

export const emptyResources: ResourceFields = { cpus: '', memoryMb: '', gpus: '', timeLimitMinutes: '', partition: '' };

/** Where the job goes: `local`, `sandbox`, or `cluster:<profile id>`. */
export type JobTarget = 'local' | 'sandbox' | `cluster:${string}`;

/** job.submit's resources from the typed fields; throws for a value that is not a whole number. */
export function resourcesOf(fields: ResourceFields): NonNullable<JobSubmit['resources']> | null {
  const whole = (text: string, label: string, min: number): number | undefined => {
    const trimmed = text.trim();
    if (trimmed === '') return undefined;
    const value = Number(trimmed);
    if (!Number.isInteger(value) || value < min) throw new Error(`${label} must be a whole number of at least ${min}.`);
    return value;
  };
  const picked = {
    cpus: whole(fields.cpus, 'CPUs', 1),
    memoryMb: whole(fields.memoryMb, 'Memory (MiB)', 1),
    gpus: whole(fields.gpus, 'GPUs', 0),
    timeLimitMinutes: whole(fields.timeLimitMinutes, 'Time limit (minutes)', 1),
    partition: fields.partition.trim() || undefined,
  };
  const given = Object.fromEntries(Object.entries(picked).filter(([, value]) => value !== undefined));
  return Object.keys(given).length > 0 ? (given as NonNullable<JobSubmit['resources']>) : null;
}

/** The job.submit input for the wizard's fields (the template's script is filled in by submitJob). */
export function submitInputOf(fields: {
  source: 'template' | 'script';
  template: JobTemplate | null;
  values: Readonly<Record<string, string>>;
  script: string;
  args: string;
  envId: string;
  gpus: readonly number[] | null;
  name: string;
  target?: JobTarget;
  resources?: ResourceFields;
}): JobSubmit {
  let args: string[];
  let script: string;
  if (fields.source === 'template') {
    if (!fields.template) throw new Error('Pick a template.');
    args = templateArgs(fields.template, fields.values);
    script = fields.template.script;
  } else {
    script = fields.script.trim();
    if (!script) throw new Error('Type the path of the script to run (relative to the project folder, or absolute).');
    args = splitArgs(fields.args);
  }
  const name = fields.name.trim();
  const target = fields.target ?? 'local';
  const cluster = target.startsWith('cluster:') ? target.slice('cluster:'.length) : null;
  const resources = cluster && fields.resources ? resourcesOf(fields.resources) : null;
  return {
    script,
    args,
    ...(fields.envId ? { envId: fields.envId } : {}),
    // GPU indices belong to this machine's queue; a cluster job asks for a count among its resources.
    ...(fields.gpus && target === 'local' ? { gpus: [...fields.gpus] } : {}),
    ...(name ? { name } : {}),
    ...(target === 'sandbox' ? { backend: 'sandbox' as const } : {}),
    ...(cluster ? { cluster } : {}),
    ...(resources ? { resources } : {}),
  };
}

/** Where to run and, on a cluster, the resources to ask (placeholders show the profile's defaults). */
function TargetFields({ target, setTarget, resources, setResources }: { target: JobTarget; setTarget: (t: JobTarget) => void; resources: ResourceFields; setResources: (r: ResourceFields) => void }) {
  const clusters = useAppStore((s) => s.clusters);
  const profile = target.startsWith('cluster:') ? clusters.find((c) => `cluster:${c.id}` === target) : undefined;
  const number = (label: string, key: keyof ResourceFields, fallback: number | string | undefined) => (
    <label className="field">
      <span>{label}</span>
      <input className="text-input" aria-label={label} inputMode={key === 'partition' ? 'text' : 'numeric'} placeholder={fallback === undefined ? "(cluster's default)" : String(fallback)} value={resources[key]} onChange={(e) => setResources({ ...resources, [key]: e.target.value })} />
    </label>
  );
  return (
    <>
      <label className="field">
        <span>Run on</span>
        <select className="text-input" aria-label="Run on" value={target} onChange={(e) => setTarget(e.target.value as JobTarget)} data-testid="job-target">
          <option value="local">This machine</option>
          <option value="sandbox">A Docker sandbox</option>
          {clusters.map((c) => (
            <option key={c.id} value={`cluster:${c.id}`}>
              {c.name} ({c.kind === 'slurm' ? 'Slurm' : 'Ray'})
            </option>
          ))}
        </select>
      </label>
      {profile && (
        <fieldset className="new-job-resources">
          <legend>Resources on {profile.name}</legend>
          {number('CPUs', 'cpus', profile.defaults.cpus)}
          {number('Memory (MiB)', 'memoryMb', profile.defaults.memoryMb)}
          {number('GPUs', 'gpus', profile.defaults.gpus)}
          {number('Time limit (minutes)', 'timeLimitMinutes', profile.defaults.timeLimitMinutes)}
          {number('Partition', 'partition', profile.defaults.partition ?? profile.partition ?? undefined)}
        </fieldset>
      )}
    </>
  );
}

function useTemplates(): { templates: JobTemplate[]; error: string | null } {
  const client = useClient();
  const [templates, setTemplates] = useState<JobTemplate[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    client.call('template.list', undefined).then(
      (list) => live && setTemplates(list),
      (caught: unknown) => live && setError(errorMessage(caught)),
    );
    return () => {
      live = false;
    };
  }, [client]);
  return { templates, error };
}

/** The new-job wizard: a template (its options as a form) or a script of the project, the env, the GPUs, a name. */
export function NewJobDialog({ onClose }: { onClose: () => void }) {
  const store = useAppStoreApi();
  const gpus = useAppStore((s) => s.system?.gpus ?? []);
  const { templates, error: templatesError } = useTemplates();
  const [source, setSource] = useState<'template' | 'script'>('template');
  const [templateId, setTemplateId] = useState('');
  const [values, setValues] = useState<Record<string, string>>({});
  const [script, setScript] = useState('train.py');
  const [args, setArgs] = useState('');
  const [envId, setEnvId] = useState('');
  const [gpuChoice, setGpuChoice] = useState<number[] | null>(null);
  const [name, setName] = useState('');
  const [target, setTarget] = useState<JobTarget>('local');
  const [resources, setResources] = useState<ResourceFields>(emptyResources);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  const template = templates.find((t) => t.id === templateId) ?? templates[0] ?? null;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    let input: JobSubmit;
    try {
      input = submitInputOf({ source, template, values, script, args, envId, gpus: gpuChoice, name, target, resources });
    } catch (caught) {
      setError(errorMessage(caught));
      return;
    }
    setBusy(true);
    try {
      await store.getState().submitJob(input, source === 'template' ? template?.id : undefined);
      onClose();
    } catch (caught) {
      setError(errorMessage(caught));
      setBusy(false);
    }
  };

  return (
    <Modal label="New job" onClose={onClose} className="new-job-dialog">
      <form onSubmit={(e) => void submit(e)}>
        <h2>New job</h2>
        <fieldset className="new-job-source">
          <legend>Run</legend>
          <label className="check">
            <input type="radio" name={`${id}-source`} checked={source === 'template'} onChange={() => setSource('template')} /> a template
          </label>
          <label className="check">
            <input type="radio" name={`${id}-source`} checked={source === 'script'} onChange={() => setSource('script')} /> a script of the project
          </label>
        </fieldset>
        {source === 'template' ? (
          <>
            <label className="field">
              <span>Template</span>
              <select className="text-input" value={template?.id ?? ''} onChange={(e) => (setTemplateId(e.target.value), setValues({}))} data-testid="job-template">
                {templates.map((t) => (
                  <option key={t.id} value={t.id}>
                    {t.title}
                  </option>
                ))}
              </select>
            </label>
            {templatesError && <p className="form-error">{templatesError}</p>}
            {template && (
              <>
                <p className="muted new-job-description">
                  {template.description} Copied into the project as <code>templates/{template.id}/{template.script}</code> on first use.
                </p>
                <div className="new-job-args">
                  {template.args.map((arg) => (
                    <label key={arg.flag} className="field">
                      <span>{arg.label}</span>
                      {arg.type === 'choice' ? (
                        <select className="text-input" value={values[arg.flag] ?? String(arg.default)} onChange={(e) => setValues({ ...values, [arg.flag]: e.target.value })}>
                          {(arg.choices ?? []).map((choice) => (
                            <option key={choice}>{choice}</option>
                          ))}
                        </select>
                      ) : (
                        <input
                          className="text-input"
                          inputMode={arg.type === 'string' ? 'text' : 'decimal'}
                          value={values[arg.flag] ?? String(arg.default)}
                          aria-label={arg.label}
                          onChange={(e) => setValues({ ...values, [arg.flag]: e.target.value })}
                        />
                      )}
                    </label>
                  ))}
                </div>
              </>
            )}
          </>
        ) : (
          <>
            <label className="field">
              <span>Script</span>
              <input className="text-input mono" value={script} onChange={(e) => setScript(e.target.value)} placeholder="train.py" aria-label="Script" />
            </label>
            <label className="field">
              <span>Arguments</span>
              <input className="text-input mono" value={args} onChange={(e) => setArgs(e.target.value)} placeholder="--epochs 10 --lr 0.01" aria-label="Arguments" />
            </label>
          </>
        )}
        <EnvSelect value={envId} onChange={setEnvId} />
        <TargetFields target={target} setTarget={setTarget} resources={resources} setResources={setResources} />
        {target === 'local' && (
          <fieldset className="new-job-gpus">
            <legend>GPUs</legend>
            {gpus.length === 0 ? (
              <p className="muted">No NVIDIA GPU on this machine: the job runs on the CPU.</p>
            ) : (
              <>
                <label className="check">
                  <input type="checkbox" checked={gpuChoice === null} onChange={(e) => setGpuChoice(e.target.checked ? null : [])} /> all visible (not managed by the queue)
                </label>
                {gpus.map((gpu) => (
                  <label key={gpu.index} className="check">
                    <input
                      type="checkbox"
                      disabled={gpuChoice === null}
                      checked={gpuChoice?.includes(gpu.index) ?? false}
                      onChange={(e) => setGpuChoice((gpuChoice ?? []).filter((g) => g !== gpu.index).concat(e.target.checked ? [gpu.index] : []).sort((a, b) => a - b))}
                    />{' '}
                    GPU {gpu.index}: {gpu.name}
                  </label>
                ))}
              </>
            )}
          </fieldset>
        )}
        <label className="field">
          <span>Name</span>
          <input className="text-input" value={name} onChange={(e) => setName(e.target.value)} placeholder="(from the script)" aria-label="Name" />
        </label>
        <FormActions error={error} busy={busy} submit="Queue job" busySubmit="Queuing…" onCancel={onClose} />
      </form>
    </Modal>
  );
}
