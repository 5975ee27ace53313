// `orrery prompt test|runs|compare` as users run them: the bundled CLI in a child process, against the fake provider
// server configured (with a key, stored encrypted) in the same ORRERY_HOME first. The estimate comes first, then
// the matrix with the failing assertion's message and the totals; exit 0 when every cell passes, 1 when one
// fails, 2 when the suite has an error (with file:line:column).
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suiteCompareSchema, suiteResultSchema, suiteRunSchema } from '../../app/contract/prompts';
import { createCore } from '../../main/core/core';
import { callOrThrow } from '../../main/core/dispatch';
import { silentLogger } from '../../main/core/logger';
import { startLlmServer, type LlmServer } from '../llm-server/server';
import { bundledCli } from './cli-harness';

const repoRoot = path.resolve(__dirname, '..', '..');
const key = 'sk-cli-suite-secret-0123456789';
let cli: string;
let base: string;
let project: string;
let env: NodeJS.ProcessEnv;
let server: LlmServer;
let slow: LlmServer;

const suite = (assertion: string) => `name: greet
prompts: ["Say hello to {{name}}"]
providers:
  - provider: local
    model: echo
tests:
  - description: Ada
    vars: {name: Ada}
    assert: [{type: contains, value: "{{name}}"}]
  - vars: {name: Bo}
    assert: [${assertion}]
`;

/** Runs the CLI without blocking the event loop (the fake server answers in this process). */
function orrery(args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: project, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  base = await realpath(await mkdtemp(path.join(os.tmpdir(), 'orrery-cli-prompt-')));
  project = path.join(base, 'project');
  await mkdir(path.join(base, 'home'));
  await mkdir(project);
  cli = bundledCli();
  server = await startLlmServer({ key });
  slow = await startLlmServer({ chunkDelayMs: 30 });
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
  expect((await orrery(['project', 'create', project])).code).toBe(0);
  const core = createCore({ host: 'cli', env, userHome: path.join(base, 'orrery'), allowedRoots: [base], logger: silentLogger });
  try {
    const call = (name: 'prompt.saveProvider' | 'prompt.setPrice', input: unknown) => callOrThrow(core.dispatch, name, input, { host: 'cli', clientId: 'test' });
    await call('prompt.saveProvider', { name: 'local', kind: 'openai', baseUrl: `${server.url}/v1`, key });
    await call('prompt.saveProvider', { name: 'slow', kind: 'openai', baseUrl: `${slow.url}/v1` });
    await call('prompt.setPrice', { model: 'echo', inputPerMTok: 1, outputPerMTok: 2 });
  } finally {
    await core.dispose();
  }
  await mkdir(path.join(project, 'suites'));
  await writeFile(path.join(project, 'suites', 'pass.yaml'), suite('{type: contains, value: Bo}'));
  await writeFile(path.join(project, 'suites', 'fail.yaml'), suite('{type: contains, value: Goodbye}'));
  const rows = Array.from({ length: 20 }, (_, i) => `  - vars: {n: "${i} and a few more words to stream slowly"}`).join('\n');
  await writeFile(path.join(project, 'suites', 'slow.yaml'), `name: slow\nprompts: ["{{n}}"]\nproviders: [slow:echo]\nconcurrency: 1\ntests:\n${rows}\n`);
  await writeFile(path.join(project, 'suites', 'syntax.yaml'), 'prompts: ["hi"\nproviders: [local:echo]\n');
  await writeFile(path.join(project, 'suites', 'typo.yaml'), 'prompts: [hi]\nproviders: [lokal:echo]\ntests:\n  - assert: [{type: contain, value: x}]\n');
});

afterAll(async () => {
  await server?.close();
  await slow?.close();
  if (base) await rm(base, { recursive: true, force: true });
});

describe('orrery prompt', () => {
  it('prints the estimate, the matrix and the totals, and exits 0 when every cell passes', async () => {
    const run = await orrery(['prompt', 'test', 'suites/pass.yaml']);
    expect(run.stderr).toContain('2 of 2 cases: 2 passed, 0 failed');
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe('Suite greet: 2 rows × 1 columns = 2 cases, 2 calls, concurrency 4');
    expect(lines[1]).toMatch(/^Estimate: about \d+ input \+ 512 output tokens, \$\d/);
    expect(run.stdout).toContain('  C1  prompt 1 · local/echo');
    expect(run.stdout).toMatch(/\n {2}1 Ada\s+PASS\n {2}2 name=Bo\s+PASS\n/);
    expect(run.stdout).toMatch(/Totals: 2 cases, 2 passed, 0 failed · 8 input \+ 8 output tokens · \$\d/);
    expect(run.stdout).toMatch(/Run srun_[a-z0-9]+ \(done\)/);
    expect(run.stdout).not.toContain(key);
  });

  it('exits 1 when an assertion fails, naming the cell and the failing assertion', async () => {
    const run = await orrery(['prompt', 'test', 'suites/fail.yaml', '--concurrency', '2']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('concurrency 2');
    expect(run.stdout).toMatch(/\n {2}1 Ada\s+PASS\n {2}2 name=Bo\s+FAIL\n/);
    expect(run.stdout).toContain('Failures:\n  row 2 × C1: contains: output does not contain "Goodbye": got "Say hello to Bo"');
    expect(run.stdout).toContain('Totals: 2 cases, 1 passed, 1 failed');
  });

  it('prints the stored result as JSON with --json, the estimate going to stderr', async () => {
    const run = await orrery(['prompt', 'test', '--json', 'suites/fail.yaml']);
    expect(run.code).toBe(1);
    const result = suiteResultSchema.parse(JSON.parse(run.stdout));
    expect(result.run).toMatchObject({ suiteName: 'greet', path: 'suites/fail.yaml', cases: 2, passed: 1, failed: 1 });
    expect(result.cells.map((cell) => cell.output)).toEqual(['Say hello to Ada', 'Say hello to Bo']);
    expect(run.stderr).toContain('Suite greet: 2 rows');
  });

  it('exits 2 with file:line:column for a syntax error, an unknown provider or assertion type, and a bad option', async () => {
    const syntax = await orrery(['prompt', 'test', 'suites/syntax.yaml']);
    expect(syntax.code).toBe(2);
    expect(syntax.stdout).toBe('');
    expect(syntax.stderr).toMatch(/^orrery: suites\/syntax\.yaml:2:1: YAML syntax error: /);
    const typo = await orrery(['prompt', 'test', 'suites/typo.yaml']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('orrery: suites/typo.yaml:4:21: unknown assertion type "contain". Did you mean contains?');
    // Providers are checked once the file parses: the parse errors come alone first.
    expect(typo.stderr).not.toContain('lokal');
    await writeFile(path.join(project, 'suites', 'typo.yaml'), 'prompts: [hi]\nproviders: [lokal:echo]\n');
    const unknown = await orrery(['prompt', 'test', 'suites/typo.yaml']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('orrery: suites/typo.yaml:2:13: no provider "lokal" (configured: local, slow). Did you mean local?');
    const missing = await orrery(['prompt', 'test', 'suites/nope.yaml']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('does not exist');
    const option = await orrery(['prompt', 'test', 'suites/pass.yaml', '--concurrency', '0']);
    expect(option.code).toBe(2);
    expect(option.stderr).toContain('--concurrency 0: give a whole number from 1 to 64.');
  });

  it('cancels on Ctrl+C: prints the matrix with the cells not run and exits 130', async () => {
    const child = spawn(process.execPath, [cli, 'prompt', 'test', 'suites/slow.yaml'], { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    await new Promise<void>((resolve) =>
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('2 of 20 cases')) resolve();
      }),
    );
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toContain('orrery: cancelling the suite');
    expect(stdout).toMatch(/Totals: 20 cases, \d+ passed, 0 failed, 1\d not run/);
    expect(stdout).toMatch(/\n 20 n=19 and a few more words to st…\s+SKIP\n/);
    expect(stdout).toMatch(/Run srun_[a-z0-9]+ \(cancelled\)/);
  });

  it('lists stored runs, by suite too, and compares two of them', async () => {
    const all = await orrery(['prompt', 'runs', '--json']);
    expect(all.code).toBe(0);
    const runs = suiteRunSchema.array().parse(JSON.parse(all.stdout));
    expect(runs.length).toBeGreaterThanOrEqual(3);
    const text = await orrery(['prompt', 'runs', 'greet']);
    expect(text.stdout.trim().split('\n')).toHaveLength(runs.filter((run) => run.suiteName === 'greet').length);
    expect(text.stdout).toMatch(/srun_[a-z0-9]+ {2}done {6}\s+1\/2 passed/);
    const none = await orrery(['prompt', 'runs', 'nothing']);
    expect(none.stdout).toBe('No suite runs of nothing yet: run one with orrery prompt test SUITE.yaml\n');
    const passing = runs.find((run) => run.failed === 0 && run.suiteName === 'greet')!;
    const failing = runs.find((run) => run.failed === 1)!;
    const compared = await orrery(['prompt', 'compare', passing.id, failing.id]);
    expect(compared.stdout).toBe('0 fixed, 1 broken, 1 changed\n  row 2 × prompt 1 · local/echo: pass → fail\n');
    const json = suiteCompareSchema.parse(JSON.parse((await orrery(['prompt', 'compare', '--json', failing.id, passing.id])).stdout));
    expect(json).toMatchObject({ fixed: 1, broken: 0 });
  });

  it('adds, lists, tests and removes providers without a key ever on the command line or in the output', async () => {
    const add = ['prompt', 'provider', 'add', 'scripted', '--kind', 'openai', '--base-url', `${server.url}/v1`, '--store-key-from', 'SCRIPT_KEY'];
    const added = await orrery(add);
    expect(added.code).toBe(2); // SCRIPT_KEY is not set in this environment
    expect(added.stderr).toContain('--store-key-from SCRIPT_KEY: that environment variable is not set');
    const withKey = await orrery(add, { SCRIPT_KEY: key });
    expect(withKey.code).toBe(0);
    expect(withKey.stdout).toContain('key: stored encrypted');
    expect(withKey.stdout + withKey.stderr).not.toContain(key);

    const listed = await orrery(['prompt', 'provider', 'list']);
    expect(listed.stdout).toMatch(/^scripted +openai/m);
    expect(listed.stdout).not.toContain(key);
    const tested = await orrery(['prompt', 'provider', 'test', 'SCRIPTED']);
    expect(tested.code).toBe(0);
    expect(tested.stdout).toMatch(/^scripted: ok in \d+ ms, \d+ models: .*echo/);

    const keyless = await orrery(['prompt', 'provider', 'remove', 'scripted', '--key-only']);
    expect(keyless.stdout).toContain('no key');
    const refused = await orrery(['prompt', 'provider', 'test', 'scripted']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('refused the API key (HTTP 401)');
    expect((await orrery(['prompt', 'provider', 'remove', 'scripted'])).stdout).toBe('Removed scripted.\n');
    const unknown = await orrery(['prompt', 'provider', 'test', 'scripted']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no provider scripted (configured: local, slow)');
  });
});
