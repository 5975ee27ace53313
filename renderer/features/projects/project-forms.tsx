import { useId, useMemo, useState, type FormEvent } from 'react';
import type { Project } from '../../../app/models';
import { errorMessage, isClientError } from '../../client/client-error';
import { useClient } from '../../client/context';
import { useAppStore, useAppStoreApi } from '../../store/context';
import { baseName, suggestNewProjectPath, suggestOpenPath } from './paths';

interface FormProps {
  readonly autoFocus?: boolean;
  readonly onDone?: (project: Project) => void;
  readonly onCancel?: () => void;
}

/** An error of a call, as the form shows it (code for the curious, message for what to do). */
function FormError({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p className="form-error" role="alert">
      {errorMessage(error)}
      {isClientError(error) && <span className="form-error-code"> ({error.code})</span>}
    </p>
  );
}

/** The anchor for path suggestions: the open project, else the most recent one. */
function useAnchorPath(): string | null {
  return useAppStore((s) => s.current?.path ?? s.recent[0]?.path ?? null);
}

/** A folder field with a Browse… button where a native picker exists (Electron). */
function FolderField(props: { id: string; label: string; value: string; onChange: (value: string) => void; autoFocus?: boolean; placeholder: string }) {
  const client = useClient();
  const canPick = useAppStore((s) => s.appInfo?.canPickFolder ?? false);
  const [pickError, setPickError] = useState<unknown>(null);
  const browse = async () => {
    try {
      const picked = await client.call('app.pickFolder', { title: props.label });
      if (picked.path) props.onChange(picked.path);
    } catch (error) {
      setPickError(error);
    }
  };
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      <div className="field-row">
        <input
          id={props.id}
          className="text-input mono"
          value={props.value}
          autoFocus={props.autoFocus}
          spellCheck={false}
          autoComplete="off"
          placeholder={props.placeholder}
          onChange={(e) => props.onChange(e.target.value)}
        />
        {canPick && (
          <button type="button" className="button" onClick={() => void browse()}>
            Browse…
          </button>
        )}
      </div>
      <FormError error={pickError} />
    </div>
  );
}

/** Submit state shared by the project forms: one call at a time, its error kept for display. */
function useProjectSubmit(emptyMessage: string, action: (path: string) => Promise<Project>, onSuccess: (project: Project) => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: FormEvent, path: string) => {
    event.preventDefault();
    if (busy) return;
    if (!path.trim()) return setError(new Error(emptyMessage));
    setBusy(true);
    setError(null);
    try {
      const project = await action(path.trim());
      setBusy(false);
      onSuccess(project);
    } catch (caught) {
      setBusy(false);
      setError(caught);
    }
  };
  return { busy, error, submit };
}

/** Cancel (when the form is in a dialog) and the submit button. */
function FormActions({ busy, label, busyLabel, onCancel }: { busy: boolean; label: string; busyLabel: string; onCancel?: () => void }) {
  return (
    <div className="form-actions">
      {onCancel && (
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      )}
      <button type="submit" className="button is-primary" disabled={busy}>
        {busy ? busyLabel : label}
      </button>
    </div>
  );
}

/** Create a project: a folder (made if missing) and an optional name; opens it when done. */
export function CreateProjectForm({ autoFocus, onDone, onCancel }: FormProps) {
  const store = useAppStoreApi();
  const anchor = useAnchorPath();
  const recent = useAppStore((s) => s.recent);
  const suggestion = useMemo(() => suggestNewProjectPath(anchor, recent.map((r) => r.path)), [anchor, recent]);
  // Follows the suggestion until the user types a path of their own.
  const [edited, setPath] = useState<string | null>(null);
  const path = edited ?? suggestion;
  const [name, setName] = useState('');
  const id = useId();
  const { busy, error, submit } = useProjectSubmit(
    'Type the full path of the folder for the new project.',
    (folder) => store.getState().createProject({ path: folder, ...(name.trim() ? { name: name.trim() } : {}) }),
    (project) => {
      setPath(null);
      setName('');
      onDone?.(project);
    },
  );

  return (
    <form className="project-form" onSubmit={(e) => void submit(e, path)} aria-label="Create project">
      <FolderField id={`${id}-path`} label="Folder" value={path} onChange={setPath} autoFocus={autoFocus} placeholder="/home/you/projects/my-project" />
      <div className="field">
        <label htmlFor={`${id}-name`}>Name</label>
        <input id={`${id}-name`} className="text-input" value={name} placeholder={baseName(path) || 'my-project'} onChange={(e) => setName(e.target.value)} />
      </div>
      <FormError error={error} />
      <FormActions busy={busy} label="Create Project" busyLabel="Creating…" onCancel={onCancel} />
    </form>
  );
}

/** Open an existing project folder. */
export function OpenProjectForm({ autoFocus, onDone, onCancel }: FormProps) {
  const store = useAppStoreApi();
  const anchor = useAnchorPath();
  const [edited, setPath] = useState<string | null>(null);
  const path = edited ?? suggestOpenPath(anchor);
  const id = useId();
  const { busy, error, submit } = useProjectSubmit(
    'Type the full path of a project folder.',
    (folder) => store.getState().openProject(folder),
    (project) => {
      setPath(null);
      onDone?.(project);
    },
  );

  return (
    <form className="project-form" onSubmit={(e) => void submit(e, path)} aria-label="Open project">
      <FolderField id={`${id}-path`} label="Project folder" value={path} onChange={setPath} autoFocus={autoFocus} placeholder="/home/you/projects/my-project" />
      <FormError error={error} />
      <FormActions busy={busy} label="Open Project" busyLabel="Opening…" onCancel={onCancel} />
    </form>
  );
}
