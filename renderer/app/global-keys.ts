import { useEffect } from 'react';
import type { AppStore } from '../store/store';
import { commandForKey, type Command } from './commands';

/** True when focus is inside an xterm.js terminal: the shell gets those keys (Ctrl+W deletes a word there). */
export function focusInTerminal(target: EventTarget | null): boolean {
  return target instanceof Element && target.closest('.xterm') !== null;
}

/** True when the user runs macOS (Ctrl in keybindings means Cmd there). */
export function isMac(): boolean {
  return /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);
}

/**
 * Runs commands by their keybindings, listening on window in the capture phase so the palette chord works even
 * inside a terminal; every other chord is left to the terminal while it has focus, and none run under a modal.
 */
export function useGlobalKeys(store: AppStore, commands: () => readonly Command[]): void {
  useEffect(() => {
    const mac = isMac();
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.repeat || (!event.ctrlKey && !event.altKey && !event.metaKey && !/^F\d+$/.test(event.key))) return;
      const { paletteOpen, dialog } = store.getState();
      if (paletteOpen || dialog) return;
      const command = commandForKey(commands(), event, { mac, inTerminal: focusInTerminal(event.target) });
      if (!command) return;
      event.preventDefault();
      event.stopPropagation();
      void command.run();
    };
    window.addEventListener('keydown', onKeyDown, true);
    // From here the shell answers its keys: the `start` benchmark reads this mark.
    performance.mark('orrery:keys-ready');
    return () => window.removeEventListener('keydown', onKeyDown, true);
  }, [store, commands]);
}
