import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { KernelInfo } from '../../../app/models';
import { useAppStore } from '../../store/context';
import type { NotebookCommand } from '../../store/notebooks-slice';
import { CloseIcon } from '../../ui/icons';
import { CellList } from './cell-list';
import { KernelPicker } from './kernel-picker';
import { applyAction, keysAbove, type CellSelection } from './notebook-actions';
import type { NotebookSession, SessionState } from './notebook-session';

/** The session's state, re-read on each change. */
export function useSessionState(session: NotebookSession): SessionState {
  return useSyncExternalStore(
    (listener) => session.subscribe(listener),
    () => session.getState(),
  );
}

/** "idle", "busy"… or "no kernel". */
export function kernelLabel(kernel: KernelInfo | null): string {
  if (!kernel) return 'no kernel';
  if (kernel.status === 'dead') return kernel.reason ? `dead: ${kernel.reason}` : 'dead';
  return kernel.status;
}

/** Carries out a palette command on a notebook. */
export function runNotebookCommand(session: NotebookSession, command: NotebookCommand, selection: CellSelection): CellSelection {
  switch (command) {
    case 'save':
      void session.save().catch(() => undefined);
      break;
    case 'run-cell':
      return applyAction(session, 'run-advance', selection);
    case 'run-all':
      void session.allKeys().then((all) => session.execute(all), () => undefined);
      break;
    case 'run-above':
      void session.execute(keysAbove(session, selection.key));
      break;
    case 'interrupt':
      void session.interrupt();
      break;
    case 'restart':
      void session.restart();
      break;
    case 'restart-run-all':
      void session.restart().then(() => session.allKeys()).then((all) => session.execute(all), () => undefined);
      break;
    case 'shutdown':
      void session.shutdown();
      break;
    case 'add-code':
    case 'add-markdown': {
      const model = session.getState().model;
      const index = selection.key ? model.indexOf(selection.key) + 1 : model.cells.length;
      return { key: model.insert(index, command === 'add-code' ? 'code' : 'markdown'), mode: 'edit' };
    }
  }
  return selection;
}

function Toolbar({ session, state, run }: { session: NotebookSession; state: SessionState; run: (command: NotebookCommand) => void }) {
  const status = state.kernel?.status ?? 'none';
  return (
    <div className="notebook-toolbar" role="toolbar" aria-label="Notebook">
      <button type="button" className="button" onClick={() => run('save')} title="Save (Ctrl+S)" disabled={state.saving}>
        Save
      </button>
      <button type="button" className="button" onClick={() => run('add-code')} title="Insert a code cell below (B)">
        + Code
      </button>
      <button type="button" className="button" onClick={() => run('add-markdown')} title="Insert a markdown cell below">
        + Markdown
      </button>
      <button type="button" className="button" onClick={() => run('run-cell')} title="Run the cell and select the next (Shift+Enter)">
        ▶ Run
      </button>
      <button type="button" className="button" onClick={() => run('run-above')} title="Run every cell above the selected one">
        Run Above
      </button>
      <button type="button" className="button" onClick={() => run('run-all')}>
        Run All
      </button>
      <button type="button" className="button" onClick={() => run('interrupt')} title="Interrupt the kernel" aria-label="Interrupt">
        ■ Interrupt
      </button>
      <button type="button" className="button" onClick={() => run('restart')} title="Restart the kernel (its variables are lost)">
        Restart
      </button>
      <button type="button" className="button" onClick={() => run('restart-run-all')}>
        Restart &amp; Run All
      </button>
      <span className="notebook-toolbar-gap" />
      <KernelPicker choice={state.choice} kernel={state.kernel} onChoose={(choice) => void session.choose(choice)} />
      <span className={`kernel-status is-${status}`} data-testid="kernel-status" title={state.kernel ? `${state.kernel.displayName} (${state.kernel.sandbox ? `container ${state.kernel.sandbox.containerId.slice(0, 12)}` : `pid ${state.kernel.pid ?? '?'}`})` : 'The kernel starts on the first run'}>
        {kernelLabel(state.kernel)}
      </span>
      {state.loading && (
        <span className="notebook-loading" data-testid="notebook-loading" title="The rest of the notebook is being fetched; saving waits for it">
          loading cells {state.loading.loaded} / {state.loading.total}
        </span>
      )}
      <span className="notebook-save-state" data-testid="save-state">
        {state.saving ? 'saving…' : state.dirty ? 'unsaved' : 'saved'}
      </span>
    </div>
  );
}

function Banners({ session, state }: { session: NotebookSession; state: SessionState }) {
  if (state.conflict) {
    return (
      <div className="notebook-banner is-conflict" role="alert">
        <span>The file changed on disk since it was opened. Reload it (your unsaved edits are dropped) or overwrite it with this version.</span>
        <button type="button" className="button" onClick={() => void session.reload()}>
          Reload
        </button>
        <button type="button" className="button is-primary" onClick={() => void session.save(true).catch(() => undefined)}>
          Overwrite
        </button>
      </div>
    );
  }
  if (!state.error) return null;
  return (
    <div className="notebook-banner" role="alert">
      <span>{state.error}</span>
      <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => session.dismissError()}>
        <CloseIcon />
      </button>
    </div>
  );
}

/** One open notebook: toolbar (run, interrupt, restart, kernel picker and status, save state), banners, the cells. */
export function NotebookView({ session, active, dark }: { session: NotebookSession; active: boolean; dark: boolean }) {
  const state = useSessionState(session);
  const handleCommands = useAppStore((s) => s.handleNotebookCommands);
  const [selection, setSelection] = useState<CellSelection>(() => ({ key: session.getState().model.cells[0]?.key ?? null, mode: 'command' }));
  const current = useRef(selection);
  current.current = selection;
  const run = useCallback((command: NotebookCommand) => setSelection(runNotebookCommand(session, command, current.current)), [session]);

  useEffect(() => (active ? handleCommands(run) : undefined), [active, handleCommands, run]);

  return (
    <div className="notebook-view" hidden={!active} data-testid="notebook-view" data-path={session.path}>
      <Toolbar session={session} state={state} run={run} />
      <Banners session={session} state={state} />
      <CellList session={session} state={state} dark={dark} selection={selection} onSelection={setSelection} />
    </div>
  );
}
