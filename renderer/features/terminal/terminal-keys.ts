import type { Terminal } from '@xterm/xterm';

/** The part of the Clipboard API used for copying. */
export interface ClipboardWriter {
  writeText(text: string): Promise<void>;
}

function isCopy(event: KeyboardEvent, mac: boolean): boolean {
  const c = event.key.toLowerCase() === 'c';
  return mac ? c && event.metaKey && !event.ctrlKey && !event.altKey : c && event.ctrlKey && event.shiftKey && !event.altKey && !event.metaKey;
}

function isPaste(event: KeyboardEvent, mac: boolean): boolean {
  const v = event.key.toLowerCase() === 'v';
  return mac ? v && event.metaKey && !event.ctrlKey && !event.altKey : v && event.ctrlKey && event.shiftKey && !event.altKey && !event.metaKey;
}

/**
 * Copy and paste chords for a terminal (Ctrl+Shift+C / Ctrl+Shift+V, Cmd+C / Cmd+V on macOS), for
 * `attachCustomKeyEventHandler`: false keeps xterm.js from sending the chord to the shell. Copy writes the
 * selection through the Clipboard API. Paste is left to the browser's own paste event (both chords raise one),
 * which xterm.js turns into input without needing clipboard-read permission.
 */
export function clipboardKeys(term: Pick<Terminal, 'hasSelection' | 'getSelection'>, mac: boolean, clipboard: ClipboardWriter | undefined) {
  return (event: KeyboardEvent): boolean => {
    if (isPaste(event, mac)) return false;
    if (!isCopy(event, mac)) return true;
    if (event.type === 'keydown' && term.hasSelection() && clipboard) {
      event.preventDefault();
      clipboard.writeText(term.getSelection()).catch(() => undefined);
    }
    return false;
  };
}
