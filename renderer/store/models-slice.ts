import type { StateCreator } from 'zustand';
import type { CallInput } from '../../app/contract';
import type { Deployment, Device } from '../../app/contract/deploy';
import type { BenchResult, InferInput, InferResult, Model, ModelExport, ModelStage, ModelVersion, OnnxInfo } from '../../app/contract/models';
import { errorMessage } from '../client/client-error';
import type { OrreryClient } from '../client/types';
import type { AppState } from './store';

/** The tabs of a version's page. */
export const versionTabs = ['overview', 'inspect', 'infer', 'bench', 'export', 'package', 'deploy'] as const;
export type VersionTab = (typeof versionTabs)[number];

/** The Models area as the renderer shows it: the registry's lists, the version open and what was asked of it. */
export interface ModelsSlice {
  /** The project the list was loaded for (null: not loaded). */
  readonly modelsLoadedFor: string | null;
  readonly models: readonly Model[];
  readonly modelsError: string | null;
  readonly openModelId: string | null;
  /** Versions of the open model, newest first. */
  readonly modelVersions: readonly ModelVersion[];
  readonly openVersionId: string | null;
  readonly versionTab: VersionTab;
  /** The open version's ONNX inspection (null: not asked, or not ONNX). */
  readonly inspection: OnnxInfo | null;
  readonly inspectionError: string | null;
  readonly inferResult: InferResult | null;
  readonly inferError: string | null;
  readonly inferring: boolean;
  readonly benchmarks: readonly BenchResult[];
  /** Benchmarks of every version of the open model, for the comparison across versions. */
  readonly modelBenchmarks: readonly BenchResult[];
  readonly modelExports: readonly ModelExport[];
  loadModels(): Promise<void>;
  openModel(id: string): Promise<void>;
  openVersion(id: string): Promise<void>;
  setVersionTab(tab: VersionTab): void;
  /** Throws for the form to show. */
  registerModel(input: CallInput<'model.register'>): Promise<ModelVersion>;
  setStage(stage: ModelStage): Promise<void>;
  saveNotes(notes: string | null): Promise<void>;
  /** Points `alias` at the open version (or removes it with null). */
  setAlias(alias: string, versionId: string | null): Promise<void>;
  deleteVersion(id: string): Promise<void>;
  inspectVersion(): Promise<void>;
  infer(input: InferInput): Promise<void>;
  loadBenchmarks(): Promise<void>;
  loadModelBenchmarks(): Promise<void>;
  /** A benchmark finished: shown first. */
  addBenchmark(result: BenchResult): void;
  loadExports(): Promise<void>;
  /** The model card's HTML (throws for the caller to show). */
  modelCard(): Promise<string>;
  /** Opens the open version's model card in a new tab (a blob page); a failure becomes a notice. */
  openModelCard(): Promise<void>;
  /** The user's deploy devices (user-level, not per project). */
  readonly devices: readonly Device[];
  /** Deployments of the open model (every version), newest first. */
  readonly deployments: readonly Deployment[];
  loadDevices(): Promise<void>;
  /** Throws for the form to show. */
  addDevice(input: CallInput<'device.add'>): Promise<Device>;
  removeDevice(name: string): Promise<void>;
  loadDeployments(): Promise<void>;
}

/** The open version, from the loaded list. */
export function openVersionOf(state: Pick<ModelsSlice, 'modelVersions' | 'openVersionId'>): ModelVersion | null {
  return state.modelVersions.find((v) => v.id === state.openVersionId) ?? null;
}

/** The models slice over a client. */
export function createModelsSlice(client: OrreryClient): StateCreator<AppState, [], [], ModelsSlice> {
  return (set, get) => {
    const fail = (what: string, error: unknown) => get().notify('error', `${what}: ${errorMessage(error)}`, 'models');
    const replaceVersion = (version: ModelVersion) => set({ modelVersions: get().modelVersions.map((v) => (v.id === version.id ? version : v)) });
    const reloadModel = async () => {
      const id = get().openModelId;
      if (!id) return;
      const { model, versions } = await client.call('model.get', { id });
      set({ modelVersions: versions, models: get().models.map((m) => (m.id === model.id ? model : m)) });
    };
    const clearVersion = { inspection: null, inspectionError: null, inferResult: null, inferError: null, inferring: false, benchmarks: [], modelBenchmarks: [], modelExports: [], deployments: [] } as const;

    return {
      modelsLoadedFor: null,
      models: [],
      modelsError: null,
      openModelId: null,
      modelVersions: [],
      openVersionId: null,
      versionTab: 'overview',
      devices: [],
      ...clearVersion,
      async loadModels() {
        const project = get().current?.path ?? null;
        if (get().modelsLoadedFor !== project) set({ openModelId: null, openVersionId: null, modelVersions: [], ...clearVersion });
        set({ modelsLoadedFor: project });
        if (!project) {
          set({ models: [], modelsError: null });
          return;
        }
        try {
          set({ models: await client.call('model.list', undefined), modelsError: null });
        } catch (error) {
          set({ modelsError: errorMessage(error) });
          return;
        }
        const first = get().models[0];
        if (!get().openModelId && first) await get().openModel(first.id);
      },
      async openModel(id) {
        try {
          const { model, versions } = await client.call('model.get', { id });
          set({ openModelId: model.id, modelVersions: versions });
          const keep = versions.some((v) => v.id === get().openVersionId);
          const next = keep ? get().openVersionId : (versions[0]?.id ?? null);
          if (next && next !== get().openVersionId) await get().openVersion(next);
          else if (!next) set({ openVersionId: null, ...clearVersion });
        } catch (error) {
          fail('Could not open the model', error);
        }
      },
      async openVersion(id) {
        set({ openVersionId: id, ...clearVersion });
        await Promise.allSettled([get().loadBenchmarks(), get().loadModelBenchmarks(), get().loadExports()]);
        const version = openVersionOf(get());
        if (version?.format === 'onnx' && get().versionTab !== 'export') await get().inspectVersion();
      },
      setVersionTab(tab) {
        set({ versionTab: tab });
        if (tab === 'deploy') void Promise.allSettled([get().loadDevices(), get().loadDeployments()]);
        if ((tab === 'inspect' || tab === 'infer' || tab === 'bench') && !get().inspection && !get().inspectionError && get().openVersionId) void get().inspectVersion();
      },
      async registerModel(input) {
        const version = await client.call('model.register', input);
        set({ models: await client.call('model.list', undefined) });
        await get().openModel(version.modelId);
        await get().openVersion(version.id);
        return version;
      },
      async setStage(stage) {
        const id = get().openVersionId;
        if (!id) return;
        try {
          replaceVersion(await client.call('model.update', { versionId: id, stage }));
        } catch (error) {
          fail('Could not change the stage', error);
        }
      },
      async saveNotes(notes) {
        const id = get().openVersionId;
        if (!id) return;
        try {
          replaceVersion(await client.call('model.update', { versionId: id, notes }));
        } catch (error) {
          fail('Could not save the notes', error);
        }
      },
      async setAlias(alias, versionId) {
        const modelId = get().openModelId;
        if (!modelId) return;
        await client.call('model.alias', { modelId, alias, versionId });
        await reloadModel();
      },
      async deleteVersion(id) {
        try {
          await client.call('model.deleteVersion', { versionId: id });
          if (get().openVersionId === id) set({ openVersionId: null, ...clearVersion });
          set({ models: await client.call('model.list', undefined) });
          const modelId = get().openModelId;
          if (modelId && get().models.some((m) => m.id === modelId)) await get().openModel(modelId);
          else set({ openModelId: null, modelVersions: [] });
        } catch (error) {
          fail('Could not delete the version', error);
        }
      },
      async inspectVersion() {
        const versionId = get().openVersionId;
        if (!versionId) return;
        try {
          const info = await client.call('model.inspect', { target: { versionId } });
          if (get().openVersionId === versionId) set({ inspection: info, inspectionError: null });
        } catch (error) {
          if (get().openVersionId === versionId) set({ inspection: null, inspectionError: errorMessage(error) });
        }
      },
      async infer(input) {
        const versionId = get().openVersionId;
        if (!versionId) return;
        set({ inferring: true, inferError: null });
        try {
          const result = await client.call('model.infer', { target: { versionId }, input });
          if (get().openVersionId === versionId) set({ inferResult: result });
        } catch (error) {
          if (get().openVersionId === versionId) set({ inferResult: null, inferError: errorMessage(error) });
        } finally {
          set({ inferring: false });
        }
      },
      async loadBenchmarks() {
        const versionId = get().openVersionId;
        if (!versionId) return;
        const benchmarks = await client.call('model.benchmarks', { versionId });
        if (get().openVersionId === versionId) set({ benchmarks });
      },
      async loadModelBenchmarks() {
        const modelId = get().openModelId;
        if (!modelId) return;
        const benchmarks = await client.call('model.benchmarks', { modelId });
        if (get().openModelId === modelId) set({ modelBenchmarks: benchmarks });
      },
      addBenchmark(result) {
        if (result.versionId !== get().openVersionId) return;
        set({
          benchmarks: [result, ...get().benchmarks.filter((b) => b.id !== result.id)],
          modelBenchmarks: [result, ...get().modelBenchmarks.filter((b) => b.id !== result.id)],
        });
      },
      async loadExports() {
        const versionId = get().openVersionId;
        if (!versionId) return;
        const exports = await client.call('model.exports', { versionId });
        if (get().openVersionId === versionId) set({ modelExports: exports });
      },
      async modelCard() {
        const versionId = get().openVersionId;
        if (!versionId) throw new Error('Open a version first.');
        return (await client.call('model.card', { versionId })).html;
      },
      async openModelCard() {
        try {
          const html = await get().modelCard();
          const url = URL.createObjectURL(new Blob([html], { type: 'text/html' }));
          window.open(url, '_blank', 'noopener');
          // The new tab has read it long before.
          setTimeout(() => URL.revokeObjectURL(url), 60_000);
        } catch (error) {
          fail('Could not make the model card', error);
        }
      },
      async loadDevices() {
        try {
          set({ devices: await client.call('device.list', undefined) });
        } catch (error) {
          fail('Could not list the devices', error);
        }
      },
      async addDevice(input) {
        const device = await client.call('device.add', input);
        await get().loadDevices();
        return device;
      },
      async removeDevice(name) {
        try {
          await client.call('device.remove', { name });
          await get().loadDevices();
        } catch (error) {
          fail('Could not remove the device', error);
        }
      },
      async loadDeployments() {
        const version = openVersionOf(get());
        if (!version) return;
        try {
          const deployments = await client.call('model.deployments', { model: version.modelName });
          if (get().openVersionId === version.id) set({ deployments });
        } catch (error) {
          fail('Could not list the deployments', error);
        }
      },
    };
  };
}
