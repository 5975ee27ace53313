import { createStore, type StoreApi } from 'zustand/vanilla';
import type { OrreryClient } from '../client/types';
import { createAppSlice, type AppSlice } from './app-slice';
import { createEnvsSlice, type EnvsSlice } from './envs-slice';
import { createExperimentsSlice, type ExperimentsSlice } from './experiments-slice';
import { createJobsSlice, type JobsSlice } from './jobs-slice';
import { createModelsSlice, type ModelsSlice } from './models-slice';
import { createNotebooksSlice, type NotebooksSlice } from './notebooks-slice';
import { createProjectsSlice, type ProjectsSlice } from './projects-slice';
import { createPromptSuitesSlice, type PromptSuitesSlice } from './prompt-suites-slice';
import { createPromptsSlice, type PromptsSlice } from './prompts-slice';
import { createSandboxSlice, type SandboxSlice } from './sandbox-slice';
import { createSystemSlice, type SystemSlice } from './system-slice';
import { createWorkbenchSlice, type WorkbenchSlice } from './workbench-slice';

/** The one renderer store: every feature slice side by side. */
export type AppState = AppSlice & ProjectsSlice & SystemSlice & WorkbenchSlice & EnvsSlice & NotebooksSlice & ExperimentsSlice & JobsSlice & PromptsSlice & PromptSuitesSlice & ModelsSlice & SandboxSlice;

/** The store's API (getState, setState, subscribe). */
export type AppStore = StoreApi<AppState>;

/** Builds the store from its slices; actions reach the services through `client`. */
export function createAppStore(client: OrreryClient): AppStore {
  return createStore<AppState>()((...a) => ({
    ...createAppSlice(client)(...a),
    ...createProjectsSlice(client)(...a),
    ...createSystemSlice(client)(...a),
    ...createWorkbenchSlice(...a),
    ...createEnvsSlice(client)(...a),
    ...createNotebooksSlice(client)(...a),
    ...createExperimentsSlice(client)(...a),
    ...createJobsSlice(client)(...a),
    ...createPromptsSlice(client)(...a),
    ...createPromptSuitesSlice(client)(...a),
    ...createModelsSlice(client)(...a),
    ...createSandboxSlice(client)(...a),
  }));
}

/** Asks main for everything the shell shows; the calls run side by side and fill the store as they answer. */
export async function loadAll(store: AppStore): Promise<void> {
  const state = store.getState();
  await Promise.all([state.loadApp(), state.loadProjects(), state.loadSystem(), state.loadEnvs(false)]);
}

/**
 * Keeps the cache current: project.changed and settings.changed update it, the connection state is mirrored,
 * and after a reconnect everything is asked again (events may have been missed). Returns the disconnect.
 */
export function connectStore(store: AppStore, client: OrreryClient): () => void {
  let wasLost = false;
  const stops = [
    client.on('project.changed', '', (payload) => store.getState().applyProject(payload.project)),
    client.on('settings.changed', '', (settings) => store.getState().applySettings(settings)),
    client.on('env.found', '', (payload) => store.getState().applyEnvFound(payload.env)),
    client.on('env.discovered', '', () => store.getState().applyEnvsDiscovered()),
    client.on('env.defaultChanged', '', (payload) => store.getState().applyDefaultEnv(payload.env)),
    client.on('job.changed', '*', (payload) => store.getState().applyJobChanged(payload.job)),
    client.on('prompt.changed', '', (payload) => store.getState().applyPromptChanged(payload)),
    // Another project has another default env.
    store.subscribe((state, before) => {
      if (state.current?.path !== before.current?.path) void state.loadDefaultEnv();
    }),
    client.connection.subscribe((state) => {
      store.getState().setConnection(state);
      if (state === 'disconnected') wasLost = true;
      if (state === 'connected' && wasLost) {
        wasLost = false;
        void loadAll(store);
      }
    }),
  ];
  return () => {
    for (const stop of stops) stop();
  };
}
