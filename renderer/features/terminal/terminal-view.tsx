import { useEffect, useRef } from 'react';
import type { TerminalInfo } from '../../../app/models';
import { useClient } from '../../client/context';
import { TerminalSession } from './terminal-session';

/** Props of one terminal's view. */
export interface TerminalViewProps {
  readonly info: TerminalInfo;
  readonly active: boolean;
  readonly theme: 'dark' | 'light';
  readonly fontSize: number;
  readonly mac: boolean;
  readonly onExit: (id: string, exitCode: number) => void;
}

/** One xterm.js terminal; stays mounted while hidden so its screen and scrollback survive tab switches. */
export function TerminalView({ info, active, theme, fontSize, mac, onExit }: TerminalViewProps) {
  const client = useClient();
  const container = useRef<HTMLDivElement>(null);
  const session = useRef<TerminalSession | null>(null);
  const latest = useRef({ theme, fontSize, onExit });
  latest.current = { theme, fontSize, onExit };

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const created = new TerminalSession(client, info, element, {
      theme: latest.current.theme,
      fontSize: latest.current.fontSize,
      mac,
      onExit: (exitCode) => latest.current.onExit(info.id, exitCode),
    });
    session.current = created;
    const observer = new ResizeObserver(() => created.fitToContainer());
    observer.observe(element);
    return () => {
      observer.disconnect();
      created.dispose();
      session.current = null;
    };
    // One session per terminal id; later changes of the info come as props below, not a new session.
  }, [client, info.id, mac]);

  useEffect(() => session.current?.setTheme(theme), [theme]);
  useEffect(() => session.current?.setFontSize(fontSize), [fontSize]);
  useEffect(() => {
    if (!active) return;
    session.current?.fitToContainer();
    session.current?.focus();
  }, [active]);

  return <div ref={container} className="terminal-view" hidden={!active} />;
}
