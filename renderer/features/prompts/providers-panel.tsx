import { useState, type FormEvent } from 'react';
import { providerKinds, type DiscoveredServer, type Provider } from '../../../app/contract/prompts';
import { errorMessage, isClientError } from '../../client/client-error';
import { useClient } from '../../client/context';
import { useAppStore, useAppStoreApi } from '../../store/context';
import { FormActions } from '../../ui/form-actions';
import { formatMs } from './prompt-format';

type Kind = Provider['kind'];

interface ProviderForm {
  readonly id: string | null;
  readonly name: string;
  readonly kind: Kind;
  readonly baseUrl: string;
  readonly key: string;
  readonly keyEnv: string;
  readonly models: string;
}

const kindTitles: Readonly<Record<Kind, string>> = { openai: 'OpenAI-compatible', anthropic: 'Anthropic Messages', gemini: 'Google Gemini' };
const baseUrlHints: Readonly<Record<Kind, string>> = {
  openai: 'https://api.openai.com/v1 or http://127.0.0.1:11434/v1',
  anthropic: 'https://api.anthropic.com',
  gemini: 'https://generativelanguage.googleapis.com/v1beta',
};
const emptyForm: ProviderForm = { id: null, name: '', kind: 'openai', baseUrl: '', key: '', keyEnv: '', models: '' };

/** saveProvider's input from the form (an empty key field keeps the stored key). */
export function providerInputOf(form: ProviderForm) {
  const models = form.models.split(/[,\n]/).map((m) => m.trim()).filter(Boolean);
  return {
    ...(form.id ? { id: form.id } : {}),
    name: form.name.trim(),
    kind: form.kind,
    baseUrl: form.baseUrl.trim(),
    ...(form.key ? { key: form.key } : {}),
    keyEnv: form.keyEnv.trim() || null,
    models,
  };
}

function ProviderEditor({ form, onChange, onDone }: { form: ProviderForm; onChange: (form: ProviderForm) => void; onDone: () => void }) {
  const store = useAppStoreApi();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      await store.getState().saveProvider(providerInputOf(form));
      setError(null);
      onDone();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  const field = (patch: Partial<ProviderForm>) => onChange({ ...form, ...patch });
  return (
    <form className="card provider-form" aria-label={form.id ? 'Edit provider' : 'Add provider'} onSubmit={(e) => void submit(e)}>
      <h3>{form.id ? `Edit ${form.name}` : 'Add a provider'}</h3>
      <label>
        Name
        <input className="text-input" value={form.name} onChange={(e) => field({ name: e.target.value })} placeholder="OpenAI, Ollama on this machine, …" required />
      </label>
      <label>
        Kind
        <select className="text-input" value={form.kind} onChange={(e) => field({ kind: e.target.value as Kind })}>
          {providerKinds.map((kind) => (
            <option key={kind} value={kind}>
              {kindTitles[kind]}
            </option>
          ))}
        </select>
      </label>
      <label>
        Base URL
        <input className="text-input mono" value={form.baseUrl} onChange={(e) => field({ baseUrl: e.target.value })} placeholder={baseUrlHints[form.kind]} required />
      </label>
      <label>
        API key
        <input
          className="text-input mono"
          type="password"
          autoComplete="off"
          value={form.key}
          onChange={(e) => field({ key: e.target.value })}
          placeholder={form.id ? 'leave empty to keep the stored key' : 'stored encrypted in your user folder'}
        />
      </label>
      <label>
        Key from environment variable
        <input className="text-input mono" value={form.keyEnv} onChange={(e) => field({ keyEnv: e.target.value })} placeholder="OPENAI_API_KEY (used when no key is stored)" />
      </label>
      <label>
        Pinned models
        <input className="text-input mono" value={form.models} onChange={(e) => field({ models: e.target.value })} placeholder="comma-separated, offered in the playground" />
      </label>
      <FormActions error={error} busy={busy} submit={form.id ? 'Save provider' : 'Add provider'} onCancel={onDone} className="prompt-actions" />
    </form>
  );
}

type TestResult = { ok: true; text: string } | { ok: false; text: string };

function ProviderRow({ provider, onEdit }: { provider: Provider; onEdit: () => void }) {
  const client = useClient();
  const store = useAppStoreApi();
  const [test, setTest] = useState<TestResult | null>(null);
  const [testing, setTesting] = useState(false);
  const runTest = async () => {
    setTesting(true);
    try {
      const answer = await client.call('prompt.testProvider', { id: provider.id });
      setTest({ ok: true, text: `OK — ${answer.models.length} model${answer.models.length === 1 ? '' : 's'} in ${formatMs(answer.latencyMs)}` });
    } catch (error) {
      setTest({ ok: false, text: `${isClientError(error) ? `${error.code}: ` : ''}${errorMessage(error)}` });
    } finally {
      setTesting(false);
    }
  };
  const keyText = provider.hasKey ? `key set (${provider.keyStore ?? 'stored'})` : provider.keyEnv ? `key from $${provider.keyEnv}` : 'no key';
  return (
    <li className="provider-row" data-testid="provider-row" aria-label={provider.name}>
      <div className="provider-row-main">
        <strong>{provider.name}</strong>
        <span className="muted">{kindTitles[provider.kind]}</span>
        <span className="mono muted provider-url">{provider.baseUrl}</span>
        <span className={`provider-key${provider.hasKey ? ' is-set' : ''}`}>{keyText}</span>
      </div>
      <div className="prompt-actions">
        <button type="button" className="button" disabled={testing} onClick={() => void runTest()}>
          {testing ? 'Testing…' : 'Test'}
        </button>
        <button type="button" className="button" onClick={onEdit}>
          Edit
        </button>
        {provider.hasKey && (
          <button type="button" className="button" onClick={() => void store.getState().removeProviderKey(provider.id)}>
            Remove key
          </button>
        )}
        <button type="button" className="button" onClick={() => void store.getState().removeProvider(provider.id)}>
          Remove
        </button>
      </div>
      {test && (
        <p className={test.ok ? 'provider-test is-ok' : 'form-error'} data-testid="provider-test" role="status">
          {test.text}
        </p>
      )}
    </li>
  );
}

function DiscoveredList({ servers }: { servers: readonly DiscoveredServer[] }) {
  const store = useAppStoreApi();
  if (servers.length === 0) return <p className="muted">No local server answered on the usual ports (Ollama 11434, LM Studio 1234, vLLM 8000, llama.cpp 8080).</p>;
  const add = async (server: DiscoveredServer) => {
    try {
      await store.getState().saveProvider({ name: server.name, kind: 'openai', baseUrl: server.baseUrl });
      await store.getState().discoverServers();
    } catch (error) {
      store.getState().notify('error', `Could not add ${server.name}: ${errorMessage(error)}`, 'prompts');
    }
  };
  return (
    <ul className="discovered-list" aria-label="Local servers found">
      {servers.map((server) => (
        <li key={server.baseUrl} className="provider-row">
          <div className="provider-row-main">
            <strong>{server.name}</strong>
            <span className="mono muted provider-url">{server.baseUrl}</span>
            <span className="muted">{server.models.length ? server.models.slice(0, 6).join(', ') + (server.models.length > 6 ? ` and ${server.models.length - 6} more` : '') : 'no models'}</span>
          </div>
          {server.providerId ? (
            <span className="muted">added</span>
          ) : (
            <button type="button" className="button" onClick={() => void add(server)}>
              Add
            </button>
          )}
        </li>
      ))}
    </ul>
  );
}

/** Providers: the configured ones (never their keys), add / edit / test / remove, and local servers found on their usual ports. */
export function ProvidersPanel() {
  const store = useAppStoreApi();
  const providers = useAppStore((s) => s.providers);
  const discovered = useAppStore((s) => s.discovered);
  const [form, setForm] = useState<ProviderForm | null>(null);
  const [discovering, setDiscovering] = useState(false);
  const edit = (p: Provider) => setForm({ id: p.id, name: p.name, kind: p.kind, baseUrl: p.baseUrl, key: '', keyEnv: p.keyEnv ?? '', models: p.models.join(', ') });
  return (
    <div className="providers-panel">
      <section className="card" aria-label="Providers">
        <div className="card-head">
          <h3>Providers</h3>
          <button type="button" className="button is-primary" onClick={() => setForm(emptyForm)}>
            Add provider…
          </button>
        </div>
        {providers.length === 0 ? (
          <p className="muted">No provider yet. Add one (OpenAI-compatible servers include Ollama, LM Studio, vLLM, llama.cpp, Groq, Together, Mistral), or look for local servers.</p>
        ) : (
          <ul className="provider-list">
            {providers.map((p) => (
              <ProviderRow key={p.id} provider={p} onEdit={() => edit(p)} />
            ))}
          </ul>
        )}
      </section>
      {form && <ProviderEditor form={form} onChange={setForm} onDone={() => setForm(null)} />}
      <section className="card" aria-label="Local servers">
        <div className="card-head">
          <h3>Local servers</h3>
          <button
            type="button"
            className="button"
            disabled={discovering}
            onClick={() => {
              setDiscovering(true);
              void store.getState().discoverServers().finally(() => setDiscovering(false));
            }}
          >
            {discovering ? 'Looking…' : 'Discover local servers'}
          </button>
        </div>
        {discovered && <DiscoveredList servers={discovered} />}
      </section>
    </div>
  );
}
