import { describe, expect, it } from 'vitest';
import type { CallInput } from '../../../../app/contract';
import type { ModelVersion } from '../../../../app/contract/models';
import { buildCommands } from '../../../../renderer/app/commands';
import { ClientError } from '../../../../renderer/client/client-error';
import { openVersionOf } from '../../../../renderer/store/models-slice';
import { createAppStore } from '../../../../renderer/store/store';
import { fakeClient, settle } from '../fake-client';
import { benchOf, info, modelOf, versionOf } from './fixtures';

const project = { current: { path: '/p', name: 'p' } } as never;

function registry(extra: Parameters<typeof fakeClient>[0] = {}) {
  const versions: ModelVersion[] = [versionOf(1)];
  const aliases: Record<string, number> = {};
  const newest = () => [...versions].reverse();
  const fake = fakeClient({
    'model.list': () => (versions.length ? [modelOf(versions.length, aliases)] : []),
    'model.get': () => ({ model: modelOf(versions.length, aliases), versions: newest() }),
    'model.inspect': () => info,
    'model.benchmarks': (input) => {
      const { versionId, modelId } = input as CallInput<'model.benchmarks'>;
      return modelId ? versions.map((v) => benchOf(`b_${v.id}`, v.id)) : [benchOf('b_old', versionId!)];
    },
    'model.exports': () => [],
    'model.register': (input) => {
      const { name, file } = input as CallInput<'model.register'>;
      const v = versionOf(versions.length + 1, { modelName: name, fileName: (file ?? '').split('/').pop()! });
      versions.push(v);
      return v;
    },
    'model.update': (input) => {
      const { versionId, stage, notes } = input as CallInput<'model.update'>;
      const i = versions.findIndex((v) => v.id === versionId);
      versions[i] = { ...versions[i]!, ...(stage ? { stage } : {}), ...(notes !== undefined ? { notes } : {}) };
      return versions[i];
    },
    'model.alias': (input) => {
      const { alias, versionId } = input as CallInput<'model.alias'>;
      for (const v of versions) v.aliases = v.aliases.filter((a) => a !== alias);
      if (versionId === null) delete aliases[alias];
      else {
        const v = versions.find((x) => x.id === versionId)!;
        v.aliases = [...v.aliases, alias];
        aliases[alias] = v.version;
      }
      return modelOf(versions.length, aliases);
    },
    'model.deleteVersion': (input) => {
      versions.splice(versions.findIndex((v) => v.id === (input as { versionId: string }).versionId), 1);
      return { ok: true };
    },
    'model.infer': (input) => {
      const { input: given } = input as CallInput<'model.infer'>;
      if (given.kind === 'csv') throw new ClientError('invalid_input', 'Input x expects float32 [batch, 4]; the row has 3 numbers.', 'model.infer');
      return { outputs: [{ name: 'y', dtype: 'float32', dims: [1, 3], data: [0.1, 0.7, 0.2] }], topK: [{ index: 1, label: 'versicolor', score: 0.7 }], latencyMs: 0.4 };
    },
    ...extra,
  });
  const store = createAppStore(fake.client);
  store.setState(project);
  return { fake, store, versions };
}

describe('models slice', () => {
  it('loads the registry, opens the newest version and inspects it', async () => {
    const { fake, store } = registry();
    await store.getState().loadModels();
    const s = store.getState();
    expect(s.models.map((m) => m.name)).toEqual(['iris']);
    expect(s.openModelId).toBe('mdl_iris');
    expect(s.openVersionId).toBe('mv_1');
    expect(s.inspection).toEqual(info);
    expect(s.benchmarks.map((b) => b.id)).toEqual(['b_old']);
    expect(fake.calls.filter((c) => c.name === 'model.benchmarks').map((c) => c.input)).toEqual([{ versionId: 'mv_1' }, { modelId: 'mdl_iris' }]);
    expect(s.modelBenchmarks.map((b) => b.id)).toEqual(['b_mv_1']);
  });

  it('registers a file, opens the new version, and edits stage, notes and aliases', async () => {
    const { fake, store } = registry();
    await store.getState().loadModels();
    const v2 = await store.getState().registerModel({ name: 'iris', file: '/p/models/iris2.onnx' });
    expect(v2.version).toBe(2);
    expect(store.getState().openVersionId).toBe('mv_2');
    expect(store.getState().modelVersions.map((v) => v.version)).toEqual([2, 1]);

    await store.getState().setStage('production');
    await store.getState().saveNotes('trained on the full set');
    expect(openVersionOf(store.getState())).toMatchObject({ stage: 'production', notes: 'trained on the full set' });
    await store.getState().setAlias('champion', 'mv_2');
    expect(openVersionOf(store.getState())?.aliases).toEqual(['champion']);
    expect(store.getState().models[0]?.aliases).toEqual({ champion: 2 });
    await store.getState().setAlias('champion', null);
    expect(openVersionOf(store.getState())?.aliases).toEqual([]);
    expect(fake.calls.filter((c) => c.name === 'model.alias').map((c) => c.input)).toEqual([
      { modelId: 'mdl_iris', alias: 'champion', versionId: 'mv_2' },
      { modelId: 'mdl_iris', alias: 'champion', versionId: null },
    ]);
  });

  it('shows a prediction, and the service\'s wrong-shape message in place of it', async () => {
    const { store } = registry();
    await store.getState().loadModels();
    await store.getState().infer({ kind: 'tensors', tensors: { x: { dims: [1, 4], data: [5.1, 3.5, 1.4, 0.2] } } });
    expect(store.getState().inferResult?.topK).toEqual([{ index: 1, label: 'versicolor', score: 0.7 }]);
    expect(store.getState().inferring).toBe(false);
    await store.getState().infer({ kind: 'csv', row: '1,2,3' });
    expect(store.getState().inferResult).toBeNull();
    expect(store.getState().inferError).toBe('Input x expects float32 [batch, 4]; the row has 3 numbers.');
  });

  it('keeps what belongs to the version open: a new benchmark goes first, another version clears the results', async () => {
    const { store } = registry();
    await store.getState().loadModels();
    store.getState().addBenchmark(benchOf('b_new', 'mv_1'));
    expect(store.getState().benchmarks.map((b) => b.id)).toEqual(['b_new', 'b_old']);
    expect(store.getState().modelBenchmarks.map((b) => b.id)).toEqual(['b_new', 'b_mv_1']);
    // A benchmark of a version no longer open is not mixed in.
    store.getState().addBenchmark(benchOf('b_other', 'mv_9'));
    expect(store.getState().benchmarks.map((b) => b.id)).toEqual(['b_new', 'b_old']);
    await store.getState().registerModel({ name: 'iris', file: '/p/iris2.onnx' });
    expect(store.getState().benchmarks.map((b) => `${b.id}@${b.versionId}`)).toEqual(['b_old@mv_2']);
    expect(store.getState().inferResult).toBeNull();
  });

  it('deletes a version and opens the one left; an inspection failure is shown, not thrown', async () => {
    const { store } = registry({ 'model.inspect': () => { throw new ClientError('invalid_file', 'iris.onnx is not an ONNX file (no ModelProto graph).', 'model.inspect'); } });
    await store.getState().loadModels();
    expect(store.getState().inspectionError).toBe('iris.onnx is not an ONNX file (no ModelProto graph).');
    await store.getState().registerModel({ name: 'iris', file: '/p/iris2.onnx' });
    await store.getState().deleteVersion('mv_2');
    expect(store.getState().modelVersions.map((v) => v.id)).toEqual(['mv_1']);
    expect(store.getState().openVersionId).toBe('mv_1');
    await store.getState().deleteVersion('mv_1');
    expect(store.getState().models).toEqual([]);
    expect(store.getState().openModelId).toBeNull();
  });

  it('palette commands open the Models area on the tab they name', async () => {
    const { store } = registry();
    const commands = buildCommands({ store, reloadWindow: () => undefined, newTerminal: () => undefined });
    const byTitle = (title: string) => commands.find((c) => c.title === title)!;
    for (const title of ['Show Model Version', 'Inspect ONNX Model', 'Run Model Inference', 'Benchmark Model Latency', 'Export Model to ONNX', 'Open Model Card']) {
      expect(byTitle(title)?.category).toBe('Models');
    }
    await store.getState().loadModels();
    await byTitle('Benchmark Model Latency').run();
    expect(store.getState().activeTab).toBe('models');
    expect(store.getState().versionTab).toBe('bench');
    // No model card call is faked: the failure becomes a notice that names it.
    await byTitle('Open Model Card').run();
    await settle();
    expect(store.getState().versionTab).toBe('overview');
    expect(store.getState().notices.at(-1)?.message).toMatch(/^Could not make the model card: /);
  });
});
