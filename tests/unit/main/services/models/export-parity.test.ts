import { describe, expect, it } from 'vitest';
import { compareValues, relativeFloor } from '../../../../../main/services/models/export-parity';
import { parseScriptLine } from '../../../../../main/services/models/export-process';

describe('compareValues', () => {
  it('answers the largest absolute and relative difference and the largest reference magnitude', () => {
    const difference = compareValues(new Float32Array([1, 2.5, -4]), [3], new Float32Array([1, 2, -3]), [3]);
    expect(difference.problem).toBeNull();
    expect(difference.maxAbs).toBeCloseTo(1);
    expect(difference.maxRel).toBeCloseTo(1 / 3);
    expect(difference.maxExpected).toBe(3);
  });

  it('floors the relative denominator so a reference of zero does not divide by zero', () => {
    const difference = compareValues([1e-7], [1], [0], [1]);
    expect(difference.maxRel).toBeCloseTo(1e-7 / relativeFloor);
    expect(Number.isFinite(difference.maxRel)).toBe(true);
  });

  it('compares int64 outputs as numbers', () => {
    expect(compareValues(new BigInt64Array([1n, 3n]), [2], new BigInt64Array([1n, 2n]), [2])).toMatchObject({ maxAbs: 1, problem: null });
  });

  it('names a shape that differs and a NaN on one side only, and accepts NaN on both', () => {
    expect(compareValues([1, 2, 3, 4], [2, 2], [1, 2, 3, 4], [4]).problem).toBe('shape [2, 2] where the original gives [4]');
    const nan = compareValues([1, Number.NaN], [2], [1, 2], [2]);
    expect(nan.problem).toBe('NaN at index 1 on the ONNX side only');
    expect(nan.maxAbs).toBe(Number.MAX_VALUE);
    expect(compareValues([Number.NaN, 1], [2], [Number.NaN, 1], [2])).toMatchObject({ maxAbs: 0, problem: null });
  });
});

describe('parseScriptLine', () => {
  it('reads progress, result and error lines and leaves everything else as output', () => {
    expect(parseScriptLine('{"progress": {"done": 1, "total": 4, "message": "exporting"}}')).toEqual({ progress: { done: 1, total: 4, message: 'exporting' } });
    expect(parseScriptLine('{"error": {"code": "invalid_input", "message": "no"}}')).toEqual({ error: { code: 'invalid_input', message: 'no' } });
    const result = { onnx: '/w/model.onnx', int8: null, opset: 14, inputShape: [6], inputs: [{ name: 'input', dtype: 'float32', dims: [2, 6], file: '/w/input-0.bin' }], outputs: [], notes: [] };
    expect(parseScriptLine(JSON.stringify({ result }))).toEqual({ result });
    expect(parseScriptLine('epoch 1 loss=0.3')).toBeNull();
    expect(parseScriptLine('{"loss": 0.3}')).toBeNull();
    expect(parseScriptLine('{"progress": ')).toBeNull();
    expect(parseScriptLine(JSON.stringify({ result: { ...result, inputs: [{ ...result.inputs[0], dtype: 'complex64' }] } }))).toBeNull();
  });
});
