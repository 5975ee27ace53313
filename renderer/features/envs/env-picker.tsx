import { useMemo, useState, type KeyboardEvent } from 'react';
import { createPortal } from 'react-dom';
import type { Env } from '../../../app/models';
import { fuzzyFilter } from '../../app/fuzzy';
import { useAppStore, useAppStoreApi } from '../../store/context';
import { Modal } from '../../ui/modal';
import { describeEnv, sortEnvs } from './env-format';

const listId = 'env-picker-list';

/** One choice of the picker: an env, or no env at all. */
type Choice = { readonly env: Env | null; readonly label: string; readonly detail: string };

/** The picker's options: each env (the current one marked), and "No environment". */
function ChoiceList(props: { matches: ReadonlyArray<{ item: Choice }>; active: number; currentId: string | null; query: string; onHover: (index: number) => void; onChoose: (choice: Choice) => void }) {
  const { matches, active } = props;
  return (
    <ul className="palette-list" id={listId} role="listbox" aria-label="Environments">
      {matches.length === 0 && <li className="palette-empty">No environment matches “{props.query}”.</li>}
      {matches.map(({ item }, index) => (
        <li
          key={item.env?.id ?? 'none'}
          id={`env-picker-option-${index}`}
          role="option"
          aria-selected={index === active}
          className="palette-option"
          onMouseMove={() => index !== active && props.onHover(index)}
          onMouseDown={(e) => e.preventDefault()}
          onClick={() => props.onChoose(item)}
        >
          <span className="palette-label">
            <span className="palette-title">
              {item.label}
              {(item.env?.id ?? null) === props.currentId && <span className="env-badge is-default"> current</span>}
            </span>
            <span className="palette-detail">{item.detail}</span>
          </span>
        </li>
      ))}
    </ul>
  );
}

/** The quick picker of the project's env (status bar, palette): type to filter, ↑/↓, Enter sets env.setDefault. */
export function EnvPicker() {
  const store = useAppStoreApi();
  const envs = useAppStore((s) => s.envs);
  const current = useAppStore((s) => s.defaultEnv);
  const hasProject = useAppStore((s) => s.current !== null);
  const [query, setQuery] = useState('');
  const [selected, setSelected] = useState(0);
  const choices = useMemo<Choice[]>(
    () => [
      ...sortEnvs(
        envs.filter((e) => !e.missing),
        current?.id ?? null,
      ).map((env) => ({ env, label: `${env.name} (${env.kind} ${env.version})`, detail: env.prefix })),
      { env: null, label: 'No environment', detail: 'Terminals, kernels and jobs use the Python on PATH' },
    ],
    [envs, current],
  );
  const matches = useMemo(() => fuzzyFilter(choices, query, (c) => `${c.label} ${c.detail}`), [choices, query]);
  const active = Math.min(selected, matches.length - 1);
  const close = () => store.getState().setEnvPickerOpen(false);
  const choose = (choice: Choice) => {
    close();
    void store.getState().setDefaultEnv(choice.env?.id ?? null);
  };
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    const count = Math.max(matches.length, 1);
    if (event.key === 'ArrowDown') setSelected((active + 1) % count);
    else if (event.key === 'ArrowUp') setSelected((active - 1 + count) % count);
    else if (event.key === 'Enter') {
      const chosen = matches[active];
      if (chosen) choose(chosen.item);
    } else return;
    event.preventDefault();
  };
  return createPortal(
    <Modal label="Select project environment" onClose={close} className="palette env-picker">
      <input
        className="palette-input"
        autoFocus
        role="combobox"
        aria-label="Project environment"
        aria-expanded="true"
        aria-controls={listId}
        aria-activedescendant={active >= 0 ? `env-picker-option-${active}` : undefined}
        placeholder={hasProject ? `Environment for this project (now: ${current ? describeEnv(current) : 'none'})` : 'Open a project first'}
        value={query}
        spellCheck={false}
        onChange={(e) => {
          setQuery(e.target.value);
          setSelected(0);
        }}
        onKeyDown={onKeyDown}
      />
      <ChoiceList matches={matches} active={active} currentId={current?.id ?? null} query={query} onHover={setSelected} onChoose={choose} />
    </Modal>,
    document.body,
  );
}

/** The status bar's environment item: the project's env (or "no environment"); a click opens the picker. */
export function EnvStatusItem() {
  const env = useAppStore((s) => s.defaultEnv);
  const open = useAppStore((s) => s.envPickerOpen);
  const setOpen = useAppStore((s) => s.setEnvPickerOpen);
  const title = env ? `${env.python}${env.missing ? ' — missing' : ''}\nClick to choose the project's environment` : "Click to choose the project's environment";
  return (
    <>
      <button type="button" className={`status-item status-env${env?.missing ? ' is-missing' : ''}`} data-testid="status-env" title={title} aria-label={`Project environment: ${env ? describeEnv(env) : 'none'}`} onClick={() => setOpen(true)}>
        {env ? describeEnv(env) : 'no environment'}
      </button>
      {open && <EnvPicker />}
    </>
  );
}
