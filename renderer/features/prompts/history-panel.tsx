import { useEffect, useState } from 'react';
import type { LlmCall } from '../../../app/contract/prompts';
import { useAppStore, useAppStoreApi } from '../../store/context';
import { formatTime } from '../../ui/format';
import { callFacts, describeStatus, historyTitle } from './prompt-format';

function CallDetail({ call }: { call: LlmCall }) {
  const store = useAppStoreApi();
  const promptName = useAppStore((s) => (call.promptId ? (s.prompts.find((p) => p.id === call.promptId)?.name ?? call.promptId) : null));
  return (
    <section className="card call-detail" aria-label="Call">
      <div className="card-head">
        <div>
          <p className="eyebrow">
            {formatTime(call.startedAt)} · <span className={`call-status is-${call.status}`}>{describeStatus(call)}</span>
          </p>
          <h3>{historyTitle(call)}</h3>
          <p className="muted">
            {callFacts(call).join(' · ')}
            {promptName ? ` · prompt ${promptName}${call.promptVersion === null ? '' : ` v${call.promptVersion}`}` : ''}
          </p>
        </div>
        <button type="button" className="button" onClick={() => void store.getState().showCall(null)}>
          Close
        </button>
      </div>
      <h4>Messages</h4>
      <ol className="call-messages">
        {call.messages.map((m, i) => (
          <li key={i}>
            <span className="message-role">{m.role}</span>
            <pre>{m.content}</pre>
          </li>
        ))}
      </ol>
      <h4>Output</h4>
      <pre className="call-output" data-testid="call-output">
        {call.output}
      </pre>
      <h4>Parameters and variables</h4>
      <pre className="call-json">{JSON.stringify({ params: call.params, variables: call.variables, finishReason: call.finishReason, warnings: call.warnings }, null, 2)}</pre>
      {call.toolCalls !== null && (
        <>
          <h4>Tool calls (raw)</h4>
          <pre className="call-json">{JSON.stringify(call.toolCalls, null, 2)}</pre>
        </>
      )}
    </section>
  );
}

/** The project's call history: search (inputs, outputs, models, errors), newest first, a page at a time; a row opens the whole call. */
export function HistoryPanel() {
  const store = useAppStoreApi();
  const query = useAppStore((s) => s.historyQuery);
  const calls = useAppStore((s) => s.historyCalls);
  const total = useAppStore((s) => s.historyTotal);
  const error = useAppStore((s) => s.historyError);
  const open = useAppStore((s) => s.openCall);
  const [typed, setTyped] = useState(query);
  // Searches a moment after typing stops.
  useEffect(() => {
    if (typed === store.getState().historyQuery) return;
    const timer = setTimeout(() => void store.getState().searchHistory(typed), 200);
    return () => clearTimeout(timer);
  }, [typed, store]);
  return (
    <div className="history-panel">
      <section className="card history-list" aria-label="Call history">
        <input className="text-input" type="search" aria-label="Search calls" placeholder="Search inputs, outputs, models, errors" value={typed} onChange={(e) => setTyped(e.target.value)} />
        <p className="muted">
          {total} call{total === 1 ? '' : 's'}
          {query ? ` matching “${query}”` : ''}
        </p>
        {error && <p className="form-error">{error}</p>}
        <ul className="history-rows">
          {calls.map((call) => (
            <li key={call.id}>
              <button type="button" className={`history-row${open?.id === call.id ? ' is-selected' : ''}`} data-testid="history-row" onClick={() => void store.getState().showCall(call.id)}>
                <span className="history-row-head">
                  <strong>{historyTitle(call)}</strong>
                  <span className={`call-status is-${call.status}`}>{call.status}</span>
                  <span className="muted">{formatTime(call.startedAt)}</span>
                </span>
                <span className="muted history-preview">{call.inputPreview}</span>
                <span className="history-preview">→ {call.outputPreview || call.error || ''}</span>
              </button>
            </li>
          ))}
        </ul>
        {calls.length < total && (
          <button type="button" className="button" onClick={() => void store.getState().moreHistory()}>
            Load older calls
          </button>
        )}
      </section>
      {open ? <CallDetail call={open} /> : <section className="card muted">Pick a call to see its messages, output, parameters and usage.</section>}
    </div>
  );
}
