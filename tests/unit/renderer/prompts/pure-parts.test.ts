import { describe, expect, it } from 'vitest';
import { draftOf, editMessages, paramsOf, runTargets, variableFields, variablesToSend, emptyParams } from '../../../../renderer/features/prompts/prompt-draft';
import { callFacts, describeStatus, formatCost, formatMs, formatUsage, sumTotals } from '../../../../renderer/features/prompts/prompt-format';
import { StreamSink, type TextSink } from '../../../../renderer/features/prompts/stream-sink';
import { cellAt, columnLabel, failureReasons, liveMatrix, matrixSize, matrixTotals, placeCell, resultMatrix, rowLabel } from '../../../../renderer/features/prompts/suite-matrix';
import { callOf, cellOf, suiteResultOf, versionOf } from './fixtures';

const textNode = (): TextSink & { data: string } => ({ data: '', appendData(text: string) { this.data += text; } });

describe('prompt draft', () => {
  it('turns the parameter fields into sampling parameters, naming a bad field', () => {
    expect(paramsOf(emptyParams)).toEqual({});
    expect(paramsOf({ temperature: '0.7', topP: '1', maxTokens: '256', stop: 'END\n\n###', seed: '42', json: true })).toEqual({
      temperature: 0.7, topP: 1, maxTokens: 256, stop: ['END', '###'], seed: 42, responseFormat: 'json',
    });
    expect(() => paramsOf({ ...emptyParams, temperature: '3' })).toThrow(/Temperature must be between 0 and 2/);
    expect(() => paramsOf({ ...emptyParams, maxTokens: '2.5' })).toThrow(/Max tokens must be a whole number/);
    expect(() => paramsOf({ ...emptyParams, topP: 'high' })).toThrow(/Top p must be a number/);
  });

  it('loads a version into the editor and gives the same parameters back', () => {
    const version = versionOf(3, 'Hi {{name}}', { temperature: 0.2, stop: ['a', 'b'], responseFormat: 'json' });
    const draft = draftOf('pr_greeter', 'greeter', version);
    expect(draft).toMatchObject({ id: 'pr_greeter', baseVersion: 3, dirty: false });
    expect(paramsOf(draft.params)).toEqual(version.params);
  });

  it('adds, edits, moves and removes messages, never below one', () => {
    let messages = editMessages([{ role: 'user', content: 'a' }], { kind: 'add' });
    expect(messages).toEqual([{ role: 'user', content: 'a' }, { role: 'assistant', content: '' }]);
    messages = editMessages(messages, { kind: 'set', index: 1, message: { content: 'b' } });
    messages = editMessages(messages, { kind: 'move', index: 1, by: -1 });
    expect(messages.map((m) => m.content)).toEqual(['b', 'a']);
    expect(editMessages(messages, { kind: 'move', index: 0, by: -1 })).toEqual(messages);
    messages = editMessages(editMessages(messages, { kind: 'remove', index: 0 }), { kind: 'remove', index: 0 });
    expect(messages).toEqual([{ role: 'user', content: 'a' }]);
  });

  it("shows the template's variables and sends only those with a value", () => {
    const messages = [{ role: 'system' as const, content: 'You help {{user}}.' }, { role: 'user' as const, content: '{{question}} \\{{literal}} {{user}}' }];
    expect(variableFields(messages, { user: 'Ada' })).toEqual([{ name: 'user', value: 'Ada' }, { name: 'question', value: '' }]);
    // A variable never typed is left out, so the host's error names it.
    expect(variablesToSend(messages, { user: 'Ada', stale: 'x' })).toEqual({ user: 'Ada' });
  });

  it('checks the playground targets', () => {
    expect(runTargets([{ providerId: 'p', model: ' echo ' }])).toEqual([{ providerId: 'p', model: 'echo' }]);
    expect(() => runTargets([])).toThrow(/Add a model/);
    expect(() => runTargets([{ providerId: 'p', model: 'a' }, { providerId: '', model: 'b' }])).toThrow(/Model 2: choose a provider/);
    expect(() => runTargets([{ providerId: 'p', model: ' ' }])).toThrow(/Model 1: type or choose a model/);
  });
});

describe('prompt formatting', () => {
  it('says tokens, latency, cost and status', () => {
    expect(formatCost(null)).toBe('no price');
    expect(formatCost(0.000012)).toBe('$0.000012');
    expect(formatCost(1.5)).toBe('$1.5000');
    expect(formatMs(850)).toBe('850 ms');
    expect(formatMs(2400)).toBe('2.40 s');
    expect(formatUsage({ inputTokens: 3, outputTokens: 5, estimated: true })).toBe('3 in · 5 out (est.)');
    expect(callFacts(callOf({ attempts: 2, costUsd: null }))).toEqual(['4 in · 4 out', 'first token 12 ms', 'total 40 ms', 'no price', '2 attempts']);
    expect(describeStatus(callOf({ status: 'partial', error: 'the connection closed mid-stream' }))).toBe('partial — the connection closed mid-stream');
    expect(sumTotals([
      { key: 'a', label: 'a', calls: 2, inputTokens: 10, outputTokens: 5, costUsd: 0.5, unpriced: 0, estimated: 0 },
      { key: 'b', label: 'b', calls: 1, inputTokens: 1, outputTokens: 1, costUsd: 0, unpriced: 1, estimated: 1 },
    ])).toEqual({ calls: 3, inputTokens: 11, outputTokens: 6, costUsd: 0.5, unpriced: 1 });
  });
});

describe('stream sink', () => {
  it('appends each delta to its column, and gives a column mounted late everything that came before', () => {
    const sink = new StreamSink();
    const first = textNode();
    sink.attach(0, first);
    sink.append(0, 'Say ');
    sink.append(1, 'early ');
    sink.append(0, 'hello');
    sink.append(0, '');
    expect(first.data).toBe('Say hello');
    const late = textNode();
    sink.attach(1, late);
    sink.append(1, 'bird');
    expect(late.data).toBe('early bird');
    expect(sink.length(1)).toBe(10);
    // Mounted again (a new text node): the whole text once, then the new deltas.
    sink.detach(0, first);
    sink.append(0, '!');
    const again = textNode();
    sink.attach(0, again);
    sink.append(0, '?');
    expect(again.data).toBe('Say hello!?');
    expect(first.data).toBe('Say hello');
    expect(sink.text(0)).toBe('Say hello!?');
  });
});

describe('suite matrix', () => {
  it('fills in live from cells, then takes the stored result with its labels', () => {
    let matrix = liveMatrix({ rows: 2, columns: 1 });
    matrix = placeCell(matrix, cellOf(1, 0, false));
    expect(cellAt(matrix, 1, 0)?.pass).toBe(false);
    expect(cellAt(matrix, 0, 0)).toBeUndefined();
    expect(rowLabel(matrix, 1)).toBe('row 2');
    expect(matrixTotals(matrix)).toMatchObject({ done: 1, passed: 0, failed: 1 });
    // A cell beyond the estimate's size widens it.
    expect(matrixSize(placeCell(matrix, cellOf(2, 1, true)))).toEqual({ rows: 3, columns: 2 });

    const done = resultMatrix(suiteResultOf([cellOf(0, 0, true), cellOf(1, 0, false, null)]));
    expect(rowLabel(done, 0)).toBe('name=Ada');
    expect(rowLabel(done, 1)).toBe('the second');
    expect(columnLabel(done, 0)).toBe('greeter v2 × echo');
    expect(matrixTotals(done)).toEqual({ done: 2, passed: 1, failed: 1, costUsd: 0.001, unpriced: 1 });
    expect(failureReasons(cellAt(done, 1, 0)!)).toEqual(['contains: expected the output to contain "x1"']);
  });
});
