import { z } from 'zod';
import { call, event, noInput } from './define';

const absolutePath = z.string().min(1).max(4096);

export const projectSchema = z.object({
  id: z.string(),
  name: z.string(),
  path: z.string(),
  createdAt: z.number(),
  openedAt: z.number(),
  schemaVersion: z.number().int(),
});

export const recentProjectSchema = z.object({
  path: z.string(),
  name: z.string(),
  openedAt: z.number(),
  /** False when the folder or its store has gone since it was last opened. */
  exists: z.boolean(),
});

export const projectInfoSchema = z.object({
  project: projectSchema,
  dbPath: z.string(),
  dbBytes: z.number(),
  journalMode: z.string(),
  artifactCount: z.number().int(),
  artifactBytes: z.number(),
  tables: z.array(z.object({ name: z.string(), rows: z.number().int() })),
});

/** Calls on projects: a project is a folder with `.orrery/project.db` beside the user's files. */
export const projectCalls = {
  'project.current': call('The open project, or null', noInput, projectSchema.nullable()),
  'project.create': call(
    'Create a project in a folder (made if missing) and open it',
    z
      .object({
        path: absolutePath,
        name: z.string().min(1).max(200).optional(),
        /** Copy the sample notebooks, training script and dataset into it. */
        sample: z.boolean().optional(),
      })
      .strict(),
    projectSchema,
  ),
  'project.open': call('Open an existing project folder', z.object({ path: absolutePath }).strict(), projectSchema),
  'project.close': call('Close the open project (its terminals end)', noInput, z.object({ closed: z.boolean() })),
  'project.recent': call('Recently opened projects, newest first', noInput, z.array(recentProjectSchema)),
  'project.info': call(
    'Facts about a project store (the open one unless a path is given)',
    z.object({ path: absolutePath.optional() }).strict().optional(),
    projectInfoSchema,
  ),
} as const;

/** Events about projects. */
export const projectEvents = {
  'project.changed': event('The open project changed (opened, closed, switched)', z.object({ project: projectSchema.nullable() })),
} as const;
