import type * as MonacoEntry from './monaco-entry';

/** The Monaco bundle's exports (see monaco-entry.ts). */
export type MonacoApi = typeof MonacoEntry;

let loading: Promise<MonacoApi> | null = null;
let loaded: MonacoApi | null = null;

function addStylesheet(href: string): void {
  if (document.querySelector(`link[data-monaco]`)) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = href;
  link.dataset['monaco'] = '';
  document.head.append(link);
}

/**
 * Loads the Monaco bundle (assets/monaco.js and its stylesheet) once, on first use: the shell starts without
 * its few megabytes. The URL is computed so esbuild leaves the import to the browser.
 */
export function loadMonaco(): Promise<MonacoApi> {
  if (!loading) {
    const base = new URL('./', import.meta.url);
    addStylesheet(new URL('monaco.css', base).href);
    const url = new URL('monaco.js', base).href;
    loading = (import(/* webpackIgnore: true */ url) as Promise<MonacoApi>).then((api) => (loaded = api));
    loading.catch(() => (loading = null));
  }
  return loading;
}

/** The Monaco API when it is loaded already, else null (callers show plain text meanwhile). */
export function monacoIfLoaded(): MonacoApi | null {
  return loaded;
}
