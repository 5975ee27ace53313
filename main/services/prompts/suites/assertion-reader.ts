import Ajv, { type ValidateFunction } from 'ajv';
import type { Node } from 'yaml';
import { assertionTypes, samplingParamsSchema, type AssertionType } from '../../../../app/contract/prompts';
import type { SamplingParams } from '../providers/types';
import type { SourcePos, SuiteAssertion, SuiteJudge } from './suite-spec';
import { didYouMean, type MapEntry, type YamlReader } from './yaml-reader';

const assertionAliases: Readonly<Record<string, AssertionType>> = {
  'llm-rubric': 'llm-judge',
  latency: 'max-latency',
  cost: 'max-cost',
};
const paramAliases: Readonly<Record<string, string>> = { top_p: 'topP', max_tokens: 'maxTokens', response_format: 'responseFormat' };
const paramKeys = Object.keys(samplingParamsSchema.shape);
const ajv = new Ajv({ allErrors: true, strict: false });

/** Sampling parameters (snake_case names accepted), checked against the contract's schema. */
export function readParams(r: YamlReader, node: Node | null): SamplingParams {
  const entries = r.mapping(node, 'params', `write sampling parameters such as temperature: 0 (allowed: ${paramKeys.join(', ')})`);
  if (!entries) return {};
  const value: Record<string, unknown> = {};
  for (const entry of entries) {
    const key = paramAliases[entry.key] ?? entry.key;
    if (!paramKeys.includes(key)) {
      r.fail(entry.keyNode, `unknown parameter "${entry.key}".${didYouMean(entry.key, paramKeys) || ` Allowed: ${paramKeys.join(', ')}.`}`);
      continue;
    }
    value[key] = r.plain(entry.value);
  }
  const parsed = samplingParamsSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    const key = String(issue.path[0] ?? '');
    const entry = entries.find((candidate) => (paramAliases[candidate.key] ?? candidate.key) === key);
    r.fail(entry?.value ?? node, `params.${key}: ${issue.message}.`);
  }
  return {};
}

/** A judge: `{provider, model, params}`, or the short form `NAME:MODEL`. */
export function readJudge(r: YamlReader, node: Node | null, what: string): SuiteJudge | null {
  if (node && !r.isMapping(node)) {
    const text = r.text(node, what, 'write {provider: NAME, model: MODEL} or NAME:MODEL');
    const colon = text?.indexOf(':') ?? -1;
    if (text === null) return null;
    if (colon > 0 && colon < text.length - 1) return { provider: text.slice(0, colon), model: text.slice(colon + 1), params: {}, at: r.posOf(node) };
    r.fail(node, `${what} "${text}" names no model; write {provider: NAME, model: MODEL} or NAME:MODEL.`);
    return null;
  }
  const entries = r.mapping(node, what, 'write provider: NAME and model: MODEL for the model that grades llm-judge assertions');
  if (!entries) return null;
  r.checkKeys(entries, ['provider', 'model', 'params'], what);
  const providerEntry = entries.find((entry) => entry.key === 'provider');
  const modelEntry = entries.find((entry) => entry.key === 'model');
  const paramsEntry = entries.find((entry) => entry.key === 'params');
  if (!providerEntry || !modelEntry) {
    r.fail(node, `${what} needs provider: NAME and model: MODEL.`);
    return null;
  }
  const provider = r.text(providerEntry.value, 'provider', "write a configured provider's name or id");
  const model = r.text(modelEntry.value, 'model', 'write the model name');
  const params = paramsEntry ? readParams(r, paramsEntry.value) : {};
  return provider !== null && model !== null ? { provider, model, params, at: r.posOf(node) } : null;
}

/** Keys each assertion type takes. */
const assertionKeys: Readonly<Record<AssertionType, readonly string[]>> = {
  equals: ['type', 'value', 'ignoreCase'],
  contains: ['type', 'value', 'ignoreCase'],
  'not-contains': ['type', 'value', 'ignoreCase'],
  regex: ['type', 'value', 'flags'],
  'is-json': ['type', 'value'],
  'json-schema': ['type', 'value'],
  'max-latency': ['type', 'value', 'threshold'],
  'max-cost': ['type', 'value', 'threshold'],
  'llm-judge': ['type', 'value', 'rubric', 'judge', 'provider'],
};

/** What the per-type readers get: the assertion's node, its entries by key, its `value` (or `threshold`), its place. */
interface AssertionInput {
  readonly r: YamlReader;
  readonly item: Node | null;
  readonly get: (key: string) => MapEntry | undefined;
  readonly value: MapEntry | undefined;
  readonly at: SourcePos;
}

/** One assertion of a row (aliases from promptfoo accepted: llm-rubric, latency, cost). */
export function readAssertion(r: YamlReader, item: Node | null, suiteJudge: SuiteJudge | null): SuiteAssertion | null {
  const entries = r.mapping(item, 'An assertion', `write type: and value:, e.g. - type: contains\n    value: hello (types: ${assertionTypes.join(', ')})`);
  if (!entries) return null;
  const get = (key: string) => entries.find((entry) => entry.key === key);
  const typeEntry = get('type');
  if (!typeEntry) {
    r.fail(item, `an assertion needs type: (one of ${assertionTypes.join(', ')}).`);
    return null;
  }
  const written = r.text(typeEntry.value, 'type', `write one of ${assertionTypes.join(', ')}`);
  if (written === null) return null;
  const type = (assertionTypes as readonly string[]).includes(written) ? (written as AssertionType) : assertionAliases[written];
  if (!type) {
    r.fail(typeEntry.value, `unknown assertion type "${written}".${didYouMean(written, assertionTypes)} Valid types: ${assertionTypes.join(', ')}.`);
    return null;
  }
  r.checkKeys(entries, assertionKeys[type], `a ${type} assertion`);
  const input: AssertionInput = { r, item, get, value: get('value') ?? get('threshold'), at: r.posOf(item) };
  switch (type) {
    case 'equals':
    case 'contains':
    case 'not-contains':
      return readTextAssertion(input, type);
    case 'regex':
      return readRegex(input);
    case 'is-json':
    case 'json-schema':
      return readJsonAssertion(input, type);
    case 'max-latency':
    case 'max-cost':
      return readThreshold(input, type);
    case 'llm-judge':
      return readJudgeAssertion(input, suiteJudge);
  }
}

function readTextAssertion({ r, item, get, value, at }: AssertionInput, type: 'equals' | 'contains' | 'not-contains'): SuiteAssertion | null {
  if (!value) return missingValue(r, item, type, 'value: TEXT (or a list of texts)');
  const nodes = r.isList(value.value) ? r.list(value.value, 'value', '')! : [value.value];
  const values = nodes.map((node) => r.text(node, 'value', 'write the text to look for'));
  if (values.some((text) => text === null)) return null;
  const ignoreCaseEntry = get('ignoreCase');
  const ignoreCase = ignoreCaseEntry ? r.plain(ignoreCaseEntry.value) === true : false;
  return { type, values: values as string[], ignoreCase, at };
}

function readRegex({ r, item, get, value, at }: AssertionInput): SuiteAssertion | null {
  if (!value) return missingValue(r, item, 'regex', 'value: PATTERN');
  const source = r.text(value.value, 'value', 'write the regular expression, e.g. value: "^Hello"');
  const flagsEntry = get('flags');
  const flags = flagsEntry ? r.text(flagsEntry.value, 'flags', 'write flags such as i or ms') : '';
  if (source === null || flags === null) return null;
  const literal = /^\/(.+)\/([a-z]*)$/s.exec(source);
  try {
    const pattern = literal && !flagsEntry ? new RegExp(literal[1]!, literal[2]) : new RegExp(source, flags);
    return { type: 'regex', pattern, at };
  } catch (error) {
    r.fail(flagsEntry && /flag/i.test(String(error)) ? flagsEntry.value : value.value, `${(error as Error).message}; fix the regular expression (flags: any of d g i m s u v y).`);
    return null;
  }
}

function readJsonAssertion({ r, item, value, at }: AssertionInput, type: 'is-json' | 'json-schema'): SuiteAssertion | null {
  if (!value) {
    if (type === 'is-json') return { type, schema: null, at };
    return missingValue(r, item, type, 'value: with a JSON schema, e.g. value: {type: object, required: [answer]}');
  }
  const schema = readSchema(r, value.value);
  if (!schema) return null;
  return type === 'is-json' ? { type, schema, at } : { type, schema, at };
}

function readThreshold({ r, item, value, at }: AssertionInput, type: 'max-latency' | 'max-cost'): SuiteAssertion | null {
  if (!value) return missingValue(r, item, type, type === 'max-latency' ? 'value: MILLISECONDS' : 'value: USD');
  const threshold = r.number(value.value, 'value', type === 'max-latency' ? 'write milliseconds, e.g. value: 2000' : 'write US dollars, e.g. value: 0.002');
  if (threshold === null) return null;
  if (threshold < 0) r.fail(value.value, `${type} value must not be negative.`);
  return { type, threshold, at };
}

function readJudgeAssertion({ r, item, get, value, at }: AssertionInput, suiteJudge: SuiteJudge | null): SuiteAssertion | null {
  const rubricEntry = get('rubric') ?? value;
  if (!rubricEntry) return missingValue(r, item, 'llm-judge', 'rubric: TEXT (what a good answer does)');
  const rubric = r.text(rubricEntry.value, 'rubric', 'write what a good answer does, e.g. rubric: answers politely in French');
  const judgeEntry = get('judge') ?? get('provider');
  const judge = judgeEntry ? readJudge(r, judgeEntry.value, "the assertion's judge") : suiteJudge;
  if (!judge && !judgeEntry) {
    r.fail(item, 'llm-judge needs a model to grade with: add judge: {provider: NAME, model: MODEL} at the top of the suite, or on this assertion.');
    return null;
  }
  return rubric === null ? null : { type: 'llm-judge', rubric, judge, at };
}

function missingValue(r: YamlReader, item: Node | null, type: string, what: string): null {
  r.fail(item, `a ${type} assertion needs ${what}.`);
  return null;
}

function readSchema(r: YamlReader, node: Node | null): ValidateFunction | null {
  let value = r.plain(node);
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      r.fail(node, 'the JSON schema is text that is not JSON; write it as a YAML mapping, e.g. value: {type: object, required: [answer]}.');
      return null;
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    r.fail(node, 'a JSON schema must be a mapping, e.g. value: {type: object, required: [answer]}.');
    return null;
  }
  try {
    return ajv.compile(value);
  } catch (error) {
    r.fail(node, `this is not a valid JSON schema: ${(error as Error).message}.`);
    return null;
  }
}
