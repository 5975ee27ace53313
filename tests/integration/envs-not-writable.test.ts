// A pip install into an env the user cannot write: refused with not_writable before pip runs, the env untouched.
// Root ignores permission bits, so as root the install runs in a child process as nobody (65534) against a
// root-owned venv: the EACCES is real.
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleChild, spawnChild, waitForExit } from './store-child';

const repoRoot = path.resolve(__dirname, '..', '..');
let base = '';

beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'orrery-env-locked-'));
  await chmod(base, 0o755);
});
afterAll(() => rm(base, { recursive: true, force: true }));

/** Runs runPip as the user the child starts as; prints its error (or that it ran) as JSON. */
const installSource = `
import { EventBus } from './main/core/event-bus';
import { createProcessRunner } from './main/core/process-runner';
import { TaskRegistry } from './main/core/tasks';
import { runPip } from './main/services/envs/packages';
import { isOrreryError } from './app/contract';

const [prefix, probeScript, home] = process.argv.slice(2) as [string, string, string];
const env = { id: 'e1', name: 'locked', kind: 'venv', prefix, python: prefix + '/bin/python', hasPip: true } as never;
const tasks = new TaskRegistry(new EventBus());
tasks
  .run(undefined, 'install', (task) => runPip(env, ['-m', 'pip', 'install', 'nothing-to-find'], task, { runner: createProcessRunner(), env: { PATH: '/usr/bin:/bin', HOME: home }, probeScript, conda: null, live: new Set() }))
  .then(
    () => process.stdout.write(JSON.stringify({ uid: process.getuid?.(), ran: true })),
    (error: unknown) => process.stdout.write(JSON.stringify({ uid: process.getuid?.(), code: isOrreryError(error) ? error.code : 'other', message: String((error as Error).message) })),
  );
`;

describe('packages in an env the user cannot write', () => {
  it('refuses with not_writable, naming the folder and what to do, and leaves the env as it was', async () => {
    const prefix = path.join(base, 'venv');
    execFileSync('/usr/bin/python3', ['-m', 'venv', '--system-site-packages', '--without-pip', prefix], { stdio: 'ignore' });
    const before = (await readdir(prefix)).sort();
    const home = path.join(base, 'home');
    await mkdir(home, { mode: 0o777 });
    await chmod(home, 0o777);
    const bundle = await bundleChild(installSource, base, 'install-as-nobody');
    const isRoot = process.getuid?.() === 0;
    // Not root: permission bits do stop this user, so the child runs as this user against a read-only prefix.
    if (!isRoot) await chmod(prefix, 0o555);
    const child = spawnChild(bundle, [prefix, path.join(repoRoot, 'resources', 'python', 'orrery_env_probe.py'), home], isRoot ? { uid: 65534, gid: 65534 } : {});
    const exit = await waitForExit(child, 60_000).finally(() => (isRoot ? undefined : chmod(prefix, 0o755)));
    expect(exit.stderr).toBe('');
    const report = JSON.parse(exit.stdout) as { uid: number; code?: string; message?: string };
    if (isRoot) expect(report.uid).toBe(65534);
    expect(report.code).toBe('not_writable');
    expect(report.message).toMatch(/is not writable by you, so packages cannot be changed there; create a venv from it instead/);
    expect((await readdir(prefix)).sort()).toEqual(before);
  });
});
