// The Monaco bundle (built on its own, loaded on first use so the shell starts without it): the editor API, the
// contributions a cell editor needs, the Python basic language, and providers that ask the kernel.
import * as monaco from 'monaco-editor/editor/editor.api.js';
import 'monaco-editor/features/codeEditor/register.js';
import 'monaco-editor/features/codicon/register.js';
import 'monaco-editor/features/hover/register.js';
import 'monaco-editor/features/find/register.js';
import 'monaco-editor/features/bracketMatching/register.js';
import 'monaco-editor/features/comment/register.js';
import 'monaco-editor/features/clipboard/register.js';
import 'monaco-editor/features/cursorUndo/register.js';
import 'monaco-editor/features/indentation/register.js';
import 'monaco-editor/features/linesOperations/register.js';
import 'monaco-editor/features/multicursor/register.js';
import 'monaco-editor/features/wordOperations/register.js';
import 'monaco-editor/editor/contrib/suggest/browser/suggestController.js';
import 'monaco-editor/languages/definitions/python/register.js';

/** Keys a cell editor hands to the notebook instead of handling. */
export type CellEditorCommand = 'run-advance' | 'run' | 'run-insert' | 'command-mode';

/** What the kernel answers, as the providers need it. */
export interface KernelBridge {
  complete(code: string, offset: number): Promise<{ matches: string[]; cursorStart: number; cursorEnd: number } | null>;
  inspect(code: string, offset: number): Promise<{ found: boolean; data: Record<string, unknown> } | null>;
}

/** Options of one cell editor. */
export interface CellEditorOptions {
  readonly value: string;
  readonly language: 'python' | 'plaintext';
  /** `inmemory://notebook/<cell key>`-style URI: the providers find the cell's kernel by it. */
  readonly uri: string;
  readonly dark: boolean;
  readonly onChange: (value: string) => void;
  readonly onCommand: (command: CellEditorCommand) => void;
  readonly onHeight: (height: number) => void;
  /** Where the cursor (or selection) starts, as offsets in `value`: carried over from the plain editor. */
  readonly selection?: { readonly start: number; readonly end: number };
}

/** The handle the notebook keeps of one editor. */
export interface CellEditorHandle {
  focus(): void;
  setValue(value: string): void;
  dispose(): void;
}

let bridgeOf: (uri: string) => KernelBridge | null = () => null;
let providersRegistered = false;
const ansi = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;

self.MonacoEnvironment = {
  getWorker: () => new Worker(new URL('./editor.worker.js', import.meta.url), { name: 'editor' }),
};

function registerProviders(): void {
  if (providersRegistered) return;
  providersRegistered = true;
  monaco.languages.registerCompletionItemProvider('python', {
    triggerCharacters: ['.'],
    async provideCompletionItems(model, position) {
      const bridge = bridgeOf(model.uri.toString());
      const answer = bridge ? await bridge.complete(model.getValue(), model.getOffsetAt(position)) : null;
      if (!answer) return { suggestions: [] };
      const start = model.getPositionAt(answer.cursorStart);
      const end = model.getPositionAt(answer.cursorEnd);
      const range = new monaco.Range(start.lineNumber, start.column, end.lineNumber, end.column);
      return {
        suggestions: answer.matches.map((match, index) => ({
          label: match,
          kind: monaco.languages.CompletionItemKind.Variable,
          insertText: match,
          range,
          sortText: String(index).padStart(5, '0'),
        })),
      };
    },
  });
  monaco.languages.registerHoverProvider('python', {
    async provideHover(model, position) {
      const bridge = bridgeOf(model.uri.toString());
      const answer = bridge ? await bridge.inspect(model.getValue(), model.getOffsetAt(position)) : null;
      const text = answer?.found ? answer.data['text/plain'] : undefined;
      if (typeof text !== 'string' || text === '') return null;
      return { contents: [{ value: '```\n' + text.replace(ansi, '').slice(0, 20_000) + '\n```' }] };
    },
  });
}

/** Tells the providers how to reach the kernel of a cell (by its editor model's URI). */
export function setKernelBridge(resolve: (uri: string) => KernelBridge | null): void {
  bridgeOf = resolve;
  registerProviders();
}

/** Creates a Monaco editor for one cell in `container`; it grows with its content. */
export function createCellEditor(container: HTMLElement, options: CellEditorOptions): CellEditorHandle {
  monaco.editor.setTheme(options.dark ? 'vs-dark' : 'vs');
  const uri = monaco.Uri.parse(options.uri);
  monaco.editor.getModel(uri)?.dispose();
  const model = monaco.editor.createModel(options.value, options.language, uri);
  const editor = monaco.editor.create(container, {
    model,
    minimap: { enabled: false },
    scrollBeyondLastLine: false,
    lineNumbers: 'off',
    folding: false,
    glyphMargin: false,
    lineDecorationsWidth: 6,
    renderLineHighlight: 'none',
    overviewRulerLanes: 0,
    hideCursorInOverviewRuler: true,
    scrollbar: { vertical: 'hidden', alwaysConsumeMouseWheel: false, horizontalScrollbarSize: 8 },
    automaticLayout: true,
    fontSize: 13,
    tabSize: 4,
    wordBasedSuggestions: 'off',
    // Completions come from the kernel on Tab, Ctrl+Space or '.', and Enter always breaks the line (as in Jupyter).
    quickSuggestions: false,
    acceptSuggestionOnEnter: 'off',
    tabCompletion: 'on',
    fixedOverflowWidgets: true,
  });
  let applying = false;
  model.onDidChangeContent(() => {
    if (!applying) options.onChange(model.getValue());
  });
  if (options.selection) {
    const start = model.getPositionAt(options.selection.start);
    const end = model.getPositionAt(options.selection.end);
    editor.setSelection(new monaco.Selection(start.lineNumber, start.column, end.lineNumber, end.column));
  }
  editor.onDidContentSizeChange((event) => options.onHeight(event.contentHeight));
  options.onHeight(editor.getContentHeight());
  const noWidget = '!suggestWidgetVisible && !findWidgetVisible && !parameterHintsVisible';
  editor.addCommand(monaco.KeyMod.Shift | monaco.KeyCode.Enter, () => options.onCommand('run-advance'));
  editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, () => options.onCommand('run'));
  editor.addCommand(monaco.KeyMod.Alt | monaco.KeyCode.Enter, () => options.onCommand('run-insert'));
  editor.addCommand(monaco.KeyCode.Escape, () => options.onCommand('command-mode'), noWidget);
  return {
    focus: () => editor.focus(),
    setValue(value) {
      if (value === model.getValue()) return;
      applying = true;
      model.setValue(value);
      applying = false;
    },
    dispose() {
      editor.dispose();
      model.dispose();
    },
  };
}

/** Python source as highlighted HTML (Monaco's tokenizer, no editor): what cells without an editor show. */
export function colorizePython(source: string): Promise<string> {
  return monaco.editor.colorize(source, 'python', { tabSize: 4 });
}

/** Switches every editor between the light and dark theme. */
export function setEditorTheme(dark: boolean): void {
  monaco.editor.setTheme(dark ? 'vs-dark' : 'vs');
}
