// `orrery env ...` as users run it: the bundled CLI in a child process with a fresh ORRERY_HOME and HOME, the
// machine's interpreters, a venv created in a project, packages from a local wheel, snapshots, diff and export.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { bundledCli } from './cli-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { envDiffSchema, envLockSchema, envPackageSchema, envSchema } from '../../app/contract';
import { buildWheel, writePackage } from './envs-harness';

const repoRoot = path.resolve(__dirname, '..', '..');
let cli: string;
let base: string;
let project: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  base = await realpath(await mkdtemp(path.join(os.tmpdir(), 'orrery-cli-env-')));
  project = path.join(base, 'project');
  await mkdir(path.join(base, 'home'));
  cli = bundledCli();
  env = {
    PATH: process.env.PATH,
    HOME: path.join(base, 'home'),
    PYENV_ROOT: process.env.PYENV_ROOT ?? path.join(os.homedir(), '.pyenv'),
    LANG: 'C.UTF-8',
    NODE_PATH: path.join(repoRoot, 'node_modules'),
    ORRERY_HOME: path.join(base, 'orrery'),
    ORRERY_PROJECTS_DIR: path.join(base, 'projects'),
    ORRERY_ROOTS: base,
    ORRERY_LOG_LEVEL: 'warn',
    PIP_NO_INDEX: '1',
  };
});

afterAll(async () => {
  if (base) await rm(base, { recursive: true, force: true });
});

function orrery(args: readonly string[], extra: NodeJS.ProcessEnv = {}): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cli, ...args], { cwd: base, env: { ...env, ...extra }, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function json<T>(schema: z.ZodType<T>, args: readonly string[]): T {
  const result = orrery([...args, '--json']);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return schema.parse(JSON.parse(result.stdout));
}

function expectFailure(result: ReturnType<typeof orrery>, code: number, contains: string): void {
  expect(result.code).toBe(code);
  expect(result.stdout).toBe('');
  expect(result.stderr).toContain(contains);
  if (code === 1) expect(result.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^orrery: /) as string]);
}

describe('orrery env', () => {
  it.each(['list', 'show', 'register', 'tools', 'create', 'use', 'packages', 'install', 'uninstall', 'lock', 'locks', 'diff', 'export', 'recreate'])('env %s --help exits 0', (name) => {
    const result = orrery(['env', name, '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: orrery env/);
  });

  it('lists the machine\'s interpreters as JSON, the Debian python3 and pyenv 3.11.7 among them', () => {
    const envs = json(z.array(envSchema), ['env', 'list', '--refresh']);
    expect(envs.find((item) => item.kind === 'system' && item.hasIpykernel)).toBeDefined();
    expect(envs.find((item) => item.kind === 'pyenv' && item.version === '3.11.7')).toBeDefined();
    const text = orrery(['env', 'list']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/\d+ environments/);
  });

  it('creates a venv in a project, installs a wheel into it by path, snapshots, diffs and exports', async () => {
    expect(orrery(['project', 'create', project]).code).toBe(0);
    const created = json(envSchema, ['env', 'create', '--project', project, '--python', '/usr/bin/python3', '--system-site-packages']);
    expect(created).toMatchObject({ kind: 'venv', prefix: path.join(project, '.venv') });
    expect(orrery(['env', 'list', '--project', project]).stdout).toMatch(new RegExp(`^\\* .*${created.id}$`, 'm'));

    const pkgs = path.join(base, 'pkgs');
    await mkdir(pkgs);
    const wheel = buildWheel(await writePackage(pkgs, 'orrerycli', '1.0'), pkgs);
    const first = json(envLockSchema, ['env', 'lock', created.id, '--project', project, '--note', 'clean']);
    const installed = orrery(['env', 'install', path.join(project, '.venv'), wheel]);
    expect(installed.code).toBe(0);
    expect(installed.stdout).toContain('Successfully installed orrerycli-1.0');
    const packages = json(z.array(envPackageSchema), ['env', 'packages', created.id]);
    expect(packages).toContainEqual({ name: 'orrerycli', version: '1.0', editableLocation: null });
    const second = json(envLockSchema, ['env', 'lock', created.id, '--project', project]);
    expect(json(z.array(envLockSchema), ['env', 'locks', '--project', project]).map((lock) => lock.id)).toEqual([second.id, first.id]);
    const diff = json(envDiffSchema, ['env', 'diff', first.id, second.id, '--project', project]);
    expect(diff.added.map((entry) => entry.name)).toEqual(['orrerycli']);
    const out = path.join(base, 'req.txt');
    expect(orrery(['env', 'export', second.id, '-o', out, '--project', project]).code).toBe(0);
    expect(await readFile(out, 'utf8')).toContain('orrerycli @ file://');
    expect(orrery(['env', 'export', second.id, '--format', 'environment-yml', '--project', project]).stdout).toMatch(/^name: /);

    const removed = orrery(['env', 'uninstall', created.id, 'orrerycli']);
    expect(removed.code).toBe(0);
    expect(orrery(['env', 'use', '--clear', '--project', project]).stdout).toContain('cleared');
    expect(orrery(['env', 'use', created.id, '--project', project]).stdout).toContain(created.id);
  });

  it('answers bad input with one clear line and the right exit code', () => {
    expectFailure(orrery(['env', 'show', 'no-such-env']), 1, 'No environment "no-such-env"');
    expectFailure(orrery(['env', 'packages', './no/such/folder']), 1, 'does not exist');
    expectFailure(orrery(['env', 'use', 'x']), 2, 'needs a project');
    expectFailure(orrery(['env', 'lock', 'x']), 2, 'needs a project');
    expectFailure(orrery(['env', 'create', '--kind', 'conda', '--name', 'x']), 1, 'not installed');
    expectFailure(orrery(['env', 'create', '--kind', 'bogus', '--path', path.join(base, 'b')]), 1, 'kind');
    expectFailure(orrery(['env', 'diff', 'lock_a', 'lock_b', '--project', project]), 1, 'No snapshot lock_a');
    expectFailure(orrery(['env', 'install', path.join(project, '.venv')]), 1, 'Nothing to install');
  });
});
