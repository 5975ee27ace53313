import { realpath } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { OrreryError } from '../../app/contract';

/** The OS user-data folder Electron would use for an app named Orrery; ORRERY_HOME overrides it. */
export function resolveUserHome(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.ORRERY_HOME) return path.resolve(env.ORRERY_HOME);
  const home = os.homedir();
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Orrery');
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Orrery');
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'Orrery');
}

/** Where new projects (the sample first) go: ORRERY_PROJECTS_DIR, else $ORRERY_HOME/projects when ORRERY_HOME is set, else ~/Orrery. */
export function resolveProjectsDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ORRERY_PROJECTS_DIR) return path.resolve(env.ORRERY_PROJECTS_DIR);
  if (env.ORRERY_HOME) return path.join(path.resolve(env.ORRERY_HOME), 'projects');
  return path.join(os.homedir(), 'Orrery');
}

/** Roots that path arguments must stay inside: ORRERY_ROOTS (path-list) or the user's home and the temp folder. */
export function resolveAllowedRoots(env: NodeJS.ProcessEnv = process.env): string[] {
  const fromEnv = env.ORRERY_ROOTS?.split(path.delimiter).filter(Boolean);
  const roots = fromEnv && fromEnv.length > 0 ? fromEnv : [os.homedir(), os.tmpdir()];
  return [...new Set(roots.map((root) => path.resolve(root)))];
}

/** True when `child` is `parent` or lies inside it (both absolute and normalised). */
export function isInside(parent: string, child: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** Resolves the deepest existing ancestor through symlinks, then re-appends the missing tail. */
async function realpathAllowMissing(target: string): Promise<string> {
  const missing: string[] = [];
  let current = target;
  for (;;) {
    try {
      const real = await realpath(current);
      return path.join(real, ...missing.reverse());
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return target;
      missing.push(path.basename(current));
      current = parent;
    }
  }
}

/** Checks a user-given path against the allowed roots (after symlinks); answers its absolute real form. */
export async function checkPathInRoots(input: string, roots: readonly string[], field = 'path'): Promise<string> {
  if (input.includes('\u0000')) throw new OrreryError('invalid_input', `${field}: contains a NUL character.`);
  if (!path.isAbsolute(input)) {
    throw new OrreryError('invalid_input', `${field}: "${input}" is not an absolute path; give the full path of the folder.`);
  }
  const real = await realpathAllowMissing(path.resolve(input));
  for (const root of roots) {
    const realRoot = await realpathAllowMissing(root);
    if (isInside(realRoot, real)) return real;
  }
  throw new OrreryError(
    'path_outside_root',
    `${field}: ${input} is outside the folders Orrery may use (${roots.join(', ')}). Choose a folder inside one of them, or start Orrery with ORRERY_ROOTS naming that folder.`,
  );
}
