import type { PromptMessage, PromptVersion, RunTarget } from '../../../app/contract/prompts';
import { templateVariables } from '../../../app/lib/prompt-template';

/** Sampling parameters as the editor's fields hold them (text, so a half-typed number stays as typed). */
export interface ParamFields {
  readonly temperature: string;
  readonly topP: string;
  readonly maxTokens: string;
  /** One stop sequence a line. */
  readonly stop: string;
  readonly seed: string;
  readonly json: boolean;
}

/** The prompt being edited: unsaved until prompt.save answers. */
export interface PromptDraft {
  /** Null: a new prompt. */
  readonly id: string | null;
  readonly name: string;
  readonly messages: readonly PromptMessage[];
  readonly params: ParamFields;
  readonly note: string;
  /** The version it was loaded from (null for a new prompt). */
  readonly baseVersion: number | null;
  readonly dirty: boolean;
}

export const emptyParams: ParamFields = { temperature: '', topP: '', maxTokens: '', stop: '', seed: '', json: false };

/** A fresh prompt: a system line and a user message with one variable to show how templates work. */
export const newDraft: PromptDraft = {
  id: null,
  name: '',
  messages: [
    { role: 'system', content: 'You are a helpful assistant.' },
    { role: 'user', content: '{{question}}' },
  ],
  params: emptyParams,
  note: '',
  baseVersion: null,
  dirty: false,
};

/** The editor's draft of a saved version. */
export function draftOf(promptId: string, name: string, version: PromptVersion): PromptDraft {
  const p = version.params;
  return {
    id: promptId,
    name,
    messages: version.messages,
    params: {
      temperature: p.temperature === undefined ? '' : String(p.temperature),
      topP: p.topP === undefined ? '' : String(p.topP),
      maxTokens: p.maxTokens === undefined ? '' : String(p.maxTokens),
      stop: (p.stop ?? []).join('\n'),
      seed: p.seed === undefined ? '' : String(p.seed),
      json: p.responseFormat === 'json',
    },
    note: '',
    baseVersion: version.version,
    dirty: false,
  };
}

/** The contract's sampling parameters from the fields; a field that is not a number in range throws, naming it. */
export function paramsOf(fields: ParamFields): PromptVersion['params'] {
  const number = (label: string, text: string, min: number, max: number, whole: boolean): number | undefined => {
    const trimmed = text.trim();
    if (trimmed === '') return undefined;
    const value = Number(trimmed);
    if (!Number.isFinite(value) || (whole && !Number.isInteger(value))) throw new Error(`${label} must be ${whole ? 'a whole number' : 'a number'}; leave it empty for the provider's default.`);
    if (value < min || value > max) throw new Error(`${label} must be between ${min} and ${max}.`);
    return value;
  };
  const temperature = number('Temperature', fields.temperature, 0, 2, false);
  const topP = number('Top p', fields.topP, 0, 1, false);
  const maxTokens = number('Max tokens', fields.maxTokens, 1, 1_000_000, true);
  const seed = number('Seed', fields.seed, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, true);
  const stop = fields.stop.split('\n').filter((line) => line !== '');
  if (stop.length > 8) throw new Error('At most 8 stop sequences.');
  return {
    ...(temperature === undefined ? {} : { temperature }),
    ...(topP === undefined ? {} : { topP }),
    ...(maxTokens === undefined ? {} : { maxTokens }),
    ...(stop.length ? { stop } : {}),
    ...(seed === undefined ? {} : { seed }),
    ...(fields.json ? { responseFormat: 'json' as const } : {}),
  };
}

/** An edit of the message list. */
export type MessageEdit =
  | { readonly kind: 'set'; readonly index: number; readonly message: Partial<PromptMessage> }
  | { readonly kind: 'add'; readonly role?: PromptMessage['role'] }
  | { readonly kind: 'remove'; readonly index: number }
  | { readonly kind: 'move'; readonly index: number; readonly by: -1 | 1 };

/** The messages after one edit (a user message follows an assistant one, and the reverse, when adding). */
export function editMessages(messages: readonly PromptMessage[], edit: MessageEdit): PromptMessage[] {
  const next = [...messages];
  switch (edit.kind) {
    case 'set': {
      const current = next[edit.index];
      if (current) next[edit.index] = { ...current, ...edit.message };
      return next;
    }
    case 'add': {
      const last = next[next.length - 1];
      next.push({ role: edit.role ?? (last?.role === 'user' ? 'assistant' : 'user'), content: '' });
      return next;
    }
    case 'remove':
      if (next.length > 1) next.splice(edit.index, 1);
      return next;
    case 'move': {
      const to = edit.index + edit.by;
      if (to < 0 || to >= next.length) return next;
      const [moved] = next.splice(edit.index, 1);
      if (moved) next.splice(to, 0, moved);
      return next;
    }
  }
}

/** The variables of the draft's messages, with the values typed so far (empty for new ones). */
export function variableFields(messages: readonly PromptMessage[], values: Readonly<Record<string, string>>): { name: string; value: string }[] {
  return templateVariables(messages).map((name) => ({ name, value: values[name] ?? '' }));
}

/** Values to send: only the variables the template uses (an empty field is sent empty, not left out). */
export function variablesToSend(messages: readonly PromptMessage[], values: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of templateVariables(messages)) if (values[name] !== undefined) out[name] = values[name];
  return out;
}

/** A playground column's target as the user picks it (model typed freely or chosen from the server's list). */
export interface TargetPick {
  readonly providerId: string;
  readonly model: string;
}

/** The run targets of the picks; a pick without a provider or a model throws, naming which. */
export function runTargets(picks: readonly TargetPick[]): RunTarget[] {
  if (picks.length === 0) throw new Error('Add a model to run on (a provider and a model name).');
  return picks.map((pick, index) => {
    if (!pick.providerId) throw new Error(`Model ${index + 1}: choose a provider.`);
    if (!pick.model.trim()) throw new Error(`Model ${index + 1}: type or choose a model name.`);
    return { providerId: pick.providerId, model: pick.model.trim() };
  });
}
