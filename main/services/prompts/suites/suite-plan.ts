import { isOrreryError } from '../../../../app/contract/errors';
import type { Prompt, PromptMessage, Provider, PromptVersion, SuiteColumn, SuiteEstimate, SuiteRow, VersionRef } from '../../../../app/contract/prompts';
import { renderTemplate, templateVariables } from '../../../../app/lib/prompt-template';
import type { SamplingParams } from '../providers/types';
import { estimateUsage } from '../tokens';
import { judgeMessages } from './assertions';
import { checkRowVariables, suiteError, type SourcePos, type SuiteJudge, type SuitePrompt, type SuiteSpec, type SuiteTarget } from './suite-file';
import { closest } from './yaml-reader';

/** A column as the runner needs it: the contract's column plus the template and merged parameters. */
export interface PlannedColumn extends SuiteColumn {
  /** Index of the prompt version (columns of one prompt version share its rendered messages). */
  readonly promptKey: number;
  readonly messages: readonly PromptMessage[];
  readonly params: SamplingParams;
}

/** A suite resolved against the configured providers and the saved prompts, ready to estimate or run. */
export interface SuitePlan {
  readonly spec: SuiteSpec;
  readonly rows: readonly SuiteRow[];
  readonly columns: readonly PlannedColumn[];
  /** The provider id of each judge of the suite. */
  readonly judges: ReadonlyMap<SuiteJudge, string>;
}

/** What planning reads: the configured providers and a way to resolve saved prompts. */
export interface PlanSources {
  readonly providers: readonly Provider[];
  readonly prompts: () => readonly Prompt[];
  readonly resolvePrompt: (nameOrId: string, ref?: VersionRef) => { prompt: Prompt; version: PromptVersion };
}

/** Output tokens assumed per call when the parameters set no maxTokens. */
export const assumedOutputTokens = 256;

interface PromptVersionPlan {
  readonly label: string;
  readonly promptId: string | null;
  readonly version: number | null;
  readonly messages: readonly PromptMessage[];
  readonly params: SamplingParams;
}

class Planner {
  readonly errors: string[] = [];

  constructor(
    private readonly spec: SuiteSpec,
    private readonly sources: PlanSources,
  ) {}

  where(at: SourcePos): string {
    return `${this.spec.file}:${at.line}:${at.col}`;
  }

  provider(name: string, at: SourcePos): Provider | null {
    const { providers } = this.sources;
    const hit =
      providers.find((provider) => provider.id === name) ??
      providers.find((provider) => provider.name === name) ??
      providers.find((provider) => provider.name.toLowerCase() === name.toLowerCase());
    if (hit) return hit;
    const names = providers.map((provider) => provider.name);
    const suggestion = closest(name, names);
    const configured = names.length > 0 ? `configured: ${names.join(', ')}` : 'none is configured yet';
    this.errors.push(
      `${this.where(at)}: no provider "${name}" (${configured}).${suggestion ? ` Did you mean ${suggestion}?` : ''} Write the name or id of a configured provider, or add one (Prompt studio → Providers, or prompt.saveProvider).`,
    );
    return null;
  }

  promptVersions(prompt: SuitePrompt): PromptVersionPlan[] {
    if (prompt.kind === 'inline') return [{ label: prompt.label, promptId: null, version: null, messages: prompt.messages, params: prompt.params }];
    const out: PromptVersionPlan[] = [];
    for (const { ref, at } of prompt.refs) {
      const resolved = this.resolve(prompt.name, ref, at);
      if (!resolved) continue;
      const base = prompt.label ?? resolved.prompt.name;
      const label = ref === null ? base : `${base}@${typeof ref === 'number' ? `v${ref}` : ref}`;
      const used = templateVariables(resolved.version.messages);
      checkRowVariables(this.spec, used, `prompt "${resolved.prompt.name}" v${resolved.version.version}`, (message) => this.errors.push(message));
      out.push({ label, promptId: resolved.prompt.id, version: resolved.version.version, messages: resolved.version.messages, params: resolved.version.params });
    }
    return out;
  }

  private resolve(name: string, ref: VersionRef | null, at: SourcePos): { prompt: Prompt; version: PromptVersion } | null {
    try {
      return this.sources.resolvePrompt(name, ref ?? undefined);
    } catch (error) {
      if (!isOrreryError(error) || (error.code !== 'not_found' && error.code !== 'invalid_input')) throw error;
      const prompts = this.sources.prompts();
      const known = prompts.some((prompt) => prompt.id === name || prompt.name === name);
      if (known) {
        this.errors.push(`${this.where(at)}: prompt "${name}" has no version ${ref === null ? '' : JSON.stringify(ref)}: ${error.message}`);
      } else {
        const names = prompts.map((prompt) => prompt.name);
        const suggestion = closest(name, names);
        this.errors.push(
          `${this.where(at)}: no saved prompt "${name}" (${names.length > 0 ? `saved: ${names.slice(0, 20).join(', ')}` : 'none saved yet'}).${suggestion ? ` Did you mean ${suggestion}?` : ''} Write the name of a saved prompt, or write the prompt here as text or messages:.`,
        );
      }
      return null;
    }
  }
}

function judgesOf(spec: SuiteSpec): SuiteJudge[] {
  const judges = new Set<SuiteJudge>();
  if (spec.judge) judges.add(spec.judge);
  for (const test of spec.tests) for (const assertion of test.assert) if (assertion.type === 'llm-judge' && assertion.judge) judges.add(assertion.judge);
  return [...judges];
}

function uniqueLabel(label: string, taken: Set<string>): string {
  let candidate = label;
  for (let n = 2; taken.has(candidate); n++) candidate = `${label} (${n})`;
  taken.add(candidate);
  return candidate;
}

/**
 * Resolves a parsed suite: each provider by name or id, each saved prompt at each version, each row's variables
 * against the saved templates, each judge. Every problem is reported with its place in the file, all at once.
 */
export function planSuite(spec: SuiteSpec, sources: PlanSources): SuitePlan {
  const planner = new Planner(spec, sources);
  const versions = spec.prompts.flatMap((prompt) => planner.promptVersions(prompt));
  const targets: { target: SuiteTarget; provider: Provider }[] = [];
  for (const target of spec.targets) {
    const provider = planner.provider(target.provider, target.at);
    if (provider) targets.push({ target, provider });
  }
  const judges = new Map<SuiteJudge, string>();
  for (const judge of judgesOf(spec)) {
    const provider = planner.provider(judge.provider, judge.at);
    if (provider) judges.set(judge, provider.id);
  }
  if (planner.errors.length > 0) throw suiteError(planner.errors);
  const taken = new Set<string>();
  const columns: PlannedColumn[] = [];
  versions.forEach((version, promptKey) => {
    for (const { target, provider } of targets) {
      const model = target.label ?? `${provider.name}/${target.model}`;
      columns.push({
        label: uniqueLabel(`${version.label} · ${model}`, taken),
        promptId: version.promptId,
        promptVersion: version.version,
        providerId: provider.id,
        model: target.model,
        promptKey,
        messages: version.messages,
        params: { ...version.params, ...target.params },
      });
    }
  });
  const rows = spec.tests.map((test) => ({ description: test.description, vars: { ...test.vars } }));
  return { spec, rows, columns, judges };
}

/** The messages of a cell: the column's template filled with the row's variables. */
export function cellMessages(column: PlannedColumn, vars: Readonly<Record<string, string>>): PromptMessage[] {
  return renderTemplate(column.messages, vars);
}

/**
 * What the plan would cost: input tokens of each rendered cell (estimated with the tokenizer), output tokens at
 * maxTokens or 256 per call, and each llm-judge call (the rubric's prompt plus the assumed output), priced per
 * model; models without a price are listed and left out of the cost.
 */
export function estimatePlan(plan: SuitePlan, name: string, concurrency: number, cost: (model: string, usage: { inputTokens: number; outputTokens: number }) => number | null): SuiteEstimate {
  const perModel = new Map<string, { inputTokens: number; outputTokens: number }>();
  const add = (model: string, inputTokens: number, outputTokens: number) => {
    const total = perModel.get(model) ?? { inputTokens: 0, outputTokens: 0 };
    total.inputTokens += inputTokens;
    total.outputTokens += outputTokens;
    perModel.set(model, total);
  };
  let calls = 0;
  plan.spec.tests.forEach((test) => {
    const inputByPrompt = new Map<number, number>();
    for (const column of plan.columns) {
      let input = inputByPrompt.get(column.promptKey);
      if (input === undefined) {
        input = estimateUsage(cellMessages(column, test.vars), '').inputTokens;
        inputByPrompt.set(column.promptKey, input);
      }
      const output = column.params.maxTokens ?? assumedOutputTokens;
      add(column.model, input, output);
      calls++;
      for (const assertion of test.assert) {
        if (assertion.type !== 'llm-judge' || !assertion.judge) continue;
        const judgeInput = estimateUsage(judgeMessages(assertion.rubric, '', test.vars), '').inputTokens + output;
        add(assertion.judge.model, judgeInput, assertion.judge.params.maxTokens ?? assumedOutputTokens);
        calls++;
      }
    }
  });
  let costUsd = 0;
  let inputTokens = 0;
  let outputTokens = 0;
  const unpriced: string[] = [];
  for (const [model, usage] of perModel) {
    inputTokens += usage.inputTokens;
    outputTokens += usage.outputTokens;
    const price = cost(model, usage);
    if (price === null) unpriced.push(model);
    else costUsd += price;
  }
  const rows = plan.rows.length;
  return { suiteName: name, rows, columns: plan.columns.length, cases: rows * plan.columns.length, calls, inputTokens, outputTokens, costUsd, unpriced: unpriced.sort(), concurrency };
}
