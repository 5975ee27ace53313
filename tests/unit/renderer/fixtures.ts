import type { AppInfo, Project, ProjectInfo, RecentProject, Settings, SystemInfo } from '../../../app/models';

/** Plausible answers of the services for store and command tests. */
export const sample: Project = { id: 'prj_sample', name: 'sample', path: '/home/u/Orrery/sample', createdAt: 1, openedAt: 2, schemaVersion: 1 };
export const second: Project = { id: 'prj_second', name: 'second', path: '/home/u/Orrery/second', createdAt: 3, openedAt: 4, schemaVersion: 1 };

export const appInfo: AppInfo = {
  name: 'Orrery',
  version: '0.1.0',
  host: 'web',
  platform: 'linux',
  nodeVersion: '20.20.0',
  electronVersion: null,
  userHome: '/home/u/.config/Orrery',
  allowedRoots: ['/home/u', '/tmp'],
  canPickFolder: false,
};

export const settings: Settings = { theme: 'dark', terminalFontSize: 13, terminalShell: null };

export const noGpu: SystemInfo = { cpuCount: 2, cpuModel: 'cpu', memoryTotalBytes: 1, gpus: [], gpuNote: 'nvidia-smi not found' };

export function recentOf(...projects: Array<Project & { exists?: boolean }>): RecentProject[] {
  return projects.map((p) => ({ path: p.path, name: p.name, openedAt: p.openedAt, exists: p.exists ?? true }));
}

export function infoOf(project: Project): ProjectInfo {
  return { project, dbPath: `${project.path}/.orrery/project.db`, dbBytes: 4096, journalMode: 'wal', artifactCount: 0, artifactBytes: 0, tables: [] };
}
