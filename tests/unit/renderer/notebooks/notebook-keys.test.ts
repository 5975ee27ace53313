import { describe, expect, it } from 'vitest';
import { decideKey, type NotebookKey } from '../../../../renderer/features/notebooks/notebook-keys';
import { applyAction, keysAbove, neighbour } from '../../../../renderer/features/notebooks/notebook-actions';
import { NotebookSession } from '../../../../renderer/features/notebooks/notebook-session';
import { fakeClient } from '../fake-client';
import { kernelInfo, openAnswer } from './notebook-fixtures';

const key = (k: string, mods: Partial<NotebookKey> = {}): NotebookKey => ({ key: k, shiftKey: false, ctrlKey: false, altKey: false, metaKey: false, ...mods });

describe('the Jupyter keyboard', () => {
  it('runs cells with Shift+Enter, Ctrl+Enter (Cmd on macOS), Alt+Enter in both modes', () => {
    for (const mode of ['command', 'edit'] as const) {
      expect(decideKey(key('Enter', { shiftKey: true }), mode, false).action).toBe('run-advance');
      expect(decideKey(key('Enter', { ctrlKey: true }), mode, false).action).toBe('run');
      expect(decideKey(key('Enter', { metaKey: true }), mode, false, true).action).toBe('run');
      expect(decideKey(key('Enter', { altKey: true }), mode, false).action).toBe('run-insert');
    }
  });

  it('leaves edit mode on Esc and ignores letters while editing', () => {
    expect(decideKey(key('Escape'), 'edit', false).action).toBe('command-mode');
    expect(decideKey(key('a'), 'edit', false).action).toBeNull();
    expect(decideKey(key('Enter'), 'edit', false).action).toBeNull();
  });

  it('in command mode: Enter edits, a/b insert, dd deletes, m/y retype, j/k/arrows select', () => {
    expect(decideKey(key('Enter'), 'command', false).action).toBe('edit-mode');
    expect(decideKey(key('a'), 'command', false).action).toBe('insert-above');
    expect(decideKey(key('b'), 'command', false).action).toBe('insert-below');
    const first = decideKey(key('d'), 'command', false);
    expect(first).toEqual({ action: null, pendingD: true });
    expect(decideKey(key('d'), 'command', first.pendingD).action).toBe('delete');
    expect(decideKey(key('x'), 'command', true)).toEqual({ action: null, pendingD: false });
    expect(decideKey(key('m'), 'command', false).action).toBe('to-markdown');
    expect(decideKey(key('y'), 'command', false).action).toBe('to-code');
    expect(decideKey(key('k'), 'command', false).action).toBe('select-previous');
    expect(decideKey(key('ArrowUp'), 'command', false).action).toBe('select-previous');
    expect(decideKey(key('j'), 'command', false).action).toBe('select-next');
    expect(decideKey(key('ArrowDown'), 'command', false).action).toBe('select-next');
    expect(decideKey(key('ArrowUp', { ctrlKey: true, shiftKey: true }), 'command', false).action).toBe('move-up');
    expect(decideKey(key('s', { ctrlKey: true }), 'command', false).action).toBe('save');
    expect(decideKey(key('a', { ctrlKey: true }), 'command', false).action).toBeNull();
  });
});

describe('notebook actions', () => {
  const setup = () => {
    const fake = fakeClient({ 'kernel.execute': () => ({ msgId: 'm' }) });
    const session = new NotebookSession(fake.client, openAnswer({ kernel: kernelInfo() }), 60_000);
    return { fake, session, model: session.getState().model };
  };

  it('Shift+Enter runs and selects the next cell; on the last cell it adds one and edits it', async () => {
    const { fake, session, model } = setup();
    expect(applyAction(session, 'run-advance', { key: 'c1', mode: 'edit' })).toEqual({ key: 'c2', mode: 'command' });
    await Promise.resolve();
    expect(fake.calls.some((c) => c.name === 'kernel.execute' && (c.input as { cellId: string }).cellId === 'c1')).toBe(true);
    const next = applyAction(session, 'run-advance', { key: 'r1', mode: 'command' });
    expect(next.mode).toBe('edit');
    expect(model.cells.at(-1)?.key).toBe(next.key);
    session.dispose();
  });

  it('Alt+Enter inserts below, a/b insert, dd deletes and selects the neighbour, m/y retype', () => {
    const { session, model } = setup();
    const inserted = applyAction(session, 'run-insert', { key: 'c1', mode: 'edit' });
    expect(model.indexOf(inserted.key!)).toBe(2);
    const above = applyAction(session, 'insert-above', { key: 'md1', mode: 'command' });
    expect(model.indexOf(above.key!)).toBe(0);
    const after = applyAction(session, 'delete', { key: above.key, mode: 'command' });
    expect(after.key).toBe('md1');
    expect(model.cell(above.key!)).toBeUndefined();
    applyAction(session, 'to-markdown', { key: 'c2', mode: 'command' });
    expect(model.cell('c2')?.cellType).toBe('markdown');
    applyAction(session, 'move-up', { key: 'c2', mode: 'command' });
    expect(model.indexOf('c2')).toBe(2);
    session.dispose();
  });

  it('selects neighbours within bounds and lists the cells above', () => {
    const { session } = setup();
    expect(neighbour(['a', 'b'], 'a', -1)).toBe('a');
    expect(neighbour(['a', 'b'], 'b', 5)).toBe('b');
    expect(neighbour([], null, 1)).toBeNull();
    expect(keysAbove(session, 'c2')).toEqual(['md1', 'c1']);
    expect(keysAbove(session, 'gone')).toEqual([]);
    session.dispose();
  });
});
