import type { StateCreator } from 'zustand';
import type { AppInfo, Settings } from '../../app/models';
import { errorMessage } from '../client/client-error';
import type { ConnectionState, OrreryClient } from '../client/types';
import type { AppState } from './store';

/** The theme setting: dark, light, or follow the system. */
export type ThemeSetting = Settings['theme'];
/** A theme that can be painted. */
export type ResolvedTheme = 'dark' | 'light';

/** What the theme setting paints, given the system's preference. */
export function resolveTheme(setting: ThemeSetting | undefined, systemPrefersDark: boolean): ResolvedTheme {
  if (setting === 'dark' || setting === 'light') return setting;
  return systemPrefersDark ? 'dark' : 'light';
}

/** App facts, the user's settings (a cache of main's) and the connection state. */
export interface AppSlice {
  readonly appInfo: AppInfo | null;
  readonly settings: Settings | null;
  readonly appError: string | null;
  readonly connection: ConnectionState;
  /** The system's colour preference (renderer-owned: matchMedia). */
  readonly systemPrefersDark: boolean;
  loadApp(): Promise<void>;
  /** Sends a settings patch; the answer (all settings) replaces the cache. */
  updateSettings(patch: Partial<Settings>): Promise<void>;
  setTheme(theme: ThemeSetting): Promise<void>;
  /** Switches between dark and light, starting from what is painted now. */
  toggleTheme(): Promise<void>;
  /** settings.changed arrived. */
  applySettings(settings: Settings): void;
  setConnection(state: ConnectionState): void;
  setSystemPrefersDark(dark: boolean): void;
}

/** The app slice over a client. */
export function createAppSlice(client: OrreryClient): StateCreator<AppState, [], [], AppSlice> {
  return (set, get) => ({
    appInfo: null,
    settings: null,
    appError: null,
    connection: client.connection.get(),
    systemPrefersDark: true,
    async loadApp() {
      const [info, settings] = await Promise.allSettled([client.call('app.info', undefined), client.call('settings.get', undefined)]);
      const failed = [info, settings].find((r): r is PromiseRejectedResult => r.status === 'rejected');
      set({
        ...(info.status === 'fulfilled' ? { appInfo: info.value } : {}),
        ...(settings.status === 'fulfilled' ? { settings: settings.value } : {}),
        appError: failed ? errorMessage(failed.reason) : null,
      });
    },
    async updateSettings(patch) {
      try {
        set({ settings: await client.call('settings.update', patch) });
      } catch (error) {
        get().notify('error', `Could not save the setting: ${errorMessage(error)}`);
      }
    },
    setTheme(theme) {
      return get().updateSettings({ theme });
    },
    toggleTheme() {
      const { settings, systemPrefersDark } = get();
      const painted = resolveTheme(settings?.theme, systemPrefersDark);
      return get().setTheme(painted === 'dark' ? 'light' : 'dark');
    },
    applySettings(settings) {
      set({ settings });
    },
    setConnection(connection) {
      set({ connection });
    },
    setSystemPrefersDark(systemPrefersDark) {
      set({ systemPrefersDark });
    },
  });
}
