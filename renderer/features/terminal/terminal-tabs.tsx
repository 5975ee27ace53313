import type { KeyboardEvent } from 'react';
import type { TerminalInfo } from '../../../app/models';
import { CloseIcon } from '../../ui/icons';

/** Props of the terminal tab strip. */
export interface TerminalTabsProps {
  readonly terminals: readonly TerminalInfo[];
  readonly activeId: string | null;
  readonly onSelect: (id: string) => void;
  readonly onClose: (id: string) => void;
  readonly onCreate: () => void;
}

/** The terminals as tabs: a title, the exit code once the shell ended, × to close; ←/→ move, Delete closes. */
export function TerminalTabs({ terminals, activeId, onSelect, onClose, onCreate }: TerminalTabsProps) {
  const onKeyDown = (event: KeyboardEvent, index: number) => {
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (event.key === 'Delete') {
      event.preventDefault();
      onClose(terminals[index]!.id);
    } else if (step !== 0 && terminals.length > 0) {
      event.preventDefault();
      const next = terminals[(index + step + terminals.length) % terminals.length]!;
      onSelect(next.id);
      document.getElementById(`terminal-tab-${next.id}`)?.focus();
    }
  };
  return (
    <div className="terminal-tabs" role="tablist" aria-label="Terminals">
      {terminals.map((t, index) => {
        const selected = t.id === activeId;
        const exited = t.exitCode !== null;
        return (
          <div key={t.id} className={`terminal-tab${selected ? ' is-active' : ''}${exited ? ' is-exited' : ''}`}>
            <button
              type="button"
              role="tab"
              id={`terminal-tab-${t.id}`}
              aria-selected={selected}
              tabIndex={selected ? 0 : -1}
              className="terminal-tab-label"
              title={`${t.shell} in ${t.cwd}`}
              onClick={() => onSelect(t.id)}
              onKeyDown={(e) => onKeyDown(e, index)}
              onAuxClick={(e) => e.button === 1 && onClose(t.id)}
            >
              {t.title}
              {exited && (
                <span className={`terminal-exit-code${t.exitCode === 0 ? '' : ' is-failure'}`} aria-label={`exited with code ${t.exitCode}`}>
                  {t.exitCode}
                </span>
              )}
            </button>
            <button type="button" className="tab-close" aria-label={`Close ${t.title}`} title="Close terminal (its processes end)" tabIndex={-1} onClick={() => onClose(t.id)}>
              <CloseIcon size={12} />
            </button>
          </div>
        );
      })}
      <button type="button" className="icon-button terminal-new" aria-label="New terminal" title="New terminal (Ctrl+Shift+`)" onClick={onCreate}>
        +
      </button>
    </div>
  );
}
