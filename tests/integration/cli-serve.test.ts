// `orrery model serve` as users run it (out/main/cli.cjs in a child process): a registered version served over
// HTTP, a prediction, Ctrl+C, the requests in the project's serve_requests; the token on a LAN address; and
// `--dockerfile`.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdir, mkdtemp, readdir, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeModel, mlpModel } from '../unit/main/services/models/onnx-builder';
import { bundledCli } from './cli-harness';

const repoRoot = path.resolve(__dirname, '..', '..');
let cli = '';
let base = '';
let project = '';
let env: NodeJS.ProcessEnv;

function orrery(...args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { cwd: base, env, encoding: 'utf8', timeout: 120_000 });
}

/** Starts `orrery model serve …` and waits for the line naming the demo URL. */
function serve(...args: string[]): Promise<{ child: ChildProcessWithoutNullStreams; url: string; output: () => string }> {
  const child = spawn(process.execPath, [cli, 'model', 'serve', ...args], { cwd: base, env });
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /demo\s+(\S+)/.exec(out);
      if (match) resolve({ child, url: match[1]!, output: () => out + err });
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`orrery model serve exited with ${code}: ${out}${err}`)));
  });
}

function stop(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGINT');
  });
}

const request = { inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] };

beforeAll(async () => {
  cli = bundledCli();
  base = await realpath(await mkdtemp(path.join(os.tmpdir(), 'orrery-cliserve-')));
  project = path.join(base, 'proj');
  await mkdir(path.join(base, 'home'));
  env = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', NODE_PATH: path.join(repoRoot, 'node_modules'), ORRERY_HOME: path.join(base, 'home'), ORRERY_ROOTS: base, ORRERY_PROJECT: project };
  expect(orrery('project', 'create', project).status).toBe(0);
  await writeFile(path.join(base, 'iris.onnx'), encodeModel(mlpModel({ sizes: [4, 8, 3], softmax: true, seed: 5, batch: 'batch' })));
  expect(orrery('model', 'register', 'iris', '--file', 'iris.onnx').status).toBe(0);
}, 300_000);
afterAll(() => rm(base, { recursive: true, force: true }));

describe('orrery model serve', () => {
  it('serves a version on loopback without a token and logs each request to the project', async () => {
    const { child, url } = await serve('iris@1', '--port', '0');
    const answer = await fetch(`${url}v2/models/iris/infer`, { method: 'POST', body: JSON.stringify(request) });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ model_name: 'iris', model_version: '1', outputs: [{ name: 'y', shape: [1, 3] }] });
    const wrong = await fetch(`${url}v2/models/iris/infer`, { method: 'POST', body: JSON.stringify({ inputs: [{ ...request.inputs[0], shape: [2, 2] }] }) });
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { error: string }).error).toMatch(/expects x: float32 \[batch, 4\]/);
    expect(await stop(child)).toBe(0);
    const db = new Database(path.join(project, '.orrery', 'project.db'), { readonly: true });
    const rows = db.prepare('SELECT model, version_id, path, status FROM serve_requests ORDER BY id').all() as Array<{ model: string; version_id: string | null; status: number }>;
    db.close();
    expect(rows.map((r) => r.status)).toEqual([200, 400]);
    expect(rows[0]).toMatchObject({ model: 'iris', path: '/v2/models/iris/infer' });
    expect(rows[0]!.version_id).toMatch(/^mver_/);
  }, 60_000);

  it('asks for a token on a LAN address, printing a random one', async () => {
    const { child, url } = await serve('iris.onnx', '--port', '0', '--host', '0.0.0.0');
    const token = new URL(url).searchParams.get('token');
    expect(token).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    const origin = new URL(url).origin;
    expect((await fetch(`${origin}/v2/health/ready`)).status).toBe(200);
    expect((await fetch(`${origin}/v2/models/iris/infer`, { method: 'POST', body: JSON.stringify(request) })).status).toBe(401);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>iris · Orrery demo</title>');
    expect(await stop(child)).toBe(0);
  }, 60_000);

  it('writes a Docker bundle with --dockerfile', async () => {
    const result = orrery('model', 'serve', 'iris@1', '--dockerfile', 'docker');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Wrote Dockerfile, package.json, server.mjs, model.json, model.onnx to /);
    expect((await readdir(path.join(base, 'docker'))).sort()).toEqual(['Dockerfile', 'model.json', 'model.onnx', 'package.json', 'server.mjs']);
  });
});
