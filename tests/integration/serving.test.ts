// `orrery model serve`'s server with real onnxruntime-node sessions (both engines), a real project store for the
// request log and real HTTP requests: the v2 routes, the token, HTTP 400 with the signature, metrics, the demo
// page, and the generated Docker bundle.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OnnxInfo } from '../../app/contract';
import { silentLogger } from '../../main/core/logger';
import { inspectOnnxFile } from '../../main/services/models/onnx-info';
import { writeDockerBundle } from '../../main/services/serving/docker-bundle';
import { inlineEngine, workerEngine } from '../../main/services/serving/engines';
import { startModelServer, type ModelServer } from '../../main/services/serving/model-server';
import { RequestLog } from '../../main/services/serving/request-log';
import { openDatabase, type Db } from '../../main/services/store/open-database';
import { projectMigrations } from '../../main/services/store/project-migrations';
import { encodeModel, mlpModel } from '../unit/main/services/models/onnx-builder';

let dir: string;
let file: string;
let info: OnnxInfo;
let db: Db;
const row = [0.5, -1, 2, 0.25];

async function post(server: ModelServer, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${server.url}v2/models/iris/infer`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function bareOutput(): Promise<number[]> {
  const session = await ort.InferenceSession.create(file);
  const result = await session.run({ x: new ort.Tensor('float32', Float32Array.from(row), [1, 4]) });
  await session.release();
  return Array.from(result.y!.data as Float32Array);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'orrery-serving-'));
  file = path.join(dir, 'iris.onnx');
  await writeFile(file, encodeModel(mlpModel({ sizes: [4, 8, 3], softmax: true, seed: 3, batch: 'batch' })));
  info = await inspectOnnxFile(file, 'iris');
  db = openDatabase(path.join(dir, 'project.db'), { migrations: projectMigrations, kind: 'project', logger: silentLogger });
});

afterAll(async () => {
  db.close();
  await rm(dir, { recursive: true, force: true });
});

describe.each(['inline', 'worker'] as const)('model server (%s engine)', (kind) => {
  let server: ModelServer;
  let log: RequestLog;

  beforeAll(async () => {
    const engine = kind === 'inline' ? await inlineEngine(file, info, { threads: 1 }) : workerEngine(file, info, dir, { threads: 1 });
    log = new RequestLog(db, `iris-${kind}`, null, { intervalMs: 60_000 });
    server = await startModelServer({ name: 'iris', version: '2', info, engine, token: null, log });
  });
  afterAll(() => server.close());

  it('answers health, readiness and metadata', async () => {
    expect(await (await fetch(`${server.url}v2/health/live`)).json()).toEqual({ live: true });
    expect(await (await fetch(`${server.url}v2/health/ready`)).json()).toEqual({ ready: true });
    expect(await (await fetch(`${server.url}v2/models/iris/ready`)).json()).toEqual({ name: 'iris', ready: true });
    const metadata = await (await fetch(`${server.url}v2/models/iris`)).json();
    expect(metadata).toEqual({
      name: 'iris',
      versions: ['2'],
      platform: 'onnxruntime_onnx',
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }],
      outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 3] }],
    });
    expect((await fetch(`${server.url}v2/models/other`)).status).toBe(404);
  });

  it('infers JSON tensors as onnxruntime does, flat or nested, on the versioned path too', async () => {
    const expected = await bareOutput();
    const flat = await post(server, { id: 'r1', inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: row }] });
    expect(flat.status).toBe(200);
    expect(flat.json).toMatchObject({ model_name: 'iris', model_version: '2', id: 'r1' });
    const [output] = flat.json.outputs as Array<{ name: string; datatype: string; shape: number[]; data: number[] }>;
    expect(output).toMatchObject({ name: 'y', datatype: 'FP32', shape: [1, 3] });
    output!.data.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
    const nested = await fetch(`${server.url}v2/models/iris/versions/2/infer`, { method: 'POST', body: JSON.stringify({ inputs: [{ name: 'x', shape: [2, 4], datatype: 'FP32', data: [row, row] }] }) });
    expect(nested.status).toBe(200);
    expect(((await nested.json()) as { outputs: Array<{ shape: number[] }> }).outputs[0]!.shape).toEqual([2, 3]);
  });

  it('answers a wrong shape, a wrong dtype and a malformed body with HTTP 400 and the expected signature', async () => {
    const shape = await post(server, { inputs: [{ name: 'x', shape: [1, 5], datatype: 'FP32', data: [1, 2, 3, 4, 5] }] });
    expect(shape.status).toBe(400);
    expect(shape.json.error).toMatch(/shape \[1, 5\].*x: float32 \[batch, 4\]/);
    const dtype = await post(server, { inputs: [{ name: 'x', shape: [1, 4], datatype: 'INT64', data: [1, 2, 3, 4] }] });
    expect(dtype.status).toBe(400);
    expect(dtype.json.error).toMatch(/x is int64.*float32/);
    const missing = await post(server, { inputs: [{ name: 'z', shape: [1, 4], datatype: 'FP32', data: row }] });
    expect(missing.status).toBe(400);
    expect(missing.json.error).toMatch(/no input named z/);
    const broken = await post(server, '{"inputs": [');
    expect(broken.status).toBe(400);
    expect(broken.json.error).toMatch(/not JSON/);
  });

  it('counts requests by status in Prometheus text and logs each one to serve_requests in batches', async () => {
    const before = (db.prepare('SELECT COUNT(*) AS n FROM serve_requests WHERE model = ?').get(`iris-${kind}`) as { n: number }).n;
    expect(before).toBe(0); // the interval is long: nothing written yet
    const metrics = await (await fetch(`${server.url}metrics`)).text();
    expect(metrics).toMatch(/orrery_serve_requests_total\{model="iris",route="infer",status="200"\} 2/);
    expect(metrics).toMatch(/orrery_serve_requests_total\{model="iris",route="infer",status="400"\} 4/);
    expect(metrics).toMatch(/orrery_serve_infer_duration_seconds_count\{model="iris"\} 6/);
    log.flush();
    const rows = db.prepare('SELECT path, status, latency_ms, batch FROM serve_requests WHERE model = ? ORDER BY id').all(`iris-${kind}`) as Array<{ path: string; status: number; latency_ms: number; batch: number | null }>;
    expect(rows.filter((r) => r.path.endsWith('/infer')).map((r) => r.status)).toEqual([200, 200, 400, 400, 400, 400]);
    expect(rows.find((r) => r.status === 200 && r.path === '/v2/models/iris/versions/2/infer')?.batch).toBe(2);
    expect(rows.every((r) => r.latency_ms > 0)).toBe(true);
  });

  it('serves a demo page made from the input signature', async () => {
    const page = await (await fetch(server.url)).text();
    expect(page).toContain('<legend>x <small>FP32 [batch, 4]</small></legend>');
    expect(page).toContain('/v2/models/iris/infer');
    expect(page).not.toMatch(/<script[^>]+src=|https?:\/\/(?!serve)/);
  });
});

describe('model server with a token', () => {
  let server: ModelServer;
  beforeAll(async () => {
    server = await startModelServer({ name: 'iris', version: null, info, engine: await inlineEngine(file, info), token: 'secret-token-1', host: '127.0.0.1' });
  });
  afterAll(() => server.close());

  it('asks for the token everywhere but health', async () => {
    expect((await fetch(`${server.url}v2/health/ready`)).status).toBe(200);
    expect((await fetch(server.url)).status).toBe(401);
    expect((await fetch(`${server.url}metrics`)).status).toBe(401);
    const refused = await post(server, { inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: row }] }, { authorization: 'Bearer wrong-token-1' });
    expect(refused.status).toBe(401);
    expect(refused.json.error).toMatch(/needs its token/);
    const allowed = await post(server, { inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: row }] }, { authorization: 'Bearer secret-token-1' });
    expect(allowed.status).toBe(200);
    expect((await fetch(`${server.url}?token=secret-token-1`)).status).toBe(200);
  });
});

describe('docker bundle', () => {
  it('writes a Dockerfile, a Node server, the model and its v2 metadata', async () => {
    const out = path.join(dir, 'docker');
    const files = await writeDockerBundle(out, file, 'iris', '2', info);
    expect(files.sort()).toEqual(['Dockerfile', 'model.json', 'model.onnx', 'package.json', 'server.mjs']);
    expect(await readFile(path.join(out, 'Dockerfile'), 'utf8')).toMatch(/FROM node:20[\s\S]*CMD \["node", "server.mjs"\]/);
    expect(JSON.parse(await readFile(path.join(out, 'package.json'), 'utf8')).dependencies['onnxruntime-node']).toMatch(/^1\./);
    expect(JSON.parse(await readFile(path.join(out, 'model.json'), 'utf8')).inputs).toEqual([{ name: 'x', datatype: 'FP32', shape: [-1, 4] }]);
    expect(await readFile(path.join(out, 'model.onnx'))).toEqual(await readFile(file));
  });

  it("runs the generated server with this checkout's onnxruntime-node: infer, 400 with the signature, the token", async () => {
    const out = path.join(dir, 'docker-run');
    await writeDockerBundle(out, file, 'iris', '2', info);
    await symlink(path.resolve(__dirname, '..', '..', 'node_modules'), path.join(out, 'node_modules'), 'dir');
    const child = spawn(process.execPath, [path.join(out, 'server.mjs')], { env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ORRERY_SERVE_TOKEN: 'container-token' } });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let text = '';
        child.stdout.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          const match = /on port (\d+)/.exec(text);
          if (match) resolve(Number(match[1]));
        });
        child.on('exit', (code) => reject(new Error(`server.mjs exited with ${code}`)));
      });
      const url = `http://127.0.0.1:${port}/v2/models/iris/infer`;
      const headers = { authorization: 'Bearer container-token' };
      const expected = await bareOutput();
      const ok = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: row }] }) });
      expect(ok.status).toBe(200);
      const answer = (await ok.json()) as { outputs: Array<{ name: string; shape: number[]; data: number[] }> };
      expect(answer.outputs[0]).toMatchObject({ name: 'y', shape: [1, 3] });
      answer.outputs[0]!.data.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
      const wrong = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ inputs: [{ name: 'x', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }] }) });
      expect(wrong.status).toBe(400);
      expect(((await wrong.json()) as { error: string }).error).toMatch(/expects x: FP32 \[-1, 4\]/);
      expect((await fetch(url, { method: 'POST', body: '{}' })).status).toBe(401);
      for (const offered of ['container-tokeN', 'container-token-longer', 'x']) {
        expect((await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${offered}` }, body: '{}' })).status).toBe(401);
      }
      expect((await fetch(`http://127.0.0.1:${port}/v2/health/ready`)).status).toBe(200);
    } finally {
      child.kill();
    }
  });
});
