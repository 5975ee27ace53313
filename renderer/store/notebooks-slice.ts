import type { StateCreator } from 'zustand';
import { errorMessage } from '../client/client-error';
import type { OrreryClient } from '../client/types';
import { NotebookSession } from '../features/notebooks/notebook-session';
import type { AppState } from './store';

/** A notebook-wide command from the palette or a key (the open notebook's view carries it out). */
export type NotebookCommand =
  | 'save'
  | 'run-all'
  | 'run-above'
  | 'run-cell'
  | 'interrupt'
  | 'restart'
  | 'restart-run-all'
  | 'shutdown'
  | 'add-code'
  | 'add-markdown';

/** Open notebooks: their paths for the tabs and commands; each document lives in its own session outside React. */
export interface NotebooksSlice {
  /** Absolute paths, in tab order. */
  readonly openNotebooks: readonly string[];
  readonly activeNotebook: string | null;
  /** Paths being opened (their tab shows a spinner). */
  readonly openingNotebooks: readonly string[];
  readonly notebookError: string | null;
  /** The session of an open notebook. */
  notebookSession(path: string): NotebookSession | undefined;
  /** Opens a notebook as a tab (or shows its tab). */
  openNotebook(path: string): Promise<void>;
  /** Creates `<name>.ipynb` (relative to the project) and opens it. */
  createNotebook(path: string, envId?: string): Promise<void>;
  /** Saves (unless in conflict) and closes the tab; the kernel keeps running. */
  closeNotebook(path?: string): Promise<void>;
  /** Closes every tab (the project changed). */
  closeAllNotebooks(): Promise<void>;
  setActiveNotebook(path: string): void;
  /** Hands a command to the shown notebook's view. */
  notebookCommand(command: NotebookCommand): void;
  /** The shown notebook's view registers how it runs commands; returns the unregister. */
  handleNotebookCommands(handler: (command: NotebookCommand) => void): () => void;
  setNotebookError(message: string | null): void;
}

/** The notebooks slice over a client. */
export function createNotebooksSlice(client: OrreryClient): StateCreator<AppState, [], [], NotebooksSlice> {
  return (set, get) => {
    const sessions = new Map<string, NotebookSession>();
    let handler: ((command: NotebookCommand) => void) | null = null;

    const remember = (session: NotebookSession) => {
      sessions.set(session.path, session);
      const { openNotebooks, openingNotebooks } = get();
      set({
        openNotebooks: openNotebooks.includes(session.path) ? openNotebooks : [...openNotebooks, session.path],
        openingNotebooks: openingNotebooks.filter((p) => p !== session.path),
        activeNotebook: session.path,
        notebookError: null,
      });
    };

    return {
      openNotebooks: [],
      activeNotebook: null,
      openingNotebooks: [],
      notebookError: null,
      notebookSession: (path) => sessions.get(path),
      async openNotebook(path) {
        if (sessions.has(path)) return set({ activeNotebook: path });
        if (get().openingNotebooks.includes(path)) return;
        set({ openingNotebooks: [...get().openingNotebooks, path] });
        try {
          const started = performance.now();
          const session = await NotebookSession.open(client, path);
          // The notebook-open benchmark splits the call (read, validate, transfer) from drawing by this measure.
          performance.measure('orrery:notebook.open', { start: started });
          remember(session);
        } catch (error) {
          set({ openingNotebooks: get().openingNotebooks.filter((p) => p !== path), notebookError: errorMessage(error) });
        }
      },
      async createNotebook(path, envId) {
        try {
          const opened = await client.call('notebook.create', { path, ...(envId ? { envId } : {}) });
          const session = new NotebookSession(client, opened);
          if (envId) await session.choose({ envId });
          remember(session);
        } catch (error) {
          set({ notebookError: errorMessage(error) });
        }
      },
      async closeNotebook(path) {
        const target = path ?? get().activeNotebook;
        if (!target) return;
        const session = sessions.get(target);
        const { openNotebooks, activeNotebook } = get();
        const index = openNotebooks.indexOf(target);
        const rest = openNotebooks.filter((p) => p !== target);
        sessions.delete(target);
        set({ openNotebooks: rest, activeNotebook: activeNotebook === target ? (rest[Math.min(index, rest.length - 1)] ?? null) : activeNotebook });
        await session?.close();
      },
      async closeAllNotebooks() {
        const all = [...sessions.values()];
        sessions.clear();
        set({ openNotebooks: [], activeNotebook: null, openingNotebooks: [] });
        await Promise.all(all.map((session) => session.close()));
      },
      setActiveNotebook(path) {
        if (sessions.has(path)) set({ activeNotebook: path });
      },
      notebookCommand(command) {
        handler?.(command);
      },
      handleNotebookCommands(next) {
        handler = next;
        return () => {
          if (handler === next) handler = null;
        };
      },
      setNotebookError(message) {
        set({ notebookError: message });
      },
    };
  };
}
