// Parameters as papermill takes them: value parsing, Python literals, injection after the `parameters` cell.
import { describe, expect, it } from 'vitest';
import type { NotebookDoc } from '../../../../../app/models';
import { injectParameters, parseParameterValue, pythonLiteral } from '../../../../../main/services/kernels/notebook-runner';

const doc = (minor: number, cells: NotebookDoc['cells']): NotebookDoc => ({ nbformat: 4, nbformat_minor: minor, metadata: {}, cells });

describe('notebook parameters', () => {
  it('parses ints, floats, booleans, None and strings', () => {
    expect(parseParameterValue('42')).toBe(42);
    expect(parseParameterValue('-3')).toBe(-3);
    expect(parseParameterValue('2.5')).toBe(2.5);
    expect(parseParameterValue('1e-3')).toBe(0.001);
    expect(parseParameterValue('True')).toBe(true);
    expect(parseParameterValue('false')).toBe(false);
    expect(parseParameterValue('None')).toBeNull();
    expect(parseParameterValue('hello world')).toBe('hello world');
    expect(parseParameterValue('12abc')).toBe('12abc');
  });

  it('writes Python literals', () => {
    expect([1, 2.5, true, false, null, 'a"b\n'].map((v) => pythonLiteral(v))).toEqual(['1', '2.5', 'True', 'False', 'None', '"a\\"b\\n"']);
    expect(pythonLiteral(Number.POSITIVE_INFINITY)).toBe("float('inf')");
  });

  it('injects after the parameters cell, replacing an earlier injection, with an id only from 4.5', () => {
    const cells = [
      { cell_type: 'markdown', metadata: {}, source: '# t', id: 'm' },
      { cell_type: 'code', metadata: { tags: ['parameters'] }, source: 'a = 1', id: 'p', outputs: [], execution_count: null },
      { cell_type: 'code', metadata: { tags: ['injected-parameters'] }, source: 'a = 0', id: 'old', outputs: [], execution_count: null },
      { cell_type: 'code', metadata: {}, source: 'print(a)', id: 'c', outputs: [], execution_count: null },
    ] as NotebookDoc['cells'];
    const out = injectParameters(doc(5, cells), { a: 2, name: 'x' });
    expect(out.cells.map((c) => c.id ?? '?')).toEqual(['m', 'p', out.cells[2]!.id, 'c']);
    expect(out.cells[2]!.id).toMatch(/^[0-9a-f]{8}$/);
    expect(out.cells[2]).toMatchObject({ metadata: { tags: ['injected-parameters'] }, source: ['# Parameters\n', 'a = 2\n', 'name = "x"\n'] });
    const old = injectParameters(doc(4, [cells[3]!]), { a: 1 });
    expect(old.cells[0]).not.toHaveProperty('id');
    expect(old.cells[0]!.metadata).toEqual({ tags: ['injected-parameters'] });
    expect(injectParameters(doc(5, cells), {})).toEqual(doc(5, cells));
  });
});
