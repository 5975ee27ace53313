export { createAppStore, connectStore, loadAll, type AppState, type AppStore } from './store';
export { StoreProvider, useAppStore, useAppStoreApi } from './context';
export { resolveTheme, type ResolvedTheme, type ThemeSetting } from './app-slice';
export { describeGpus } from './system-slice';
export type { Notice, ProjectDialog } from './workbench-slice';
