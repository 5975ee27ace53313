import { describe, expect, it } from 'vitest';
import { areaIds } from '../../../../renderer/app/areas';
import { buildCommands, commandForKey, commandLabel, type CommandHost } from '../../../../renderer/app/commands';
import { fuzzyFilter, fuzzyMatch } from '../../../../renderer/app/fuzzy';
import { formatChord, matchesChord, parseChord, type KeyEventLike } from '../../../../renderer/app/keybindings';
import { createAppStore, loadAll } from '../../../../renderer/store/store';
import { fakeClient, settle } from '../fake-client';
import { infoOf, recentOf, sample, second } from '../fixtures';

function key(code: string, mods: Partial<KeyEventLike> = {}, keyText?: string): KeyEventLike {
  const guess = code.startsWith('Key') ? code.slice(3).toLowerCase() : code.startsWith('Digit') ? code.slice(5) : code;
  return { key: keyText ?? guess, code, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods };
}

async function hostWith(recent = recentOf(sample, second, { ...second, name: 'gone', path: '/home/u/gone', exists: false })) {
  const fake = fakeClient({
    'project.current': () => sample,
    'project.recent': () => recent,
    'project.info': () => infoOf(sample),
    'project.open': (input) => ((input as { path: string }).path === second.path ? second : sample),
  });
  const store = createAppStore(fake.client);
  await loadAll(store);
  await settle();
  const reloads: number[] = [];
  const host: CommandHost = { store, reloadWindow: () => reloads.push(1), newTerminal: () => store.getState().requestNewTerminal() };
  return { host, store, reloads, fake };
}

describe('command registry', () => {
  it('lists every area, the project and theme commands, one switch per other existing recent project', async () => {
    const { host } = await hostWith();
    const commands = buildCommands(host);
    const titles = commands.map((c) => c.title);
    for (const title of ['New Terminal', 'Create Project…', 'Open Project…', 'Close Project', 'Toggle Theme', 'Light Theme', 'Dark Theme', 'Reload Window', 'Show All Commands']) {
      expect(titles).toContain(title);
    }
    expect(commands.filter((c) => c.id.startsWith('area.open.')).map((c) => c.id)).toEqual(areaIds.map((id) => `area.open.${id}`));
    expect(titles.filter((t) => t.startsWith('Switch to'))).toEqual(['Switch to second']); // not the open one, not the missing one
    expect(new Set(commands.map((c) => c.id)).size).toBe(commands.length);
    expect(commands.every((c) => c.category.length > 0)).toBe(true);
  });

  it('has no Close Project without a project', async () => {
    const fake = fakeClient({ 'project.current': () => null, 'project.recent': () => [] });
    const store = createAppStore(fake.client);
    await loadAll(store);
    const titles = buildCommands({ store, reloadWindow: () => undefined, newTerminal: () => undefined }).map((c) => c.title);
    expect(titles).not.toContain('Close Project');
  });

  it('runs: open area, switch project, dialogs, reload', async () => {
    const { host, store, reloads } = await hostWith();
    const byId = (id: string) => {
      const command = buildCommands(host).find((c) => c.id === id);
      if (!command) throw new Error(`no command ${id}`);
      return command;
    };
    await byId('area.open.notebooks').run();
    expect(store.getState().activeTab).toBe('notebooks');
    await byId(`project.switch.${second.path}`).run();
    expect(store.getState().current?.name).toBe('second');
    await byId('project.create').run();
    expect(store.getState().dialog).toEqual({ kind: 'create' });
    await byId('window.reload').run();
    expect(reloads).toEqual([1]);
    await byId('terminal.new').run();
    expect(store.getState().activeTab).toBe('terminal');
  });

  it('maps key chords to commands; inside a terminal only the palette chord counts', async () => {
    const { host } = await hostWith();
    const commands = buildCommands(host);
    const find = (event: KeyEventLike, inTerminal = false) => commandForKey(commands, event, { mac: false, inTerminal })?.id ?? null;
    expect(find(key('KeyP', { ctrlKey: true, shiftKey: true }, 'P'))).toBe('workbench.commands');
    expect(find(key('KeyP', { ctrlKey: true, shiftKey: true }, 'P'), true)).toBe('workbench.commands');
    expect(find(key('Digit4', { altKey: true }))).toBe('area.open.terminal');
    expect(find(key('KeyW', { ctrlKey: true }))).toBe('tabs.close');
    expect(find(key('KeyW', { ctrlKey: true }), true)).toBeNull();
    expect(find(key('Tab', { ctrlKey: true }, 'Tab'))).toBe('tabs.next');
    expect(find(key('Tab', { ctrlKey: true, shiftKey: true }, 'Tab'))).toBe('tabs.previous');
    expect(find(key('KeyP', { ctrlKey: true }))).toBeNull();
    expect(find(key('KeyP', { ctrlKey: true, shiftKey: true, altKey: true }, 'P'))).toBeNull();
    expect(commandForKey(commands, key('KeyP', { metaKey: true, shiftKey: true }, 'P'), { mac: true, inTerminal: false })?.id).toBe('workbench.commands');
  });
});

describe('fuzzy filter', () => {
  it('matches subsequences case-insensitively and refuses the rest', () => {
    expect(fuzzyMatch('crp', 'Project: Create Project…')).not.toBeNull();
    expect(fuzzyMatch('xyz', 'Project: Create Project…')).toBeNull();
    expect(fuzzyMatch('', 'anything')).toEqual({ score: 0, positions: [] });
    expect(fuzzyMatch('TERM', 'Terminal: New Terminal')?.positions).toEqual([0, 1, 2, 3]);
    expect(fuzzyMatch('abcdefghijklmnopqrstuvwxyz', 'short')).toBeNull();
  });

  it('picks the best alignment, not the first one', () => {
    // Greedy matching would take the "o" inside "Project"; the best alignment is the word "Open".
    expect(fuzzyMatch('op', 'Project: Open')?.positions).toEqual([9, 10]);
    expect(fuzzyMatch('nt', 'Terminal: New Terminal')?.positions).toEqual([10, 14]);
    expect(fuzzyMatch('tt', 'Preferences: Toggle Theme')!.score).toBeGreaterThan(fuzzyMatch('tt', 'Preferences: Light Theme')!.score);
  });

  it('ranks word starts and runs first, keeps order on ties', async () => {
    const { host } = await hostWith();
    const commands = buildCommands(host);
    const ranked = (q: string) => fuzzyFilter(commands, q, commandLabel).map((m) => m.item.title);
    expect(ranked('new term')[0]).toBe('New Terminal');
    expect(ranked('open project')[0]).toBe('Open Project…'); // ties go to list order: project commands first
    expect(ranked('open projects')[0]).toBe('Open Projects');
    expect(ranked('cre pro')[0]).toBe('Create Project…');
    expect(ranked('dark')[0]).toBe('Dark Theme');
    expect(ranked('switch sec')[0]).toBe('Switch to second');
    expect(ranked('')).toEqual(commands.map((c) => c.title));
    expect(ranked('qqqq')).toEqual([]);
  });
});

describe('key chords', () => {
  it('parses and formats chords', () => {
    expect(parseChord('Ctrl+Shift+P')).toEqual({ ctrl: true, shift: true, alt: false, key: 'P' });
    expect(parseChord('Alt+]')).toEqual({ ctrl: false, shift: false, alt: true, key: ']' });
    expect(formatChord('Ctrl+Shift+P', true)).toBe('⌘+⇧+P');
    expect(formatChord('Ctrl+Shift+P', false)).toBe('Ctrl+Shift+P');
  });

  it('matches by physical key for letters, digits and brackets', () => {
    expect(matchesChord(parseChord('Alt+]'), key('BracketRight', { altKey: true }, '”'))).toBe(true);
    expect(matchesChord(parseChord('Alt+1'), key('Digit1', { altKey: true }, '¡'))).toBe(true);
    expect(matchesChord(parseChord('F1'), key('F1', {}, 'F1'))).toBe(true);
    expect(matchesChord(parseChord('F1'), key('F2', {}, 'F2'))).toBe(false);
  });
});
