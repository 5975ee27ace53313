import { useEffect, type KeyboardEvent } from 'react';
import { useAppStore, useAppStoreApi } from '../../store/context';
import { promptPanels, type PromptPanel } from '../../store/prompts-slice';
import { HistoryPanel } from './history-panel';
import { PromptWorkspace } from './prompt-workspace';
import { ProvidersPanel } from './providers-panel';
import { SuitesPanel } from './suites-panel';
import { UsagePanel } from './usage-panel';
import './prompts.css';

// "Editor", not "Prompts": the workbench's own tab is already called Prompts.
const panelTitles: Readonly<Record<PromptPanel, string>> = {
  prompts: 'Editor',
  history: 'History',
  suites: 'Suites',
  providers: 'Providers',
  usage: 'Usage & prices',
};

function PanelTabs() {
  const store = useAppStoreApi();
  const panel = useAppStore((s) => s.promptPanel);
  // ←/→ move between the panels, as in the other tab lists.
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft') return;
    event.preventDefault();
    const index = promptPanels.indexOf(panel);
    const next = promptPanels[(index + (event.key === 'ArrowRight' ? 1 : -1) + promptPanels.length) % promptPanels.length]!;
    store.getState().setPromptPanel(next);
    document.getElementById(`prompt-panel-tab-${next}`)?.focus();
  };
  return (
    <div className="prompt-panel-tabs" role="tablist" aria-label="Prompt studio" onKeyDown={onKeyDown}>
      {promptPanels.map((id) => (
        <button
          key={id}
          id={`prompt-panel-tab-${id}`}
          type="button"
          role="tab"
          aria-selected={panel === id}
          tabIndex={panel === id ? 0 : -1}
          className={`tab-button${panel === id ? ' is-active' : ''}`}
          onClick={() => store.getState().setPromptPanel(id)}
        >
          {panelTitles[id]}
        </button>
      ))}
    </div>
  );
}

/** The Prompts area: prompts with versions and the playground, the call history, suites, providers, usage and prices. */
export function PromptsArea() {
  const store = useAppStoreApi();
  const project = useAppStore((s) => s.current?.path ?? null);
  const panel = useAppStore((s) => s.promptPanel);
  const error = useAppStore((s) => s.promptsError);
  useEffect(() => {
    void store.getState().loadPromptStudio();
  }, [store, project]);
  return (
    <section className="prompts-area" aria-label="Prompts area">
      <PanelTabs />
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {/* Panels stay mounted: a streaming column or a running suite keeps its state while another panel is shown. */}
      <div className="prompt-panel" role="tabpanel" aria-label="Editor" hidden={panel !== 'prompts'}>
        {project ? <PromptWorkspace /> : <p className="muted">Open a project: its prompts, history and suites are kept in it.</p>}
      </div>
      <div className="prompt-panel" role="tabpanel" aria-label="History" hidden={panel !== 'history'}>
        {project && <HistoryPanel />}
      </div>
      <div className="prompt-panel" role="tabpanel" aria-label="Suites" hidden={panel !== 'suites'}>
        {project && <SuitesPanel />}
      </div>
      <div className="prompt-panel" role="tabpanel" aria-label="Providers" hidden={panel !== 'providers'}>
        <ProvidersPanel />
      </div>
      <div className="prompt-panel" role="tabpanel" aria-label="Usage and prices" hidden={panel !== 'usage'}>
        <UsagePanel />
      </div>
    </section>
  );
}
