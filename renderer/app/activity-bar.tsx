import { useRef, type KeyboardEvent } from 'react';
import { useAppStore } from '../store/context';
import { AreaIcon } from '../ui/icons';
import { areaIds, areas } from './areas';
import { formatChord } from './keybindings';

/** The column of area buttons; ↑/↓ move between them, Enter or Space opens one. */
export function ActivityBar({ mac }: { mac: boolean }) {
  const activeTab = useAppStore((s) => s.activeTab);
  const openArea = useAppStore((s) => s.openArea);
  const nav = useRef<HTMLElement>(null);

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    const buttons = [...(nav.current?.querySelectorAll<HTMLButtonElement>('button') ?? [])];
    const index = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const next = buttons[(index + (event.key === 'ArrowDown' ? 1 : -1) + buttons.length) % buttons.length];
    next?.focus();
    event.preventDefault();
  };

  return (
    <nav className="activity-bar" aria-label="Areas" ref={nav} onKeyDown={onKeyDown}>
      {areaIds.map((id, index) => {
        const area = areas[id];
        const hint = `${area.title} (${formatChord(`Alt+${index + 1}`, mac)})${area.arrivesWith ? ' — not built yet' : ''}`;
        return (
          <button
            key={id}
            type="button"
            className={`activity-button${activeTab === id ? ' is-active' : ''}${area.arrivesWith ? ' is-pending' : ''}`}
            aria-label={area.title}
            aria-current={activeTab === id ? 'page' : undefined}
            title={hint}
            data-area={id}
            onClick={() => openArea(id)}
          >
            <AreaIcon area={id} />
          </button>
        );
      })}
    </nav>
  );
}
