import { useCallback, useMemo } from 'react';
import { ProjectDialogHost } from '../features/projects/project-dialog';
import { useAppStore, useAppStoreApi } from '../store/context';
import { ActivityBar } from './activity-bar';
import { AreaView } from './area-view';
import { buildCommands, type CommandHost } from './commands';
import { CommandPalette } from './command-palette';
import { isMac, useGlobalKeys } from './global-keys';
import { Notices } from './notices';
import { StatusBar } from './status-bar';
import { panelId, tabId, TabStrip } from './tab-strip';
import { useThemeSync } from './theme';

/** The palette, built from the store's state when it opens (one entry per recent project). */
function Palette({ host, mac }: { host: CommandHost; mac: boolean }) {
  const open = useAppStore((s) => s.paletteOpen);
  const setPaletteOpen = useAppStore((s) => s.setPaletteOpen);
  const current = useAppStore((s) => s.current);
  const recent = useAppStore((s) => s.recent);
  const commands = useMemo(() => (open ? buildCommands(host) : []), [open, host, current, recent]);
  if (!open) return null;
  return <CommandPalette commands={commands} mac={mac} onClose={() => setPaletteOpen(false)} />;
}

/** Every open tab stays mounted (terminals keep their screens); only the active one is shown. */
function TabPanels() {
  const tabs = useAppStore((s) => s.tabs);
  const activeTab = useAppStore((s) => s.activeTab);
  if (tabs.length === 0) {
    return (
      <div className="empty-main">
        <p>No area is open.</p>
        <p>
          Pick one on the left, or press <kbd>Ctrl+Shift+P</kbd> for every command.
        </p>
      </div>
    );
  }
  return (
    <>
      {tabs.map((area) => (
        <div key={area} id={panelId(area)} role="tabpanel" aria-labelledby={tabId(area)} className="tab-panel" hidden={area !== activeTab}>
          <AreaView area={area} />
        </div>
      ))}
    </>
  );
}

/** The workbench shell: activity bar, tabs, status bar, palette, dialogs. */
export function Workbench({ reloadWindow }: { reloadWindow: () => void }) {
  const store = useAppStoreApi();
  const mac = useMemo(() => isMac(), []);
  const host = useMemo<CommandHost>(() => ({ store, reloadWindow, newTerminal: () => store.getState().requestNewTerminal() }), [store, reloadWindow]);
  const commands = useCallback(() => buildCommands(host), [host]);
  useGlobalKeys(store, commands);
  useThemeSync();
  return (
    <div className="workbench">
      <ActivityBar mac={mac} />
      <main className="main-area">
        <TabStrip />
        <div className="tab-panels">
          <TabPanels />
        </div>
      </main>
      <StatusBar />
      <Palette host={host} mac={mac} />
      <ProjectDialogHost />
      <Notices />
    </div>
  );
}
