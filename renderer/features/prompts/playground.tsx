import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { LlmCall, Provider, RunTarget } from '../../../app/contract/prompts';
import { useClient } from '../../client/context';
import { useAppStore, useAppStoreApi } from '../../store/context';
import type { TargetPick } from './prompt-draft';
import { callFacts, describeStatus } from './prompt-format';
import type { StreamSink } from './stream-sink';

/** The models a provider's server lists (with its pinned ones), asked once per provider while the playground is open. */
function useModels(providerId: string): readonly string[] {
  const client = useClient();
  const [models, setModels] = useState<readonly string[]>([]);
  useEffect(() => {
    setModels([]);
    if (!providerId) return;
    let live = true;
    client.call('prompt.models', { providerId }).then(
      (list) => live && setModels(list),
      () => undefined, // an unreachable server: the model is typed by hand
    );
    return () => {
      live = false;
    };
  }, [client, providerId]);
  return models;
}

function TargetPicker({ pick, index, providers, onChange, onRemove }: { pick: TargetPick; index: number; providers: readonly Provider[]; onChange: (pick: TargetPick) => void; onRemove: () => void }) {
  const models = useModels(pick.providerId);
  const listId = `prompt-models-${index}`;
  return (
    <li className="target-picker">
      <select className="text-input" aria-label={`Provider of model ${index + 1}`} value={pick.providerId} onChange={(e) => onChange({ ...pick, providerId: e.target.value })}>
        <option value="">Provider…</option>
        {providers.map((p) => (
          <option key={p.id} value={p.id}>
            {p.name}
          </option>
        ))}
      </select>
      <input className="text-input mono" aria-label={`Model ${index + 1}`} list={listId} placeholder="model" value={pick.model} onChange={(e) => onChange({ ...pick, model: e.target.value })} />
      <datalist id={listId}>
        {models.map((m) => (
          <option key={m} value={m} />
        ))}
      </datalist>
      <button type="button" className="icon-button" aria-label={`Remove model ${index + 1}`} onClick={onRemove}>
        ×
      </button>
    </li>
  );
}

/** The streamed text of one column: a Text node the deltas are appended to, outside React's rendering. */
function StreamText({ sink, target, call }: { sink: StreamSink; target: number; call: LlmCall | null }) {
  const ref = useRef<HTMLPreElement>(null);
  useLayoutEffect(() => {
    const pre = ref.current;
    if (!pre) return;
    const node = document.createTextNode('');
    pre.appendChild(node);
    sink.attach(target, node);
    return () => {
      sink.detach(target, node);
      node.remove();
    };
  }, [sink, target]);
  // A provider that sent everything at once (no deltas): the final output is written when the call ends.
  useEffect(() => {
    if (call && call.output && sink.length(target) === 0) sink.append(target, call.output);
  }, [call, sink, target]);
  // column-reverse keeps the view pinned to the newest text as it grows, with no scrolling work per token.
  return (
    <div className="stream-scroll">
      <pre ref={ref} className="stream-text" data-testid="stream-text" />
    </div>
  );
}

function Column({ target, index, sink, call, running, providerName }: { target: RunTarget; index: number; sink: StreamSink; call: LlmCall | null; running: boolean; providerName: string }) {
  const state = call ? call.status : running ? 'streaming' : 'waiting';
  return (
    <article className={`run-column is-${state}`} aria-label={`Output of ${target.model}`} data-testid="run-column">
      <header className="run-column-head">
        <strong>{target.model}</strong>
        <span className="muted">{providerName}</span>
        <span className={`call-status is-${state}`} data-testid="call-status">
          {call ? describeStatus(call) : state}
        </span>
      </header>
      <StreamText sink={sink} target={index} call={call} />
      {call && (
        <footer className="run-facts" data-testid="call-facts">
          {callFacts(call).map((fact) => (
            <span key={fact}>{fact}</span>
          ))}
          {call.warnings.length > 0 && <span className="muted">not sent: {call.warnings.join('; ')}</span>}
          {call.toolCalls !== null && <pre className="tool-calls">{JSON.stringify(call.toolCalls, null, 2)}</pre>}
        </footer>
      )}
    </article>
  );
}

/** The playground: the models to run on, Run / Cancel, and one streaming column per model, side by side. */
export function Playground() {
  const store = useAppStoreApi();
  const providers = useAppStore((s) => s.providers);
  const picks = useAppStore((s) => s.targets);
  const run = useAppStore((s) => s.playground);
  const setPick = (index: number, pick: TargetPick) => store.getState().setTargets(picks.map((p, i) => (i === index ? pick : p)));
  const nameOf = (id: string) => providers.find((p) => p.id === id)?.name ?? id;
  return (
    <section className="card playground" aria-label="Playground">
      <div className="card-head">
        <h3>Playground</h3>
        <div className="prompt-actions">
          {run?.running ? (
            <button type="button" className="button" onClick={() => void store.getState().cancelRun()}>
              Cancel
            </button>
          ) : null}
          <button type="button" className="button is-primary" disabled={run?.running} title="Run (Ctrl+Enter in the editor)" onClick={() => void store.getState().runPrompt()}>
            {run?.running ? 'Running…' : 'Run'}
          </button>
        </div>
      </div>
      <ul className="target-list" aria-label="Models to run on">
        {picks.map((pick, index) => (
          <TargetPicker
            key={index}
            pick={pick}
            index={index}
            providers={providers}
            onChange={(next) => setPick(index, next)}
            onRemove={() => store.getState().setTargets(picks.filter((_, i) => i !== index))}
          />
        ))}
      </ul>
      <div className="prompt-actions">
        <button
          type="button"
          className="button"
          disabled={picks.length >= 8}
          onClick={() => store.getState().setTargets([...picks, { providerId: picks[picks.length - 1]?.providerId ?? providers[0]?.id ?? '', model: '' }])}
        >
          Add model
        </button>
        {providers.length === 0 && <span className="muted">Add a provider in the Providers panel first.</span>}
      </div>
      {run?.error && (
        <p className="form-error" role="alert" data-testid="run-error">
          {run.error}
        </p>
      )}
      {run && run.targets.length > 0 && (
        <div className="run-columns" style={{ gridTemplateColumns: `repeat(${run.targets.length}, minmax(220px, 1fr))` }}>
          {run.targets.map((target, index) => (
            <Column key={`${run.runId}:${index}`} target={target} index={index} sink={run.sink} call={run.calls[index] ?? null} running={run.running} providerName={nameOf(target.providerId)} />
          ))}
        </div>
      )}
    </section>
  );
}
