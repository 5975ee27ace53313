// `npm run bench -- serve`: requests per second of `POST /v2/models/{name}/infer` at concurrency 16 on a small
// model (an MLP 64 → 128 → 128 → 10 with softmax, written by the test encoder), against a minimal bare Node HTTP
// server that parses the same JSON, builds the tensor and calls `session.run`, in the same run.
// Each server runs in its own child process (this bundle started again with a role), one intra-op thread, the
// same keep-alive client in this process. Orrery's server is measured with both engines: `inline` (the session on
// the serve process's main thread, the CLI's default) and `worker` (InferenceService's worker thread), each with
// its request log writing to a real project store. Rounds interleave the three so drift hits all alike; the
// figure is each one's median over the rounds.
// Goal: Orrery (inline) / bare ≥ 0.8.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { silentLogger } from '../../main/core/logger';
import { inspectOnnxFile } from '../../main/services/models/onnx-info';
import { inlineEngine, workerEngine } from '../../main/services/serving/engines';
import { startModelServer } from '../../main/services/serving/model-server';
import { RequestLog } from '../../main/services/serving/request-log';
import { openDatabase } from '../../main/services/store/open-database';
import { projectMigrations } from '../../main/services/store/project-migrations';
import { encodeModel, mlpModel } from '../unit/main/services/models/onnx-builder';
import { figure, median, repoRoot, summary } from './lib';

const sizes = [64, 128, 128, 10];
const concurrency = 16;
const requestsPerRound = 3000;
const rounds = 5;
const goalRatio = 0.8;
type Kind = 'bare' | 'inline' | 'worker';

/** The bare baseline: Node's http, JSON.parse, a tensor, session.run, JSON.stringify. */
async function bareServer(file: string): Promise<number> {
  const session = await ort.InferenceSession.create(file, { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1 });
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { inputs: Array<{ name: string; shape: number[]; data: number[] }> };
      const input = body.inputs[0]!;
      void session.run({ [input.name]: new ort.Tensor('float32', Float32Array.from(input.data), input.shape) }).then((results) => {
        const y = results.y!;
        const text = JSON.stringify({ model_name: 'mlp', outputs: [{ name: 'y', datatype: 'FP32', shape: y.dims, data: Array.from(y.data as Float32Array) }] });
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        response.end(text);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

async function orreryServer(file: string, kind: 'inline' | 'worker', dir: string): Promise<number> {
  const info = await inspectOnnxFile(file, 'mlp');
  const engine = kind === 'inline' ? await inlineEngine(file, info, { threads: 1 }) : workerEngine(file, info, dir, { threads: 1, workerFile: path.join(repoRoot, 'out', 'main', 'inference-worker.cjs') });
  const db = openDatabase(path.join(dir, `project-${kind}.db`), { migrations: projectMigrations, kind: 'project', logger: silentLogger });
  const server = await startModelServer({ name: 'mlp', version: '1', info, engine, token: null, log: new RequestLog(db, 'mlp', null) });
  return server.port;
}

/** A child process running one server; its port comes back on stdout. */
function startChild(kind: Kind, file: string, dir: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [__filename, 'server', kind, file, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /^PORT (\d+)$/m.exec(out);
      if (match) resolve({ child, port: Number(match[1]) });
    });
    child.on('exit', (code) => reject(new Error(`the ${kind} server exited with ${code}`)));
  });
}

/** Sends `total` requests with `concurrency` in flight on keep-alive connections; answers requests per second. */
async function load(port: number, body: string, total: number): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  let sent = 0;
  let failed = 0;
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const request = http.request({ host: '127.0.0.1', port, path: '/v2/models/mlp/infer', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (response) => {
        if (response.statusCode !== 200) failed++;
        response.resume();
        response.on('end', resolve);
      });
      request.on('error', reject);
      request.end(body);
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (sent < total) {
        sent++;
        await one();
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  if (failed > 0) throw new Error(`${failed} requests failed`);
  return total / seconds;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'orrery-serve-bench-'));
  const file = path.join(dir, 'mlp.onnx');
  writeFileSync(file, encodeModel(mlpModel({ sizes, softmax: true, seed: 11, batch: 'batch' })));
  const kinds: Kind[] = ['bare', 'inline', 'worker'];
  const servers = new Map<Kind, { child: ChildProcess; port: number }>();
  try {
    for (const kind of kinds) servers.set(kind, await startChild(kind, file, dir));
    const row = Array.from({ length: sizes[0]! }, (_, i) => Math.cos(i));
    const body = JSON.stringify({ inputs: [{ name: 'x', shape: [1, sizes[0]!], datatype: 'FP32', data: row }] });
    for (const kind of kinds) await load(servers.get(kind)!.port, body, 500); // warm-up
    const rps: Record<Kind, number[]> = { bare: [], inline: [], worker: [] };
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? kinds : [...kinds].reverse();
      for (const kind of order) rps[kind].push(await load(servers.get(kind)!.port, body, requestsPerRound));
    }
    const bare = median(rps.bare);
    const inline = median(rps.inline);
    const worker = median(rps.worker);
    console.log(`model: MLP ${sizes.join(' → ')}, 1 intra-op thread; ${rounds} rounds of ${requestsPerRound} requests at concurrency ${concurrency}; ${os.availableParallelism()} cores`);
    figure('bare Node server + session.run', bare.toFixed(0), 'req/s');
    figure('orrery model serve (inline engine)', inline.toFixed(0), 'req/s');
    figure('orrery model serve (worker engine)', worker.toFixed(0), 'req/s');
    figure('ratio inline / bare', (inline / bare).toFixed(3));
    figure('ratio worker / bare', (worker / bare).toFixed(3));
    summary('serve', {
      bare_rps: Math.round(bare),
      inline_rps: Math.round(inline),
      worker_rps: Math.round(worker),
      ratio_inline: Number((inline / bare).toFixed(3)),
      ratio_worker: Number((worker / bare).toFixed(3)),
      goal_ratio: goalRatio,
      pass: inline / bare >= goalRatio,
    });
  } finally {
    for (const { child } of servers.values()) child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function serverRole(kind: Kind, file: string, dir: string): Promise<void> {
  const port = kind === 'bare' ? await bareServer(file) : await orreryServer(file, kind, dir);
  process.stdout.write(`PORT ${port}\n`);
}

if (process.argv[2] === 'server') {
  serverRole(process.argv[3] as Kind, process.argv[4]!, process.argv[5]!).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
