// nbformat's writer layout: keys sorted by code point, indent 1, non-ASCII kept, control characters escaped as
// Python does, a trailing newline; parse errors that say what is wrong.
import { describe, expect, it } from 'vitest';
import { isOrreryError } from '../../../../../app/contract';
import { assembleNotebook, parseNotebookText, serializeCell, serializeNotebook } from '../../../../../main/services/notebooks/ipynb-format';

describe('ipynb text form', () => {
  it('writes like json.dumps(sort_keys=True, indent=1, ensure_ascii=False) plus a newline', () => {
    const text = serializeNotebook({ b: [1, { d: 'ü', c: '\u0001\t' }], a: {}, e: [] });
    expect(text).toBe('{\n "a": {},\n "b": [\n  1,\n  {\n   "c": "\\u0001\\t",\n   "d": "ü"\n  }\n ],\n "e": []\n}\n');
  });

  it('assembles a notebook from its cells serialized one by one, byte-identical to serializing it whole', () => {
    const cells = [
      { id: 'a', cell_type: 'markdown', metadata: {}, source: ['# Tïtle\n', 'text "quoted"\n'] },
      { id: 'b', cell_type: 'code', metadata: { tags: ['x'] }, execution_count: 2, outputs: [{ output_type: 'stream', name: 'stdout', text: ['1\n', '2\n'] }], source: 'print(1)\nprint(2)' },
      { id: 'c', cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source: [] },
    ];
    const docs = [
      { nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: 'python3' } }, cells },
      { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] },
      // Unknown top-level keys on both sides of "cells" keep their sorted places.
      { nbformat: 4, nbformat_minor: 4, metadata: {}, a_first: [1, 2], zz_last: { y: 1 }, cells: cells.slice(1) },
    ];
    for (const doc of docs) {
      const { cells: list, ...rest } = doc;
      expect(assembleNotebook(rest, list.map(serializeCell)).toString('utf8')).toBe(serializeNotebook(doc));
    }
  });

  it('sorts keys by code point as Python does (astral characters after U+FFFF-range BMP ones)', () => {
    const text = serializeNotebook({ '\uff5e': 1, '😀': 2, a: 3 });
    expect(Object.keys(JSON.parse(text) as object)).toEqual(['a', '\uff5e', '😀']);
  });

  it('explains what is wrong with text that is not a notebook', () => {
    const codeOf = (text: string) => {
      try {
        parseNotebookText(text, 'x.ipynb');
      } catch (error) {
        return isOrreryError(error) ? `${error.code} ${error.message}` : 'other';
      }
      return 'ok';
    };
    expect(codeOf('[]')).toMatch(/invalid_file .*not an object/);
    expect(codeOf('{"cells": []}')).toMatch(/no "nbformat"/);
    expect(codeOf('{"nbformat": 5}')).toMatch(/newer than Orrery knows/);
    expect(codeOf('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}')).toBe('ok');
  });
});
