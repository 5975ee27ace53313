import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../../../renderer/features/notebooks/markdown';
import { clipText, imageDataUrl, latexBody, mimeText, outputText, preferredMime, truncationNote } from '../../../../renderer/features/notebooks/output-data';
import { kernelOptions, choiceValue } from '../../../../renderer/features/notebooks/kernel-picker';
import { newNotebookPath, untitledName } from '../../../../renderer/features/notebooks/notebooks-area';
import type { Env, KernelSpec } from '../../../../app/models';

describe('output data', () => {
  it('picks the richest MIME type a bundle has', () => {
    expect(preferredMime({ 'text/plain': 'x', 'image/png': 'AAA' })).toBe('image/png');
    expect(preferredMime({ 'text/plain': 'x', 'text/html': '<b>' })).toBe('text/html');
    expect(preferredMime({ 'application/json': {}, 'text/plain': 'x' })).toBe('application/json');
    expect(preferredMime({ 'application/x-unknown': 1 })).toBeNull();
    expect(preferredMime(undefined)).toBeNull();
  });

  it('clips a 50 MB text to its head and says how much more there is', () => {
    const line = 'x'.repeat(99) + '\n';
    const text = line.repeat(500_000);
    expect(text.length).toBe(50_000_000);
    const clip = clipText(text);
    expect(clip.head.length).toBe(100 * 1000);
    expect(clip.hiddenChars).toBe(text.length - clip.head.length);
    expect(clip.hiddenLines).toBe(499_000);
    expect(truncationNote(clip)).toBe('truncated — 49,900,000 more characters (499,000 lines); the notebook keeps the full output');
  });

  it('clips by lines and by characters, and leaves short texts whole', () => {
    expect(clipText('a\nb\nc\n', 100, 2)).toEqual({ head: 'a\nb\n', hiddenChars: 2, hiddenLines: 1 });
    expect(clipText('abcdef', 3, 10)).toEqual({ head: 'abc', hiddenChars: 3, hiddenLines: 1 });
    expect(clipText('short')).toEqual({ head: 'short', hiddenChars: 0, hiddenLines: 0 });
  });

  it('reads stream text, tracebacks and MIME values', () => {
    expect(outputText({ output_type: 'stream', name: 'stdout', text: ['a\n', 'b'] })).toBe('a\nb');
    expect(outputText({ output_type: 'error', ename: 'E', evalue: 'v', traceback: ['\u001b[31mline1', 'line2'] })).toBe('\u001b[31mline1\nline2');
    expect(outputText({ output_type: 'error', ename: 'E', evalue: 'v', traceback: [] })).toBe('E: v');
    expect(mimeText({ a: 1 })).toBe('{\n  "a": 1\n}');
    expect(imageDataUrl('image/png', ['iVBO\n', 'Rw0K'])).toBe('data:image/png;base64,iVBORw0K');
  });

  it('unwraps LaTeX delimiters', () => {
    expect(latexBody('$$x^2$$')).toEqual({ tex: 'x^2', display: true });
    expect(latexBody(' $y$ ')).toEqual({ tex: 'y', display: false });
    expect(latexBody('\\[a\\]')).toEqual({ tex: 'a', display: true });
    expect(latexBody('\\frac12')).toEqual({ tex: '\\frac12', display: true });
  });
});

describe('markdown cells', () => {
  it('render markdown with inline and display math through KaTeX', () => {
    const html = renderMarkdown('# T\n\nArea $\\pi r^2$ and\n\n$$\n\\int_0^1 x\\,dx\n$$\n\ncosts $5 and $6');
    expect(html).toContain('<h1>T</h1>');
    expect(html).toMatch(/class="katex"/);
    expect(html).toContain('class="math-display"');
    expect(html).toContain('costs $5 and $6');
  });

  it('do not pass raw HTML through, and show a bad formula instead of throwing', () => {
    expect(renderMarkdown('<script>alert(1)</script>')).not.toContain('<script>');
    expect(() => renderMarkdown('$\\frac{$')).not.toThrow();
    expect(renderMarkdown('bad $\\badmacro{x}$ here')).toContain('katex');
  });
});

describe('kernel picker and new notebooks', () => {
  const env = (id: string, patch: Partial<Env> = {}): Env => ({
    id, name: id, kind: 'venv', python: `/x/${id}/bin/python`, prefix: `/x/${id}`, realPath: `/x/${id}/bin/python`, version: '3.11.2', hasIpykernel: true, hasPip: true, sources: ['project'], probedAt: 1, missing: false, ...patch,
  });
  const spec = (name: string, patch: Partial<KernelSpec> = {}): KernelSpec => ({
    name, displayName: name, language: 'python', argv: [], interruptMode: 'signal', resourceDir: '/k', envId: null, problem: null, ...patch,
  });

  it('lists the default, each env (without ipykernel disabled, missing ones left out) and real kernelspecs', () => {
    const options = kernelOptions([env('a'), env('b', { hasIpykernel: false }), env('c', { missing: true }), env('a')], [spec('python3', { envId: 'a' }), spec('a:python3', { resourceDir: null }), spec('broken', { problem: 'gone' })], env('a'));
    expect(options.map((o) => o.value)).toEqual(['', 'env:a', 'env:b', 'spec:a|python3', 'spec:|broken']);
    expect(options[0]!.label).toBe('Project default (a)');
    expect(options.find((o) => o.value === 'env:b')?.disabled).toBe(true);
    expect(options.find((o) => o.value === 'spec:|broken')?.disabled).toBe(true);
    expect(options.find((o) => o.value === 'spec:a|python3')?.choice).toEqual({ envId: 'a', specName: 'python3' });
    expect(choiceValue({ envId: 'a' })).toBe('env:a');
    expect(choiceValue({})).toBe('');
  });

  it('names new notebooks after the ones that exist', () => {
    expect(untitledName([])).toBe('Untitled.ipynb');
    expect(untitledName(['untitled.ipynb', 'Untitled-2.ipynb'])).toBe('Untitled-3.ipynb');
    expect(newNotebookPath('/p/proj/', 'analysis')).toBe('/p/proj/analysis.ipynb');
    expect(newNotebookPath('/p/proj', '/sub/x.IPYNB')).toBe('/p/proj/sub/x.IPYNB');
  });
});
