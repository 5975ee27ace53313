import { useCallback, useEffect, useMemo, useRef, useState, type RefObject } from 'react';
import type { TerminalInfo } from '../../../app/models';
import { isMac } from '../../app/global-keys';
import { errorMessage } from '../../client/client-error';
import { useClient } from '../../client/context';
import type { OrreryClient } from '../../client/types';
import { resolveTheme } from '../../store/app-slice';
import { useAppStore, useAppStoreApi } from '../../store/context';
import type { AppStore } from '../../store/store';
import { CloseIcon } from '../../ui/icons';
import { TerminalTabs } from './terminal-tabs';
import { TerminalView } from './terminal-view';
import '@xterm/xterm/css/xterm.css';
import './terminal.css';

/** The last "New Terminal" request each store's Terminal area acted on (the area may mount after the request). */
const handledRequests = new WeakMap<AppStore, number>();

/** A first guess of the pty size from the area's size, so the prompt is drawn at about the right width. */
function estimateSize(element: HTMLElement | null, fontSize: number): { cols: number; rows: number } | undefined {
  if (!element || element.clientWidth === 0) return undefined;
  const cols = Math.floor((element.clientWidth - 16) / (fontSize * 0.6));
  const rows = Math.floor((element.clientHeight - 44) / Math.ceil(fontSize * 1.2));
  return { cols: Math.min(1000, Math.max(20, cols)), rows: Math.min(500, Math.max(5, rows)) };
}

/** The project's terminals: list, create and close through the client; the list is a cache of main's. */
function useTerminals(client: OrreryClient, area: RefObject<HTMLDivElement | null>, fontSize: number) {
  const [terminals, setTerminals] = useState<readonly TerminalInfo[]>([]);
  const [activeId, setActiveId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  /** Creations started (a reload skips its automatic first terminal when one was asked for meanwhile). */
  const creations = useRef(0);
  /** Terminals created while a list call was in flight: its (older) answer must not drop them. */
  const createdDuringLoad = useRef<Set<string> | null>(null);

  const create = useCallback(async () => {
    creations.current++;
    try {
      const info = await client.call('terminal.create', estimateSize(area.current, fontSize) ?? {});
      createdDuringLoad.current?.add(info.id);
      setTerminals((list) => [...list.filter((t) => t.id !== info.id), info]);
      setActiveId(info.id);
      setError(null);
    } catch (failure) {
      setError(errorMessage(failure));
    }
  }, [client, area, fontSize]);

  const close = useCallback(
    async (id: string) => {
      setTerminals((list) => {
        const index = list.findIndex((t) => t.id === id);
        const rest = list.filter((t) => t.id !== id);
        setActiveId((active) => (active === id ? (rest[Math.min(index, rest.length - 1)]?.id ?? null) : active));
        return rest;
      });
      // not_found means main closed it already (the project changed): nothing more to do.
      await client.call('terminal.kill', { id }).catch(() => undefined);
    },
    [client],
  );

  const load = useCallback(async (): Promise<readonly TerminalInfo[]> => {
    const created = new Set<string>();
    createdDuringLoad.current = created;
    try {
      const answer = await client.call('terminal.list', undefined);
      setTerminals((current) => [...answer, ...current.filter((t) => created.has(t.id) && !answer.some((a) => a.id === t.id))]);
      setActiveId((active) => (answer.some((t) => t.id === active) || (active !== null && created.has(active)) ? active : (answer[answer.length - 1]?.id ?? null)));
      return answer;
    } catch (failure) {
      setError(errorMessage(failure));
      return [];
    } finally {
      if (createdDuringLoad.current === created) createdDuringLoad.current = null;
    }
  }, [client]);

  const markExited = useCallback((id: string, exitCode: number) => {
    setTerminals((list) => list.map((t) => (t.id === id && t.exitCode !== exitCode ? { ...t, exitCode } : t)));
  }, []);

  const dismissError = useCallback(() => setError(null), []);

  return { terminals, activeId, setActiveId, error, dismissError, create, close, load, markExited, creations };
}

type Terminals = ReturnType<typeof useTerminals>;

/**
 * When the list is (re)loaded and terminals started: on a project (main closed the old one's terminals; an empty
 * list in the shown area starts one), after a reconnect, and on each "New Terminal" request.
 */
function useTerminalLifecycle(client: OrreryClient, store: AppStore, projectPath: string | null, request: number, t: Terminals) {
  const { load, create, creations } = t;
  const createLatest = useRef(create);
  createLatest.current = create;

  useEffect(() => {
    if (!projectPath) return;
    let cancelled = false;
    const before = creations.current;
    void load().then((list) => {
      const asked = creations.current !== before;
      if (!cancelled && !asked && list.length === 0 && store.getState().activeTab === 'terminal') void createLatest.current();
    });
    return () => {
      cancelled = true;
    };
  }, [projectPath, load, store, creations]);

  // After the link to main came back, terminals may have been opened or closed meanwhile.
  useEffect(() => {
    let lost = false;
    return client.connection.subscribe((state) => {
      if (state === 'disconnected') lost = true;
      else if (state === 'connected' && lost) {
        lost = false;
        void load();
      }
    });
  }, [client, load]);

  useEffect(() => {
    if (request <= (handledRequests.get(store) ?? 0)) return;
    handledRequests.set(store, request);
    if (projectPath) void createLatest.current();
  }, [request, store, projectPath]);
}

/** The Terminal area: a tab per terminal of the open project (+ new, × close, exit codes), one xterm.js view each. */
export function TerminalArea() {
  const client = useClient();
  const store = useAppStoreApi();
  const projectPath = useAppStore((s) => s.current?.path ?? null);
  const projectKnown = useAppStore((s) => s.projectKnown);
  const areaActive = useAppStore((s) => s.activeTab === 'terminal');
  const request = useAppStore((s) => s.newTerminalRequest);
  const theme = useAppStore((s) => resolveTheme(s.settings?.theme, s.systemPrefersDark));
  const fontSize = useAppStore((s) => s.settings?.terminalFontSize ?? 13);
  const mac = useMemo(() => isMac(), []);
  const area = useRef<HTMLDivElement>(null);
  const terminals = useTerminals(client, area, fontSize);
  useTerminalLifecycle(client, store, projectPath, request, terminals);
  const { activeId, setActiveId, error, dismissError, create, close, markExited } = terminals;

  if (!projectPath) {
    return (
      <div className="terminal-area is-empty">
        <p>{projectKnown ? 'Open a project to use terminals: they start in its folder.' : 'Loading the project…'}</p>
      </div>
    );
  }
  return (
    <div className="terminal-area" ref={area}>
      <TerminalTabs terminals={terminals.terminals} activeId={activeId} onSelect={setActiveId} onClose={(id) => void close(id)} onCreate={() => void create()} />
      {error && (
        <div className="terminal-error" role="alert">
          <span>{error}</span>
          <button type="button" className="icon-button" aria-label="Dismiss" onClick={dismissError}>
            <CloseIcon />
          </button>
        </div>
      )}
      <div className="terminal-views">
        {terminals.terminals.map((info) => (
          <TerminalView key={info.id} info={info} active={areaActive && info.id === activeId} theme={theme} fontSize={fontSize} mac={mac} onExit={markExited} />
        ))}
        {terminals.terminals.length === 0 && (
          <div className="terminal-none">
            <p>No terminal is open.</p>
            <button type="button" className="button is-primary" onClick={() => void create()}>
              New Terminal
            </button>
          </div>
        )}
      </div>
    </div>
  );
}
