import DOMPurify from 'dompurify';
import { memo, useEffect, useMemo, useState, useSyncExternalStore, type FormEvent } from 'react';
import { CellEditor } from './cell-editor';
import { renderMarkdown } from './markdown';
import type { CellEditorCommand } from './monaco-entry';
import { monacoIfLoaded } from './monaco-loader';
import type { CellEntry, NotebookModel } from './notebook-model';
import type { PendingInput } from './notebook-session';
import { OutputArea } from './output-view';

/** What a cell hands back to the notebook. */
export interface CellCallbacks {
  select(key: string, edit: boolean): void;
  editorCommand(key: string, command: CellEditorCommand): void;
  answerInput(value: string): void;
}

/** Props of one cell row. */
export interface CellViewProps {
  readonly model: NotebookModel;
  readonly cellKey: string;
  readonly notebookPath: string;
  readonly selected: boolean;
  readonly editing: boolean;
  readonly dark: boolean;
  readonly pendingInput: PendingInput | null;
  readonly callbacks: CellCallbacks;
}

/** Subscribes to one cell: the row re-renders when that cell changes, not when any other does. */
function useCell(model: NotebookModel, key: string): CellEntry | undefined {
  const version = useSyncExternalStore(
    (listener) => model.subscribeCell(key, listener),
    () => model.cell(key)?.version ?? -1,
  );
  return useMemo(() => model.cell(key), [model, key, version]);
}

/** `[3]`, `[*]` while queued or running, `[ ]` before a first run. */
export function promptText(entry: Pick<CellEntry, 'run' | 'executionCount'>): string {
  if (entry.run === 'queued' || entry.run === 'running') return '[*]';
  return `[${entry.executionCount ?? ' '}]`;
}

/** Highlighted code without an editor: Monaco's colorizer once its bundle is loaded, plain text before. */
function StaticCode({ source }: { source: string }) {
  const [html, setHtml] = useState<string | null>(null);
  useEffect(() => {
    const api = monacoIfLoaded();
    if (!api || source.length > 50_000) return setHtml(null);
    let cancelled = false;
    void api.colorizePython(source).then((colored) => !cancelled && setHtml(colored));
    return () => {
      cancelled = true;
    };
  }, [source]);
  if (html !== null) return <pre className="cell-static" data-testid="cell-static" dangerouslySetInnerHTML={{ __html: html }} />;
  return (
    <pre className="cell-static" data-testid="cell-static">
      {source || ' '}
    </pre>
  );
}

function MarkdownView({ source, onEdit }: { source: string; onEdit: () => void }) {
  const html = useMemo(() => DOMPurify.sanitize(renderMarkdown(source)), [source]);
  if (source.trim() === '') {
    return (
      <div className="cell-markdown is-empty" onDoubleClick={onEdit}>
        Double-click (or Enter) to write markdown
      </div>
    );
  }
  return <div className="cell-markdown markdown-body" onDoubleClick={onEdit} dangerouslySetInnerHTML={{ __html: html }} />;
}

function InputPrompt({ request, onAnswer }: { request: PendingInput; onAnswer: (value: string) => void }) {
  const [value, setValue] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onAnswer(value);
  };
  return (
    <form className="cell-input" onSubmit={submit}>
      <label>
        <span className="cell-input-prompt">{request.prompt}</span>
        <input
          type={request.password ? 'password' : 'text'}
          value={value}
          autoFocus
          aria-label="Input for the running cell"
          onChange={(e) => setValue(e.target.value)}
          onKeyDown={(e) => e.stopPropagation()}
        />
      </label>
    </form>
  );
}

/** One cell: its prompt, its editor (when edited) or static view, its outputs and any input() prompt. */
export const CellView = memo(function CellView({ model, cellKey, notebookPath, selected, editing, dark, pendingInput, callbacks }: CellViewProps) {
  const entry = useCell(model, cellKey);
  if (!entry) return null;
  const code = entry.cellType === 'code';
  const onChange = (value: string) => model.setSource(cellKey, value);
  const body =
    editing && selected ? (
      <CellEditor
        cellKey={cellKey}
        notebookPath={notebookPath}
        source={entry.source}
        language={code ? 'python' : 'plaintext'}
        dark={dark}
        onChange={onChange}
        onCommand={(command) => callbacks.editorCommand(cellKey, command)}
      />
    ) : entry.cellType === 'markdown' ? (
      <MarkdownView source={entry.source} onEdit={() => callbacks.select(cellKey, true)} />
    ) : code ? (
      <StaticCode source={entry.source} />
    ) : (
      <pre className="cell-static is-raw">{entry.source || ' '}</pre>
    );
  return (
    <div
      className={`notebook-cell is-${entry.cellType}${selected ? ' is-selected' : ''}${editing && selected ? ' is-editing' : ''} run-${entry.run}`}
      data-cell-key={cellKey}
      data-testid="notebook-cell"
      onMouseDown={() => !selected && callbacks.select(cellKey, false)}
      onClick={(e) => code && !(editing && selected) && !(e.target as Element).closest('.cell-outputs') && callbacks.select(cellKey, true)}
    >
      <div className="cell-prompt" aria-label="Execution count">
        {code ? promptText(entry) : ''}
      </div>
      <div className="cell-main">
        {body}
        {code && <OutputArea outputs={entry.outputs} />}
        {pendingInput && pendingInput.cellId === cellKey && <InputPrompt request={pendingInput} onAnswer={callbacks.answerInput} />}
      </div>
    </div>
  );
});
