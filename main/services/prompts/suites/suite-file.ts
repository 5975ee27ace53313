import type { Node } from 'yaml';
import { OrreryError } from '../../../../app/contract/errors';
import { messageRoles, type PromptMessage, type VersionRef } from '../../../../app/contract/prompts';
import { templateVariables, textVariables } from '../../../../app/lib/prompt-template';
import { readAssertion, readJudge, readParams } from './assertion-reader';
import type { SourcePos, SuiteAssertion, SuiteJudge, SuitePrompt, SuiteSpec, SuiteTarget, SuiteTest } from './suite-spec';
import { didYouMean, YamlReader, type MapEntry } from './yaml-reader';

export type { SourcePos, SuiteAssertion, SuiteJudge, SuitePrompt, SuiteSpec, SuiteTarget, SuiteTest } from './suite-spec';

export const defaultSuiteConcurrency = 4;
export const maxSuiteConcurrency = 64;

const topKeys = ['description', 'name', 'prompts', 'providers', 'targets', 'defaultTest', 'tests', 'concurrency', 'judge'];
const topHints: Readonly<Record<string, string>> = {
  evaluateOptions: 'Write the concurrency limit as concurrency: N at the top of the file.',
  maxConcurrency: 'Write it as concurrency: N.',
  outputPath: 'Results are kept in the project (orrery prompt runs); remove this key.',
  scenarios: 'Write the rows under tests:.',
  env: 'Keys and base URLs belong to the configured providers (orrery settings), not the suite; remove this key.',
};

/** The text of a value: strings as written, numbers and booleans as text, lists and mappings as JSON. */
function varText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value as number | boolean);
}

class SuiteParser {
  constructor(private readonly r: YamlReader) {}

  parse(): SuiteSpec | null {
    const r = this.r;
    const root = r.root();
    if (r.errors.length > 0) return null;
    if (r.isEmpty(root)) {
      r.fail(root, 'the suite is empty; write at least prompts:, providers: and tests: (see docs/prompt-suites.md).');
      return null;
    }
    const entries = r.mapping(root, 'A suite', 'start with keys such as prompts:, providers: and tests:');
    if (!entries) return null;
    r.checkKeys(entries, topKeys, 'the suite', topHints);
    const get = (key: string) => entries.find((entry) => entry.key === key);
    if (get('providers') && get('targets')) r.fail(get('targets')!.keyNode, 'providers: and targets: are the same list; keep one of them.');
    const name = this.optionalText(get('name'), 'name', 'give the suite a short name');
    const description = this.optionalText(get('description'), 'description', 'describe the suite in a line');
    const judge = get('judge') ? readJudge(this.r, get('judge')!.value, 'judge') : null;
    const prompts = this.required(get('prompts'), 'prompts', root, (node) => this.prompts(node));
    const targets = this.required(get('providers') ?? get('targets'), 'providers', root, (node) => this.targets(node));
    const concurrency = this.concurrency(get('concurrency'));
    const defaults = get('defaultTest') ? this.defaultTest(get('defaultTest')!.value, judge) : { vars: {}, assert: [] };
    const tests = this.tests(get('tests'), defaults, judge, root);
    if (r.errors.length > 0 || !prompts || !targets || !tests) return null;
    const spec: SuiteSpec = { file: r.file, name, description, prompts, targets, tests, concurrency, judge };
    for (const prompt of prompts) {
      if (prompt.kind === 'inline') checkRowVariables(spec, templateVariables(prompt.messages), `prompt "${prompt.label}"`, (message) => r.errors.push(message));
    }
    return r.errors.length > 0 ? null : spec;
  }

  private required<T>(entry: MapEntry | undefined, key: string, root: Node | null, read: (node: Node | null) => T | null): T | null {
    if (!entry) {
      const example = key === 'prompts' ? 'prompts:\n  - "Say hello to {{name}}"' : 'providers:\n  - provider: local\n    model: llama3';
      this.r.fail(root, `the suite has no ${key}: list; add one, e.g.\n${example}`);
      return null;
    }
    return read(entry.value);
  }

  private optionalText(entry: MapEntry | undefined, what: string, hint: string): string | null {
    if (!entry || this.r.isEmpty(entry.value)) return null;
    return this.r.text(entry.value, what, hint);
  }

  private concurrency(entry: MapEntry | undefined): number {
    if (!entry) return defaultSuiteConcurrency;
    const value = this.r.number(entry.value, 'concurrency', `write a whole number from 1 to ${maxSuiteConcurrency}, e.g. concurrency: 4`);
    if (value === null) return defaultSuiteConcurrency;
    if (!Number.isInteger(value) || value < 1 || value > maxSuiteConcurrency) {
      this.r.fail(entry.value, `concurrency ${value} is out of range; write a whole number from 1 to ${maxSuiteConcurrency}.`);
      return defaultSuiteConcurrency;
    }
    return value;
  }

  private prompts(node: Node | null): SuitePrompt[] | null {
    const r = this.r;
    const items = r.list(node, 'prompts', 'write one prompt per line, e.g. - "Say hello to {{name}}" or - prompt: greeter');
    if (!items) return null;
    if (items.length === 0) r.fail(node, 'prompts is empty; add at least one prompt.');
    const out: SuitePrompt[] = [];
    items.forEach((item, index) => {
      const prompt = this.prompt(item, index + 1);
      if (prompt) out.push(prompt);
    });
    const labels = new Set<string>();
    for (const prompt of out) {
      if (prompt.kind === 'inline' && labels.has(prompt.label)) r.fail(prompt.at, `two prompts are labelled "${prompt.label}"; give each its own label:.`);
      if (prompt.kind === 'inline') labels.add(prompt.label);
    }
    return out;
  }

  private prompt(item: Node | null, index: number): SuitePrompt | null {
    const r = this.r;
    const at = r.posOf(item);
    if (!r.isMapping(item)) {
      const text = r.text(item, `prompt ${index}`, 'write the prompt text, or prompt: NAME for a saved prompt, or messages: [...]');
      if (text === null) return null;
      if (text.startsWith('file://')) {
        r.fail(item, `prompt ${index}: file:// prompts are not read; paste the text here, or save it as a prompt in Orrery and write - prompt: NAME.`);
        return null;
      }
      return { kind: 'inline', label: `prompt ${index}`, messages: [{ role: 'user', content: text }], params: {}, at };
    }
    const entries = r.mapping(item, `prompt ${index}`, '')!;
    const get = (key: string) => entries.find((entry) => entry.key === key);
    const label = this.optionalText(get('label'), 'label', 'write a short label for the column');
    if (get('prompt')) {
      r.checkKeys(entries, ['prompt', 'versions', 'version', 'label'], `prompt ${index}`, { messages: 'Give either prompt: (a saved prompt) or messages:, not both.' });
      const name = r.text(get('prompt')!.value, 'prompt', 'write the name (or id) of a saved prompt');
      if (name === null) return null;
      const refs = this.versionRefs(get('versions') ?? get('version'), at);
      return { kind: 'saved', name, refs, label, at };
    }
    const hints = { versions: 'versions: belongs to a saved prompt; add prompt: NAME.', content: 'Write messages: with role: and content: entries, or raw: TEXT.' };
    r.checkKeys(entries, ['messages', 'raw', 'label', 'params'], `prompt ${index}`, hints);
    const params = get('params') ? readParams(this.r, get('params')!.value) : {};
    if (get('raw')) {
      const raw = r.text(get('raw')!.value, 'raw', 'write the prompt text');
      return raw === null ? null : { kind: 'inline', label: label ?? `prompt ${index}`, messages: [{ role: 'user', content: raw }], params, at };
    }
    if (!get('messages')) {
      r.fail(item, `prompt ${index} has neither prompt: (a saved prompt), messages: nor raw:; write one of them.`);
      return null;
    }
    const messages = this.messages(get('messages')!.value);
    return messages ? { kind: 'inline', label: label ?? `prompt ${index}`, messages, params, at } : null;
  }

  private versionRefs(entry: MapEntry | undefined, promptAt: SourcePos): { ref: VersionRef | null; at: SourcePos }[] {
    const r = this.r;
    if (!entry) return [{ ref: null, at: promptAt }];
    const nodes = r.isList(entry.value) ? r.list(entry.value, 'versions', '')! : [entry.value];
    const refs: { ref: VersionRef | null; at: SourcePos }[] = [];
    for (const node of nodes) {
      const value = r.plain(node);
      const at = r.posOf(node);
      if (typeof value === 'number' && Number.isInteger(value) && value >= 1) refs.push({ ref: value, at });
      else if (value === 'latest') refs.push({ ref: null, at });
      else if (typeof value === 'string' && /^[a-z][a-z0-9_-]{0,39}$/.test(value)) refs.push({ ref: value, at });
      else r.fail(node, `version ${JSON.stringify(value)} is neither a version number (1, 2, …), a label such as prod, nor latest.`);
    }
    if (refs.length === 0) r.fail(entry.value, 'versions is empty; list version numbers or labels, e.g. versions: [1, prod].');
    return refs;
  }

  private messages(node: Node | null): PromptMessage[] | null {
    const r = this.r;
    const items = r.list(node, 'messages', 'write - role: user\n  content: TEXT entries');
    if (!items) return null;
    if (items.length === 0) r.fail(node, 'messages is empty; add at least one - role: user entry.');
    const out: PromptMessage[] = [];
    for (const item of items) {
      const entries = r.mapping(item, 'A message', 'write role: system|user|assistant and content: TEXT');
      if (!entries) continue;
      r.checkKeys(entries, ['role', 'content'], 'a message');
      const roleEntry = entries.find((entry) => entry.key === 'role');
      const contentEntry = entries.find((entry) => entry.key === 'content');
      const role = roleEntry ? r.text(roleEntry.value, 'role', `write one of ${messageRoles.join(', ')}`) : null;
      if (!roleEntry) r.fail(item, 'a message needs role: (system, user or assistant).');
      else if (role !== null && !(messageRoles as readonly string[]).includes(role)) {
        r.fail(roleEntry.value, `role "${role}" is not one of ${messageRoles.join(', ')}.${didYouMean(role, messageRoles)}`);
      }
      const content = contentEntry ? r.text(contentEntry.value, 'content', 'write the message text (quote it if it starts with { or [)') : null;
      if (!contentEntry) r.fail(item, 'a message needs content: TEXT.');
      if (role !== null && content !== null && (messageRoles as readonly string[]).includes(role)) out.push({ role: role as PromptMessage['role'], content });
    }
    return out;
  }

  private targets(node: Node | null): SuiteTarget[] | null {
    const r = this.r;
    const items = r.list(node, 'providers', 'write - provider: NAME\n    model: MODEL entries');
    if (!items) return null;
    if (items.length === 0) r.fail(node, 'providers is empty; add at least one - provider: NAME with model: MODEL.');
    const out: SuiteTarget[] = [];
    items.forEach((item, index) => {
      const target = this.target(item, index + 1);
      if (target) out.push(target);
    });
    return out;
  }

  private target(item: Node | null, index: number): SuiteTarget | null {
    const r = this.r;
    const at = r.posOf(item);
    if (!r.isMapping(item)) {
      const text = r.text(item, `provider ${index}`, 'write - provider: NAME with model: MODEL, or the short form NAME:MODEL');
      if (text === null) return null;
      const colon = text.indexOf(':');
      if (colon <= 0 || colon === text.length - 1) {
        r.fail(item, `provider ${index} "${text}" names no model; write NAME:MODEL (e.g. local:llama3) or - provider: NAME with model: MODEL.`);
        return null;
      }
      return { provider: text.slice(0, colon), model: text.slice(colon + 1), params: {}, label: null, at };
    }
    const entries = r.mapping(item, `provider ${index}`, '')!;
    r.checkKeys(entries, ['provider', 'id', 'model', 'params', 'label'], `provider ${index}`, {
      config: 'Write sampling parameters under params: (temperature, topP, maxTokens, stop, seed, responseFormat).',
    });
    const get = (key: string) => entries.find((entry) => entry.key === key);
    const providerEntry = get('provider') ?? get('id');
    if (!providerEntry) {
      r.fail(item, `provider ${index} has no provider: key; write provider: NAME (a configured provider's name or id).`);
      return null;
    }
    const provider = r.text(providerEntry.value, 'provider', "write a configured provider's name or id");
    const modelEntry = get('model');
    let model = modelEntry ? r.text(modelEntry.value, 'model', 'write the model name, e.g. gpt-4o-mini') : null;
    let providerName = provider;
    if (!modelEntry && provider !== null) {
      const colon = provider.indexOf(':');
      if (colon > 0 && colon < provider.length - 1) {
        providerName = provider.slice(0, colon);
        model = provider.slice(colon + 1);
      } else r.fail(item, `provider ${index} has no model: key; add model: MODEL.`);
    }
    const params = get('params') ? readParams(this.r, get('params')!.value) : {};
    const label = this.optionalText(get('label'), 'label', 'write a short label for the column');
    if (providerName === null || model === null) return null;
    return { provider: providerName, model, params, label, at };
  }

  private defaultTest(node: Node | null, judge: SuiteJudge | null): { vars: Record<string, string>; assert: SuiteAssertion[] } {
    const r = this.r;
    const entries = r.mapping(node, 'defaultTest', 'write vars: and assert: applied to every row');
    if (!entries) return { vars: {}, assert: [] };
    r.checkKeys(entries, ['vars', 'assert'], 'defaultTest', { options: 'Write the judge at the top of the file as judge: {provider, model}.' });
    const varsEntry = entries.find((entry) => entry.key === 'vars');
    const assertEntry = entries.find((entry) => entry.key === 'assert');
    return { vars: varsEntry ? this.vars(varsEntry.value) : {}, assert: assertEntry ? this.assertions(assertEntry.value, judge) : [] };
  }

  private tests(
    entry: MapEntry | undefined,
    defaults: { vars: Record<string, string>; assert: SuiteAssertion[] },
    judge: SuiteJudge | null,
    root: Node | null,
  ): SuiteTest[] | null {
    const r = this.r;
    if (!entry) return [{ row: 1, description: null, vars: defaults.vars, assert: defaults.assert, at: r.posOf(root) }];
    if (!r.isList(entry.value) && typeof r.plain(entry.value) === 'string') {
      r.fail(entry.value, 'tests: must list the rows here; a CSV or other file is not read. Write - vars: {name: value} entries.');
      return null;
    }
    const items = r.list(entry.value, 'tests', 'write one row per entry: - vars: {name: value}\n    assert: [...]');
    if (!items) return null;
    if (items.length === 0) r.fail(entry.value, 'tests is empty; add at least one - vars: row.');
    return items.map((item, index) => {
      const entries = r.mapping(item, `row ${index + 1}`, 'write vars:, assert: and description: keys') ?? [];
      r.checkKeys(entries, ['vars', 'assert', 'description'], `row ${index + 1}`, { threshold: 'Every assertion must pass; remove threshold:.' });
      const get = (key: string) => entries.find((candidate) => candidate.key === key);
      const description = this.optionalText(get('description'), 'description', 'describe the row in a line');
      const vars = { ...defaults.vars, ...(get('vars') ? this.vars(get('vars')!.value) : {}) };
      const assert = [...defaults.assert, ...(get('assert') ? this.assertions(get('assert')!.value, judge) : [])];
      return { row: index + 1, description, vars, assert, at: r.posOf(item) };
    });
  }

  private vars(node: Node | null): Record<string, string> {
    const r = this.r;
    if (r.isEmpty(node)) return {};
    const entries = r.mapping(node, 'vars', 'write name: value lines, one per variable');
    const out: Record<string, string> = {};
    for (const entry of entries ?? []) out[entry.key] = varText(r.plain(entry.value));
    return out;
  }

  private assertions(node: Node | null, judge: SuiteJudge | null): SuiteAssertion[] {
    const r = this.r;
    if (r.isEmpty(node)) return [];
    const items = r.list(node, 'assert', 'write - type: contains\n    value: TEXT entries');
    const out: SuiteAssertion[] = [];
    for (const item of items ?? []) {
      const assertion = readAssertion(this.r, item, judge);
      if (assertion) out.push(assertion);
    }
    return out;
  }

}

/** Text of an assertion that may use the row's variables. */
export function assertionTemplates(assertion: SuiteAssertion): string[] {
  if (assertion.type === 'equals' || assertion.type === 'contains' || assertion.type === 'not-contains') return [...assertion.values];
  if (assertion.type === 'llm-judge') return [assertion.rubric];
  return [];
}

/**
 * Reports each row lacking a variable that `used` (a prompt's variables) or its own assertions need, naming the
 * row and where to add it.
 */
export function checkRowVariables(spec: SuiteSpec, used: readonly string[], usedBy: string, report: (message: string) => void): void {
  for (const test of spec.tests) {
    const missing = used.filter((name) => !Object.prototype.hasOwnProperty.call(test.vars, name));
    const label = `row ${test.row}${test.description ? ` ("${test.description}")` : ''}`;
    if (missing.length > 0) {
      const names = missing.map((name) => `{{${name}}}`).join(', ');
      report(`${spec.file}:${test.at.line}:${test.at.col}: ${label} has no value for ${names}, which ${usedBy} uses; add ${missing.map((name) => `${name}: …`).join(', ')} under this row's vars: (or under defaultTest: vars:).`);
    }
  }
}

function checkAssertionVariables(spec: SuiteSpec, report: (message: string) => void): void {
  for (const test of spec.tests) {
    for (const assertion of test.assert) {
      const missing = assertionTemplates(assertion)
        .flatMap((text) => textVariables(text))
        .filter((name) => !Object.prototype.hasOwnProperty.call(test.vars, name));
      if (missing.length > 0) {
        report(
          `${spec.file}:${assertion.at.line}:${assertion.at.col}: this ${assertion.type} assertion uses ${[...new Set(missing)].map((name) => `{{${name}}}`).join(', ')}, which row ${test.row} does not define; add it under the row's vars: (or write \\{{ for literal braces).`,
        );
      }
    }
  }
}

/**
 * Parses a suite file (YAML, promptfoo-like; see docs/prompt-suites.md). Every problem is reported as
 * `file:line:column: what is wrong; what to write instead`, all of them at once, in one `invalid_input` error.
 * Names of providers and saved prompts are checked later, against what is configured.
 */
export function parseSuite(text: string, source: string | null): SuiteSpec {
  const reader = new YamlReader(text, source ?? 'suite');
  const spec = new SuiteParser(reader).parse();
  if (spec) checkAssertionVariables(spec, (message) => reader.errors.push(message));
  if (!spec || reader.errors.length > 0) throw suiteError(reader.errors);
  return spec;
}

/** One `invalid_input` error listing the complaints (the first twenty). */
export function suiteError(errors: readonly string[]): OrreryError {
  const shown = errors.slice(0, 20);
  const more = errors.length > shown.length ? `\n… and ${errors.length - shown.length} more` : '';
  return new OrreryError('invalid_input', `${shown.join('\n')}${more}`);
}
