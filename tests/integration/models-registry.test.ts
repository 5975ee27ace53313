// The model registry through the core's dispatcher: versions registered from a run written by the real Python SDK
// (lineage: params, last metrics, git commit, dataset hashes), aliases and stages, the model card, and a run that
// cannot be deleted while a version depends on it.
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrreryError } from '../../app/contract';
import { commitProject, train } from './models-harness';
import { trackingWorld, type TrackingWorld } from './tracking-harness';

let world: TrackingWorld;
let commit = '';
let runId = '';

async function expectError(work: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const error = await work.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(OrreryError);
  expect((error as OrreryError).code).toBe(code);
  expect((error as OrreryError).message).toMatch(message);
}

beforeAll(async () => {
  world = await trackingWorld('orrery-models-');
  commit = await commitProject(world.project);
  runId = train(world.project);
  await world.core.services.tracking.ingestAll();
}, 180_000);
afterAll(() => world.dispose());

describe('model registry through the core', () => {
  it("registers the run's last checkpoint with the run's lineage, then a named artifact with dataset hashes", async () => {
    const v1 = await world.call('model.register', { name: 'tiny', runId, notes: 'first try' });
    expect(v1).toMatchObject({ modelName: 'tiny', version: 1, format: 'pytorch', fileName: 'epoch2.pt', source: 'run-artifact', stage: 'none', notes: 'first try' });
    expect(v1.sha256).toBe(createHash('sha256').update('weights of epoch 2').digest('hex'));
    expect(v1.lineage).toEqual({
      runId,
      runName: 'tiny-train',
      params: { lr: 0.05, epochs: 3, hidden: [8, 4] },
      metrics: { loss: 1 / 3, val_acc: 0.5 + 0.1 * 2 },
      envLockId: null,
      gitCommit: commit,
      datasets: [],
    });

    const v2 = await world.call('model.register', { name: 'tiny', runId, artifact: 'model.onnx', datasets: ['data/train.csv'] });
    expect(v2).toMatchObject({ version: 2, format: 'onnx', fileName: 'model.onnx' });
    expect(v2.lineage.datasets).toEqual([{ path: 'data/train.csv', sha256: createHash('sha256').update('x,y\n1,0\n2,1\n').digest('hex'), size: 12 }]);
    const older = await world.call('model.register', { name: 'tiny', runId, artifact: 'epoch0.pt', format: 'torchscript' });
    expect(older).toMatchObject({ version: 3, format: 'torchscript', fileName: 'epoch0.pt' });

    const listed = await world.call('model.get', { id: 'tiny' });
    expect(listed.versions.map((version) => version.version)).toEqual([3, 2, 1]);
    expect((await world.call('model.list', undefined)).map((model) => model.name)).toEqual(['tiny']);
  });

  it('registers a file from the project, and refuses bad requests with what to do', async () => {
    const file = path.join(world.project, 'exported.onnx');
    await writeFile(file, 'bytes');
    const version = await world.call('model.register', { name: 'loose', file: 'exported.onnx' });
    expect(version).toMatchObject({ version: 1, format: 'onnx', source: 'file', fileName: 'exported.onnx', lineage: { runId: null, gitCommit: null } });
    await expectError(world.call('model.register', { name: 'x', file: '/etc/hostname' }), 'path_outside_root', /outside the folders Orrery may use/);
    await expectError(world.call('model.register', { name: 'x' }), 'invalid_input', /either a run .* or a file/);
    await expectError(world.call('model.register', { name: 'x', runId, file }), 'invalid_input', /not both/);
    await expectError(world.call('model.register', { name: 'x', runId: 'f'.repeat(32) }), 'not_found', /No run f+ in this project/);
    await expectError(world.call('model.register', { name: 'x', runId, artifact: 'nope.pt' }), 'not_found', /no artifact or checkpoint named nope.pt; its files are/);
    await expectError(world.call('model.register', { name: 'x', runId, datasets: ['data/absent.csv'] }), 'not_found', /data\/absent.csv does not exist/);
    await expectError(world.call('model.register', { name: 'bad/name', file }), 'invalid_input', /a model name such as/);
  });

  it('moves stages and aliases, and resolves references through them', async () => {
    const v1 = await world.call('model.version', { ref: 'tiny@1' });
    const staged = await world.call('model.update', { versionId: v1.id, stage: 'production' });
    expect(staged.stage).toBe('production');
    expect((await world.call('model.version', { ref: 'tiny@production' })).id).toBe(v1.id);
    const model = await world.call('model.alias', { modelId: v1.modelId, alias: 'champion', versionId: v1.id });
    expect(model.aliases).toEqual({ champion: 1 });
    expect((await world.call('model.version', { ref: 'tiny@champion' })).aliases).toEqual(['champion']);
    await expectError(world.call('model.version', { ref: 'tiny@candidate' }), 'not_found', /no version "candidate"; it has 3, 2, 1, champion/);
  });

  it('writes a model card from the lineage', async () => {
    const v1 = await world.call('model.version', { ref: 'tiny@1' });
    const { html } = await world.call('model.card', { versionId: v1.id });
    expect(html).toContain('<title>Model card: tiny v1</title>');
    expect(html).toContain(commit);
    expect(html).toContain('tiny-train');
    expect(html).toMatch(/<th>val_acc<\/th><td class="num">0\.7<\/td>/);
    expect(html).toContain('export this pytorch version to ONNX');
    expect(html).toContain('first try');
  });

  it('refuses to delete a run a version depends on, naming the versions, until they are deleted', async () => {
    await expectError(world.call('runs.delete', { id: runId }), 'conflict', /lineage of model versions tiny@1, tiny@2, tiny@3; delete those versions first/);
    // Nothing of the run was removed by the refused delete.
    expect((await world.call('runs.get', { id: runId })).artifacts.length).toBeGreaterThan(0);
    for (const ref of ['tiny@3', 'tiny@2']) {
      const version = await world.call('model.version', { ref });
      await world.call('model.deleteVersion', { versionId: version.id });
    }
    await expectError(world.call('runs.delete', { id: runId }), 'conflict', /model version tiny@1; delete that version first/);
    const last = await world.call('model.version', { ref: 'tiny' });
    const blob = await world.core.services.projects.requireCurrent().artifacts.get(last.sha256);
    await world.call('model.deleteVersion', { versionId: last.id });
    expect((await world.call('model.list', undefined)).map((model) => model.name)).toEqual(['loose']);
    expect(await world.call('runs.delete', { id: runId })).toEqual({ ok: true });
    // The blob stays: the artifact store is content-addressed and shared.
    expect(await readFile(blob.path, 'utf8')).toBe('weights of epoch 2');
  });

  it('refuses to export a version that is already ONNX, and to run a checkpoint that has no ONNX export yet', async () => {
    const loose = await world.call('model.version', { ref: 'loose@1' });
    await expectError(world.call('model.export', { versionId: loose.id }), 'invalid_input', /already ONNX/);
    // The version's file reaches the ONNX reader, which says it is not ONNX.
    await expectError(world.call('model.inspect', { target: { versionId: loose.id } }), 'invalid_file', /ONNX/);
    await writeFile(path.join(world.project, 'weights.pt'), 'weights');
    const checkpoint = await world.call('model.register', { name: 'loose', file: path.join(world.project, 'weights.pt') });
    expect(checkpoint).toMatchObject({ version: 2, format: 'pytorch' });
    await expectError(
      world.call('model.inspect', { target: { versionId: checkpoint.id } }),
      'invalid_input',
      /loose@2 is a pytorch file; export it to ONNX first \(`orrery model export loose@2`\)/,
    );
    await expectError(world.call('model.export', { versionId: checkpoint.id, envId: 'env_missing' }), 'not_found', /No environment env_missing/);
  });
});
