import path from 'node:path';
import type { ParsedInput } from '../../../app/contract';
import type {
  DiscoveredServer,
  LlmCall,
  ModelPrice,
  Prompt,
  PromptVersion,
  Provider,
  SuiteCompare,
  SuiteEstimate,
  SuiteFile,
  SuiteResult,
  SuiteRun,
  UsageTotal,
} from '../../../app/contract/prompts';
import { newId } from '../../../app/lib/ids';
import { renderTemplate } from '../../../app/lib/prompt-template';
import type { Clock } from '../../core/clock';
import type { EventBus } from '../../core/event-bus';
import type { Logger } from '../../core/logger';
import type { PlatformAdapter } from '../../core/platform';
import type { TaskRegistry } from '../../core/tasks';
import type { OpenProject, ProjectService } from '../projects/project-service';
import type { UserStore } from '../user/user-store';
import { CallExecutor } from './call-executor';
import { discoverLocalServers, type LocalServerKind } from './discovery';
import { CallHistory } from './history';
import { PriceTable } from './prices';
import { PromptStore, type SavedVersion } from './prompt-store';
import { ProviderStore } from './provider-store';
import { createProviderClient } from './providers/index';
import type { ChatMessage, ProviderClient, ProviderConnection } from './providers/types';
import { chooseCiphers } from './secrets';
import { SuiteRunner } from './suites/suite-runner';
import { loadTokenizer } from './tokens';

export interface PromptServiceDeps {
  readonly bus: EventBus;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly projects: ProjectService;
  readonly user: UserStore;
  readonly tasks: TaskRegistry;
  readonly platform: PlatformAdapter;
  readonly userHome: string;
  readonly allowedRoots: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  /** Tests hand in clients with short retry delays; default: the real wire clients. */
  readonly clientFor?: (connection: ProviderConnection) => ProviderClient;
  /** Ports probed by discovery; default: the usual local ports (or ORRERY_LLM_PORTS). */
  readonly discoveryPorts?: readonly { port: number; server: LocalServerKind }[];
}

/**
 * The prompt studio's service: providers and keys (user-level), prompts and their versions, side-by-side runs
 * streamed as `prompt.delta`, the call history, prices and usage, suites. Project-level stores are built on the
 * open project's database for each call (they hold no state of their own).
 */
export class PromptService {
  private providerStore: ProviderStore | null = null;
  private priceTable: PriceTable | null = null;
  private callExecutor: CallExecutor | null = null;
  private tokenizerWarmed = false;

  constructor(private readonly deps: PromptServiceDeps) {}

  // Providers --------------------------------------------------------------------------------------------

  providers(): Provider[] {
    this.warmTokenizer();
    return this.providerStoreOf().list();
  }

  saveProvider(input: ParsedInput<'prompt.saveProvider'>): Provider {
    const provider = this.providerStoreOf().save(input);
    this.changed('providers', provider.id);
    return provider;
  }

  removeProvider(id: string): { ok: true } {
    this.providerStoreOf().remove(id);
    this.changed('providers', id);
    return { ok: true };
  }

  removeKey(id: string): Provider {
    const provider = this.providerStoreOf().removeKey(id);
    this.changed('providers', id);
    return provider;
  }

  async testProvider(id: string): Promise<{ ok: true; models: string[]; latencyMs: number }> {
    const client = this.clientOf(id);
    const started = performance.now();
    const models = await client.listModels(AbortSignal.timeout(this.providerStoreOf().get(id).timeoutMs));
    return { ok: true, models, latencyMs: performance.now() - started };
  }

  async models(providerId: string): Promise<string[]> {
    const provider = this.providerStoreOf().get(providerId);
    const listed = await this.clientOf(providerId).listModels(AbortSignal.timeout(provider.timeoutMs));
    return [...new Set([...provider.models, ...listed])];
  }

  async discover(): Promise<DiscoveredServer[]> {
    const found = await discoverLocalServers({
      env: this.deps.env,
      ...(this.deps.discoveryPorts ? { ports: this.deps.discoveryPorts } : {}),
    });
    const providers = this.providers();
    const trim = (url: string) => url.replace(/\/+$/, '');
    return found.map((server) => ({
      ...server,
      providerId: providers.find((provider) => trim(provider.baseUrl) === trim(server.baseUrl))?.id ?? null,
    }));
  }

  // Prompts ----------------------------------------------------------------------------------------------

  list(query?: string): Prompt[] {
    this.warmTokenizer();
    return this.promptStore().list(query);
  }

  get(input: ParsedInput<'prompt.get'>): { prompt: Prompt; version: PromptVersion } {
    return this.promptStore().get(input.id, input.version);
  }

  versions(id: string): PromptVersion[] {
    return this.promptStore().versions(id);
  }

  save(input: ParsedInput<'prompt.save'>): SavedVersion {
    const saved = this.promptStore().save(input);
    // Also when no version was made: a save may rename the prompt.
    this.changed('prompts', saved.prompt.id);
    return saved;
  }

  diff(input: ParsedInput<'prompt.diff'>): { from: number; to: number; lines: { op: 'same' | 'add' | 'del'; text: string }[] } {
    return this.promptStore().diff(input.id, input.from, input.to);
  }

  restore(input: ParsedInput<'prompt.restore'>): SavedVersion {
    const saved = this.promptStore().restore(input.id, input.version);
    if (saved.created) this.changed('prompts', saved.prompt.id);
    return saved;
  }

  label(input: ParsedInput<'prompt.label'>): Prompt {
    const prompt = this.promptStore().label(input.id, input.label, input.version);
    this.changed('prompts', prompt.id);
    return prompt;
  }

  delete(id: string): { ok: true } {
    this.promptStore().delete(id);
    this.changed('prompts', id);
    return { ok: true };
  }

  // Runs -------------------------------------------------------------------------------------------------

  /**
   * Runs a prompt on every target at once. The template is filled first (a variable without a value fails the
   * whole run before any request), each target's text streams as `prompt.delta` under the run id, each finished
   * call is kept in the history and announced as `prompt.callDone`. Cancel: `task.cancel(runId)`.
   */
  run(input: ParsedInput<'prompt.run'>): Promise<{ runId: string; calls: LlmCall[] }> {
    const runId = input.runId ?? newId('prun', 12);
    const open = this.deps.projects.requireCurrent();
    const store = new PromptStore(open.db, this.deps.clock);
    let source: { messages: readonly ChatMessage[]; params: PromptVersion['params']; promptId: string | null; version: number | null };
    if ('promptId' in input.source) {
      const { prompt, version } = store.get(input.source.promptId, input.source.version);
      source = { messages: version.messages, params: version.params, promptId: prompt.id, version: version.version };
    } else {
      source = { messages: input.source.messages, params: input.source.params ?? {}, promptId: null, version: null };
    }
    const messages = renderTemplate(source.messages, input.variables);
    const providers = this.providerStoreOf();
    for (const target of input.targets) providers.get(target.providerId);
    const executor = this.executor();
    const history = new CallHistory(open.db);
    const { bus } = this.deps;
    return this.deps.tasks.run(runId, `Run ${source.promptId ? 'prompt' : 'playground messages'} on ${input.targets.length} model(s)`, async (task) => {
      const calls = await Promise.all(
        input.targets.map(async (target, index) => {
          const call = await executor.execute(
            { providerId: target.providerId, model: target.model, params: { ...source.params, ...(target.params ?? {}) } },
            messages,
            { runId, suiteRunId: null, promptId: source.promptId, promptVersion: source.version, variables: input.variables },
            { signal: task.signal, onDelta: (text, callId) => bus.publish('prompt.delta', runId, { target: index, callId, text }) },
          );
          this.keep(open, history, call);
          bus.publish('prompt.callDone', runId, { target: index, call });
          return call;
        }),
      );
      this.changed('history', runId);
      return { runId, calls };
    });
  }

  history(input: ParsedInput<'prompt.history'>): ReturnType<CallHistory['search']> {
    return this.historyOf().search(input);
  }

  call(id: string): LlmCall {
    return this.historyOf().get(id);
  }

  // Prices and usage -------------------------------------------------------------------------------------

  prices(): ModelPrice[] {
    return this.prices_().list();
  }

  setPrice(input: ParsedInput<'prompt.setPrice'>): ModelPrice[] {
    const prices = 'reset' in input ? this.prices_().reset(input.model) : this.prices_().set(input.model, input);
    this.changed('prices', input.model);
    return prices;
  }

  usage(input: ParsedInput<'prompt.usage'>): UsageTotal[] {
    return this.historyOf().usage(input.groupBy, input.since);
  }

  // Suites -----------------------------------------------------------------------------------------------

  suiteFiles(): SuiteFile[] {
    return this.suites().files();
  }

  saveSuiteFile(input: ParsedInput<'prompt.saveSuiteFile'>): SuiteFile {
    const file = this.suites().saveFile(input.name, input.text);
    this.changed('suites', file.path);
    return file;
  }

  suiteEstimate(input: ParsedInput<'prompt.suiteEstimate'>): Promise<SuiteEstimate> {
    return this.suites().estimate(input);
  }

  suiteRun(input: ParsedInput<'prompt.suiteRun'>): Promise<SuiteResult> {
    const runner = this.suites();
    const label = 'path' in input.source ? `Suite ${path.basename(input.source.path)}` : `Suite ${input.source.name ?? ''}`.trim();
    return this.deps.tasks.run(input.taskId, label, async (task) => {
      try {
        return await runner.run(input.source, task, input.concurrency);
      } finally {
        this.changed('history', null);
      }
    });
  }

  suiteRuns(suiteName?: string): SuiteRun[] {
    return this.suites().runs(suiteName);
  }

  suiteResult(id: string): SuiteResult {
    return this.suites().result(id);
  }

  suiteCompare(input: ParsedInput<'prompt.suiteCompare'>): SuiteCompare {
    return this.suites().compare(input.a, input.b);
  }

  dispose(): void {
    this.providerStore = null;
    this.callExecutor = null;
  }

  // Parts ------------------------------------------------------------------------------------------------

  /** Keeps a finished call; a store that went away (project closed mid-run) only costs the record, logged. */
  private keep(open: OpenProject, history: CallHistory, call: LlmCall): void {
    if (this.deps.projects.current()?.path !== open.path) {
      this.deps.logger.warn('a prompt call finished after its project closed; not kept', { callId: call.id });
      return;
    }
    history.insert(call);
  }

  /**
   * The tokenizer (for usage a server does not report, and suite estimates) takes about half a second to build; it
   * is built once, soon after the prompt studio is first used, rather than in the middle of a first run.
   */
  private warmTokenizer(): void {
    if (this.tokenizerWarmed) return;
    this.tokenizerWarmed = true;
    setTimeout(() => {
      try {
        loadTokenizer();
      } catch (error) {
        this.deps.logger.warn('the tokenizer could not be loaded; usage estimates will fail', { error: String(error) });
      }
    }, 250).unref();
  }

  private changed(what: 'prompts' | 'providers' | 'prices' | 'history' | 'suites', id: string | null): void {
    this.deps.bus.publish('prompt.changed', '', { what, id });
  }

  private promptStore(): PromptStore {
    return new PromptStore(this.deps.projects.requireCurrent().db, this.deps.clock);
  }

  private historyOf(): CallHistory {
    return new CallHistory(this.deps.projects.requireCurrent().db);
  }

  private suites(): SuiteRunner {
    const open = this.deps.projects.requireCurrent();
    return new SuiteRunner({
      db: open.db,
      projectPath: open.path,
      allowedRoots: this.deps.allowedRoots,
      clock: this.deps.clock,
      bus: this.deps.bus,
      prompts: new PromptStore(open.db, this.deps.clock),
      history: new CallHistory(open.db),
      providers: this.providerStoreOf(),
      prices: this.prices_(),
      executor: this.executor(),
    });
  }

  private providerStoreOf(): ProviderStore {
    if (!this.providerStore) {
      const ciphers = chooseCiphers(this.deps.platform.safeStorage, this.deps.userHome);
      this.providerStore = new ProviderStore({
        db: () => this.deps.user.database(),
        cipher: ciphers.primary,
        ciphers: ciphers.all,
        clock: this.deps.clock,
        env: this.deps.env,
      });
    }
    return this.providerStore;
  }

  private prices_(): PriceTable {
    this.priceTable ??= new PriceTable(() => this.deps.user.database());
    return this.priceTable;
  }

  private executor(): CallExecutor {
    this.callExecutor ??= new CallExecutor({
      providers: this.providerStoreOf(),
      prices: this.prices_(),
      clock: this.deps.clock,
      clientFor: this.deps.clientFor ?? ((connection) => createProviderClient(connection)),
    });
    return this.callExecutor;
  }

  private clientOf(providerId: string): ProviderClient {
    const connection = this.providerStoreOf().connection(providerId);
    return (this.deps.clientFor ?? ((c: ProviderConnection) => createProviderClient(c)))(connection);
  }
}

