import { useEffect, useRef, useState } from 'react';
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

/** A Monaco editor, made when the cell is edited (static cells never pay for one); grows with its content. */
export function CellEditor({ cellKey, notebookPath, source, language, dark, onChange, onCommand }: CellEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const handle = useRef<CellEditorHandle | null>(null);
  const latest = useRef({ onChange, onCommand });
  latest.current = { onChange, onCommand };
  const initial = useRef(source);
  const [height, setHeight] = useState(() => Math.max(1, source.split('\n').length) * 19 + 8);
  const [failed, setFailed] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    const create = (api: NonNullable<ReturnType<typeof monacoIfLoaded>>) => {
      if (cancelled || !host.current) return;
      handle.current = api.createCellEditor(host.current, {
        value: initial.current,
        language,
        uri: cellUri(notebookPath, cellKey),
        dark,
        onChange: (value) => latest.current.onChange(value),
        onCommand: (command) => latest.current.onCommand(command),
        onHeight: (next) => setHeight(Math.max(19, next)),
      });
      handle.current.focus();
    };
    const ready = monacoIfLoaded();
    if (ready) create(ready);
    else loadMonaco().then(create, (error: unknown) => setFailed(error instanceof Error ? error.message : String(error)));
    return () => {
      cancelled = true;
      handle.current?.dispose();
      handle.current = null;
    };
    // The editor is made once per cell; source changes from outside go through setValue below.
  }, [cellKey, notebookPath, language, dark]);

  useEffect(() => {
    handle.current?.setValue(source);
  }, [source]);

  if (failed) return <pre className="cell-static is-error">The editor could not load: {failed}</pre>;
  return <div ref={host} className="cell-editor" style={{ height }} data-testid="cell-editor" />;
}
