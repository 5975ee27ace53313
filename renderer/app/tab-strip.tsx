import type { KeyboardEvent } from 'react';
import { useAppStore } from '../store/context';
import { CloseIcon } from '../ui/icons';
import { areas, type AreaId } from './areas';

/** Id of the tab element of an area (the panel points back at it). */
export function tabId(area: AreaId): string {
  return `tab-${area}`;
}

/** Id of the panel element of an area. */
export function panelId(area: AreaId): string {
  return `panel-${area}`;
}

/** The open areas as tabs; ←/→ move between tabs, Delete closes the focused one. */
export function TabStrip() {
  const tabs = useAppStore((s) => s.tabs);
  const activeTab = useAppStore((s) => s.activeTab);
  const openArea = useAppStore((s) => s.openArea);
  const closeTab = useAppStore((s) => s.closeTab);

  const onKeyDown = (event: KeyboardEvent, area: AreaId) => {
    const index = tabs.indexOf(area);
    let next: AreaId | undefined;
    if (event.key === 'ArrowRight') next = tabs[(index + 1) % tabs.length];
    else if (event.key === 'ArrowLeft') next = tabs[(index - 1 + tabs.length) % tabs.length];
    else if (event.key === 'Delete') {
      closeTab(area);
      event.preventDefault();
      return;
    }
    if (!next) return;
    event.preventDefault();
    openArea(next);
    document.getElementById(tabId(next))?.focus();
  };

  if (tabs.length === 0) return <div className="tab-strip is-empty" />;
  return (
    <div className="tab-strip" role="tablist" aria-label="Open areas">
      {tabs.map((area) => {
        const selected = area === activeTab;
        return (
          <div key={area} className={`tab${selected ? ' is-active' : ''}`}>
            <button
              type="button"
              role="tab"
              id={tabId(area)}
              aria-selected={selected}
              aria-controls={panelId(area)}
              tabIndex={selected ? 0 : -1}
              className="tab-label"
              onClick={() => openArea(area)}
              onKeyDown={(e) => onKeyDown(e, area)}
              onAuxClick={(e) => e.button === 1 && closeTab(area)}
            >
              {areas[area].title}
            </button>
            <button type="button" className="tab-close" aria-label={`Close ${areas[area].title} tab`} title="Close (Ctrl+W / Alt+W)" tabIndex={-1} onClick={() => closeTab(area)}>
              <CloseIcon />
            </button>
          </div>
        );
      })}
    </div>
  );
}
