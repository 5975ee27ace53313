import { useMemo, useState, type KeyboardEvent } from 'react';
import { messageRoles, type PromptMessage } from '../../../app/contract/prompts';
import { useAppStore, useAppStoreApi } from '../../store/context';
import { variableFields, type ParamFields } from './prompt-draft';

function MessageEditor({ message, index, count }: { message: PromptMessage; index: number; count: number }) {
  const store = useAppStoreApi();
  const edit = store.getState().editMessage;
  return (
    <li className="message-editor" aria-label={`Message ${index + 1}`}>
      <div className="message-head">
        <select
          className="inline-select"
          aria-label={`Role of message ${index + 1}`}
          value={message.role}
          onChange={(e) => edit({ kind: 'set', index, message: { role: e.target.value as PromptMessage['role'] } })}
        >
          {messageRoles.map((role) => (
            <option key={role}>{role}</option>
          ))}
        </select>
        <span className="message-tools">
          <button type="button" className="icon-button" aria-label={`Move message ${index + 1} up`} disabled={index === 0} onClick={() => edit({ kind: 'move', index, by: -1 })}>
            ↑
          </button>
          <button type="button" className="icon-button" aria-label={`Move message ${index + 1} down`} disabled={index === count - 1} onClick={() => edit({ kind: 'move', index, by: 1 })}>
            ↓
          </button>
          <button type="button" className="icon-button" aria-label={`Remove message ${index + 1}`} disabled={count === 1} onClick={() => edit({ kind: 'remove', index })}>
            ×
          </button>
        </span>
      </div>
      <textarea
        className="text-input mono message-text"
        aria-label={`Content of message ${index + 1}`}
        rows={Math.min(12, Math.max(2, message.content.split('\n').length + 1))}
        value={message.content}
        onChange={(e) => edit({ kind: 'set', index, message: { content: e.target.value } })}
        spellCheck={false}
      />
    </li>
  );
}

function ParamsEditor() {
  const store = useAppStoreApi();
  const params = useAppStore((s) => s.draft.params);
  // Open from the start when the version sets any parameter (the editor is mounted again for each version).
  const [open, setOpen] = useState(() => Object.values(params).some((v) => v !== '' && v !== false));
  const set = (patch: Partial<ParamFields>) => store.getState().editDraft({ params: { ...params, ...patch } });
  const numberField = (label: string, key: 'temperature' | 'topP' | 'maxTokens' | 'seed', placeholder: string) => (
    <label className="param-field">
      {label}
      <input className="text-input mono" inputMode="decimal" value={params[key]} placeholder={placeholder} onChange={(e) => set({ [key]: e.target.value })} />
    </label>
  );
  const given = Object.entries(params).filter(([key, value]) => (key === 'json' ? value === true : value !== ''));
  const summary = given.length === 0 ? "the provider's defaults" : given.map(([key, value]) => (key === 'json' ? 'JSON mode' : `${key} ${String(value).replace(/\n/g, ', ')}`)).join(' · ');
  return (
    <details className="param-details" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>
        Sampling: <span className="muted">{summary}</span>
      </summary>
      <fieldset className="param-fields" aria-label="Sampling parameters">
        {numberField('Temperature', 'temperature', '0–2')}
        {numberField('Top p', 'topP', '0–1')}
        {numberField('Max tokens', 'maxTokens', 'default')}
        {numberField('Seed', 'seed', 'none')}
        <label className="param-field param-stop">
          Stop sequences
          <textarea className="text-input mono" rows={1} value={params.stop} placeholder="one a line" onChange={(e) => set({ stop: e.target.value })} />
        </label>
        <label className="param-check">
          <input type="checkbox" checked={params.json} onChange={(e) => set({ json: e.target.checked })} /> JSON mode
        </label>
      </fieldset>
    </details>
  );
}

function VariableFields() {
  const store = useAppStoreApi();
  const messages = useAppStore((s) => s.draft.messages);
  const values = useAppStore((s) => s.variableValues);
  const fields = useMemo(() => variableFields(messages, values), [messages, values]);
  if (fields.length === 0) return <p className="muted variables-none">No variables: write {'{{name}}'} in a message to add one.</p>;
  return (
    <fieldset className="variable-fields">
      <legend>Variables</legend>
      {fields.map(({ name, value }) => (
        <label key={name} className="variable-field">
          <span className="mono">{`{{${name}}}`}</span>
          <textarea className="text-input" aria-label={`Variable ${name}`} rows={1} value={value} onChange={(e) => store.getState().setVariable(name, e.target.value)} />
        </label>
      ))}
    </fieldset>
  );
}

/** The draft prompt: name, messages with roles, sampling parameters and the template's variables. Ctrl+Enter runs it. */
export function PromptEditor() {
  const store = useAppStoreApi();
  const name = useAppStore((s) => s.draft.name);
  const messages = useAppStore((s) => s.draft.messages);
  const base = useAppStore((s) => s.draft.baseVersion);
  const promptId = useAppStore((s) => s.draft.id);
  const dirty = useAppStore((s) => s.draft.dirty);
  const note = useAppStore((s) => s.draft.note);
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void store.getState().runPrompt();
    }
  };
  return (
    <section className="card prompt-editor" aria-label="Prompt editor" onKeyDown={onKeyDown}>
      <div className="prompt-editor-head">
        <input
          className="text-input prompt-name"
          aria-label="Prompt name"
          placeholder="Name of the prompt"
          value={name}
          onChange={(e) => store.getState().editDraft({ name: e.target.value })}
        />
        <span className="muted" data-testid="prompt-version">
          {base === null ? 'new' : `v${base}`}
          {dirty ? ' · edited' : ''}
        </span>
      </div>
      <ol className="message-list">
        {messages.map((message, index) => (
          <MessageEditor key={index} message={message} index={index} count={messages.length} />
        ))}
      </ol>
      <div className="prompt-actions">
        <button type="button" className="button" onClick={() => store.getState().editMessage({ kind: 'add' })}>
          Add message
        </button>
      </div>
      <VariableFields />
      <ParamsEditor key={`${promptId ?? 'new'}:${base ?? 0}`} />
      <div className="prompt-actions prompt-save-row">
        <input className="text-input" aria-label="Version note" placeholder="What changed (optional)" value={note} onChange={(e) => store.getState().editDraft({ note: e.target.value })} />
        <button type="button" className="button" onClick={() => void store.getState().savePrompt()}>
          Save version
        </button>
      </div>
    </section>
  );
}
