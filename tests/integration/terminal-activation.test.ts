// A terminal in a project with a venv, for a user whose ~/.bashrc puts its own folders first on PATH (as `pyenv init`
// and `conda init` do): the venv is still the one `python` runs, activated after the user's start-up file ran.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Env } from '../../app/models';
import { terminalActivationEnv } from '../../main/services/envs/activation';
import { createInProcessPtyHost } from '../../main/services/terminals/pty-host';
import { createHarness, waitFor, type Harness } from './terminal-harness';

let harness: Harness | null = null;
let startupDir = '';
afterEach(async () => {
  await harness?.dispose();
  harness = null;
  if (startupDir) await rm(path.dirname(startupDir), { recursive: true, force: true });
});

/** A real venv (no pip: quick) in the project folder, as the env service describes it. */
function venvIn(folder: string): Env {
  const prefix = path.join(folder, '.venv');
  execFileSync('/usr/bin/python3', ['-m', 'venv', '--without-pip', prefix]);
  return { id: 'env1', name: '.venv', kind: 'venv', python: path.join(prefix, 'bin', 'python'), prefix, version: '3', hasIpykernel: false, hasPip: false, missing: false } as unknown as Env;
}

describe('terminal env activation', () => {
  it('activates the project venv after a ~/.bashrc that changed PATH and VIRTUAL_ENV, and runs that file first', async () => {
    let env: Env | null = null;
    startupDir = path.join(await mkdtemp(path.join(os.tmpdir(), 'orrery-startup-')), 'shell');
    harness = await createHarness(createInProcessPtyHost, undefined, {
      activateEnv: (base) => (env ? terminalActivationEnv(env, base) : base),
      startupDir,
    });
    const h = harness;
    env = venvIn(h.projectDir);
    await writeFile(path.join(h.home, '.bashrc'), 'export PATH="/opt/fake-pyenv/shims:$PATH"\nexport VIRTUAL_ENV=/elsewhere\nexport FROM_USER_RC=yes\nPS1="$ "\n');
    const terminal = await h.service.create({});
    h.service.write(terminal.id, 'printf "P=%s|V=%s|U=%s|L=%s\\n" "$PATH" "$VIRTUAL_ENV" "$FROM_USER_RC" "${ORRERY_ENV_BIN:-unset}"; echo "PY=$(command -v python)"; echo "DEACT=$(type -t deactivate)"\r');
    await waitFor('the printed variables', () => /DEACT=\S*\r?\n/.test(h.output(terminal.id)));
    const output = h.output(terminal.id);
    const bin = path.join(env.prefix, 'bin');
    expect(output).toContain(`P=${bin}:/opt/fake-pyenv/shims:`);
    // Only once on PATH, though both the terminal's variables and bin/activate put it there.
    expect(/P=(\/[^|]*)\|/.exec(output)![1]!.split(':').filter((dir) => dir === bin)).toHaveLength(1);
    expect(output).toContain(`|V=${env.prefix}|U=yes|L=unset`);
    expect(output).toContain(`PY=${path.join(bin, 'python')}`);
    // The venv's own activate script ran: `deactivate` exists, as after `source .venv/bin/activate`.
    expect(output).toContain('DEACT=function');
  });
});
