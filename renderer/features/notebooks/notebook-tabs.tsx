import { useSyncExternalStore, type KeyboardEvent } from 'react';
import type { NotebookSession } from './notebook-session';
import { CloseIcon } from '../../ui/icons';

/** The file name of a path. */
export function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

function Tab({ session, selected, onSelect, onClose, onKeyDown }: { session: NotebookSession; selected: boolean; onSelect: () => void; onClose: () => void; onKeyDown: (e: KeyboardEvent) => void }) {
  const dirty = useSyncExternalStore(
    (listener) => session.subscribe(listener),
    () => session.getState().dirty,
  );
  const name = baseName(session.path);
  return (
    <div className={`notebook-tab${selected ? ' is-active' : ''}${dirty ? ' is-dirty' : ''}`}>
      <button
        type="button"
        role="tab"
        id={`notebook-tab-${encodeURIComponent(session.path)}`}
        aria-selected={selected}
        tabIndex={selected ? 0 : -1}
        className="notebook-tab-label"
        title={session.path}
        onClick={onSelect}
        onKeyDown={onKeyDown}
        onAuxClick={(e) => e.button === 1 && onClose()}
      >
        {name}
        {dirty && (
          <span className="notebook-dirty" aria-label="unsaved changes" title="Unsaved changes (saved automatically)">
            ●
          </span>
        )}
      </button>
      <button type="button" className="tab-close" aria-label={`Close ${name}`} title="Close (saves first; the kernel keeps running)" tabIndex={-1} onClick={onClose}>
        <CloseIcon size={12} />
      </button>
    </div>
  );
}

/** Props of the notebook tab strip. */
export interface NotebookTabsProps {
  readonly sessions: readonly NotebookSession[];
  readonly activePath: string | null;
  readonly opening: readonly string[];
  readonly onSelect: (path: string) => void;
  readonly onClose: (path: string) => void;
}

/** Open notebooks as tabs: name, a dot while unsaved, × to close; ←/→ move, Delete closes. */
export function NotebookTabs({ sessions, activePath, opening, onSelect, onClose }: NotebookTabsProps) {
  const onKeyDown = (event: KeyboardEvent, index: number) => {
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (event.key === 'Delete') {
      event.preventDefault();
      onClose(sessions[index]!.path);
    } else if (step !== 0 && sessions.length > 0) {
      event.preventDefault();
      const next = sessions[(index + step + sessions.length) % sessions.length]!;
      onSelect(next.path);
    }
  };
  return (
    <div className="notebook-tabs" role="tablist" aria-label="Open notebooks">
      {sessions.map((session, index) => (
        <Tab
          key={session.path}
          session={session}
          selected={session.path === activePath}
          onSelect={() => onSelect(session.path)}
          onClose={() => onClose(session.path)}
          onKeyDown={(e) => onKeyDown(e, index)}
        />
      ))}
      {opening.map((path) => (
        <div key={path} className="notebook-tab is-opening">
          <span className="notebook-tab-label">{baseName(path)} …</span>
        </div>
      ))}
    </div>
  );
}
