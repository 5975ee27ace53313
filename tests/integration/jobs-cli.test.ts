// `orrery run` and `orrery jobs` as users run them: the bundled CLI in a child process. `run` streams the script's
// output and exits with its exit code; a missing script is a one-line failure; `jobs list --json` lists both.
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { bundledCli } from './cli-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { jobSchema } from '../../app/contract/jobs';

const repoRoot = path.resolve(__dirname, '..', '..');
let cli: string;
let base: string;
let project: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  base = await realpath(await mkdtemp(path.join(os.tmpdir(), 'orrery-cli-jobs-')));
  project = path.join(base, 'project');
  await mkdir(path.join(base, 'home'));
  await mkdir(project);
  cli = bundledCli();
  env = {
    PATH: process.env.PATH,
    HOME: path.join(base, 'home'),
    LANG: 'C.UTF-8',
    NODE_PATH: path.join(repoRoot, 'node_modules'),
    ORRERY_HOME: path.join(base, 'orrery'),
    ORRERY_ROOTS: base,
    ORRERY_LOG_LEVEL: 'warn',
    ORRERY_PROJECT: project,
  };
  expect(orrery(['project', 'create', project]).code).toBe(0);
  await writeFile(path.join(project, 'ok.py'), 'import sys\nprint("hi", sys.argv[1:])\nprint("warn", file=sys.stderr)\n');
  await writeFile(path.join(project, 'three.py'), 'raise SystemExit(3)\n');
});

afterAll(async () => {
  if (base) await rm(base, { recursive: true, force: true });
});

function orrery(args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cli, ...args], { cwd: project, env, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('orrery run and orrery jobs', () => {
  it('runs a script in the foreground and exits with its exit code', () => {
    const ok = orrery(['run', '--env', '/usr/bin/python3', 'ok.py', 'a', '--flag']);
    expect(ok.stderr).toBe('warn\n');
    expect(ok.stdout).toBe("hi ['a', '--flag']\n");
    expect(ok.code).toBe(0);
    const three = orrery(['run', '--env', '/usr/bin/python3', 'three.py']);
    expect(three.code).toBe(3);
    expect(three.stderr).toMatch(/^orrery: job job_[a-z0-9]+ failed: Exited with code 3\n$/);
  });

  it('fails with one line for a missing script', () => {
    const missing = orrery(['run', '--env', '/usr/bin/python3', 'nope.py']);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toContain('nope.py does not exist');
    expect(missing.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('cancels the job on Ctrl+C and exits with 130', async () => {
    await writeFile(path.join(project, 'wait.py'), 'import time\nprint("ready", flush=True)\ntime.sleep(600)\n');
    const child = spawn(process.execPath, [cli, 'run', '--env', '/usr/bin/python3', 'wait.py'], { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('ready')) resolve();
      }),
    );
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toContain('cancelled');
    const jobs = z.array(jobSchema).parse(JSON.parse(orrery(['jobs', 'list', '--json']).stdout));
    expect(jobs[0]).toMatchObject({ name: 'wait.py', state: 'cancelled' });
    expect(() => process.kill(jobs[0]!.pid!, 0)).toThrow();
  });

  it('cancels a job another process runs with `orrery jobs cancel`', async () => {
    const child = spawn(process.execPath, [cli, 'run', '--env', '/usr/bin/python3', 'wait.py'], { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await new Promise<void>((resolve) => child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve()));
    const running = z.array(jobSchema).parse(JSON.parse(orrery(['jobs', 'list', '--json']).stdout))[0]!;
    expect(running.state).toBe('running');
    const cancelled = orrery(['jobs', 'cancel', running.id]);
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toContain('cancelled');
    expect(await exited).toBe(130);
  });

  it('lists the jobs as JSON, newest first', () => {
    const listed = orrery(['jobs', 'list', '--json']);
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
    const jobs = z.array(jobSchema).parse(JSON.parse(listed.stdout));
    expect(jobs.map((job) => [path.basename(job.script), job.state])).toEqual([
      ['wait.py', 'cancelled'],
      ['wait.py', 'cancelled'],
      ['three.py', 'failed'],
      ['ok.py', 'succeeded'],
    ]);
  });
});
