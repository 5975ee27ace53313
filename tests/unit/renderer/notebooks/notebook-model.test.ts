import { describe, expect, it } from 'vitest';
import { joinSource, splitSource } from '../../../../app/lib/notebook';
import { NotebookModel } from '../../../../renderer/features/notebooks/notebook-model';
import { run, sampleDoc } from './notebook-fixtures';

describe('NotebookModel', () => {
  it('writes back an untouched notebook exactly as it was read (unknown keys, array sources, metadata)', () => {
    const doc = sampleDoc();
    const model = new NotebookModel(structuredClone(doc));
    expect(JSON.stringify(model.toDoc())).toBe(JSON.stringify(doc));
    expect(model.dirty).toBe(false);
  });

  it('keys cells by their nbformat id and joins multiline sources', () => {
    const model = new NotebookModel(sampleDoc());
    expect(model.cells.map((c) => c.key)).toEqual(['md1', 'c1', 'c2', 'r1']);
    expect(model.cell('c2')?.source).toBe('x = 1\nx');
    expect(model.cell('c1')?.executionCount).toBe(3);
  });

  it('makes up keys for a 4.4 notebook without writing ids into it, and for duplicate ids', () => {
    const doc = sampleDoc();
    doc.nbformat_minor = 4;
    for (const cell of doc.cells) delete cell.id;
    const model = new NotebookModel(doc);
    const keys = model.cells.map((c) => c.key);
    expect(new Set(keys).size).toBe(4);
    model.insert(0, 'code', 'y = 2');
    expect(model.toDoc().cells.every((c) => c.id === undefined)).toBe(true);

    const dup = sampleDoc();
    dup.cells[2]!.id = 'c1';
    expect(new Set(new NotebookModel(dup).cells.map((c) => c.key)).size).toBe(4);
  });

  it('edits only the cell changed, notifies that cell alone, and marks the document dirty', () => {
    const model = new NotebookModel(sampleDoc());
    const seen: string[] = [];
    model.subscribeCell('c1', () => seen.push('c1'));
    model.subscribeCell('c2', () => seen.push('c2'));
    model.setSource('c2', 'x = 2\nprint(x)\n');
    expect(seen).toEqual(['c2']);
    expect(model.dirty).toBe(true);
    const cells = model.toDoc().cells;
    expect(cells[2]!.source).toEqual(['x = 2\n', 'print(x)\n']);
    expect(cells[1]).toBe(sampleDocCell(model, 1));
  });

  it('is clean again only when the saved revision is the latest', () => {
    const model = new NotebookModel(sampleDoc());
    model.setSource('c1', 'a');
    const revision = model.revision;
    model.setSource('c1', 'b');
    model.markSaved(revision);
    expect(model.dirty).toBe(true);
    model.markSaved(model.revision);
    expect(model.dirty).toBe(false);
  });

  it('inserts, moves, removes and retypes cells', () => {
    const model = new NotebookModel(sampleDoc());
    let lists = 0;
    model.subscribeList(() => lists++);
    const key = model.insert(1, 'code', 'z = 3');
    expect(model.indexOf(key)).toBe(1);
    expect(model.toDoc().cells[1]).toMatchObject({ id: key, cell_type: 'code', outputs: [], execution_count: null, source: ['z = 3'] });
    model.move(key, 10);
    expect(model.indexOf(key)).toBe(4);
    model.remove(key);
    expect(model.cell(key)).toBeUndefined();
    model.setType('c1', 'markdown');
    const retyped = model.toDoc().cells[1]!;
    expect(retyped.cell_type).toBe('markdown');
    expect('outputs' in retyped).toBe(false);
    expect('execution_count' in retyped).toBe(false);
    model.setType('c1', 'code');
    expect(model.toDoc().cells[1]).toMatchObject({ cell_type: 'code', outputs: [], execution_count: null });
    expect(lists).toBe(3);
  });

  it('applies kernel runs in seq order, drops stale ones, ignores unknown and markdown cells', () => {
    const model = new NotebookModel(sampleDoc());
    expect(model.applyRun(run('c2', 2, { state: 'running', outputs: [] }))).toBe(true);
    expect(model.cell('c2')?.run).toBe('running');
    expect(model.applyRun(run('c2', 5))).toBe(true);
    expect(model.applyRun(run('c2', 4, { outputs: [] }))).toBe(false);
    expect(model.cell('c2')?.outputs).toHaveLength(1);
    expect(model.toDoc().cells[2]).toMatchObject({ execution_count: 7, outputs: [{ output_type: 'stream', text: 'out\n' }] });
    expect(model.applyRun(run('nope', 1))).toBe(false);
    expect(model.applyRun(run('md1', 1))).toBe(false);
  });

  it('clears outputs when a cell is queued and marks pending cells aborted', () => {
    const model = new NotebookModel(sampleDoc());
    model.markQueued('c1');
    expect(model.cell('c1')?.outputs).toEqual([]);
    expect(model.cell('c1')?.run).toBe('queued');
    model.abortPending();
    expect(model.cell('c1')?.run).toBe('aborted');
  });

  it('sets metadata on a copy', () => {
    const doc = sampleDoc();
    const model = new NotebookModel(doc);
    model.setMetadata('orrery', { envId: 'e' });
    expect(model.toDoc().metadata['orrery']).toEqual({ envId: 'e' });
    expect(doc.metadata['orrery']).toBeUndefined();
    expect(model.dirty).toBe(true);
  });
});

describe('multiline strings', () => {
  it('split into lines that keep their newline, and join back', () => {
    expect(splitSource('a\nb\n\nc')).toEqual(['a\n', 'b\n', '\n', 'c']);
    expect(splitSource('')).toEqual([]);
    expect(joinSource(splitSource('a\nb\n'))).toBe('a\nb\n');
    expect(joinSource(42)).toBe('');
  });
});

function sampleDocCell(model: NotebookModel, index: number) {
  return model.cells[index]!.raw;
}
