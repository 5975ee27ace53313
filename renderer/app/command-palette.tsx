import { useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { Modal } from '../ui/modal';
import { commandLabel, type Command } from './commands';
import { fuzzyFilter } from './fuzzy';
import { formatChord } from './keybindings';

const listId = 'command-palette-list';

/** Marks the matched characters of a label. */
function Highlighted({ text, positions }: { text: string; positions: readonly number[] }) {
  if (positions.length === 0) return <>{text}</>;
  const marks = new Set(positions);
  const runs: Array<{ text: string; marked: boolean }> = [];
  [...text].forEach((char, index) => {
    const marked = marks.has(index);
    const last = runs[runs.length - 1];
    if (last && last.marked === marked) last.text += char;
    else runs.push({ text: char, marked });
  });
  return <>{runs.map((run, index) => (run.marked ? <mark key={index}>{run.text}</mark> : <span key={index}>{run.text}</span>))}</>;
}

/** The command palette: every command, fuzzy-filtered; ↑/↓ choose, Enter runs, Esc closes. */
export function CommandPalette({ commands, mac, onClose }: { commands: readonly Command[]; mac: boolean; onClose: () => void }) {
  const [query, setQuery] = useState('');
  const [selected, setSelected] = useState(0);
  const list = useRef<HTMLUListElement>(null);
  const matches = useMemo(() => fuzzyFilter(commands, query, commandLabel), [commands, query]);
  const active = Math.min(selected, matches.length - 1);

  const run = (command: Command) => {
    onClose();
    // After the palette has gone, so a command that opens a dialog or focuses an area keeps its focus.
    setTimeout(() => void command.run(), 0);
  };
  const move = (next: number) => {
    const bounded = (next + matches.length) % Math.max(matches.length, 1);
    setSelected(bounded);
    list.current?.querySelector(`[data-index="${bounded}"]`)?.scrollIntoView({ block: 'nearest' });
  };
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'ArrowDown') move(active + 1);
    else if (event.key === 'ArrowUp') move(active - 1);
    else if (event.key === 'PageDown') move(Math.min(active + 8, matches.length - 1));
    else if (event.key === 'PageUp') move(Math.max(active - 8, 0));
    else if (event.key === 'Enter') {
      const chosen = matches[active];
      if (chosen) run(chosen.item);
    } else return;
    event.preventDefault();
  };

  return (
    <Modal label="Command palette" onClose={onClose} className="palette">
      <input
        className="palette-input"
        autoFocus
        role="combobox"
        aria-label="Type a command"
        aria-expanded="true"
        aria-controls={listId}
        aria-activedescendant={active >= 0 ? `palette-option-${active}` : undefined}
        placeholder="Type a command (↑ ↓ to choose, Enter to run, Esc to close)"
        value={query}
        spellCheck={false}
        onChange={(e) => {
          setQuery(e.target.value);
          setSelected(0);
        }}
        onKeyDown={onKeyDown}
      />
      <ul className="palette-list" id={listId} role="listbox" aria-label="Commands" ref={list}>
        {matches.length === 0 && <li className="palette-empty">No command matches “{query}”.</li>}
        {matches.map(({ item, match }, index) => (
          <li
            key={item.id}
            id={`palette-option-${index}`}
            data-index={index}
            data-command={item.id}
            role="option"
            aria-selected={index === active}
            className="palette-option"
            onMouseMove={() => index !== active && setSelected(index)}
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => run(item)}
          >
            <span className="palette-label">
              <span className="palette-title">
                <Highlighted text={commandLabel(item)} positions={match.positions} />
              </span>
              {item.detail && <span className="palette-detail">{item.detail}</span>}
            </span>
            {item.keybindings && item.keybindings.length > 0 && (
              <span className="palette-keys">
                {item.keybindings.map((chord) => (
                  <kbd key={chord}>{formatChord(chord, mac)}</kbd>
                ))}
              </span>
            )}
          </li>
        ))}
      </ul>
    </Modal>
  );
}
