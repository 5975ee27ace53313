// The versions main keeps for patch saves: references resolve to the kept cells, pieces match serializeCell,
// and the cache stays within its limits.
import { describe, expect, it } from 'vitest';
import type { NotebookDoc } from '../../../../../app/models';
import { serializeCell } from '../../../../../main/services/notebooks/ipynb-format';
import { SavedNotebooks } from '../../../../../main/services/notebooks/saved-notebooks';

const doc = (n: number): NotebookDoc => ({
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {},
  cells: Array.from({ length: n }, (_, i) => ({ id: `c${i}`, cell_type: 'markdown' as const, metadata: {}, source: `cell ${i}` })),
});

describe('SavedNotebooks', () => {
  it('applies a patch to the kept version only, reusing the kept cells and their bytes', async () => {
    const saved = new SavedNotebooks({ warmBatch: 2, warmDelayMs: 0 });
    const kept = doc(5);
    saved.remember('/a.ipynb', kept, 10, 100);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const { cells: _cells, ...rest } = kept;
    expect(saved.apply('/a.ipynb', 11, { rest, cells: [] })).toBeNull();
    expect(saved.apply('/b.ipynb', 10, { rest, cells: [] })).toBeNull();
    const same = saved.apply('/a.ipynb', 10, { rest, cells: kept.cells.map((_, keep) => ({ keep })) })!;
    expect(same.unchanged).toBe(true);
    expect(same.doc.cells[3]).toBe(kept.cells[3]);
    const added = { id: 'new', cell_type: 'raw' as const, metadata: {}, source: 'x' };
    const changed = saved.apply('/a.ipynb', 10, { rest, cells: [{ keep: 4 }, added] })!;
    expect(changed.unchanged).toBe(false);
    expect(changed.pieces.map((piece) => piece.toString())).toEqual([serializeCell(kept.cells[4]).toString(), serializeCell(added).toString()]);
    expect(saved.apply('/a.ipynb', 10, { rest: { ...rest, metadata: { x: 1 } }, cells: kept.cells.map((_, keep) => ({ keep })) })!.unchanged).toBe(false);
    expect(() => saved.apply('/a.ipynb', 10, { rest, cells: [{ keep: 5 }] })).toThrow(/cells\[0\]: keep 5 is past the 5 cells/);
    saved.dispose();
  });

  it('keeps at most its number of notebooks and bytes, dropping the least recent', () => {
    const saved = new SavedNotebooks({ maxEntries: 2, maxBytes: 250 });
    saved.remember('/1', doc(1), 1, 100);
    saved.remember('/2', doc(1), 1, 100);
    saved.remember('/3', doc(1), 1, 100);
    expect([saved.has('/1', 1), saved.has('/2', 1), saved.has('/3', 1)]).toEqual([false, true, true]);
    saved.remember('/4', doc(1), 1, 200);
    expect([saved.has('/2', 1), saved.has('/3', 1), saved.has('/4', 1)]).toEqual([false, false, true]);
    saved.dispose();
  });
});
