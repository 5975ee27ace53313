import { useState, type KeyboardEvent } from 'react';
import { useAppStore, useAppStoreApi } from '../../store/context';
import { Playground } from './playground';
import { PromptEditor } from './prompt-editor';
import { VersionsPanel } from './versions-panel';

function PromptList() {
  const store = useAppStoreApi();
  const prompts = useAppStore((s) => s.prompts);
  const openId = useAppStore((s) => s.draft.id);
  const [filter, setFilter] = useState('');
  const shown = prompts.filter((p) => p.name.toLowerCase().includes(filter.trim().toLowerCase()));
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    event.preventDefault();
    const index = shown.findIndex((p) => p.id === openId);
    const next = shown[Math.max(0, Math.min(shown.length - 1, index + (event.key === 'ArrowDown' ? 1 : -1)))];
    if (next) {
      void store.getState().openPrompt(next.id);
      document.getElementById(`prompt-row-${next.id}`)?.focus();
    }
  };
  return (
    <section className="card prompt-list" aria-label="Saved prompts">
      <div className="card-head">
        <h3>Prompts</h3>
        <button type="button" className="button is-primary" onClick={() => store.getState().newPrompt()}>
          New
        </button>
      </div>
      <input className="text-input" aria-label="Filter prompts" placeholder="Filter" value={filter} onChange={(e) => setFilter(e.target.value)} />
      {prompts.length === 0 ? (
        <p className="muted">No saved prompt yet: write one and press Save version.</p>
      ) : (
        <ul className="prompt-rows" role="listbox" aria-label="Prompts, newest change first" onKeyDown={onKeyDown}>
          {shown.map((p) => (
            <li
              key={p.id}
              id={`prompt-row-${p.id}`}
              role="option"
              aria-selected={p.id === openId}
              tabIndex={p.id === openId || (!openId && p === shown[0]) ? 0 : -1}
              className={`prompt-row${p.id === openId ? ' is-selected' : ''}`}
              onClick={() => void store.getState().openPrompt(p.id)}
            >
              <span className="prompt-row-name">{p.name}</span>
              <span className="muted">
                v{p.latestVersion}
                {Object.keys(p.labels).length > 0 ? ` · ${Object.entries(p.labels).map(([l, v]) => `${l}→v${v}`).join(', ')}` : ''}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** The prompts panel: the saved prompts, the editor with its playground, and the open prompt's versions. */
export function PromptWorkspace() {
  return (
    <div className="prompt-workspace">
      <PromptList />
      <div className="prompt-center">
        <PromptEditor />
        <Playground />
      </div>
      <VersionsPanel />
    </div>
  );
}
