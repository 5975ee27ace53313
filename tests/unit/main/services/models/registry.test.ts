import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OrreryError } from '../../../../../app/contract';
import type { Lineage } from '../../../../../app/contract/models';
import { silentLogger } from '../../../../../main/core/logger';
import { guessFormat, hashDatasets, runFile, runLineage } from '../../../../../main/services/models/lineage';
import { escapeHtml, renderModelCard } from '../../../../../main/services/models/model-card';
import { ModelRegistry } from '../../../../../main/services/models/registry';
import { ArtifactStore } from '../../../../../main/services/store/artifact-store';
import { openDatabase, type Db } from '../../../../../main/services/store/open-database';
import { projectMigrations } from '../../../../../main/services/store/project-migrations';

const noLineage: Lineage = { runId: null, runName: null, params: {}, metrics: {}, envLockId: null, gitCommit: null, datasets: [] };
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

async function expectError(work: () => unknown, code: string, message: RegExp): Promise<void> {
  let caught: unknown = null;
  try {
    await work();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(OrreryError);
  expect((caught as OrreryError).code).toBe(code);
  expect((caught as OrreryError).message).toMatch(message);
}

let dir: string;
let db: Db;
let artifacts: ArtifactStore;
let registry: ModelRegistry;
let now: number;

beforeEach(async () => {
  dir = await realpath(await mkdtemp(path.join(os.tmpdir(), 'orrery-models-')));
  db = openDatabase(path.join(dir, 'project.db'), { migrations: projectMigrations, kind: 'project', logger: silentLogger });
  now = 1_700_000_000_000;
  const clock = { now: () => (now += 1_000) };
  artifacts = new ArtifactStore({ root: path.join(dir, 'artifacts'), db, clock });
  registry = new ModelRegistry({ db, artifacts, clock });
});
afterEach(async () => {
  db.close();
  await rm(dir, { recursive: true, force: true });
});

async function modelFile(name: string, content: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, content);
  return file;
}

async function registerFile(name: string, content: string, fileName = 'model.onnx') {
  return registry.register({
    name,
    format: 'onnx',
    blob: { file: await modelFile(fileName, content) },
    fileName,
    source: 'file',
    runId: null,
    notes: null,
    lineage: noLineage,
  });
}

/** A finished run as the ingester stores it: params, git commit, env snapshot, metrics (one system), files. */
async function insertRun(id: string): Promise<{ checkpoint: string; artifact: string }> {
  db.prepare(
    "INSERT INTO env_locks (id, env_id, env_name, created_at, format, hash, package_count, python_version, content) VALUES ('lock_1', 'env_a', 'torch-env', 1, 'pip', ?, 2, '3.11.2', 'torch==1.13\nnumpy==1.24\n')",
  ).run(sha('lock'));
  db.prepare(
    "INSERT INTO runs (id, name, status, created_at, params, git_commit, env_lock_id) VALUES (?, 'mnist-cnn', 'finished', 1, ?, 'abc123def4567890abc123def4567890abc123de', 'lock_1')",
  ).run(id, JSON.stringify({ lr: 0.01, epochs: 3, arch: { layers: [8, 16] } }));
  const keys = db.prepare('INSERT INTO metric_keys (run_id, key, system, last_value) VALUES (?, ?, ?, ?)');
  keys.run(id, 'val/acc', 0, 0.975);
  keys.run(id, 'loss', 0, 0.081);
  keys.run(id, 'sys/cpu', 1, 55);
  keys.run(id, 'never', 0, null);
  const first = await artifacts.putBuffer(Buffer.from('checkpoint epoch 1'));
  const last = await artifacts.putBuffer(Buffer.from('checkpoint epoch 3'));
  const onnx = await artifacts.putBuffer(Buffer.from('onnx bytes'));
  const files = db.prepare('INSERT INTO run_artifacts (run_id, name, sha256, size, kind, step, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  files.run(id, 'ckpt/epoch1.pt', first.hash, first.size, 'checkpoint', 1, 10);
  files.run(id, 'ckpt/epoch3.pt', last.hash, last.size, 'checkpoint', 3, 30);
  files.run(id, 'export/model.onnx', onnx.hash, onnx.size, 'artifact', null, 20);
  return { checkpoint: last.hash, artifact: onnx.hash };
}

describe('ModelRegistry', () => {
  it('numbers versions per model, stores files as blobs and lists models by last change', async () => {
    const v1 = await registerFile('iris classifier', 'first');
    const v2 = await registerFile('iris classifier', 'second');
    const other = await registerFile('digits', 'first');
    expect([v1.version, v2.version, other.version]).toEqual([1, 2, 1]);
    expect(v1.modelId).toBe(v2.modelId);
    expect(v1.sha256).toBe(sha('first'));
    expect(other.sha256).toBe(v1.sha256);
    expect(await readFile((await artifacts.get(v2.sha256)).path, 'utf8')).toBe('second');
    expect(v2).toMatchObject({ modelName: 'iris classifier', format: 'onnx', size: 6, source: 'file', stage: 'none', aliases: [], notes: null });
    expect(registry.list().map((model) => [model.name, model.latestVersion])).toEqual([
      ['digits', 1],
      ['iris classifier', 2],
    ]);
    const byName = registry.get('iris classifier');
    expect(byName.versions.map((version) => version.version)).toEqual([2, 1]);
    expect(registry.get(v1.modelId).model.name).toBe('iris classifier');
    await expectError(() => registry.get('nope'), 'not_found', /No model "nope".*orrery model list/);
  });

  it('resolves references by id, number, alias, stage and latest, and names the choices when one is missing', async () => {
    const v1 = await registerFile('iris', 'a');
    const v2 = await registerFile('iris', 'b');
    await registerFile('iris', 'c');
    registry.alias('iris', 'champion', v1.id);
    registry.update(v2.id, { stage: 'production' });
    expect(registry.version(v1.id).version).toBe(1);
    expect(registry.version('iris@2').id).toBe(v2.id);
    expect(registry.version('iris').version).toBe(3);
    expect(registry.version('iris@latest').version).toBe(3);
    expect(registry.version('iris@champion').id).toBe(v1.id);
    expect(registry.version('iris@production').id).toBe(v2.id);
    // An alias named like a stage wins over the stage.
    registry.alias('iris', 'production', v1.id);
    expect(registry.version('iris@production').id).toBe(v1.id);
    await expectError(() => registry.version('iris@9'), 'not_found', /Model iris has no version "9"; it has 3, 2, 1, champion, production/);
    await expectError(() => registry.version('iris@staging'), 'not_found', /no version "staging"/);
    await expectError(() => registry.version('mver_unknown'), 'not_found', /No model "mver_unknown"/);
  });

  it('moves, removes and guards aliases, and changes stage and notes', async () => {
    const v1 = await registerFile('iris', 'a');
    const v2 = await registerFile('iris', 'b');
    const foreign = await registerFile('digits', 'x');
    expect(registry.alias('iris', 'champion', v1.id).aliases).toEqual({ champion: 1 });
    expect(registry.alias(v1.modelId, 'champion', v2.id).aliases).toEqual({ champion: 2 });
    expect(registry.version(v2.id).aliases).toEqual(['champion']);
    await expectError(() => registry.alias('iris', 'champion', foreign.id), 'invalid_input', /belongs to another model/);
    await expectError(() => registry.alias('iris', 'latest', v1.id), 'invalid_input', /always means the newest/);
    await expectError(() => registry.alias('iris', 'Bad Alias', v1.id), 'invalid_input', /lowercase/);
    expect(registry.alias('iris', 'champion', null).aliases).toEqual({});
    await expectError(() => registry.alias('iris', 'champion', null), 'not_found', /no alias "champion"/);

    const staged = registry.update(v1.id, { stage: 'staging', notes: 'first <good> one' });
    expect(staged).toMatchObject({ stage: 'staging', notes: 'first <good> one' });
    expect(registry.update(v1.id, { stage: 'archived' }).notes).toBe('first <good> one');
    expect(registry.update(v1.id, { notes: null })).toMatchObject({ stage: 'archived', notes: null });
    await expectError(() => registry.update('mver_missing', { stage: 'staging' }), 'not_found', /No model version mver_missing/);
  });

  it('keeps exports and benchmarks per version, and deletes them with the version; the model goes with its last', async () => {
    const v1 = await registerFile('cnn', 'a', 'model.pt');
    const v2 = await registerFile('cnn', 'b', 'model.pt');
    const onnx = await artifacts.putBuffer(Buffer.from('onnx'));
    const int8 = await artifacts.putBuffer(Buffer.from('int8'));
    const parity = { maxAbs: 2e-6, maxRel: 1e-5, tolerance: 1e-4, samples: 16, passed: true };
    const first = registry.addExport(v1.id, { kind: 'onnx', opset: 17, parity, quantization: null }, onnx.hash, onnx.size);
    const quantization = { sizeBefore: 4000, sizeAfter: 1100, p50MsBefore: 0.5, p50MsAfter: 0.3 };
    const second = registry.addExport(v1.id, { kind: 'onnx-int8', opset: 17, parity: { ...parity, maxAbs: 0.02, passed: false }, quantization, fromExportId: first.id }, int8.hash, int8.size);
    expect(registry.exports(v1.id).map((item) => item.id)).toEqual([second.id, first.id]);
    expect(registry.export(second.id)).toMatchObject({ kind: 'onnx-int8', fromExportId: first.id, quantization, parity: { passed: false } });
    expect(registry.export(first.id)).toMatchObject({ opset: 17, parity, quantization: null, fromExportId: null });
    await expectError(() => registry.addExport('mver_missing', { kind: 'onnx', opset: null, parity: null, quantization: null }, onnx.hash, 4), 'not_found', /No model version/);

    const rows = [{ threads: 1, batch: 1, p50Ms: 0.4, p95Ms: 0.6, p99Ms: 0.9, meanMs: 0.45, throughputPerS: 2200, histogram: { edges: [0.3, 0.5], counts: [150, 50] } }];
    const b1 = registry.addBenchmark({ versionId: v1.id, sha256: onnx.hash, label: 'cnn@1 onnx', warmup: 5, iterations: 200, rows });
    const b2 = registry.addBenchmark({ versionId: v2.id, sha256: onnx.hash, label: 'cnn@2', warmup: 5, iterations: 200, rows });
    const loose = registry.addBenchmark({ versionId: null, sha256: onnx.hash, label: 'model.onnx', warmup: 0, iterations: 10, rows });
    expect(registry.benchmarks({ versionId: v1.id })).toEqual([b1]);
    expect(registry.benchmarks({ modelId: 'cnn' }).map((bench) => bench.id)).toEqual([b2.id, b1.id]);
    expect(registry.benchmarks().map((bench) => bench.id)).toEqual([loose.id, b2.id, b1.id]);

    registry.alias('cnn', 'champion', v1.id);
    registry.deleteVersion(v1.id);
    await expectError(() => registry.exports(v1.id), 'not_found', /No model version/);
    expect(db.prepare('SELECT count(*) FROM model_exports').pluck().get()).toBe(0);
    expect(registry.benchmarks().map((bench) => bench.id)).toEqual([loose.id, b2.id]);
    expect(registry.get('cnn').model).toMatchObject({ aliases: {}, latestVersion: 2 });
    // Blobs stay in the artifact store (other versions or runs may share them).
    expect(await artifacts.has(onnx.hash)).toBe(true);
    registry.deleteVersion(v2.id);
    expect(registry.list()).toEqual([]);
    // A new model of the same name starts again at version 1.
    expect((await registerFile('cnn', 'c')).version).toBe(1);
  });

  it('refuses names with @ and blobs the store does not hold', async () => {
    await expectError(() => registerFile('a@b', 'x'), 'invalid_input', /no @/);
    await expectError(
      () => registry.register({ name: 'x', format: 'onnx', blob: { sha256: sha('absent') }, fileName: 'x.onnx', source: 'run-artifact', runId: null, notes: null, lineage: noLineage }),
      'not_found',
      /No artifact sha256/,
    );
  });
});

describe('lineage from a run', () => {
  it('copies params, the last value of each own metric, git commit and env snapshot', async () => {
    await insertRun('r1');
    expect(runLineage(db, 'r1')).toEqual({
      runId: 'r1',
      runName: 'mnist-cnn',
      params: { lr: 0.01, epochs: 3, arch: { layers: [8, 16] } },
      metrics: { loss: 0.081, 'val/acc': 0.975 },
      envLockId: 'lock_1',
      gitCommit: 'abc123def4567890abc123def4567890abc123de',
    });
    await expectError(() => runLineage(db, 'r2'), 'not_found', /No run r2 .*orrery runs list/);
  });

  it("picks the run's newest checkpoint by default, or a file by full or base name", async () => {
    const { checkpoint, artifact } = await insertRun('r1');
    expect(runFile(db, 'r1', undefined)).toMatchObject({ name: 'ckpt/epoch3.pt', sha256: checkpoint, kind: 'checkpoint', step: 3 });
    expect(runFile(db, 'r1', 'export/model.onnx').sha256).toBe(artifact);
    expect(runFile(db, 'r1', 'model.onnx').sha256).toBe(artifact);
    expect(runFile(db, 'r1', 'epoch1.pt').name).toBe('ckpt/epoch1.pt');
    await expectError(() => runFile(db, 'r1', 'weights.bin'), 'not_found', /no artifact or checkpoint named weights.bin; its files are ckpt\/epoch3.pt, export\/model.onnx, ckpt\/epoch1.pt/);
    db.prepare("DELETE FROM run_artifacts WHERE kind = 'checkpoint'").run();
    await expectError(() => runFile(db, 'r1', undefined), 'invalid_input', /no checkpoint to register by default; name one of its artifacts with --artifact \(its files are export\/model.onnx\)/);
  });

  it('keeps the run from being deleted while a version depends on it (the schema restricts it too)', async () => {
    const { checkpoint } = await insertRun('r1');
    const version = await registry.register({
      name: 'mnist',
      format: 'pytorch',
      blob: { sha256: checkpoint },
      fileName: 'epoch3.pt',
      source: 'run-artifact',
      runId: 'r1',
      notes: null,
      lineage: { ...runLineage(db, 'r1'), datasets: [] },
    });
    expect(version.lineage.metrics).toEqual({ loss: 0.081, 'val/acc': 0.975 });
    expect(registry.versionsOfRun('r1').map((item) => item.id)).toEqual([version.id]);
    expect(() => db.prepare("DELETE FROM runs WHERE id = 'r1'").run()).toThrow(/FOREIGN KEY constraint failed/);
    registry.deleteVersion(version.id);
    db.prepare("DELETE FROM runs WHERE id = 'r1'").run();
    expect(db.prepare('SELECT count(*) FROM runs').pluck().get()).toBe(0);
  });

  it('hashes dataset files relative to the project and refuses those outside the roots', async () => {
    const project = path.join(dir, 'project');
    await mkdir(path.join(project, 'data'), { recursive: true });
    await writeFile(path.join(project, 'data', 'train.csv'), 'x,y\n1,2\n');
    const datasets = await hashDatasets(['data/train.csv'], project, [dir]);
    expect(datasets).toEqual([{ path: 'data/train.csv', sha256: sha('x,y\n1,2\n'), size: 8 }]);
    await expectError(() => hashDatasets(['/etc/hostname'], project, [dir]), 'path_outside_root', /datasets: \/etc\/hostname is outside/);
    await expectError(() => hashDatasets(['data/missing.csv'], project, [dir]), 'not_found', /data\/missing.csv does not exist/);
    await expectError(() => hashDatasets(['data'], project, [dir]), 'invalid_input', /is not a file/);
  });

  it('tells TorchScript archives from checkpoints by their zip entries, and formats by extension', async () => {
    const script = [
      'import sys, zipfile',
      'with zipfile.ZipFile(sys.argv[1], "w") as z:',
      '    z.writestr("m/data.pkl", b"x"); z.writestr("m/constants.pkl", b"x"); z.writestr("m/code/__torch__/m.py", b"x")',
      'with zipfile.ZipFile(sys.argv[2], "w") as z:',
      '    z.writestr("archive/data.pkl", b"x"); z.writestr("archive/data/0", b"x" * 100)',
    ].join('\n');
    const scripted = path.join(dir, 'scripted.pt');
    const checkpoint = path.join(dir, 'weights.pt');
    const made = spawnSync('python3', ['-c', script, scripted, checkpoint], { encoding: 'utf8' });
    expect(made.stderr).toBe('');
    expect(await guessFormat('scripted.pt', scripted)).toBe('torchscript');
    expect(await guessFormat('weights.pt', checkpoint)).toBe('pytorch');
    expect(await guessFormat('m.onnx', checkpoint)).toBe('onnx');
    expect(await guessFormat('m.joblib', checkpoint)).toBe('sklearn');
    expect(await guessFormat('m.h5', checkpoint)).toBe('other');
  });
});

describe('model card', () => {
  it('is one self-contained page with the lineage, escaping every value from the store', async () => {
    await insertRun('r1');
    const lineage: Lineage = {
      ...runLineage(db, 'r1'),
      params: { '<b>lr</b>': 0.01, note: '<script>alert(1)</script>' },
      datasets: [{ path: 'data/<train>.csv', sha256: sha('d'), size: 2048 }],
    };
    const version = await registry.register({
      name: 'mnist <cnn>',
      format: 'pytorch',
      blob: { file: await modelFile('m.pt', 'weights') },
      fileName: 'm.pt',
      source: 'run-artifact',
      runId: 'r1',
      notes: 'Trained "quickly" & <well>',
      lineage,
    });
    const { model } = registry.get(version.modelId);
    const onnx = await artifacts.putBuffer(Buffer.from('onnx'));
    const exported = registry.addExport(version.id, { kind: 'onnx', opset: 17, parity: { maxAbs: 3e-7, maxRel: 2e-6, tolerance: 1e-4, samples: 16, passed: true }, quantization: null }, onnx.hash, 4);
    const html = renderModelCard({
      project: 'demo',
      model,
      version,
      exports: [exported],
      packages: [
        { id: 'pkg_1', versionId: version.id, modelName: 'mnist <cnn>', version: 1, target: 'linux-arm64', fileName: 'mnist-v1-linux-arm64.tar.gz', artifact: sha('pkg'), sha256: sha('pkg'), size: 10_485_760, manifest: null, createdAt: 2 } as never,
      ],
      deployments: [
        { id: 'dep_1', action: 'deploy', deviceName: 'pi <lab>', result: 'failed', failedStep: 'self-test', startedAt: 3 } as never,
      ],
      benchmarks: [],
      signature: {
        sha256: onnx.hash,
        size: 4,
        irVersion: 8,
        producer: 'pytorch',
        opsets: { '': 17 },
        inputs: [{ name: 'input', dtype: 'float32', dims: ['batch', 1, 28, 28] }],
        outputs: [{ name: 'logits', dtype: 'float32', dims: ['batch', 10] }],
        operators: { Conv: 2, Relu: 3, Gemm: 1 },
        nodes: 6,
        parameters: 1234,
        parameterBytes: 4936,
        metadata: { labels: '["zero","one"]' },
        graph: [],
        unsupported: [],
      },
      signatureNote: null,
      envLock: { id: 'lock_1', envId: 'env_a', envName: 'torch-env', createdAt: 1, format: 'pip', hash: sha('lock'), packageCount: 2, pythonVersion: '3.11.2', note: null },
      generatedAt: Date.UTC(2026, 0, 2, 3, 4, 5),
    });
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('mnist-v1-linux-arm64.tar.gz');
    expect(html).toContain('<td>pi &lt;lab&gt;</td><td>failed</td><td>self-test</td>');
    expect(html).not.toContain('<script');
    expect(html).not.toMatch(/<b>lr/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('<title>Model card: mnist &lt;cnn&gt; v1</title>');
    expect(html).toContain('Trained &quot;quickly&quot; &amp; &lt;well&gt;');
    expect(html).toContain('data/&lt;train&gt;.csv');
    expect(html).toContain('abc123def4567890abc123def4567890abc123de');
    expect(html).toMatch(/torch-env, Python 3\.11\.2, 2 packages/);
    expect(html).toMatch(/<th>val\/acc<\/th><td class="num">0\.975<\/td>/);
    expect(html).toMatch(/\[batch, 1, 28, 28\]/);
    expect(html).toMatch(/class="pass">passed<\/span>: max abs 3\.000e-7/);
    expect(html).toContain('generated 2026-01-02 03:04:05 UTC');
    // Self-contained: no script, no external resource, a CSP that forbids loading anything.
    expect(html).not.toMatch(/\b(src|href)=/);
    expect(html).toContain("default-src 'none'");
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
