// Edge packages through the core: a real ONNX model logged by a run (real Python SDK), registered, packaged for
// linux-x64 and linux-arm64; the x64 package unpacked in a temp folder and its bin/run verify / self-test / predict
// run for real with node and the onnxruntime-node inside the package (NODE_PATH unset, cwd elsewhere); one
// tampered byte refused by every command and by `model.verifyPackage`; bad input answered with clear errors.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrreryError, type EdgePackage, type ModelVersion } from '../../app/contract';
import { encodeModel, mlpModel } from '../unit/main/services/models/onnx-builder';
import { commitProject, train } from './models-harness';
import { repoRoot, trackingWorld, type TrackingWorld } from './tracking-harness';

let world: TrackingWorld;
let version: ModelVersion;
let x64: EdgePackage;
let unpacked = '';
const labels = ['setosa', 'versicolor', 'virginica'];

const logScript = `
import orrery
run = orrery.init(name="iris-train", params={"hidden": 16})
run.log({"val_acc": 0.93}, step=0)
run.log_artifact("iris.onnx")
orrery.finish()
print(run.id)
`;

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

const ortStandIn = `
import numpy as np
import onnx
from onnx import numpy_helper

__version__ = "stand-in"


class _Value:
    def __init__(self, name):
        self.name = name


class InferenceSession:
    def __init__(self, path, providers=None):
        self.model = onnx.load(path)
        self.weights = {t.name: numpy_helper.to_array(t) for t in self.model.graph.initializer}

    def get_outputs(self):
        return [_Value(o.name) for o in self.model.graph.output]

    def run(self, names, feeds):
        values = dict(self.weights)
        values.update(feeds)
        for node in self.model.graph.node:
            a = [values[i] for i in node.input]
            if node.op_type == "MatMul":
                out = a[0] @ a[1]
            elif node.op_type == "Add":
                out = a[0] + a[1]
            elif node.op_type == "Relu":
                out = np.maximum(a[0], 0)
            elif node.op_type == "Softmax":
                e = np.exp(a[0] - a[0].max(axis=-1, keepdims=True))
                out = e / e.sum(axis=-1, keepdims=True)
            else:
                raise RuntimeError("the stand-in has no " + node.op_type)
            values[node.output[0]] = out.astype(np.float32)
        return [values[n] for n in names]
`;

async function failure(work: Promise<unknown>): Promise<OrreryError> {
  const error = await work.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(OrreryError);
  return error as OrreryError;
}

/** Runs a command of an unpacked package the way a device would: only PATH set (no NODE_PATH), cwd outside it. */
function device(folder: string, args: readonly string[], env: Record<string, string> = {}) {
  return spawnSync(path.join(folder, 'bin', 'run'), args, { cwd: world.base, encoding: 'utf8', timeout: 120_000, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env } });
}

async function unpack(file: string, into: string): Promise<string> {
  await mkdir(into, { recursive: true });
  await tar.x({ file, cwd: into });
  return path.join(into, 'iris-v1');
}

async function flipByte(file: string, at: number): Promise<void> {
  const bytes = await readFile(file);
  bytes[at] = bytes[at]! ^ 0xff;
  await writeFile(file, bytes);
}

beforeAll(async () => {
  world = await trackingWorld('orrery-packages-');
  await writeFile(path.join(world.project, 'iris.onnx'), encodeModel(mlpModel({ sizes: [4, 16, 3], softmax: true, metadata: { labels: labels.join(',') } })));
  await writeFile(path.join(world.project, 'train.py'), logScript);
  const logged = spawnSync('python3', ['train.py'], {
    cwd: world.project,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, PYTHONPATH: path.join(repoRoot, 'resources', 'python'), PYTHONDONTWRITEBYTECODE: '1', ORRERY_PROJECT: world.project },
  });
  if (logged.status !== 0) throw new Error(`train.py failed: ${logged.stderr}`);
  await world.core.services.tracking.ingestAll();
  version = await world.call('model.register', { name: 'iris', runId: logged.stdout.trim().split('\n').pop(), artifact: 'iris.onnx' });
  x64 = await world.call('model.package', { versionId: version.id, target: 'linux-x64', out: path.join(world.base, 'out', 'iris.tar.gz') });
  unpacked = await unpack(x64.path, path.join(world.base, 'unpacked'));
}, 300_000);
afterAll(() => world.dispose());

describe('edge packages', () => {
  it('builds a package of a registered version, kept by sha256 and linked to the version and its run', async () => {
    expect(x64).toMatchObject({ versionId: version.id, modelName: 'iris', version: 1, target: 'linux-x64', fileName: 'iris-v1-linux-x64.tar.gz' });
    expect(x64.path).toContain(path.join(world.project, '.orrery', 'artifacts', 'sha256'));
    expect(x64.manifest).toMatchObject({
      format: 'orrery-edge-package/1',
      model: { name: 'iris', version: 1, versionId: version.id, lineageId: version.lineage.runId, sha256: version.sha256 },
      target: 'linux-x64',
      io: { inputs: [{ name: 'x', dtype: 'float32', dims: ['batch', 4] }], outputs: [{ name: 'y', dtype: 'float32', dims: ['batch', 3] }] },
      preprocessing: null,
      labels,
      versions: { onnxruntime: '1.30.0', opset: 17 },
      entry: 'bin/run',
    });
    expect(version.lineage.runId).toMatch(/^[0-9a-f]+$/);
    expect(sha256(await readFile(path.join(world.base, 'out', 'iris.tar.gz')))).toBe(x64.sha256);
    expect(await world.call('model.packages', { versionId: version.id })).toEqual([x64]);
    const verified = await world.call('model.verifyPackage', { file: path.join(world.base, 'out', 'iris.tar.gz') });
    expect(verified).toMatchObject({ ok: true, sha256: x64.sha256, size: x64.size, bad: null, manifest: x64.manifest });
    expect(verified.checked).toBeGreaterThan(10);
  });

  it('holds the layout: manifest, model, golden self-test, runners, the x64 onnxruntime binary only, SHA256SUMS', async () => {
    const sums = await readFile(path.join(unpacked, 'SHA256SUMS'), 'utf8');
    const files = sums.trim().split('\n').map((line) => line.slice(66));
    expect(files).toEqual(expect.arrayContaining(['manifest.json', 'model.onnx', 'selftest/golden.json', 'run.mjs', 'run.py', 'bin/run', 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node', 'node_modules/onnxruntime-common/package.json']));
    expect(files.filter((file) => file.includes('/bin/napi-v6/') && !file.includes('/linux/x64/'))).toEqual([]);
    expect(sha256(await readFile(path.join(unpacked, 'model.onnx')))).toBe(version.sha256);
    const golden = JSON.parse(await readFile(path.join(unpacked, 'selftest', 'golden.json'), 'utf8'));
    expect(golden.cases).toHaveLength(3);
    const first = golden.cases[0];
    expect(first.inputs.x.dims).toEqual([1, 4]);
    // The golden outputs are Orrery's own inference on the golden inputs.
    const orrery = await world.call('model.infer', { target: { versionId: version.id }, input: { kind: 'tensors', tensors: { x: { dims: [1, 4], data: first.inputs.x.data } } } });
    expect(first.outputs.y.data).toEqual(orrery.outputs[0]!.data);
  });

  it('verifies, self-tests and predicts on the device with node and its own onnxruntime-node', async () => {
    const verified = device(unpacked, ['verify']);
    expect(verified.stderr).toBe('');
    expect(verified.status).toBe(0);
    const selfTest = device(unpacked, ['self-test']);
    expect(selfTest.status).toBe(0);
    const result = JSON.parse(selfTest.stdout.trim());
    expect(result).toMatchObject({ ok: true, cases: 3, runtime: 'node' });
    expect(result.runtimePath.startsWith(unpacked)).toBe(true);

    const row = [5.1, 3.5, 1.4, 0.2];
    const predicted = device(unpacked, ['predict', '--input', JSON.stringify({ x: [row] })]);
    expect(predicted.status).toBe(0);
    const answer = JSON.parse(predicted.stdout.trim());
    const orrery = await world.call('model.infer', { target: { versionId: version.id }, input: { kind: 'tensors', tensors: { x: { data: [row] } } } });
    expect(answer.outputs.y.data).toEqual(orrery.outputs[0]!.data);
    expect(answer.topK[0]).toEqual({ index: orrery.topK![0]!.index, label: orrery.topK![0]!.label, score: orrery.topK![0]!.score });
    expect(labels).toContain(answer.topK[0].label);

    await writeFile(path.join(world.base, 'rows.csv'), 'a,b,c,d\n5.1,3.5,1.4,0.2\n6.7,3.0,5.2,2.3\n');
    const csv = device(unpacked, ['predict', '--csv', 'rows.csv']);
    expect(csv.status).toBe(0);
    const lines = csv.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(lines).toHaveLength(2);
    expect(lines[0].outputs.y.data).toEqual(answer.outputs.y.data);
    await writeFile(path.join(world.base, 'batch.jsonl'), `${JSON.stringify({ x: [row] })}\n${JSON.stringify([[6.7, 3.0, 5.2, 2.3]])}\n`);
    const batch = device(unpacked, ['predict', '--batch', 'batch.jsonl']);
    expect(batch.stdout.trim().split('\n').map((line) => JSON.parse(line).outputs.y.data)).toEqual([answer.outputs.y.data, lines[1].outputs.y.data]);

    const wrong = device(unpacked, ['predict', '--input', '[[1, 2]]']);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain('the model expects x: float32 [batch, 4]');
  });

  it('refuses to run anything after one tampered byte, naming the file', async () => {
    const tampered = path.join(world.base, 'tampered', 'iris-v1');
    await cp(unpacked, tampered, { recursive: true });
    await flipByte(path.join(tampered, 'model.onnx'), 40);
    for (const args of [['verify'], ['self-test'], ['predict', '--input', '[[1, 2, 3, 4]]']]) {
      const result = device(tampered, args);
      expect(result.status).toBe(3);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/verification failed: model\.onnx .*refusing to run/);
    }
    // Without sha256sum on PATH the runner's own check refuses the same way.
    const nodeOnly = spawnSync(process.execPath, [path.join(tampered, 'run.mjs'), 'self-test'], { cwd: world.base, encoding: 'utf8', env: {} });
    expect(nodeOnly.status).toBe(3);
    expect(nodeOnly.stderr).toContain('model.onnx does not match its SHA-256');
    const python = spawnSync('python3', [path.join(tampered, 'run.py'), 'predict', '--input', '[[1, 2, 3, 4]]'], { encoding: 'utf8' });
    expect(python.status).toBe(3);
    expect(python.stderr).toContain('model.onnx does not match its SHA-256');

    // A file added after the build is refused too.
    const added = path.join(world.base, 'added', 'iris-v1');
    await cp(unpacked, added, { recursive: true });
    await writeFile(path.join(added, 'node_modules', 'evil.js'), 'process.exit(0)');
    const extra = device(added, ['self-test']);
    expect(extra.status).toBe(3);
    expect(extra.stderr).toContain('node_modules/evil.js is not listed in SHA256SUMS');

    // The tar.gz rebuilt around the tampered folder: model.verifyPackage names the file.
    const file = path.join(world.base, 'tampered.tar.gz');
    await tar.c({ gzip: true, file, cwd: path.dirname(tampered), portable: true }, ['iris-v1']);
    const verified = await world.call('model.verifyPackage', { file });
    expect(verified.ok).toBe(false);
    expect(verified.bad).toMatchObject({ path: 'model.onnx' });
    expect(verified.bad!.problem).toMatch(/differs from/);
  });

  it('runs the Python runner: checksums verified with the standard library, a clear pip message without onnxruntime', () => {
    const verified = spawnSync('python3', [path.join(unpacked, 'run.py'), 'verify'], { cwd: world.base, encoding: 'utf8' });
    expect(verified.stderr).toBe('');
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true });
    const hasOrt = spawnSync('python3', ['-c', 'import onnxruntime, numpy'], { encoding: 'utf8' }).status === 0;
    const selfTest = device(unpacked, ['self-test'], { ORRERY_RUNNER: 'python' });
    if (hasOrt) {
      expect(selfTest.status).toBe(0);
      expect(JSON.parse(selfTest.stdout)).toMatchObject({ ok: true, runtime: 'python' });
    } else {
      expect(selfTest.status).toBe(5);
      expect(selfTest.stderr).toContain('pip install onnxruntime');
    }
  });

  it("runs the Python runner's self-test and predictions on a stand-in for onnxruntime's Python API (numpy + onnx)", async () => {
    // Python onnxruntime cannot be installed here (no PyPI): this stand-in has its API (InferenceSession, get_outputs,
    // run) and evaluates the test MLP's operators with numpy, reading the model with Debian's python3-onnx.
    const standIn = path.join(world.base, 'ort-stand-in');
    await mkdir(standIn, { recursive: true });
    await writeFile(path.join(standIn, 'onnxruntime.py'), ortStandIn);
    const env = { ORRERY_RUNNER: 'python', PYTHONPATH: standIn, PATH: '/usr/bin:/bin' };
    const selfTest = device(unpacked, ['self-test'], env);
    expect(selfTest.stderr).toBe('');
    expect(JSON.parse(selfTest.stdout)).toMatchObject({ ok: true, cases: 3, runtime: 'python', onnxruntime: 'stand-in' });
    const node = JSON.parse(device(unpacked, ['predict', '--csv', 'rows.csv']).stdout.trim().split('\n')[0]!);
    const python = device(unpacked, ['predict', '--csv', 'rows.csv'], env);
    expect(python.status).toBe(0);
    const lines = python.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(lines).toHaveLength(2);
    expect(lines[0].outputs.y.dims).toEqual([1, 3]);
    lines[0].outputs.y.data.forEach((value: number, i: number) => expect(value).toBeCloseTo(node.outputs.y.data[i], 5));
    expect(lines[0].topK[0]).toMatchObject({ index: node.topK[0].index, label: node.topK[0].label });
    const wrong = device(unpacked, ['predict', '--input', '[[1, 2]]'], env);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain('the model expects x: float32 [batch, 4]');
    // A golden output changed (and its checksum with it, as a wrong build would): the self-test fails with exit 4.
    const drifted = path.join(world.base, 'drifted', 'iris-v1');
    await cp(unpacked, drifted, { recursive: true });
    const goldenFile = path.join(drifted, 'selftest', 'golden.json');
    const golden = JSON.parse(await readFile(goldenFile, 'utf8'));
    golden.cases[1].outputs.y.data[2] += 0.01;
    const text = `${JSON.stringify(golden)}\n`;
    await writeFile(goldenFile, text);
    const sums = await readFile(path.join(drifted, 'SHA256SUMS'), 'utf8');
    await writeFile(path.join(drifted, 'SHA256SUMS'), sums.replace(/^[0-9a-f]{64}(?=  selftest\/golden\.json$)/m, sha256(Buffer.from(text))));
    for (const runnerEnv of [env, {}]) {
      const failed = device(drifted, ['self-test'], runnerEnv);
      expect(failed.status).toBe(4);
      expect(JSON.parse(failed.stdout)).toMatchObject({ ok: false, case: 1, output: 'y', index: 2 });
    }
  });

  it('builds a linux-arm64 package holding the arm64 binary only, which this x64 machine will not run', async () => {
    const arm = await world.call('model.package', { versionId: version.id, target: 'linux-arm64', goldenCases: 1 });
    expect(arm).toMatchObject({ target: 'linux-arm64', fileName: 'iris-v1-linux-arm64.tar.gz', manifest: { target: 'linux-arm64' } });
    const entries: string[] = [];
    await tar.t({ file: arm.path, onReadEntry: (entry) => void entries.push(entry.path) });
    const binaries = entries.filter((entry) => entry.includes('/bin/napi-v6/'));
    expect(binaries).toContain('iris-v1/node_modules/onnxruntime-node/bin/napi-v6/linux/arm64/onnxruntime_binding.node');
    expect(binaries.filter((entry) => !entry.includes('/linux/arm64/') && !entry.endsWith('/'))).toEqual([]);
    expect(arm.size).toBeLessThan(x64.size);
    const folder = await unpack(arm.path, path.join(world.base, 'arm'));
    expect(device(folder, ['verify']).status).toBe(0);
    const forced = device(folder, ['self-test'], { ORRERY_RUNNER: 'node' });
    expect(forced.status).toBe(5);
    expect(forced.stderr).toContain('built for linux-arm64; this machine is linux-x64');
    expect((await world.call('model.packages', {})).map((item) => item.target)).toEqual(['linux-arm64', 'linux-x64']);
  });

  it('answers bad input with clear errors and keeps a packaged version', async () => {
    expect((await failure(world.call('model.package', { versionId: 'mver_nosuch', target: 'linux-x64' }))).code).toBe('not_found');
    const unknownTarget = await failure(world.call('model.package', { versionId: version.id, target: 'windows-x64' }));
    expect(unknownTarget.code).toBe('invalid_input');
    expect(unknownTarget.message).toMatch(/linux-x64/);

    // The harness's run: a PyTorch checkpoint (no ONNX export yet) and a file named model.onnx that is not ONNX.
    await commitProject(world.project);
    const runId = train(world.project);
    await world.core.services.tracking.ingestAll();
    const pytorch = await world.call('model.register', { name: 'tiny', runId });
    const noExport = await failure(world.call('model.package', { versionId: pytorch.id, target: 'linux-x64' }));
    expect(noExport.code).toBe('invalid_input');
    expect(noExport.message).toContain('export it to ONNX first');
    const fake = await world.call('model.register', { name: 'tiny', runId, artifact: 'model.onnx' });
    const notOnnx = await failure(world.call('model.package', { versionId: fake.id, target: 'linux-x64' }));
    expect(notOnnx.code).toBe('invalid_file');
    expect(notOnnx.message).toMatch(/not an ONNX model/);
    expect(await world.call('model.packages', { versionId: fake.id })).toEqual([]);

    const outside = await failure(world.call('model.package', { versionId: version.id, target: 'linux-x64', out: '/etc/iris.tar.gz' }));
    expect(outside.code).toBe('path_outside_root');
    const notGzip = await failure(world.call('model.verifyPackage', { file: path.join(world.project, 'train.py') }));
    expect(notGzip.code).toBe('invalid_file');
    expect((await failure(world.call('model.verifyPackage', { file: path.join(world.base, 'nosuch.tar.gz') }))).code).toBe('not_found');

    // A version with packages stays (the package rows restrict its deletion) until they are deleted.
    await expect(world.call('model.deleteVersion', { versionId: version.id })).rejects.toThrow();
    expect((await world.call('model.version', { ref: version.id })).id).toBe(version.id);
    for (const item of await world.call('model.packages', { versionId: version.id })) await world.call('model.deletePackage', { packageId: item.id });
    expect((await failure(world.call('model.deletePackage', { packageId: x64.id }))).code).toBe('not_found');
    expect(await world.call('model.packages', {})).toEqual([]);
    await world.call('model.deleteVersion', { versionId: version.id });
    expect((await failure(world.call('model.version', { ref: version.id }))).code).toBe('not_found');
  });
});
