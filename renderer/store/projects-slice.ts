import type { StateCreator } from 'zustand';
import type { Project, ProjectInfo, RecentProject } from '../../app/models';
import { errorMessage } from '../client/client-error';
import type { OrreryClient } from '../client/types';
import type { AppState } from './store';

/** The open project, recent projects and the open project's store facts — a cache of main's answers and events. */
export interface ProjectsSlice {
  /** Null when no project is open (or before project.current answered: see `projectKnown`). */
  readonly current: Project | null;
  readonly projectKnown: boolean;
  readonly recent: readonly RecentProject[];
  readonly info: ProjectInfo | null;
  readonly projectError: string | null;
  loadProjects(): Promise<void>;
  loadRecent(): Promise<void>;
  /** project.info for the open project (cleared when none). */
  loadInfo(): Promise<void>;
  /** Opens a project folder; throws the ClientError for the form to show. */
  openProject(path: string): Promise<Project>;
  /** Creates a project (folder made if missing) and opens it; throws the ClientError. */
  createProject(input: { path: string; name?: string }): Promise<Project>;
  closeProject(): Promise<void>;
  /** project.changed arrived (or a call answered with the new project). */
  applyProject(project: Project | null): void;
}

/** The projects slice over a client. */
export function createProjectsSlice(client: OrreryClient): StateCreator<AppState, [], [], ProjectsSlice> {
  return (set, get) => ({
    current: null,
    projectKnown: false,
    recent: [],
    info: null,
    projectError: null,
    async loadProjects() {
      try {
        const current = await client.call('project.current', undefined);
        get().applyProject(current);
        set({ projectError: null });
      } catch (error) {
        set({ projectError: errorMessage(error) });
      }
      await get().loadRecent();
    },
    async loadRecent() {
      try {
        set({ recent: await client.call('project.recent', undefined) });
      } catch (error) {
        set({ projectError: errorMessage(error) });
      }
    },
    async loadInfo() {
      const path = get().current?.path;
      if (!path) return set({ info: null });
      try {
        const info = await client.call('project.info', { path });
        // The project may have changed while the call ran.
        if (get().current?.path === info.project.path) set({ info });
      } catch (error) {
        if (get().current?.path === path) set({ info: null, projectError: errorMessage(error) });
      }
    },
    async openProject(path) {
      const project = await client.call('project.open', { path });
      get().applyProject(project);
      return project;
    },
    async createProject({ path, name }) {
      const project = await client.call('project.create', name ? { path, name } : { path });
      get().applyProject(project);
      return project;
    },
    async closeProject() {
      try {
        await client.call('project.close', undefined);
        get().applyProject(null);
      } catch (error) {
        get().notify('error', `Could not close the project: ${errorMessage(error)}`);
      }
    },
    applyProject(project) {
      const before = get().current;
      const changed = before?.id !== project?.id || before?.path !== project?.path;
      set({ current: project, projectKnown: true, ...(changed ? { info: null } : {}) });
      if (changed) {
        void get().loadRecent();
        void get().loadInfo();
      }
    },
  });
}
