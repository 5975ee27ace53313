// The `orrery` CLI as users run it: the bundled out/main/cli.cjs in a child process, a fresh ORRERY_HOME.
// Exit codes (0 ok, 1 failure with one `orrery: ` line, 2 usage), --help everywhere, --json output that
// parses as the contract's objects, and `serve` printing its URL, answering, and exiting cleanly on SIGTERM.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { bundledCli } from './cli-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectInfoSchema, projectSchema } from '../../app/contract';
import { waitFor } from './web-host-harness';

const repoRoot = path.resolve(__dirname, '..', '..');
let cli: string;
let base: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  base = await realpath(await mkdtemp(path.join(os.tmpdir(), 'orrery-cli-')));
  await mkdir(path.join(base, 'home'));
  cli = bundledCli();
  env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LANG: 'C.UTF-8',
    NODE_PATH: path.join(repoRoot, 'node_modules'),
    ORRERY_HOME: path.join(base, 'home'),
    ORRERY_PROJECTS_DIR: path.join(base, 'projects'),
    ORRERY_ROOTS: base,
    ORRERY_LOG_LEVEL: 'warn',
  };
});

afterAll(async () => {
  if (base) await rm(base, { recursive: true, force: true });
});

/** Runs the CLI to completion. */
function orrery(args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cli, ...args], { cwd: base, env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 30_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A failure: exit 1 and exactly one line on stderr, `orrery: ...`. */
function expectFailure(result: ReturnType<typeof orrery>, contains: string): void {
  expect(result.code).toBe(1);
  expect(result.stdout).toBe('');
  expect(result.stderr.endsWith('\n')).toBe(true);
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(/^orrery: /);
  expect(result.stderr).toContain(contains);
}

describe('orrery CLI: help and usage errors', () => {
  it.each([[['--help']], [['serve', '--help']], [['project', '--help']], [['project', 'create', '--help']], [['project', 'open', '--help']], [['project', 'info', '--help']], [['help', 'project']]])(
    '%j prints help and exits 0',
    (args) => {
      const result = orrery(args);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^Usage: orrery/);
      expect(result.stderr).toBe('');
    },
  );

  it('prints the version', () => {
    const result = orrery(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it.each([
    [['bogus'], 'unknown command'],
    [['project', 'frobnicate'], 'unknown command'],
    [['project', 'info', '--bogus'], 'unknown option'],
    [['project', 'create'], 'missing required argument'],
    [['project', 'open'], 'missing required argument'],
    [['project', 'info'], 'needs a folder'],
    [['serve', '--port', '99999'], 'port'],
    [['serve', '--token', 'short'], 'token'],
    [['project', 'open', 'a', 'b'], 'too many arguments'],
    [[], 'Usage: orrery'],
  ])('%j is a usage error: exit 2', (args, message) => {
    const result = orrery(args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
  });
});

describe('orrery CLI: projects', () => {
  let created: ReturnType<typeof projectSchema.parse>;

  it('creates a project (text) and another (--json, the contract object)', () => {
    const text = orrery(['project', 'create', 'first', '--name', 'First Project']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Created project "First Project"');
    expect(text.stdout).toContain(path.join(base, 'first'));
    const json = orrery(['project', 'create', path.join(base, 'second'), '--json']);
    expect(json.code).toBe(0);
    created = projectSchema.parse(JSON.parse(json.stdout));
    expect(created.path).toBe(path.join(base, 'second'));
    expect(created.name).toBe('second');
  });

  it('shows a project with --json as project.info answers it', () => {
    const result = orrery(['project', 'info', 'second', '--json']);
    expect(result.code).toBe(0);
    const info = projectInfoSchema.parse(JSON.parse(result.stdout));
    expect(info.project.id).toBe(created.id);
    expect(info.dbPath).toBe(path.join(base, 'second', '.orrery', 'project.db'));
    expect(info.journalMode).toBe('wal');
  });

  it('finds the project from --project or ORRERY_PROJECT', () => {
    const viaOption = orrery(['--project', path.join(base, 'first'), 'project', 'info']);
    expect(viaOption.code).toBe(0);
    expect(viaOption.stdout).toContain('First Project');
    const viaOptionAfter = orrery(['project', 'info', '--project', 'first']);
    expect(viaOptionAfter.code).toBe(0);
    expect(viaOptionAfter.stdout).toContain('First Project');
    const viaEnv = orrery(['project', 'info', '--json'], { ORRERY_PROJECT: path.join(base, 'second') });
    expect(viaEnv.code).toBe(0);
    expect(projectInfoSchema.parse(JSON.parse(viaEnv.stdout)).project.id).toBe(created.id);
  });

  it('opens a project (text and --json)', () => {
    const text = orrery(['project', 'open', 'first']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Opened project "First Project"');
    const json = orrery(['project', 'open', 'second', '--json']);
    expect(json.code).toBe(0);
    expect(projectSchema.parse(JSON.parse(json.stdout)).id).toBe(created.id);
  });

  it('fails with exit 1 and one line for a path outside the roots, a non-project, and a plain file', () => {
    expectFailure(orrery(['project', 'open', '/etc']), 'outside');
    expectFailure(orrery(['project', 'info', path.join(base, 'not-a-project')]), 'not-a-project');
    expectFailure(orrery(['project', 'create', '/etc/orrery-nope']), 'outside');
  });
});

describe('orrery serve', () => {
  it('prints one URL line, answers with the token, serves the opened project, and exits 0 on SIGTERM leaving nothing behind', async () => {
    const opened = projectSchema.parse(JSON.parse(orrery(['project', 'open', 'second', '--json']).stdout));
    const child = spawn(process.execPath, [cli, 'serve', '--port', '0'], { cwd: base, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    try {
      await waitFor(() => stdout.includes('\n') || child.exitCode !== null, 'the serving line');
      const match = /^Orrery is serving at http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9_-]{43})\n$/.exec(stdout);
      expect(match, `stdout: ${stdout} stderr: ${stderr}`).not.toBeNull();
      const [, port, token] = match!;
      expect(await status(`http://127.0.0.1:${port}/?token=${token}`)).toBe(200);
      expect(await status(`http://127.0.0.1:${port}/`)).toBe(401);

      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { authorization: `Bearer ${token}` } });
      const call = callOver(ws);
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      expect(await call('project.current')).toMatchObject({ id: opened.id });
      const terminal = (await call('terminal.create', {})) as { pid: number };
      expect(isAlive(terminal.pid)).toBe(true);
      const children = childrenOf(child.pid!);
      expect(children).toContain(terminal.pid);

      child.kill('SIGTERM');
      expect(await exited).toEqual({ code: 0, signal: null });
      ws.terminate();
      expect(stdout.split('\n').filter(Boolean)).toHaveLength(1);
      await waitFor(() => !isAlive(terminal.pid) && children.every((pid) => !isAlive(pid)), 'the terminal and every child to end');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});

function status(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    }).on('error', reject);
  });
}

/** A minimal wire client: one call at a time, answers the value or throws the error. */
function callOver(ws: WebSocket): (name: string, input?: unknown) => Promise<unknown> {
  let seq = 0;
  return (name, input) =>
    new Promise((resolve, reject) => {
      const mine = ++seq;
      const onMessage = (data: Buffer) => {
        const frame = JSON.parse(data.toString('utf8')) as { t: string; seq?: number; ok?: boolean; value?: unknown; error?: { message: string } };
        if (frame.t !== 'result' || frame.seq !== mine) return;
        ws.off('message', onMessage);
        if (frame.ok) resolve(frame.value);
        else reject(new Error(frame.error?.message));
      };
      ws.on('message', onMessage);
      ws.send(JSON.stringify({ t: 'call', seq: mine, name, input }));
    });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Every process below `pid` (children, grandchildren), from ps. */
function childrenOf(pid: number): number[] {
  const table = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [child, ppid] of table) {
      if (ppid === parent) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return found;
}
