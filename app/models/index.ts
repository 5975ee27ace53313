import type { z } from 'zod';
import type {
  appInfoSchema,
  cellRunSchema,
  envDiffSchema,
  envLockSchema,
  envPackageSchema,
  envSchema,
  envToolsSchema,
  kernelInfoSchema,
  kernelSpecSchema,
  notebookCellSchema,
  notebookDocSchema,
  notebookOutputSchema,
  notebookPatchSchema,
  openNotebookSchema,
  gpuSchema,
  projectInfoSchema,
  projectSchema,
  recentProjectSchema,
  settingsSchema,
  systemInfoSchema,
  terminalInfoSchema,
} from '../contract';

/** Readonly domain types, derived from the contract so there is one definition of each. */
export type Project = Readonly<z.output<typeof projectSchema>>;
export type RecentProject = Readonly<z.output<typeof recentProjectSchema>>;
export type ProjectInfo = Readonly<z.output<typeof projectInfoSchema>>;
export type TerminalInfo = Readonly<z.output<typeof terminalInfoSchema>>;
export type AppInfo = Readonly<z.output<typeof appInfoSchema>>;
export type Settings = Readonly<z.output<typeof settingsSchema>>;
export type Gpu = Readonly<z.output<typeof gpuSchema>>;
export type SystemInfo = Readonly<z.output<typeof systemInfoSchema>>;
export type Env = Readonly<z.output<typeof envSchema>>;
export type EnvPackage = Readonly<z.output<typeof envPackageSchema>>;
export type EnvLock = Readonly<z.output<typeof envLockSchema>>;
export type EnvDiff = Readonly<z.output<typeof envDiffSchema>>;
export type EnvTools = Readonly<z.output<typeof envToolsSchema>>;
export type KernelSpec = Readonly<z.output<typeof kernelSpecSchema>>;
export type KernelInfo = Readonly<z.output<typeof kernelInfoSchema>>;
export type CellRun = Readonly<z.output<typeof cellRunSchema>>;
/** A notebook document as it crosses the wire (nbformat 4; unknown keys kept). */
export type NotebookDoc = z.output<typeof notebookDocSchema>;
export type NotebookCell = z.output<typeof notebookCellSchema>;
export type NotebookOutput = z.output<typeof notebookOutputSchema>;
/** A save that sends only the changed cells (see `notebookPatchSchema`). */
export type NotebookPatch = z.output<typeof notebookPatchSchema>;
export type OpenNotebook = z.output<typeof openNotebookSchema>;
