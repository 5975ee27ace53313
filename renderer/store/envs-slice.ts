import type { StateCreator } from 'zustand';
import type { Env, EnvLock } from '../../app/models';
import { errorMessage } from '../client/client-error';
import type { OrreryClient } from '../client/types';
import type { AppState } from './store';

/** A request to open the Create environment dialog (from the palette, a button, or "Recreate" on a snapshot). */
export interface EnvCreateRequest {
  /** Bumped on every request, so the same request twice opens the dialog twice. */
  readonly seq: number;
  /** Set when the new env is to hold exactly a snapshot's packages (env.recreate). */
  readonly fromLock: EnvLock | null;
}

/** Python environments as the shell knows them: the list (filled as discovery streams) and the project's default. */
export interface EnvsSlice {
  readonly envs: readonly Env[];
  readonly defaultEnv: Env | null;
  /** A discovery pass is running (env.list said so; env.discovered ends it). */
  readonly envsDiscovering: boolean;
  readonly envsError: string | null;
  /** The env the Environments area shows the packages and snapshots of. */
  readonly selectedEnvId: string | null;
  /** The quick picker of the project's env (status bar, palette). */
  readonly envPickerOpen: boolean;
  readonly envCreateRequest: EnvCreateRequest | null;
  /** env.list from the cache at once; with `refresh` (the default) discovery runs and env.found events fill in. Page loads pass false: main refreshes an empty or stale cache by itself. */
  loadEnvs(refresh?: boolean): Promise<void>;
  /** env.default for the open project (null without one). */
  loadDefaultEnv(): Promise<void>;
  /** env.found arrived: adds the env or replaces the older record of it. */
  applyEnvFound(env: Env): void;
  /** env.discovered arrived: the pass is over. */
  applyEnvsDiscovered(): void;
  /** env.defaultChanged arrived (or a call answered with the new default). */
  applyDefaultEnv(env: Env | null): void;
  /** env.setDefault; the error is shown as a notice. */
  setDefaultEnv(id: string | null): Promise<void>;
  /** env.register; throws the ClientError for the form to show. */
  registerEnv(path: string): Promise<Env>;
  selectEnv(id: string | null): void;
  setEnvPickerOpen(open: boolean): void;
  /** Opens the Environments area with the Create dialog (from a snapshot when given). */
  requestCreateEnv(fromLock?: EnvLock | null): void;
  clearCreateEnvRequest(): void;
}

/** Adds `env` to `list`, or replaces the record with the same id in place (order kept). */
export function upsertEnv(list: readonly Env[], env: Env): readonly Env[] {
  const index = list.findIndex((e) => e.id === env.id);
  if (index < 0) return [...list, env];
  const copy = list.slice();
  copy[index] = env;
  return copy;
}

/**
 * The list after env.list answered: its envs, then any env.found that arrived while the call was in flight and the
 * answer does not hold (a found record replaces the answer's: it is the newer probe).
 */
export function mergeListAnswer(answer: readonly Env[], foundDuringCall: ReadonlyMap<string, Env>): readonly Env[] {
  let merged: readonly Env[] = answer;
  for (const env of foundDuringCall.values()) merged = upsertEnv(merged, env);
  return merged;
}

/** The envs slice over a client. */
export function createEnvsSlice(client: OrreryClient): StateCreator<AppState, [], [], EnvsSlice> {
  // Envs found while an env.list call is in flight (its answer is older than they are).
  let foundDuringList: Map<string, Env> | null = null;
  // Bumped by each applied default; an env.default answer started before a newer default is dropped.
  let defaultSeq = 0;
  let createSeq = 0;
  return (set, get) => ({
    envs: [],
    defaultEnv: null,
    envsDiscovering: false,
    envsError: null,
    selectedEnvId: null,
    envPickerOpen: false,
    envCreateRequest: null,
    async loadEnvs(refresh = true) {
      const found = new Map<string, Env>();
      foundDuringList = found;
      if (refresh) set({ envsDiscovering: true });
      try {
        const answer = await client.call('env.list', refresh ? { refresh: true } : {});
        set({ envs: mergeListAnswer(answer.envs, found), envsDiscovering: answer.discovering, envsError: null });
      } catch (error) {
        set({ envsDiscovering: false, envsError: errorMessage(error) });
      } finally {
        if (foundDuringList === found) foundDuringList = null;
      }
      await get().loadDefaultEnv();
    },
    async loadDefaultEnv() {
      const seq = defaultSeq;
      try {
        const env = await client.call('env.default', undefined);
        if (seq === defaultSeq) get().applyDefaultEnv(env);
      } catch (error) {
        if (seq === defaultSeq) set({ defaultEnv: null, envsError: errorMessage(error) });
      }
    },
    applyEnvFound(env) {
      foundDuringList?.set(env.id, env);
      const { defaultEnv } = get();
      set({ envs: upsertEnv(get().envs, env), ...(defaultEnv?.id === env.id ? { defaultEnv: env } : {}) });
    },
    applyEnvsDiscovered() {
      set({ envsDiscovering: false });
    },
    applyDefaultEnv(env) {
      defaultSeq++;
      set({ defaultEnv: env, ...(env ? { envs: upsertEnv(get().envs, env) } : {}) });
    },
    async setDefaultEnv(id) {
      try {
        await client.call('env.setDefault', { id });
        get().applyDefaultEnv(id === null ? null : (get().envs.find((e) => e.id === id) ?? null));
      } catch (error) {
        get().notify('error', `Could not set the project's environment: ${errorMessage(error)}`, 'env');
      }
    },
    async registerEnv(path) {
      const env = await client.call('env.register', { path });
      get().applyEnvFound(env);
      set({ selectedEnvId: env.id });
      return env;
    },
    selectEnv(id) {
      set({ selectedEnvId: id });
    },
    setEnvPickerOpen(open) {
      set({ envPickerOpen: open, ...(open ? { paletteOpen: false } : {}) });
    },
    requestCreateEnv(fromLock = null) {
      get().openArea('environments');
      set({ envCreateRequest: { seq: ++createSeq, fromLock } });
    },
    clearCreateEnvRequest() {
      set({ envCreateRequest: null });
    },
  });
}
