import type { z } from 'zod';
import type {
  appInfoSchema,
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
