// The whole core (createCore, the dispatcher, the real EnvService): a venv made from Debian's python3 with
// --system-site-packages is registered, a notebook created in it, its kernel runs in the venv; a cell keeps
// producing output while no view listens, and notebook.open shows all of it; closing the project ends the kernel.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallName, CallOutput } from '../../app/contract';
import { joinSource } from '../../app/lib/notebook';
import { createCore, type Core } from '../../main/core/core';
import { callOrThrow } from '../../main/core/dispatch';
import { silentLogger } from '../../main/core/logger';
import { alive, waitFor } from '../fixtures/notebooks/kernel-harness';

const repoRoot = path.resolve(__dirname, '..', '..');
let base = '';
let core: Core;
const call = <N extends CallName>(name: N, input?: unknown): Promise<CallOutput<N>> => callOrThrow(core.dispatch, name, input, { host: 'cli', clientId: 'test' });

beforeAll(async () => {
  base = await realpath(await mkdtemp(path.join(os.tmpdir(), 'orrery-nbcore-')));
  await mkdir(path.join(base, 'home'));
  const env = { ...process.env, ORRERY_HOME: path.join(base, 'home'), ORRERY_PROJECTS_DIR: path.join(base, 'projects'), ORRERY_ROOTS: base };
  core = createCore({ host: 'cli', env, userHome: path.join(base, 'home'), allowedRoots: [base], resourcesDir: path.join(repoRoot, 'resources'), logger: silentLogger });
});
afterAll(async () => {
  await core.dispose();
  await rm(base, { recursive: true, force: true });
});

describe('notebooks through the core', () => {
  it('runs a kernel in a registered venv, keeps outputs for a closed view, and ends with the project', async () => {
    const projectDir = path.join(base, 'proj');
    await call('project.create', { path: projectDir });
    const venv = path.join(projectDir, '.venv');
    execFileSync('/usr/bin/python3', ['-m', 'venv', '--system-site-packages', '--without-pip', venv]);
    const env = await call('env.register', { path: venv });
    expect(env.hasIpykernel).toBe(true);
    const specs = await call('kernel.specs', { envId: env.id });
    expect(specs[0]).toMatchObject({ envId: env.id, problem: null });

    const file = path.join(projectDir, 'live.ipynb');
    const created = await call('notebook.create', { path: file, envId: env.id });
    const cellId = created.notebook.cells[0]!.id!;
    const kernel = await call('kernel.start', { notebookPath: file, envId: env.id });
    expect(kernel).toMatchObject({ envId: env.id, status: 'idle' });
    const code = 'import sys, time\nprint(sys.prefix, flush=True)\nfor i in range(6):\n    print("tick", i, flush=True)\n    time.sleep(0.1)';
    await call('kernel.execute', { kernelId: kernel.id, cellId, code });
    // No view listens; reopening shows what the cell produced meanwhile.
    let reopened = await call('notebook.open', { path: file });
    for (let i = 0; i < 200 && reopened.runs[0]?.state !== 'ok'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      reopened = await call('notebook.open', { path: file });
    }
    expect(reopened.kernel?.id).toBe(kernel.id);
    const run = reopened.runs.find((r) => r.cellId === cellId)!;
    expect(run.state).toBe('ok');
    const text = joinSource(run.outputs[0]!.text as string);
    expect(text.split('\n')[0]).toBe(venv);
    expect(text).toContain('tick 5');

    await call('kernel.forget', { notebookPath: file });
    expect((await call('notebook.open', { path: file })).runs).toEqual([]);
    expect(alive(kernel.pid!)).toBe(true);
    await call('project.close');
    await waitFor('the kernel to end with the project', () => !alive(kernel.pid!), 15_000);
    expect(await call('kernel.list')).toEqual([]);
  });
});
