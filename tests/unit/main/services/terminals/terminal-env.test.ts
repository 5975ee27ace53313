import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOrreryError } from '../../../../../app/contract';
import { buildTerminalEnv, resolveShell } from '../../../../../main/services/terminals/terminal-env';

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
