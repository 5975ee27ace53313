import { useEffect } from 'react';
import { resolveTheme } from '../store/app-slice';
import { useAppStore, useAppStoreApi } from '../store/context';

/** Paints a theme: `data-theme` on <html> switches the CSS variables; `color-scheme` themes form controls. */
export function applyTheme(root: HTMLElement, theme: 'dark' | 'light'): void {
  root.dataset.theme = theme;
  root.style.colorScheme = theme;
}

/** Keeps <html> painted with the theme setting (following the system's preference when it is `system`). */
export function useThemeSync(): void {
  const store = useAppStoreApi();
  const setting = useAppStore((s) => s.settings?.theme);
  const prefersDark = useAppStore((s) => s.systemPrefersDark);
  useEffect(() => {
    const query = window.matchMedia?.('(prefers-color-scheme: dark)');
    if (!query) return;
    store.getState().setSystemPrefersDark(query.matches);
    const onChange = (event: MediaQueryListEvent) => store.getState().setSystemPrefersDark(event.matches);
    query.addEventListener('change', onChange);
    return () => query.removeEventListener('change', onChange);
  }, [store]);
  useEffect(() => {
    applyTheme(document.documentElement, resolveTheme(setting, prefersDark));
  }, [setting, prefersDark]);
}
