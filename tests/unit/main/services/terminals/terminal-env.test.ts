import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOrreryError } from '../../../../../app/contract';
import { bashStartup, buildTerminalEnv, resolveShell, startupArgs } from '../../../../../main/services/terminals/terminal-env';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'orrery-shell-'));
  await writeFile(path.join(dir, 'not-executable'), '#!/bin/sh\n', { mode: 0o644 });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('resolveShell', () => {
  it('prefers the setting, then $SHELL, then /bin/bash', async () => {
    expect(await resolveShell('/bin/sh', { SHELL: '/bin/bash' }, 'linux')).toEqual({ file: '/bin/sh', args: [] });
    expect(await resolveShell(null, { SHELL: '/bin/sh' }, 'linux')).toEqual({ file: '/bin/sh', args: [] });
    expect(await resolveShell(null, {}, 'linux')).toEqual({ file: '/bin/bash', args: [] });
    expect(await resolveShell(null, { SHELL: path.join(dir, 'missing') }, 'linux')).toEqual({ file: '/bin/bash', args: [] });
    expect((await resolveShell(null, { SHELL: '/bin/sh' }, 'darwin')).args).toEqual(['-l']);
  });

  it('refuses a configured shell that is missing or not executable, saying where to fix it', async () => {
    for (const shell of [path.join(dir, 'missing'), path.join(dir, 'not-executable')]) {
      const error = await resolveShell(shell, { SHELL: '/bin/bash' }, 'linux').catch((e: unknown) => e);
      expect(isOrreryError(error) && error.code).toBe('not_found');
      expect((error as Error).message).toContain('settings');
    }
  });

  it('uses COMSPEC, else powershell, on Windows', async () => {
    expect(await resolveShell(null, { COMSPEC: 'C:\\Windows\\cmd.exe' }, 'win32')).toEqual({ file: 'C:\\Windows\\cmd.exe', args: [] });
    expect(await resolveShell(null, {}, 'win32')).toEqual({ file: 'powershell.exe', args: [] });
  });
});

describe('buildTerminalEnv', () => {
  it('adds the terminal variables and the project, keeps the rest, drops Electron and undefined', () => {
    const env = buildTerminalEnv({ PATH: '/bin', TERM: 'dumb', ELECTRON_RUN_AS_NODE: '1', EMPTY: undefined }, '/p');
    expect(env).toEqual({ PATH: '/bin', TERM: 'xterm-256color', COLORTERM: 'truecolor', TERM_PROGRAM: 'Orrery', ORRERY_PROJECT: '/p' });
  });
});

describe('startupArgs', () => {
  it('gives an interactive bash with a project env Orrery\'s start-up file, written once; other shells start as they are', async () => {
    const shellDir = path.join(dir, 'shell');
    const env = { ORRERY_ENV_BIN: '/p/.venv/bin' };
    expect(await startupArgs({ file: '/bin/bash', args: [] }, env, shellDir)).toEqual(['--rcfile', path.join(shellDir, 'bashrc')]);
    expect(await readFile(path.join(shellDir, 'bashrc'), 'utf8')).toBe(bashStartup);
    expect(await startupArgs({ file: '/bin/bash', args: [] }, {}, shellDir)).toEqual([]);
    expect(await startupArgs({ file: '/bin/bash', args: ['-l'] }, env, shellDir)).toEqual(['-l']);
    expect(await startupArgs({ file: '/usr/bin/zsh', args: [] }, env, shellDir)).toEqual([]);
    expect(await startupArgs({ file: '/bin/bash', args: [] }, env, undefined)).toEqual([]);
  });
});

describe('bashStartup', () => {
  /** What an interactive bash with the start-up file prints for `command`, in a HOME holding `bashrc`. */
  async function run(bashrc: string, vars: Record<string, string>, command: string): Promise<string> {
    const home = await mkdtemp(path.join(dir, 'home-'));
    await writeFile(path.join(home, '.bashrc'), bashrc);
    const rcfile = path.join(home, 'orrery-bashrc');
    await writeFile(rcfile, bashStartup);
    return execFileSync('/bin/bash', ['--rcfile', rcfile, '-i', '-c', command], { env: { PATH: '/usr/bin:/bin', HOME: home, ...vars }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  }
  const report = 'echo "P=$PATH C=${CONDA_PREFIX:-} Y=${PYENV_VERSION:-} K=${ORRERY_ENV_KIND:-unset}"';

  it('runs `conda activate` when conda init made the function, and sets CONDA_PREFIX itself when not', async () => {
    const vars = { ORRERY_ENV_KIND: 'conda', ORRERY_ENV_PREFIX: '/opt/conda/envs/x', ORRERY_ENV_BIN: '/opt/conda/envs/x/bin', PATH: '/opt/conda/envs/x/bin:/usr/bin:/bin' };
    const init = 'conda() { echo "conda $*"; export CONDA_PREFIX="$2"; }\nexport PATH="/opt/conda/bin:$PATH"\nexport CONDA_PREFIX=/opt/conda\n';
    expect(await run(init, vars, report)).toBe('conda activate /opt/conda/envs/x\nP=/opt/conda/envs/x/bin:/opt/conda/bin:/usr/bin:/bin C=/opt/conda/envs/x Y= K=unset\n');
    expect(await run('export CONDA_PREFIX=/opt/conda\n', vars, report)).toBe('P=/opt/conda/envs/x/bin:/usr/bin:/bin C=/opt/conda/envs/x Y= K=unset\n');
  });

  it('sets PYENV_VERSION for a pyenv version, and leaves a shell with no project env as its start-up files made it', async () => {
    const pyenv = { ORRERY_ENV_KIND: 'pyenv', ORRERY_ENV_PREFIX: '/root/.pyenv/versions/3.11.7', ORRERY_ENV_BIN: '/root/.pyenv/versions/3.11.7/bin' };
    expect(await run('export PATH="/root/.pyenv/shims:$PATH"\n', pyenv, report)).toBe('P=/root/.pyenv/versions/3.11.7/bin:/root/.pyenv/shims:/usr/bin:/bin C= Y=3.11.7 K=unset\n');
    expect(await run('export PATH="/root/.pyenv/shims:$PATH"\n', {}, report)).toBe('P=/root/.pyenv/shims:/usr/bin:/bin C= Y= K=unset\n');
  });
});
