import type { NotebookCommand } from '../store/notebooks-slice';
import type { VersionTab } from '../store/models-slice';
import type { PromptPanel } from '../store/prompts-slice';
import type { AppState, AppStore } from '../store/store';
import { areaIds, areas } from './areas';
import { matchesChord, parseChord, type KeyEventLike } from './keybindings';

/** One entry of the command palette (and of the key handler when it has keybindings). */
export interface Command {
  /** Stable id, e.g. `project.create` or `area.open.terminal`. */
  readonly id: string;
  readonly title: string;
  readonly category: string;
  /** Chords that run it; the first is the one shown. */
  readonly keybindings?: readonly string[];
  /** Also runs while focus is inside a terminal (only the palette does). */
  readonly global?: boolean;
  /** A second line in the palette (a project's path). */
  readonly detail?: string;
  run(): void | Promise<unknown>;
}

/** What commands act on besides the store: the page and other features. */
export interface CommandHost {
  readonly store: AppStore;
  reloadWindow(): void;
  /** Opens the Terminal area and asks it for a new terminal. */
  newTerminal(): void;
}

/** The text the palette filters on. */
export function commandLabel(command: Command): string {
  return `${command.category}: ${command.title}`;
}

function areaCommands(store: AppStore): Command[] {
  return areaIds.map((id, index) => ({
    id: `area.open.${id}`,
    title: `Open ${areas[id].title}`,
    category: 'View',
    keybindings: [`Alt+${index + 1}`],
    detail: areas[id].arrivesWith ? `Not built yet — arrives with ${areas[id].arrivesWith}` : areas[id].summary,
    run: () => store.getState().openArea(id),
  }));
}

function projectCommands(store: AppStore): Command[] {
  const { current, recent } = store.getState();
  const commands: Command[] = [
    { id: 'project.create', title: 'Create Project…', category: 'Project', run: () => store.getState().openDialog({ kind: 'create' }) },
    { id: 'project.open', title: 'Open Project…', category: 'Project', run: () => store.getState().openDialog({ kind: 'open' }) },
  ];
  if (current) {
    commands.push({ id: 'project.close', title: 'Close Project', category: 'Project', detail: current.path, run: () => store.getState().closeProject() });
  }
  for (const project of recent) {
    if (!project.exists || project.path === current?.path) continue;
    commands.push({
      id: `project.switch.${project.path}`,
      title: `Switch to ${project.name}`,
      category: 'Project',
      detail: project.path,
      run: () => switchProject(store, project.path),
    });
  }
  return commands;
}

async function switchProject(store: AppStore, path: string): Promise<void> {
  try {
    const project = await store.getState().openProject(path);
    store.getState().notify('info', `Opened ${project.name} (${project.path})`, 'project');
  } catch (error) {
    store.getState().notify('error', error instanceof Error ? error.message : String(error), 'project');
  }
}

function envCommands(store: AppStore): Command[] {
  return [
    {
      id: 'env.refresh',
      title: 'Refresh Environments',
      category: 'Environment',
      run: () => {
        store.getState().openArea('environments');
        return store.getState().loadEnvs(true);
      },
    },
    { id: 'env.create', title: 'Create Environment…', category: 'Environment', run: () => store.getState().requestCreateEnv() },
    { id: 'env.select', title: 'Select Project Environment…', category: 'Environment', run: () => store.getState().setEnvPickerOpen(true) },
  ];
}

function layoutCommands(store: AppStore): Command[] {
  return [
    { id: 'workbench.commands', title: 'Show All Commands', category: 'View', keybindings: ['Ctrl+Shift+P', 'F1'], global: true, run: () => store.getState().setPaletteOpen(true) },
    { id: 'tabs.close', title: 'Close Tab', category: 'View', keybindings: ['Ctrl+W', 'Alt+W'], run: () => store.getState().closeTab() },
    { id: 'tabs.next', title: 'Next Tab', category: 'View', keybindings: ['Ctrl+Tab', 'Alt+]'], run: () => store.getState().cycleTab(1) },
    { id: 'tabs.previous', title: 'Previous Tab', category: 'View', keybindings: ['Ctrl+Shift+Tab', 'Alt+['], run: () => store.getState().cycleTab(-1) },
  ];
}

function preferenceCommands(store: AppStore, host: CommandHost): Command[] {
  return [
    { id: 'theme.toggle', title: 'Toggle Theme', category: 'Preferences', keybindings: ['Alt+T'], run: () => store.getState().toggleTheme() },
    { id: 'theme.light', title: 'Light Theme', category: 'Preferences', run: () => store.getState().setTheme('light') },
    { id: 'theme.dark', title: 'Dark Theme', category: 'Preferences', run: () => store.getState().setTheme('dark') },
    { id: 'theme.system', title: 'Theme from System', category: 'Preferences', run: () => store.getState().setTheme('system') },
    { id: 'window.reload', title: 'Reload Window', category: 'Developer', run: () => host.reloadWindow() },
  ];
}

function notebookCommands(store: AppStore): Command[] {
  // They act on the notebook shown in the Notebooks area; elsewhere they open the area (Ctrl+S does nothing).
  const onNotebook = (command: NotebookCommand) => () => {
    if (store.getState().activeTab === 'notebooks') store.getState().notebookCommand(command);
  };
  return [
    { id: 'notebook.new', title: 'New Notebook…', category: 'Notebook', run: () => store.getState().openArea('notebooks') },
    { id: 'notebook.save', title: 'Save Notebook', category: 'Notebook', keybindings: ['Ctrl+S'], run: onNotebook('save') },
    { id: 'notebook.runAll', title: 'Run All Cells', category: 'Notebook', run: onNotebook('run-all') },
    { id: 'notebook.runAbove', title: 'Run Cells Above', category: 'Notebook', run: onNotebook('run-above') },
    { id: 'notebook.interrupt', title: 'Interrupt Kernel', category: 'Notebook', run: onNotebook('interrupt') },
    { id: 'notebook.restart', title: 'Restart Kernel', category: 'Notebook', run: onNotebook('restart') },
    { id: 'notebook.restartRunAll', title: 'Restart Kernel and Run All', category: 'Notebook', run: onNotebook('restart-run-all') },
    { id: 'notebook.shutdown', title: 'Shut Down Kernel', category: 'Notebook', run: onNotebook('shutdown') },
    { id: 'notebook.close', title: 'Close Notebook', category: 'Notebook', run: () => void store.getState().closeNotebook() },
  ];
}

function jobCommands(store: AppStore): Command[] {
  const open = () => store.getState().openArea('jobs');
  return [
    { id: 'jobs.new', title: 'New Job…', category: 'Jobs', run: () => (open(), store.getState().setNewJobOpen(true)) },
    { id: 'jobs.show', title: 'Show Jobs', category: 'Jobs', run: open },
  ];
}

function experimentCommands(store: AppStore): Command[] {
  const runs = () => {
    store.getState().openArea('experiments');
    store.getState().showRuns();
  };
  return [
    { id: 'experiments.runs', title: 'Show Runs', category: 'Experiments', run: runs },
    { id: 'experiments.compare', title: 'Compare Selected Runs', category: 'Experiments', run: () => store.getState().showCompare() },
    {
      id: 'experiments.refresh',
      title: 'Refresh Runs',
      category: 'Experiments',
      run: () => {
        runs();
        return store.getState().loadRuns();
      },
    },
    { id: 'experiments.clearSelection', title: 'Clear Run Selection', category: 'Experiments', run: () => store.getState().clearRunSelection() },
  ];
}

function promptCommands(store: AppStore): Command[] {
  const panel = (id: PromptPanel) => () => {
    store.getState().openArea('prompts');
    store.getState().setPromptPanel(id);
  };
  const onPrompt = (action: (state: AppState) => unknown) => () => {
    panel('prompts')();
    return action(store.getState()) as void | Promise<unknown>;
  };
  return [
    { id: 'prompts.new', title: 'New Prompt', category: 'Prompts', run: onPrompt((s) => s.newPrompt()) },
    { id: 'prompts.run', title: 'Run Prompt', category: 'Prompts', detail: 'Ctrl+Enter in the prompt editor', run: onPrompt((s) => s.runPrompt()) },
    { id: 'prompts.cancel', title: 'Cancel Prompt Run', category: 'Prompts', run: onPrompt((s) => s.cancelRun()) },
    { id: 'prompts.save', title: 'Save Prompt Version', category: 'Prompts', run: onPrompt((s) => s.savePrompt()) },
    { id: 'prompts.history', title: 'Show Prompt History', category: 'Prompts', run: panel('history') },
    { id: 'prompts.suites', title: 'Show Prompt Suites', category: 'Prompts', run: panel('suites') },
    { id: 'prompts.providers', title: 'Show LLM Providers', category: 'Prompts', run: panel('providers') },
    { id: 'prompts.usage', title: 'Show Token Usage and Prices', category: 'Prompts', run: panel('usage') },
  ];
}

function modelCommands(store: AppStore): Command[] {
  const tab = (id: VersionTab) => () => {
    store.getState().openArea('models');
    store.getState().setVersionTab(id);
  };
  return [
    { id: 'models.overview', title: 'Show Model Version', category: 'Models', run: tab('overview') },
    { id: 'models.inspect', title: 'Inspect ONNX Model', category: 'Models', run: tab('inspect') },
    { id: 'models.infer', title: 'Run Model Inference', category: 'Models', run: tab('infer') },
    { id: 'models.bench', title: 'Benchmark Model Latency', category: 'Models', run: tab('bench') },
    { id: 'models.export', title: 'Export Model to ONNX', category: 'Models', run: tab('export') },
    {
      id: 'models.card',
      title: 'Open Model Card',
      category: 'Models',
      run: () => {
        tab('overview')();
        return store.getState().openModelCard();
      },
    },
  ];
}

/** Every command, from the store's state now (one per recent project, Close only with a project open). */
export function buildCommands(host: CommandHost): Command[] {
  const { store } = host;
  // Most used first: an empty query lists them in this order.
  return [
    ...projectCommands(store),
    { id: 'terminal.new', title: 'New Terminal', category: 'Terminal', keybindings: ['Ctrl+Shift+`'], run: () => host.newTerminal() },
    ...envCommands(store),
    ...areaCommands(store),
    ...notebookCommands(store),
    ...experimentCommands(store),
    ...jobCommands(store),
    ...promptCommands(store),
    ...modelCommands(store),
    ...layoutCommands(store),
    ...preferenceCommands(store, host),
  ];
}

/** The command a key event runs, if any; inside a terminal only `global` commands are considered. */
export function commandForKey(commands: readonly Command[], event: KeyEventLike, options: { mac: boolean; inTerminal: boolean }): Command | null {
  for (const command of commands) {
    if (options.inTerminal && !command.global) continue;
    if (command.keybindings?.some((chord) => matchesChord(parseChord(chord), event, options.mac))) return command;
  }
  return null;
}
