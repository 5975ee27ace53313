import type { StateCreator } from 'zustand';
import type { CallInput } from '../../app/contract';
import type {
  DiscoveredServer,
  LlmCall,
  LlmCallSummary,
  ModelPrice,
  Prompt,
  PromptVersion,
  Provider,
  RunTarget,
  UsageTotal,
} from '../../app/contract/prompts';
import { newId } from '../../app/lib/ids';
import { draftOf, editMessages, newDraft, paramsOf, runTargets, variablesToSend, type MessageEdit, type PromptDraft, type TargetPick } from '../features/prompts/prompt-draft';
import { StreamSink } from '../features/prompts/stream-sink';
import { errorMessage } from '../client/client-error';
import type { OrreryClient } from '../client/types';
import type { AppState } from './store';

/** The panels of the Prompts area. */
export const promptPanels = ['prompts', 'history', 'suites', 'providers', 'usage'] as const;
export type PromptPanel = (typeof promptPanels)[number];

/** One playground run: its columns' targets, the text sink the deltas go to, and each column's finished call. */
export interface PlaygroundRun {
  readonly runId: string;
  readonly targets: readonly RunTarget[];
  readonly sink: StreamSink;
  /** Per column: the call once it ended. */
  readonly calls: readonly (LlmCall | null)[];
  readonly running: boolean;
  readonly error: string | null;
}

type UsageGroup = CallInput<'prompt.usage'>['groupBy'];
const historyPage = 50;

/** The prompt studio as the Prompts area shows it: caches of main's data (kept current by prompt.changed) and the editor's draft. */
export interface PromptsSlice {
  readonly promptPanel: PromptPanel;
  /** The project the studio's data was loaded for (null: not loaded). */
  readonly promptsLoadedFor: string | null;
  readonly providers: readonly Provider[];
  readonly discovered: readonly DiscoveredServer[] | null;
  readonly prices: readonly ModelPrice[];
  readonly prompts: readonly Prompt[];
  readonly promptsError: string | null;
  readonly versions: readonly PromptVersion[];
  readonly draft: PromptDraft;
  readonly variableValues: Readonly<Record<string, string>>;
  readonly targets: readonly TargetPick[];
  readonly playground: PlaygroundRun | null;
  readonly historyQuery: string;
  readonly historyCalls: readonly LlmCallSummary[];
  readonly historyTotal: number;
  readonly historyError: string | null;
  readonly openCall: LlmCall | null;
  readonly usageGroup: UsageGroup;
  readonly usageTotals: readonly UsageTotal[];
  setPromptPanel(panel: PromptPanel): void;
  /** Providers, prices, prompts, suite files and runs for the open project. */
  loadPromptStudio(): Promise<void>;
  /** prompt.changed arrived: the part it names is asked again. */
  applyPromptChanged(payload: { what: 'prompts' | 'providers' | 'prices' | 'history' | 'suites'; id: string | null }): void;
  /** Throws for the form to show. */
  saveProvider(input: CallInput<'prompt.saveProvider'>): Promise<Provider>;
  removeProvider(id: string): Promise<void>;
  removeProviderKey(id: string): Promise<void>;
  discoverServers(): Promise<void>;
  /** Throws for the form to show. */
  setPrice(input: CallInput<'prompt.setPrice'>): Promise<void>;
  newPrompt(): void;
  openPrompt(id: string, version?: number): Promise<void>;
  editDraft(change: Partial<Pick<PromptDraft, 'name' | 'params' | 'note'>>): void;
  editMessage(edit: MessageEdit): void;
  setVariable(name: string, value: string): void;
  setTargets(targets: readonly TargetPick[]): void;
  /** Saves the draft as a new version; a failure becomes a notice. Answers the version (null on failure). */
  savePrompt(): Promise<PromptVersion | null>;
  restoreVersion(version: number): Promise<void>;
  setLabel(label: string, version: number | null): Promise<void>;
  deletePrompt(id: string): Promise<void>;
  /** Runs the draft (as typed) on the targets; the text streams into the run's sink. */
  runPrompt(): Promise<void>;
  cancelRun(): Promise<void>;
  searchHistory(query: string): Promise<void>;
  moreHistory(): Promise<void>;
  showCall(id: string | null): Promise<void>;
  loadUsage(group?: UsageGroup): Promise<void>;
}

/** The prompts slice over a client. */
export function createPromptsSlice(client: OrreryClient): StateCreator<AppState, [], [], PromptsSlice> {
  return (set, get) => {
    const fail = (what: string, error: unknown) => get().notify('error', `${what}: ${errorMessage(error)}`, 'prompts');
    const loadProviders = async () => {
      const providers = await client.call('prompt.providers', undefined);
      // A model row with no provider yet gets the first one (the usual case: a single provider).
      const first = providers[0];
      set({ providers, targets: get().targets.map((t) => (t.providerId || !first ? t : { ...t, providerId: first.id })) });
    };
    const loadPrices = async () => set({ prices: await client.call('prompt.prices', undefined) });
    const loadPrompts = async () => {
      try {
        set({ prompts: await client.call('prompt.list', undefined), promptsError: null });
      } catch (error) {
        set({ promptsError: errorMessage(error) });
      }
    };
    const loadVersions = async (id: string) => set({ versions: await client.call('prompt.versions', { id }) });
    const quietly = (work: Promise<unknown>) => void work.catch(() => undefined);

    return {
      promptPanel: 'prompts',
      promptsLoadedFor: null,
      providers: [],
      discovered: null,
      prices: [],
      prompts: [],
      promptsError: null,
      versions: [],
      draft: newDraft,
      variableValues: {},
      targets: [{ providerId: '', model: '' }],
      playground: null,
      historyQuery: '',
      historyCalls: [],
      historyTotal: 0,
      historyError: null,
      openCall: null,
      usageGroup: 'model',
      usageTotals: [],
      setPromptPanel(panel) {
        set({ promptPanel: panel });
      },
      async loadPromptStudio() {
        const project = get().current?.path ?? null;
        if (get().promptsLoadedFor !== project) {
          set({ versions: [], draft: newDraft, playground: null, historyCalls: [], openCall: null });
          get().resetSuites();
        }
        set({ promptsLoadedFor: project });
        const work: Promise<unknown>[] = [loadProviders(), loadPrices()];
        if (project) work.push(loadPrompts(), get().loadSuiteLists(), get().searchHistory(get().historyQuery), get().loadUsage());
        const results = await Promise.allSettled(work);
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) set({ promptsError: errorMessage(failed.reason) });
        // A prompt is open when the list has one and nothing is being written.
        const first = get().prompts[0];
        if (first && get().draft.id === null && !get().draft.dirty) await get().openPrompt(first.id);
      },
      applyPromptChanged({ what, id }) {
        if (get().promptsLoadedFor === null) return;
        if (what === 'providers') quietly(loadProviders());
        else if (what === 'prices') quietly(loadPrices());
        else if (what === 'prompts') {
          const { draft } = get();
          quietly(
            loadPrompts().then(() => {
              if (!id || draft.id !== id) return;
              // Deleted in another window: the editor keeps unsaved text as a new prompt, else it is cleared.
              if (!get().prompts.some((p) => p.id === id)) set({ draft: draft.dirty ? { ...get().draft, id: null, baseVersion: null } : newDraft, versions: [] });
              // Saved in another window: follow it unless this one has unsaved edits.
              else if (!get().draft.dirty) return get().openPrompt(id);
              else return loadVersions(id);
            }),
          );
        } else if (what === 'history') {
          quietly(get().searchHistory(get().historyQuery));
          quietly(get().loadUsage());
        } else if (what === 'suites') quietly(get().loadSuiteLists());
      },
      async saveProvider(input) {
        const provider = await client.call('prompt.saveProvider', input);
        await loadProviders();
        return provider;
      },
      async removeProvider(id) {
        try {
          await client.call('prompt.removeProvider', { id });
          set({ targets: get().targets.map((t) => (t.providerId === id ? { ...t, providerId: '' } : t)) });
          await loadProviders();
        } catch (error) {
          fail('Could not remove the provider', error);
        }
      },
      async removeProviderKey(id) {
        try {
          await client.call('prompt.removeKey', { id });
          await loadProviders();
        } catch (error) {
          fail('Could not remove the key', error);
        }
      },
      async discoverServers() {
        try {
          set({ discovered: await client.call('prompt.discover', undefined) });
        } catch (error) {
          fail('Could not look for local servers', error);
        }
      },
      async setPrice(input) {
        set({ prices: await client.call('prompt.setPrice', input) });
      },
      newPrompt() {
        set({ draft: newDraft, versions: [], promptPanel: 'prompts' });
      },
      async openPrompt(id, version) {
        try {
          const [answer, versions] = await Promise.all([
            client.call('prompt.get', version === undefined ? { id } : { id, version }),
            client.call('prompt.versions', { id }),
          ]);
          set({ draft: draftOf(answer.prompt.id, answer.prompt.name, answer.version), versions });
        } catch (error) {
          fail('Could not open the prompt', error);
        }
      },
      editDraft(change) {
        set({ draft: { ...get().draft, ...change, dirty: true } });
      },
      editMessage(edit) {
        const { draft } = get();
        set({ draft: { ...draft, messages: editMessages(draft.messages, edit), dirty: true } });
      },
      setVariable(name, value) {
        set({ variableValues: { ...get().variableValues, [name]: value } });
      },
      setTargets(targets) {
        set({ targets });
      },
      async savePrompt() {
        const { draft } = get();
        try {
          if (!draft.name.trim()) throw new Error('Give the prompt a name first.');
          const saved = await client.call('prompt.save', {
            ...(draft.id ? { id: draft.id } : {}),
            name: draft.name.trim(),
            messages: [...draft.messages],
            params: paramsOf(draft.params),
            ...(draft.note.trim() ? { note: draft.note.trim() } : {}),
          });
          set({ draft: draftOf(saved.prompt.id, saved.prompt.name, saved.version) });
          get().notify('info', saved.created ? `Saved ${saved.prompt.name} v${saved.version.version}` : `Nothing changed: ${saved.prompt.name} stays at v${saved.version.version}`, 'prompts');
          await Promise.all([loadPrompts(), loadVersions(saved.prompt.id)]);
          return saved.version;
        } catch (error) {
          fail('Could not save the prompt', error);
          return null;
        }
      },
      async restoreVersion(version) {
        const id = get().draft.id;
        if (!id) return;
        try {
          const saved = await client.call('prompt.restore', { id, version });
          set({ draft: draftOf(saved.prompt.id, saved.prompt.name, saved.version) });
          get().notify('info', `v${version} restored as v${saved.version.version}`, 'prompts');
          await Promise.all([loadPrompts(), loadVersions(id)]);
        } catch (error) {
          fail('Could not restore the version', error);
        }
      },
      async setLabel(label, version) {
        const id = get().draft.id;
        if (!id) return;
        try {
          await client.call('prompt.label', { id, label, version });
          await Promise.all([loadPrompts(), loadVersions(id)]);
        } catch (error) {
          fail(version === null ? 'Could not remove the label' : 'Could not set the label', error);
        }
      },
      async deletePrompt(id) {
        try {
          await client.call('prompt.delete', { id });
          if (get().draft.id === id) set({ draft: newDraft, versions: [] });
          await loadPrompts();
        } catch (error) {
          fail('Could not delete the prompt', error);
        }
      },
      async runPrompt() {
        const { draft, variableValues, targets: picks, playground } = get();
        if (playground?.running) return;
        let targets: RunTarget[];
        let params: PromptVersion['params'];
        try {
          targets = runTargets(picks);
          params = paramsOf(draft.params);
        } catch (error) {
          set({ playground: { runId: '', targets: [], sink: new StreamSink(), calls: [], running: false, error: errorMessage(error) } });
          return;
        }
        const runId = newId('prun', 12);
        const sink = new StreamSink();
        set({ playground: { runId, targets, sink, calls: targets.map(() => null), running: true, error: null } });
        const update = (change: Partial<PlaygroundRun>) => {
          const current = get().playground;
          if (current?.runId === runId) set({ playground: { ...current, ...change } });
        };
        // Subscribed before the call, so no token is missed; the deltas go straight to the sink (no store update per token).
        const stops = [
          client.on('prompt.delta', runId, (payload) => sink.append(payload.target, payload.text)),
          client.on('prompt.callDone', runId, (payload) => {
            const calls = [...(get().playground?.calls ?? [])];
            calls[payload.target] = payload.call;
            update({ calls });
          }),
        ];
        try {
          const answer = await client.call('prompt.run', {
            runId,
            source: { messages: [...draft.messages], params },
            variables: variablesToSend(draft.messages, variableValues),
            targets,
          });
          update({ calls: answer.calls, running: false });
        } catch (error) {
          update({ running: false, error: errorMessage(error) });
        } finally {
          for (const stop of stops) stop();
        }
      },
      async cancelRun() {
        const run = get().playground;
        if (!run?.running) return;
        try {
          await client.call('task.cancel', { id: run.runId });
        } catch (error) {
          fail('Could not cancel the run', error);
        }
      },
      async searchHistory(query) {
        set({ historyQuery: query });
        try {
          const answer = await client.call('prompt.history', { ...(query.trim() ? { query: query.trim() } : {}), limit: historyPage });
          if (get().historyQuery === query) set({ historyCalls: answer.calls, historyTotal: answer.total, historyError: null });
        } catch (error) {
          set({ historyError: errorMessage(error) });
        }
      },
      async moreHistory() {
        const { historyQuery: query, historyCalls } = get();
        const last = historyCalls[historyCalls.length - 1];
        if (!last) return;
        try {
          const answer = await client.call('prompt.history', { ...(query.trim() ? { query: query.trim() } : {}), limit: historyPage, before: last.startedAt });
          const seen = new Set(historyCalls.map((c) => c.id));
          set({ historyCalls: [...historyCalls, ...answer.calls.filter((c) => !seen.has(c.id))] });
        } catch (error) {
          set({ historyError: errorMessage(error) });
        }
      },
      async showCall(id) {
        if (id === null) return set({ openCall: null });
        try {
          set({ openCall: await client.call('prompt.call', { id }) });
        } catch (error) {
          fail('Could not open the call', error);
        }
      },
      async loadUsage(group = get().usageGroup) {
        set({ usageGroup: group });
        try {
          const totals = await client.call('prompt.usage', { groupBy: group });
          if (get().usageGroup === group) set({ usageTotals: totals });
        } catch (error) {
          fail('Could not read the usage totals', error);
        }
      },
    };
  };
}
