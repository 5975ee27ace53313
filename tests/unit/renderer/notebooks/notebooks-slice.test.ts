import { describe, expect, it } from 'vitest';
import { ClientError } from '../../../../renderer/client/client-error';
import { createAppStore } from '../../../../renderer/store/store';
import { fakeClient, settle } from '../fake-client';
import { openAnswer } from './notebook-fixtures';

function setup() {
  const fake = fakeClient({
    'notebook.open': (input) => {
      const { path } = input as { path: string };
      if (path.endsWith('missing.ipynb')) throw new ClientError('not_found', `${path} does not exist.`);
      return openAnswer({ path });
    },
    'notebook.create': (input) => openAnswer({ path: (input as { path: string }).path }),
    'notebook.save': () => ({ mtimeMs: 5, size: 1 }),
  });
  return { fake, store: createAppStore(fake.client) };
}

describe('notebooks slice', () => {
  it('opens notebooks as tabs once each, activates the neighbour on close, and saves a dirty one on close', async () => {
    const { fake, store } = setup();
    await store.getState().openNotebook('/p/a.ipynb');
    await store.getState().openNotebook('/p/b.ipynb');
    await store.getState().openNotebook('/p/a.ipynb');
    expect(store.getState().openNotebooks).toEqual(['/p/a.ipynb', '/p/b.ipynb']);
    expect(store.getState().activeNotebook).toBe('/p/a.ipynb');
    expect(fake.namesCalled().filter((n) => n === 'notebook.open')).toHaveLength(2);
    store.getState().notebookSession('/p/a.ipynb')!.getState().model.setSource('c1', 'edited');
    await store.getState().closeNotebook('/p/a.ipynb');
    expect(store.getState().openNotebooks).toEqual(['/p/b.ipynb']);
    expect(store.getState().activeNotebook).toBe('/p/b.ipynb');
    expect(fake.namesCalled()).toContain('notebook.save');
    expect(store.getState().notebookSession('/p/a.ipynb')).toBeUndefined();
  });

  it('shows a failed open as the area\'s error and hands commands to the registered view only', async () => {
    const { fake, store } = setup();
    await store.getState().openNotebook('/p/missing.ipynb');
    expect(store.getState().notebookError).toBe('/p/missing.ipynb does not exist.');
    expect(store.getState().openNotebooks).toEqual([]);
    expect(store.getState().openingNotebooks).toEqual([]);
    const seen: string[] = [];
    const stop = store.getState().handleNotebookCommands((command) => seen.push(command));
    store.getState().notebookCommand('run-all');
    stop();
    store.getState().notebookCommand('save');
    expect(seen).toEqual(['run-all']);
    await store.getState().createNotebook('/p/new.ipynb');
    expect(store.getState().activeNotebook).toBe('/p/new.ipynb');
    await store.getState().closeAllNotebooks();
    expect(store.getState().openNotebooks).toEqual([]);
    await settle();
    expect(fake.calls.find((c) => c.name === 'notebook.create')?.input).toEqual({ path: '/p/new.ipynb' });
  });
});
