import type { StateCreator } from 'zustand';
import type { AreaId } from '../app/areas';
import type { AppState } from './store';

/** A project dialog opened from the palette or a button. */
export type ProjectDialog = { readonly kind: 'create' } | { readonly kind: 'open' };

/** A short message at the bottom right (an action's failure, mostly). */
export interface Notice {
  readonly id: number;
  /** Notices with the same key replace each other (a newer "Opened …" replaces the older one). */
  readonly key?: string;
  readonly kind: 'error' | 'info';
  readonly message: string;
}

/** Layout state the renderer owns: open tabs, the palette, dialogs, notices. */
export interface WorkbenchSlice {
  readonly tabs: readonly AreaId[];
  readonly activeTab: AreaId | null;
  readonly paletteOpen: boolean;
  readonly dialog: ProjectDialog | null;
  readonly notices: readonly Notice[];
  /** Bumped by "New Terminal" (palette, keys); the Terminal area opens a terminal for each new value. */
  readonly newTerminalRequest: number;
  /** Opens an area as a tab (or focuses its tab). */
  openArea(id: AreaId): void;
  /** Closes a tab (the active one by default); the neighbour becomes active. */
  closeTab(id?: AreaId): void;
  /** Moves to the next (+1) or previous (-1) tab, wrapping. */
  cycleTab(step: 1 | -1): void;
  setPaletteOpen(open: boolean): void;
  openDialog(dialog: ProjectDialog): void;
  closeDialog(): void;
  notify(kind: Notice['kind'], message: string, key?: string): void;
  dismissNotice(id: number): void;
  /** Shows the Terminal area and asks it for a new terminal. */
  requestNewTerminal(): void;
}

const maxNotices = 4;
let nextNoticeId = 1;

/** The workbench slice; the shell starts on the Projects area. */
export const createWorkbenchSlice: StateCreator<AppState, [], [], WorkbenchSlice> = (set, get) => ({
  tabs: ['projects'],
  activeTab: 'projects',
  paletteOpen: false,
  dialog: null,
  notices: [],
  newTerminalRequest: 0,
  openArea(id) {
    const { tabs } = get();
    set({ tabs: tabs.includes(id) ? tabs : [...tabs, id], activeTab: id });
  },
  closeTab(id) {
    const { tabs, activeTab } = get();
    const target = id ?? activeTab;
    const index = target === null ? -1 : tabs.indexOf(target);
    if (index < 0) return;
    const rest = tabs.filter((tab) => tab !== target);
    const nextActive = target === activeTab ? (rest[Math.min(index, rest.length - 1)] ?? null) : activeTab;
    set({ tabs: rest, activeTab: nextActive });
  },
  cycleTab(step) {
    const { tabs, activeTab } = get();
    if (tabs.length === 0) return;
    const index = activeTab === null ? -1 : tabs.indexOf(activeTab);
    const next = tabs[(index + step + tabs.length) % tabs.length] ?? null;
    set({ activeTab: next });
  },
  setPaletteOpen(open) {
    set({ paletteOpen: open, ...(open ? { dialog: null } : {}) });
  },
  openDialog(dialog) {
    set({ dialog, paletteOpen: false });
  },
  closeDialog() {
    set({ dialog: null });
  },
  notify(kind, message, key) {
    const notice: Notice = { id: nextNoticeId++, kind, message, ...(key ? { key } : {}) };
    const kept = key ? get().notices.filter((n) => n.key !== key) : get().notices;
    set({ notices: [...kept, notice].slice(-maxNotices) });
  },
  dismissNotice(id) {
    set({ notices: get().notices.filter((notice) => notice.id !== id) });
  },
  requestNewTerminal() {
    get().openArea('terminal');
    set({ newTerminalRequest: get().newTerminalRequest + 1 });
  },
});
