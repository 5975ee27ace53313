import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { OrreryError } from '../../../app/contract';

/** The shell a terminal runs: its file and arguments. */
export interface ShellCommand {
  readonly file: string;
  readonly args: readonly string[];
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Picks the shell: the `terminalShell` setting, else $SHELL, else /bin/bash, else /bin/sh (on Windows %COMSPEC%,
 * else powershell.exe). A configured shell that is missing is an error the user can fix, never silently replaced.
 */
export async function resolveShell(
  configured: string | null | undefined,
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = process.platform,
): Promise<ShellCommand> {
  // A login shell on macOS reads the profile that sets PATH (Terminal.app does the same); elsewhere a plain one.
  const args = platform === 'darwin' ? ['-l'] : [];
  if (configured) {
    if (platform === 'win32' || (await isExecutable(configured))) return { file: configured, args };
    throw new OrreryError(
      'not_found',
      `The terminal shell "${configured}" from the settings does not exist or is not executable; change the terminal shell in the settings (or clear it to use $SHELL).`,
    );
  }
  if (platform === 'win32') return { file: env.COMSPEC || 'powershell.exe', args: [] };
  for (const candidate of [env.SHELL, '/bin/bash', '/bin/sh']) {
    if (candidate && path.isAbsolute(candidate) && (await isExecutable(candidate))) return { file: candidate, args };
  }
  throw new OrreryError('not_found', 'No shell was found ($SHELL, /bin/bash, /bin/sh); set the terminal shell in the settings.');
}

/** Variables of the parent that must not leak into a user's shell (they would change how tools behave there). */
const dropped = new Set(['ELECTRON_RUN_AS_NODE', 'ELECTRON_NO_ATTACH_CONSOLE', 'ORRERY_TOKEN']);

/**
 * The environment of a terminal's shell: the parent's, with the project's default Python env activated when
 * `activate` is given (PATH, VIRTUAL_ENV / CONDA_PREFIX), plus what a terminal needs and what names the project.
 */
export function buildTerminalEnv(
  parent: NodeJS.ProcessEnv,
  projectPath: string,
  activate?: (base: NodeJS.ProcessEnv) => NodeJS.ProcessEnv,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(activate ? activate(parent) : parent)) {
    if (value !== undefined && !dropped.has(key)) env[key] = value;
  }
  env.TERM = 'xterm-256color';
  env.COLORTERM = 'truecolor';
  env.TERM_PROGRAM = 'Orrery';
  env.ORRERY_PROJECT = projectPath;
  return env;
}
