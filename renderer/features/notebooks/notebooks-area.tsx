import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { errorMessage } from '../../client/client-error';
import { useClient } from '../../client/context';
import { resolveTheme } from '../../store/app-slice';
import { useAppStore, useAppStoreApi } from '../../store/context';
import type { AppStore } from '../../store/store';
import { CloseIcon } from '../../ui/icons';
import { notebookOfUri } from './cell-editor';
import { loadMonaco } from './monaco-loader';
import type { NotebookSession } from './notebook-session';
import { NotebookTabs } from './notebook-tabs';
import { NotebookView } from './notebook-view';
import 'katex/dist/katex.min.css';
import './notebooks.css';

/** A notebook file of the project, as notebook.list answers. */
interface NotebookFile {
  readonly path: string;
  readonly relativePath: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/** A name for a new notebook that no listed file has: Untitled.ipynb, Untitled-2.ipynb… */
export function untitledName(existing: readonly string[]): string {
  const taken = new Set(existing.map((p) => p.toLowerCase()));
  for (let n = 1; ; n++) {
    const name = n === 1 ? 'Untitled.ipynb' : `Untitled-${n}.ipynb`;
    if (!taken.has(name.toLowerCase())) return name;
  }
}

/** The absolute path of a new notebook from what the user typed (`.ipynb` added when missing). */
export function newNotebookPath(projectPath: string, typed: string): string {
  const name = typed.trim().replace(/^[\\/]+/, '');
  const withExt = name.toLowerCase().endsWith('.ipynb') ? name : `${name}.ipynb`;
  return `${projectPath.replace(/[\\/]+$/, '')}/${withExt}`;
}

/** The completion and hover providers reach the kernel of the notebook an editor belongs to. */
function connectKernelProviders(store: AppStore): void {
  void loadMonaco().then((api) =>
    api.setKernelBridge((uri) => {
      const path = notebookOfUri(uri);
      const session = path ? store.getState().notebookSession(path) : undefined;
      return session ? { complete: (code, offset) => session.complete(code, offset), inspect: (code, offset) => session.inspect(code, offset) } : null;
    }),
  );
}

/** Calm before the editor bundle is evaluated: the area has been shown this long without a click. */
const editorPreloadDelayMs = 800;

/** Preloads Monaco after a quiet moment with no notebook opening; answers the cancel. */
function preloadEditorWhenQuiet(store: AppStore): () => void {
  let stopped = false;
  let unsubscribe: (() => void) | null = null;
  const idle = (fn: () => void) => (window.requestIdleCallback ? window.requestIdleCallback(fn, { timeout: 2000 }) : window.setTimeout(fn, 50));
  const attempt = () => {
    if (stopped) return;
    if (store.getState().openingNotebooks.length === 0) {
      idle(() => !stopped && connectKernelProviders(store));
      return;
    }
    // Wait for the open to finish, then for a frame to be drawn with its cells, then for idle time.
    unsubscribe = store.subscribe((state) => {
      if (state.openingNotebooks.length > 0) return;
      unsubscribe?.();
      unsubscribe = null;
      requestAnimationFrame(() => window.setTimeout(attempt, 0));
    });
  };
  const timer = window.setTimeout(attempt, editorPreloadDelayMs);
  return () => {
    stopped = true;
    window.clearTimeout(timer);
    unsubscribe?.();
  };
}

function NewNotebookForm({ projectPath, files, onDone }: { projectPath: string; files: readonly NotebookFile[]; onDone: () => void }) {
  const createNotebook = useAppStore((s) => s.createNotebook);
  const defaultEnv = useAppStore((s) => s.defaultEnv);
  const [name, setName] = useState(() => untitledName(files.map((f) => f.relativePath)));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (name.trim() === '') return;
    void createNotebook(newNotebookPath(projectPath, name), defaultEnv?.id).then(onDone);
  };
  return (
    <form className="notebook-new-form" onSubmit={submit}>
      <input aria-label="New notebook name" value={name} autoFocus onChange={(e) => setName(e.target.value)} onKeyDown={(e) => e.key === 'Escape' && onDone()} />
      <button type="submit" className="button is-primary">
        Create
      </button>
    </form>
  );
}

function NotebookList({ projectPath, files, onRefresh }: { projectPath: string; files: readonly NotebookFile[]; onRefresh: () => void }) {
  const openNotebook = useAppStore((s) => s.openNotebook);
  const [creating, setCreating] = useState(false);
  return (
    <aside className="notebook-list" aria-label="Project notebooks">
      <div className="notebook-list-head">
        <span>Notebooks</span>
        <button type="button" className="icon-button" aria-label="Refresh the notebook list" title="Refresh" onClick={onRefresh}>
          ↻
        </button>
      </div>
      <button type="button" className="button is-primary notebook-new" onClick={() => setCreating(true)}>
        New Notebook
      </button>
      {creating && (
        <NewNotebookForm
          projectPath={projectPath}
          files={files}
          onDone={() => {
            setCreating(false);
            onRefresh();
          }}
        />
      )}
      <ul>
        {files.map((file) => (
          <li key={file.path}>
            <button type="button" className="notebook-file" title={file.path} onClick={() => void openNotebook(file.path)}>
              {file.relativePath}
            </button>
          </li>
        ))}
        {files.length === 0 && <li className="notebook-list-empty">No notebooks in this project yet.</li>}
      </ul>
    </aside>
  );
}

/** The project's notebooks (notebook.list), reloaded on demand and when the project changes. */
function useNotebookFiles(projectPath: string | null) {
  const client = useClient();
  const setError = useAppStore((s) => s.setNotebookError);
  const [files, setFiles] = useState<readonly NotebookFile[]>([]);
  const refresh = useCallback(() => {
    if (!projectPath) return setFiles([]);
    client.call('notebook.list', undefined).then(setFiles, (error: unknown) => setError(errorMessage(error)));
  }, [client, projectPath, setError]);
  useEffect(refresh, [refresh]);
  return { files, refresh };
}

/** The Notebooks area: the project's notebooks on the left, open ones as tabs, each a notebook view. */
export function NotebooksArea() {
  const store = useAppStoreApi();
  const projectPath = useAppStore((s) => s.current?.path ?? null);
  const openPaths = useAppStore((s) => s.openNotebooks);
  const activePath = useAppStore((s) => s.activeNotebook);
  const opening = useAppStore((s) => s.openingNotebooks);
  const error = useAppStore((s) => s.notebookError);
  const areaActive = useAppStore((s) => s.activeTab === 'notebooks');
  const dark = useAppStore((s) => resolveTheme(s.settings?.theme, s.systemPrefersDark) === 'dark');
  const { files, refresh } = useNotebookFiles(projectPath);
  const sessions = useMemo(() => openPaths.map((p) => store.getState().notebookSession(p)).filter((s): s is NotebookSession => s !== undefined), [openPaths, store]);

  const lastProject = useRef(projectPath);
  useEffect(() => {
    if (lastProject.current !== projectPath) void store.getState().closeAllNotebooks();
    lastProject.current = projectPath;
  }, [projectPath, store]);
  // Monaco (a few MB, ~200 ms of module evaluation on the main thread) loads while the user looks at the list —
  // but never in the middle of opening a notebook: a click soon after the area shows opens first, and Monaco
  // follows once the notebook's first cells are drawn (a click into a cell before then loads it on demand).
  useEffect(() => (projectPath ? preloadEditorWhenQuiet(store) : undefined), [projectPath, store]);

  if (!projectPath) return <div className="notebooks-area is-empty">Open a project to work with its notebooks.</div>;
  return (
    <section className="notebooks-area" aria-label="Notebooks">
      <NotebookList projectPath={projectPath} files={files} onRefresh={refresh} />
      <div className="notebooks-main">
        <NotebookTabs sessions={sessions} activePath={activePath} opening={opening} onSelect={(p) => store.getState().setActiveNotebook(p)} onClose={(p) => void store.getState().closeNotebook(p).then(refresh)} />
        {error && (
          <div className="notebook-banner" role="alert">
            <span>{error}</span>
            <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => store.getState().setNotebookError(null)}>
              <CloseIcon />
            </button>
          </div>
        )}
        {sessions.map((session) => (
          <NotebookView key={session.path} session={session} active={areaActive && session.path === activePath} dark={dark} />
        ))}
        {sessions.length === 0 && opening.length === 0 && <p className="notebooks-none">Open a notebook on the left, or create one.</p>}
      </div>
    </section>
  );
}
