// The pure nbformat helpers: sources, new cells, and the merge of iopub messages into stored outputs.
import { describe, expect, it } from 'vitest';
import {
  applyCarriageReturns, applyIopubMessage, createOutputState, joinSource, newCell, newNotebook, outputCapMarker, splitSource, stripAnsi, toStoredOutputs,
} from '../../../app/lib/notebook';

describe('sources and new cells', () => {
  it('splits like nbformat (lines keep their newline) and joins back', () => {
    expect(splitSource('a\nb\n\nc')).toEqual(['a\n', 'b\n', '\n', 'c']);
    expect(splitSource('')).toEqual([]);
    expect(joinSource(['a\n', 'b'])).toBe('a\nb');
    expect(joinSource('x')).toBe('x');
  });

  it('makes cells with fresh 8-hex ids and a 4.5 notebook', () => {
    const taken = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const cell = newCell('code', 'x = 1', taken);
      expect(cell.id).toMatch(/^[0-9a-f]{8}$/);
      expect(taken.has(cell.id)).toBe(false);
      taken.add(cell.id);
    }
    expect(newCell('markdown', '# t')).not.toHaveProperty('outputs');
    expect(newCell('code')).toMatchObject({ execution_count: null, outputs: [], source: [] });
    expect(newNotebook()).toMatchObject({ nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: 'python3' } } });
  });

  it('strips ANSI colours', () => {
    expect(stripAnsi('\u001b[0;31mZeroDivisionError\u001b[0m: x')).toBe('ZeroDivisionError: x');
  });
});

describe('merging iopub messages', () => {
  it('joins consecutive streams of one name and keeps others apart', () => {
    const s = createOutputState();
    applyIopubMessage(s, 'stream', { name: 'stdout', text: 'a' });
    applyIopubMessage(s, 'stream', { name: 'stdout', text: 'b\n' });
    applyIopubMessage(s, 'stream', { name: 'stderr', text: 'warn\n' });
    applyIopubMessage(s, 'stream', { name: 'stdout', text: 'c\n' });
    expect(s.outputs).toEqual([
      { output_type: 'stream', name: 'stdout', text: 'ab\n' },
      { output_type: 'stream', name: 'stderr', text: 'warn\n' },
      { output_type: 'stream', name: 'stdout', text: 'c\n' },
    ]);
  });

  it('applies carriage returns across chunks (progress bars do not pile up)', () => {
    const s = createOutputState();
    applyIopubMessage(s, 'stream', { name: 'stdout', text: 'head\n10%' });
    applyIopubMessage(s, 'stream', { name: 'stdout', text: '\r50%' });
    applyIopubMessage(s, 'stream', { name: 'stdout', text: '\r100%\n' });
    expect(s.outputs[0]!.text).toBe('head\n100%\n');
    expect(applyCarriageReturns('ab\bc')).toBe('ac');
  });

  it('clears at once, or on the next output with wait=True', () => {
    const s = createOutputState();
    applyIopubMessage(s, 'stream', { name: 'stdout', text: 'one\n' });
    expect(applyIopubMessage(s, 'clear_output', { wait: true })).toBe(false);
    expect(s.outputs).toHaveLength(1);
    applyIopubMessage(s, 'stream', { name: 'stdout', text: 'two\n' });
    expect(s.outputs).toEqual([{ output_type: 'stream', name: 'stdout', text: 'two\n' }]);
    applyIopubMessage(s, 'clear_output', { wait: false });
    expect(s.outputs).toEqual([]);
  });

  it('updates displays by display_id and records execute results and errors', () => {
    const s = createOutputState();
    applyIopubMessage(s, 'execute_input', { execution_count: 7 });
    applyIopubMessage(s, 'display_data', { data: { 'text/plain': 'v1' }, metadata: {}, transient: { display_id: 'p' } });
    applyIopubMessage(s, 'execute_result', { data: { 'text/plain': '2' }, metadata: {}, execution_count: 7 });
    expect(applyIopubMessage(s, 'update_display_data', { data: { 'text/plain': 'v2' }, metadata: {}, transient: { display_id: 'p' } })).toBe(true);
    expect(applyIopubMessage(s, 'update_display_data', { data: {}, metadata: {}, transient: { display_id: 'other' } })).toBe(false);
    applyIopubMessage(s, 'error', { ename: 'E', evalue: 'v', traceback: ['tb'] });
    expect(s.executionCount).toBe(7);
    expect(s.outputs).toEqual([
      { output_type: 'display_data', data: { 'text/plain': 'v2' }, metadata: {} },
      { output_type: 'execute_result', data: { 'text/plain': '2' }, metadata: {}, execution_count: 7 },
      { output_type: 'error', ename: 'E', evalue: 'v', traceback: ['tb'] },
    ]);
  });

  it('caps a flood once with a marker, drops a huge display, still keeps the error', () => {
    const s = createOutputState([], 1000);
    for (let i = 0; i < 100; i++) applyIopubMessage(s, 'stream', { name: 'stdout', text: `${'x'.repeat(40)}\n` });
    applyIopubMessage(s, 'display_data', { data: { 'text/plain': 'y'.repeat(5000) }, metadata: {} });
    applyIopubMessage(s, 'error', { ename: 'E', evalue: 'v', traceback: [] });
    expect(s.outputs.map((o) => o.output_type)).toEqual(['stream', 'stream', 'error']);
    expect((s.outputs[0]!.text as string).length).toBe(1000);
    expect(s.outputs[1]!.text).toBe(outputCapMarker(1000));
    const big = createOutputState([], 1000);
    applyIopubMessage(big, 'display_data', { data: { 'text/plain': 'y'.repeat(5000) }, metadata: {} });
    expect(big.outputs).toEqual([{ output_type: 'stream', name: 'stderr', text: outputCapMarker(1000) }]);
  });

  it('stores outputs as nbformat writes them (text as line lists, JSON kept)', () => {
    const stored = toStoredOutputs([
      { output_type: 'stream', name: 'stdout', text: 'a\nb\n' },
      { output_type: 'display_data', data: { 'text/plain': 'x\ny', 'application/json': { a: 1 }, 'image/png': 'iVBO' }, metadata: {} },
    ]);
    expect(stored[0]!.text).toEqual(['a\n', 'b\n']);
    expect(stored[1]!.data).toEqual({ 'text/plain': ['x\n', 'y'], 'application/json': { a: 1 }, 'image/png': ['iVBO'] });
  });
});
