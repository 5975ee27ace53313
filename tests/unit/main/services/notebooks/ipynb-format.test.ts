// nbformat's writer layout: keys sorted by code point, indent 1, non-ASCII kept, control characters escaped as
// Python does, a trailing newline; parse errors that say what is wrong.
import { describe, expect, it } from 'vitest';
import { isOrreryError } from '../../../../../app/contract';
import { parseNotebookText, serializeNotebook } from '../../../../../main/services/notebooks/ipynb-format';

describe('ipynb text form', () => {
  it('writes like json.dumps(sort_keys=True, indent=1, ensure_ascii=False) plus a newline', () => {
    const text = serializeNotebook({ b: [1, { d: 'ü', c: '\u0001\t' }], a: {}, e: [] });
    expect(text).toBe('{\n "a": {},\n "b": [\n  1,\n  {\n   "c": "\\u0001\\t",\n   "d": "ü"\n  }\n ],\n "e": []\n}\n');
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
