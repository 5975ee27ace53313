import type { StateCreator } from 'zustand';
import type { CallOutput } from '../../app/contract';
import type { SandboxSession } from '../../app/contract/sandbox';
import { errorMessage } from '../client/client-error';
import type { OrreryClient } from '../client/types';
import type { AppState } from './store';

export type SandboxStatus = CallOutput<'sandbox.status'>;
export type SandboxImage = CallOutput<'sandbox.images'>[number];
export type SandboxContainer = CallOutput<'sandbox.ps'>[number];
export type SandboxPool = CallOutput<'sandbox.pool'>;

/** Docker sandboxes as the Sandbox area shows them: daemon status, images, containers, the pool, the audit log. */
export interface SandboxSlice {
  /** Null until asked; `available: false` carries the advice on installing or starting Docker. */
  readonly sandboxStatus: SandboxStatus | null;
  readonly sandboxImages: readonly SandboxImage[];
  readonly sandboxContainers: readonly SandboxContainer[];
  readonly sandboxPool: SandboxPool | null;
  /** The open project's audit log, newest first. */
  readonly sandboxSessions: readonly SandboxSession[];
  readonly sandboxError: string | null;
  /** What is running now (`build-base`, `build-project`, `prune`), for disabling buttons. */
  readonly sandboxBusy: string | null;
  /** sandbox.status, then (when Docker answers) images, ps and pool; the audit log when a project is open. */
  loadSandbox(): Promise<void>;
  /** A sandbox.session event: adds the session or replaces its older record. */
  applySandboxSession(session: SandboxSession): void;
  buildSandboxImage(target: 'base' | 'project', taskId?: string): Promise<void>;
  pruneSandboxImages(includeBase: boolean): Promise<void>;
  configureSandboxPool(size: number): Promise<void>;
  /** The audit log as CSV or JSON text with a file name (the area offers it as a download). */
  exportSandboxAudit(format: 'csv' | 'json'): Promise<{ filename: string; content: string } | null>;
}

/** `sessions` with `session` added or replacing the record of the same id, newest first. */
export function upsertSession(sessions: readonly SandboxSession[], session: SandboxSession): readonly SandboxSession[] {
  return [...sessions.filter((s) => s.id !== session.id), session].sort((a, b) => b.startedAt - a.startedAt || (a.id < b.id ? 1 : -1));
}

export function createSandboxSlice(client: OrreryClient): StateCreator<AppState, [], [], SandboxSlice> {
  return (set, get) => {
    const fail = (what: string) => (error: unknown) => {
      get().notify('error', `${what}: ${errorMessage(error)}`, 'sandbox');
    };
    const refreshDocker = async () => {
      const [images, containers, pool] = await Promise.all([client.call('sandbox.images', undefined), client.call('sandbox.ps', undefined), client.call('sandbox.pool', undefined)]);
      set({ sandboxImages: images, sandboxContainers: containers, sandboxPool: pool });
    };
    return {
      sandboxStatus: null,
      sandboxImages: [],
      sandboxContainers: [],
      sandboxPool: null,
      sandboxSessions: [],
      sandboxError: null,
      sandboxBusy: null,
      async loadSandbox() {
        try {
          const status = await client.call('sandbox.status', undefined);
          set({ sandboxStatus: status, sandboxError: null });
          const sessions = get().current ? client.call('sandbox.sessions', { limit: 500 }) : Promise.resolve([]);
          const docker = status.available ? refreshDocker() : Promise.resolve(set({ sandboxImages: [], sandboxContainers: [], sandboxPool: null }));
          const [listed] = await Promise.all([sessions, docker]);
          set({ sandboxSessions: listed });
        } catch (error) {
          set({ sandboxError: errorMessage(error) });
        }
      },
      applySandboxSession(session) {
        set({ sandboxSessions: upsertSession(get().sandboxSessions, session) });
      },
      async buildSandboxImage(target, taskId) {
        set({ sandboxBusy: `build-${target}` });
        try {
          const built = await client.call('sandbox.buildImage', { target, ...(taskId ? { taskId } : {}) });
          get().notify('info', built.built ? `Built ${built.tag}.` : `${built.tag} is already here.`, 'sandbox');
          await refreshDocker();
        } catch (error) {
          fail(`Could not build the ${target} image`)(error);
        } finally {
          set({ sandboxBusy: null });
        }
      },
      async pruneSandboxImages(includeBase) {
        set({ sandboxBusy: 'prune' });
        try {
          const pruned = await client.call('sandbox.pruneImages', { includeBase });
          get().notify('info', pruned.removed.length ? `Removed ${pruned.removed.length} image(s).` : 'No unused Orrery image to remove.', 'sandbox');
          await refreshDocker();
        } catch (error) {
          fail('Could not prune images')(error);
        } finally {
          set({ sandboxBusy: null });
        }
      },
      async configureSandboxPool(size) {
        try {
          set({ sandboxPool: await client.call('sandbox.configurePool', { size }) });
        } catch (error) {
          fail('Could not change the warm pool')(error);
        }
      },
      async exportSandboxAudit(format) {
        try {
          const exported = await client.call('sandbox.exportAudit', { format });
          return { filename: exported.filename, content: exported.content };
        } catch (error) {
          fail('Could not export the audit log')(error);
          return null;
        }
      },
    };
  };
}
