import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { CellEditorCommand, CellEditorHandle } from './monaco-entry';
import { loadMonaco, monacoIfLoaded } from './monaco-loader';

/** Props of a Monaco editor for one cell. */
export interface CellEditorProps {
  readonly cellKey: string;
  readonly notebookPath: string;
  readonly source: string;
  readonly language: 'python' | 'plaintext';
  readonly dark: boolean;
  readonly onChange: (value: string) => void;
  readonly onCommand: (command: CellEditorCommand) => void;
}

/** The URI of a cell's editor model; the completion and hover providers find the notebook by it. */
export function cellUri(notebookPath: string, cellKey: string): string {
  return `inmemory://notebook/${encodeURIComponent(notebookPath)}/${encodeURIComponent(cellKey)}`;
}

/** The notebook path a cell URI names (for the kernel providers). */
export function notebookOfUri(uri: string): string | null {
  const match = /^inmemory:\/\/notebook\/([^/]+)\/[^/]+$/.exec(uri);
  return match ? decodeURIComponent(match[1]!) : null;
}

/** What the plain editor hands to Monaco when it arrives: the text, the cursor and whether it had focus. */
interface Carried {
  readonly value: string;
  readonly start: number;
  readonly end: number;
  readonly focused: boolean;
}

/** The keys a cell editor answers itself (as Monaco's commands do). */
function commandOf(event: KeyboardEvent): CellEditorCommand | null {
  if (event.key === 'Escape') return 'command-mode';
  if (event.key !== 'Enter') return null;
  if (event.shiftKey) return 'run-advance';
  if (event.ctrlKey || event.metaKey) return 'run';
  if (event.altKey) return 'run-insert';
  return null;
}

/**
 * A cell's editor, made when the cell is edited (static cells never pay for one); grows with its content. It is
 * Monaco once Monaco's bundle is loaded; before that (the first edit on a fresh page) a plain text area takes the
 * focus and the typing at once, and Monaco replaces it with the same text, cursor and focus when it arrives.
 */
export function CellEditor({ cellKey, notebookPath, source, language, dark, onChange, onCommand }: CellEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const plain = useRef<HTMLTextAreaElement>(null);
  const handle = useRef<CellEditorHandle | null>(null);
  const carried = useRef<Carried | null>(null);
  const latest = useRef({ onChange, onCommand });
  latest.current = { onChange, onCommand };
  const initial = useRef(source);
  const [api, setApi] = useState(() => monacoIfLoaded());
  const [height, setHeight] = useState(() => Math.max(1, source.split('\n').length) * 19 + 8);
  const [failed, setFailed] = useState<string | null>(null);

  useEffect(() => {
    if (api) return;
    let cancelled = false;
    loadMonaco().then(
      (loaded) => {
        if (cancelled) return;
        const area = plain.current;
        carried.current = area ? { value: area.value, start: area.selectionStart, end: area.selectionEnd, focused: document.activeElement === area } : null;
        setApi(loaded);
      },
      (error: unknown) => !cancelled && setFailed(error instanceof Error ? error.message : String(error)),
    );
    return () => {
      cancelled = true;
    };
  }, [api]);

  useEffect(() => {
    if (!api || !host.current) return;
    const from = carried.current;
    carried.current = null;
    handle.current = api.createCellEditor(host.current, {
      value: from?.value ?? initial.current,
      language,
      uri: cellUri(notebookPath, cellKey),
      dark,
      onChange: (value) => latest.current.onChange(value),
      onCommand: (command) => latest.current.onCommand(command),
      onHeight: (next) => setHeight(Math.max(19, next)),
      ...(from ? { selection: { start: from.start, end: from.end } } : {}),
    });
    if (!from || from.focused) handle.current.focus();
    return () => {
      handle.current?.dispose();
      handle.current = null;
    };
    // The editor is made once per cell; source changes from outside go through setValue below.
  }, [api, cellKey, notebookPath, language, dark]);

  useEffect(() => {
    handle.current?.setValue(source);
    const area = plain.current;
    if (area && area.value !== source) area.value = source;
  }, [source]);

  if (failed) return <pre className="cell-static is-error">The editor could not load: {failed}</pre>;
  if (!api) {
    return (
      <textarea
        ref={plain}
        className="cell-editor cell-editor-plain"
        style={{ height }}
        data-testid="cell-editor-plain"
        aria-label="Cell source"
        spellCheck={false}
        autoFocus
        defaultValue={initial.current}
        onChange={(event) => {
          setHeight(Math.max(1, event.target.value.split('\n').length) * 19 + 8);
          latest.current.onChange(event.target.value);
        }}
        onKeyDown={(event) => {
          const command = commandOf(event);
          if (command) {
            event.preventDefault();
            latest.current.onCommand(command);
          } else if (event.key === 'Tab' && !event.shiftKey) {
            event.preventDefault();
            event.currentTarget.setRangeText('    ', event.currentTarget.selectionStart, event.currentTarget.selectionEnd, 'end');
            latest.current.onChange(event.currentTarget.value);
          }
        }}
      />
    );
  }
  return <div ref={host} className="cell-editor" style={{ height }} data-testid="cell-editor" />;
}
