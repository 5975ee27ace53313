import { access, constants, mkdir, readFile, writeFile } from 'node:fs/promises';
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

/**
 * The start-up file of a bash terminal whose project has an env. bash reads it instead of ~/.bashrc, so it runs
 * the usual files first (/etc/bash.bashrc, ~/.bashrc: `pyenv init` or `conda init` there put their own folders
 * first on PATH, or activate conda's base), then activates the project's env on top, as VS Code's terminals do:
 * a venv's own bin/activate (its prompt and `deactivate` included), `conda activate` where conda's shell function
 * exists, PYENV_VERSION for a pyenv version; whatever the kind, the env's bin ends up first on PATH.
 */
export const bashStartup = `# Orrery: the usual start-up files, then the project's env on top of what they changed.
if [ -r /etc/bash.bashrc ]; then . /etc/bash.bashrc; fi
if [ -r ~/.bashrc ]; then . ~/.bashrc; fi
if [ -n "\${ORRERY_ENV_BIN:-}" ]; then
  case "\${ORRERY_ENV_KIND:-}" in
    venv|uv)
      if [ -r "$ORRERY_ENV_PREFIX/bin/activate" ]; then . "$ORRERY_ENV_PREFIX/bin/activate"; else export VIRTUAL_ENV="$ORRERY_ENV_PREFIX"; fi ;;
    conda)
      if [ "$(type -t conda)" = function ]; then conda activate "$ORRERY_ENV_PREFIX"; else export CONDA_PREFIX="$ORRERY_ENV_PREFIX"; fi ;;
    pyenv)
      export PYENV_VERSION="\${ORRERY_ENV_PREFIX##*/}" ;;
  esac
  __orrery_rest=":$PATH:"
  while [ "\${__orrery_rest#*":$ORRERY_ENV_BIN:"}" != "$__orrery_rest" ]; do __orrery_rest="\${__orrery_rest/":$ORRERY_ENV_BIN:"/:}"; done
  __orrery_rest="\${__orrery_rest#:}"
  export PATH="$ORRERY_ENV_BIN\${__orrery_rest:+:\${__orrery_rest%:}}"
  unset __orrery_rest
fi
unset ORRERY_ENV_KIND ORRERY_ENV_PREFIX ORRERY_ENV_BIN
`;

/**
 * The shell's arguments with Orrery's start-up file where it has one: an interactive, non-login bash on Linux
 * (a login shell, as on macOS, reads the profile instead) when the project has an env (`ORRERY_ENV_BIN` in its
 * variables). The file is written once into `dir`, a folder of the user's own (a shared temp folder would let
 * another user put commands in it).
 */
export async function startupArgs(shell: ShellCommand, env: Record<string, string>, dir: string | undefined): Promise<readonly string[]> {
  if (!dir || !env.ORRERY_ENV_BIN || path.basename(shell.file) !== 'bash' || shell.args.length > 0) return shell.args;
  const file = path.join(dir, 'bashrc');
  const current = await readFile(file, 'utf8').catch(() => null);
  if (current !== bashStartup) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(file, bashStartup, { mode: 0o600 });
  }
  return ['--rcfile', file];
}
