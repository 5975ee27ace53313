import { z } from 'zod';
import { call, event, noInput } from './define';

/** Which face is talking to the services. */
export const hostKindSchema = z.enum(['electron', 'web', 'cli']);

export const appInfoSchema = z.object({
  name: z.literal('Orrery'),
  version: z.string(),
  host: hostKindSchema,
  platform: z.string(),
  nodeVersion: z.string(),
  electronVersion: z.string().nullable(),
  userHome: z.string(),
  /** Roots that path arguments must stay inside. */
  allowedRoots: z.array(z.string()),
  /** True when a native folder picker exists (Electron); the web host asks for a typed path. */
  canPickFolder: z.boolean(),
});

export const themeSchema = z.enum(['dark', 'light', 'system']);

export const settingsSchema = z.object({
  theme: themeSchema,
  terminalFontSize: z.number().int().min(8).max(32),
  terminalShell: z.string().nullable(),
});

export const settingsPatchSchema = settingsSchema.partial().strict();

/** Calls that describe the app and the user's settings. */
export const appCalls = {
  'app.info': call('What this Orrery is and where it keeps its data', noInput, appInfoSchema),
  'app.pickFolder': call(
    'Native folder picker (Electron only); answers null when cancelled',
    z.object({ title: z.string().max(200).optional() }).strict().optional(),
    z.object({ path: z.string().nullable() }),
  ),
  'settings.get': call('The user settings', noInput, settingsSchema),
  'settings.update': call('Change some settings; answers all of them', settingsPatchSchema, settingsSchema),
} as const;

/** Events about the app itself. */
export const appEvents = {
  'settings.changed': event('Settings changed (any face)', settingsSchema),
} as const;
