import { afterEach, describe, expect, it, vi } from 'vitest';
import { ClientError } from '../../../../renderer/client/client-error';
import type { NotebookCell, NotebookDoc } from '../../../../app/models';
import { cellsPerPage, firstCells, NotebookSession, savedChoice } from '../../../../renderer/features/notebooks/notebook-session';
import { fakeClient, settle } from '../fake-client';
import { kernelInfo, openAnswer, run, sampleDoc } from './notebook-fixtures';

/** A notebook of `count` code cells c0, c1, …, and main's side of opening it in pages (notebook.open, notebook.cells). */
function bigFile(count: number) {
  const cells: NotebookCell[] = Array.from({ length: count }, (_, i) => ({ id: `c${i}`, cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source: `x = ${i}` }));
  const doc = { ...sampleDoc(), cells } as NotebookDoc;
  const pages: Array<{ from: number; count: number }> = [];
  let failAt: number | null = null;
  const handlers = {
    'notebook.cells': (input: unknown) => {
      const { from, count: n, mtimeMs } = input as { from: number; count: number; mtimeMs: number };
      expect(mtimeMs).toBe(1000);
      pages.push({ from, count: n });
      if (failAt !== null && from >= failAt) throw new ClientError('not_found', 'The version of nb.ipynb that was opened is no longer held. Open the notebook again.');
      return { cells: cells.slice(from, from + n), totalCells: count };
    },
  };
  const opened = (patch = {}) => openAnswer({ notebook: { ...doc, cells: cells.slice(0, firstCells) }, totalCells: count, ...patch });
  return { cells, pages, handlers, opened, failFrom: (at: number) => void (failAt = at) };
}

afterEach(() => vi.useRealTimers());

function saving() {
  let mtime = 2000;
  return {
    'notebook.save': (input: unknown) => {
      const { notebook, patch } = input as { notebook?: unknown; patch?: unknown };
      expect(notebook ?? patch).toBeTruthy();
      return { mtimeMs: ++mtime, size: 10 };
    },
    'kernel.forget': () => ({ ok: true }),
  };
}

describe('NotebookSession', () => {
  it('overlays the runs main kept over the file, is dirty, saves them, then forgets the finished ones', async () => {
    const fake = fakeClient(saving());
    const opened = openAnswer({ kernel: kernelInfo(), runs: [run('c2', 3), run('c1', 4, { state: 'running', outputs: [] })] });
    const session = new NotebookSession(fake.client, opened, 10_000);
    const model = session.getState().model;
    expect(model.cell('c2')?.outputs).toHaveLength(1);
    expect(model.cell('c1')?.run).toBe('running');
    expect(session.getState().dirty).toBe(true);
    await session.save();
    expect(session.getState().dirty).toBe(false);
    const saved = fake.calls.find((c) => c.name === 'notebook.save')!.input as { patch: { cells: Array<{ outputs?: unknown[]; keep?: number }> }; expectedMtimeMs: number };
    expect(saved.expectedMtimeMs).toBe(1000);
    // Only the cells that changed travel; the untouched markdown cell is a reference to the version main holds.
    expect(saved.patch.cells[0]).toEqual({ keep: 0 });
    expect(saved.patch.cells[2]!.outputs).toHaveLength(1);
    expect(fake.calls.find((c) => c.name === 'kernel.forget')?.input).toEqual({ notebookPath: '/p/nb.ipynb', cellIds: ['c2'] });
    session.dispose();
  });

  it('sends unchanged cells as references to the last saved version, and the whole notebook when main no longer holds it', async () => {
    let held = true;
    const fake = fakeClient({
      'notebook.save': (input) => {
        const { patch } = input as { patch?: unknown };
        if (patch && !held) throw new ClientError('not_found', 'The version this save builds on is no longer held in memory; send the whole notebook.');
        return { mtimeMs: 5000 + fake.calls.length, size: 1 };
      },
    });
    const session = new NotebookSession(fake.client, openAnswer(), 10_000);
    const model = session.getState().model;
    model.setSource('c2', 'y = 2');
    await session.save();
    model.move('c2', -2);
    await session.save();
    const [first, second] = fake.calls.filter((c) => c.name === 'notebook.save').map((c) => c.input as { patch: { cells: Array<{ keep?: number; source?: unknown }> } });
    expect(first!.patch.cells.map((c) => c.keep)).toEqual([0, 1, undefined, 3]);
    expect(first!.patch.cells[2]!.source).toEqual(['y = 2']);
    // The second save builds on the first: the edited cell is now kept too, at its new place.
    expect(second!.patch.cells.map((c) => c.keep)).toEqual([2, 0, 1, 3]);
    held = false;
    model.setSource('c1', 'z');
    await session.save();
    const [patchTry, whole] = fake.calls.filter((c) => c.name === 'notebook.save').slice(2).map((c) => c.input as { patch?: unknown; notebook?: { cells: unknown[] } });
    expect(patchTry!.patch).toBeTruthy();
    expect(whole!.notebook?.cells).toHaveLength(4);
    expect(session.getState().dirty).toBe(false);
    session.dispose();
  });

  it('follows kernel.cell, kernel.status and kernel.inputRequest for its kernel only', async () => {
    const fake = fakeClient({});
    const session = new NotebookSession(fake.client, openAnswer({ kernel: kernelInfo() }), 10_000);
    fake.emit('kernel.cell', 'k1', run('c1', 1, { state: 'running', outputs: [] }));
    fake.emit('kernel.cell', 'other', run('c2', 1));
    expect(session.getState().model.cell('c1')?.run).toBe('running');
    expect(session.getState().model.cell('c2')?.run).toBe('idle');
    fake.emit('kernel.inputRequest', 'k1', { cellId: 'c1', prompt: 'Name? ', password: false });
    expect(session.getState().pendingInput?.prompt).toBe('Name? ');
    fake.emit('kernel.status', 'k1', kernelInfo({ status: 'dead', reason: 'killed' }));
    expect(session.getState().kernel?.status).toBe('dead');
    expect(session.getState().pendingInput).toBeNull();
    expect(session.getState().model.cell('c1')?.run).toBe('aborted');
    session.dispose();
    fake.emit('kernel.cell', 'k1', run('c2', 9));
    expect(session.getState().model.cell('c2')?.run).toBe('idle');
  });

  it('starts a kernel in the chosen env on the first run and queues code cells in order', async () => {
    const fake = fakeClient({
      'kernel.start': () => kernelInfo({ id: 'k9', status: 'starting' }),
      'kernel.execute': (input) => ({ msgId: (input as { cellId: string }).cellId }),
      'notebook.save': () => ({ mtimeMs: 5, size: 1 }),
    });
    const session = new NotebookSession(fake.client, openAnswer(), 10_000);
    await session.choose({ envId: 'venv1' });
    await session.execute(['md1', 'c1', 'c2']);
    expect(fake.calls.find((c) => c.name === 'kernel.start')?.input).toEqual({ notebookPath: '/p/nb.ipynb', envId: 'venv1' });
    expect(fake.calls.filter((c) => c.name === 'kernel.execute').map((c) => c.input)).toEqual([
      { kernelId: 'k9', cellId: 'c1', code: 'print("hi")' },
      { kernelId: 'k9', cellId: 'c2', code: 'x = 1\nx' },
    ]);
    expect(session.getState().model.cell('c1')?.run).toBe('queued');
    expect(session.getState().model.metadata['orrery']).toEqual({ envId: 'venv1' });
    session.dispose();
  });

  it('shows a failed kernel start as an error, not a throw', async () => {
    const fake = fakeClient({ 'kernel.start': () => { throw new ClientError('unavailable', 'ipykernel is not installed in venv1: install it'); } });
    const session = new NotebookSession(fake.client, openAnswer(), 10_000);
    await session.execute(['c1']);
    expect(session.getState().error).toMatch(/ipykernel/);
    session.dispose();
  });

  it('autosaves a while after the last edit, once', async () => {
    vi.useFakeTimers();
    const fake = fakeClient(saving());
    const session = new NotebookSession(fake.client, openAnswer(), 2000);
    session.getState().model.setSource('c1', 'a');
    await vi.advanceTimersByTimeAsync(1500);
    session.getState().model.setSource('c1', 'ab');
    await vi.advanceTimersByTimeAsync(1500);
    expect(fake.namesCalled()).not.toContain('notebook.save');
    await vi.advanceTimersByTimeAsync(600);
    expect(fake.namesCalled().filter((n) => n === 'notebook.save')).toHaveLength(1);
    expect(session.getState().dirty).toBe(false);
    session.dispose();
  });

  it('turns a conflict into a state with reload and overwrite, and stops autosaving', async () => {
    let force: unknown;
    const fake = fakeClient({
      'notebook.save': (input) => {
        force = (input as { force?: boolean }).force;
        if (!force) throw new ClientError('conflict', '/p/nb.ipynb changed on disk since it was opened.');
        return { mtimeMs: 9, size: 1 };
      },
      'notebook.open': () => openAnswer({ mtimeMs: 3000 }),
    });
    const session = new NotebookSession(fake.client, openAnswer(), 10_000);
    session.getState().model.setSource('c1', 'mine');
    await expect(session.save()).rejects.toThrow(/changed on disk/);
    expect(session.getState().conflict).toBe(true);
    await session.save(true);
    expect(force).toBe(true);
    expect(session.getState().conflict).toBe(false);
    session.getState().model.setSource('c1', 'again');
    await expect(session.save()).rejects.toThrow();
    await session.reload();
    expect(session.getState().conflict).toBe(false);
    expect(session.getState().model.cell('c1')?.source).toBe('print("hi")');
    session.dispose();
  });

  it('saves on close when dirty, and answers input, interrupt, restart on its kernel', async () => {
    const fake = fakeClient({ ...saving(), 'kernel.input': () => ({ ok: true }), 'kernel.interrupt': () => ({ ok: true }), 'kernel.restart': () => kernelInfo({ status: 'restarting' }) });
    const session = new NotebookSession(fake.client, openAnswer({ kernel: kernelInfo(), pendingInput: { cellId: 'c1', prompt: '?', password: false } }), 10_000);
    await session.answerInput('Ada');
    expect(fake.calls.find((c) => c.name === 'kernel.input')?.input).toEqual({ kernelId: 'k1', value: 'Ada' });
    await session.interrupt();
    session.getState().model.markQueued('c2');
    await session.restart();
    expect(session.getState().model.cell('c2')?.run).toBe('aborted');
    expect(session.getState().kernel?.status).toBe('restarting');
    await session.close();
    expect(fake.namesCalled()).toContain('notebook.save');
    await settle();
  });

  it('draws the first cells of a big notebook at once and fetches the rest in pages, without becoming dirty', async () => {
    const file = bigFile(250);
    const fake = fakeClient({ ...file.handlers, ...saving() });
    const session = new NotebookSession(fake.client, file.opened({ kernel: kernelInfo(), runs: [run('c3', 2), run('c200', 5)] }), 10_000);
    const model = session.getState().model;
    expect(model.cells).toHaveLength(firstCells);
    expect(session.getState().loading).toEqual({ loaded: firstCells, total: 250 });
    // Run All asked while loading waits for every cell.
    const all = session.allKeys();
    await session.whenLoaded();
    expect(await all).toEqual(file.cells.map((c) => c.id));
    expect(file.pages).toEqual([
      { from: firstCells, count: cellsPerPage },
      { from: firstCells + cellsPerPage, count: cellsPerPage },
      { from: firstCells + 2 * cellsPerPage, count: cellsPerPage },
    ]);
    expect(session.getState().loading).toBeNull();
    // The kept run of a cell in a later page is laid over it when that page arrives.
    expect(model.cell('c3')?.outputs).toHaveLength(1);
    expect(model.cell('c200')?.outputs).toHaveLength(1);
    await session.save();
    const saved = fake.calls.find((c) => c.name === 'notebook.save')!.input as { patch: { cells: Array<{ keep?: number; id?: string }> } };
    // Fetched cells are references to the version main holds, at their own index; only the two overlaid travel.
    expect(saved.patch.cells).toHaveLength(250);
    expect(saved.patch.cells.filter((c) => c.keep === undefined).map((c) => c.id)).toEqual(['c3', 'c200']);
    expect(saved.patch.cells[199]).toEqual({ keep: 199 });
    session.dispose();
  });

  it('keeps a live kernel.cell for a cell whose page has not arrived, and lays it over that cell when it comes', async () => {
    const file = bigFile(250);
    const fake = fakeClient({ ...file.handlers, ...saving() });
    const session = new NotebookSession(fake.client, file.opened({ kernel: kernelInfo() }), 10_000);
    fake.emit('kernel.cell', 'k1', run('c210', 3, { state: 'running', outputs: [] }));
    fake.emit('kernel.cell', 'k1', run('c210', 4));
    fake.emit('kernel.cell', 'k1', run('c210', 2, { state: 'running', outputs: [] }));
    await session.whenLoaded();
    const cell = session.getState().model.cell('c210');
    expect(cell?.run).toBe('ok');
    expect(cell?.outputs).toHaveLength(1);
    expect(session.getState().dirty).toBe(true);
    await session.save();
    expect(fake.calls.find((c) => c.name === 'kernel.forget')?.input).toEqual({ notebookPath: '/p/nb.ipynb', cellIds: ['c210'] });
    session.dispose();
  });

  it('waits for the rest of a big notebook before a save asked while loading, and writes every cell', async () => {
    const file = bigFile(150);
    const fake = fakeClient({ ...file.handlers, ...saving() });
    const session = new NotebookSession(fake.client, file.opened(), 10_000);
    const model = session.getState().model;
    model.setSource('c0', 'edited');
    const save = session.save();
    await save;
    expect(model.cells).toHaveLength(150);
    const saved = fake.calls.find((c) => c.name === 'notebook.save')!.input as { patch: { cells: Array<{ keep?: number }> } };
    expect(saved.patch.cells).toHaveLength(150);
    expect(saved.patch.cells.slice(1).every((c, i) => c.keep === i + 1)).toBe(true);
    expect(session.getState().dirty).toBe(false);
    session.dispose();
  });

  it('refuses to save a notebook whose later cells could not be fetched, and a reload brings it back whole', async () => {
    const file = bigFile(150);
    file.failFrom(firstCells + cellsPerPage);
    const fake = fakeClient({
      ...file.handlers,
      ...saving(),
      'notebook.open': () => {
        file.failFrom(Number.POSITIVE_INFINITY);
        return file.opened();
      },
    });
    const session = new NotebookSession(fake.client, file.opened(), 10_000);
    await expect(session.whenLoaded()).rejects.toThrow(/no longer held/);
    expect(session.getState().model.cells).toHaveLength(firstCells + cellsPerPage);
    expect(session.getState().error).toMatch(/Only 140 of the 150 cells .* Saving is off: reload the notebook/);
    session.getState().model.setSource('c0', 'edited');
    await expect(session.save()).rejects.toThrow(/Saving is off/);
    expect(fake.namesCalled()).not.toContain('notebook.save');
    await session.reload();
    await session.whenLoaded();
    expect(session.getState().model.cells).toHaveLength(150);
    expect(session.getState().error).toBeNull();
    // The fetched cells are the file's own: nothing to save.
    expect(session.getState().dirty).toBe(false);
    await session.save();
    expect(fake.namesCalled()).toContain('notebook.save');
    session.dispose();
  });

  it('reads the env a notebook was created for', () => {
    expect(savedChoice({ orrery: { envId: 'e1' } })).toEqual({ envId: 'e1' });
    expect(savedChoice({ orrery: 'x' })).toEqual({});
    expect(savedChoice({})).toEqual({});
  });
});
