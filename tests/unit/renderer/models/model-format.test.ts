import { describe, expect, it } from 'vitest';
import {
  bestRow, compareBenchmarks, concreteDims, exportRequest, formatBytes, formatDims, formatOpsets, histogramBars, operatorRows, parseIntList, parseShape, parseTensorsText, sampleTensorsText, threadsSeries,
} from '../../../../renderer/features/models/model-format';
import { benchOf, info } from './fixtures';

describe('model formatting', () => {
  it('shows shapes, sizes, opsets and operators by count', () => {
    expect(formatDims(['batch', 3, null])).toBe('[batch, 3, ?]');
    expect(concreteDims(['batch', 3, null, 0])).toEqual([1, 3, 1, 1]);
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(2048)).toBe('2.00 KB');
    expect(formatBytes(5 * 1024 * 1024 * 1024)).toBe('5.00 GB');
    expect(formatOpsets(info.opsets)).toBe('ai.onnx 17, ai.onnx.ml 3');
    expect(operatorRows(info)).toEqual([{ op: 'Gemm', count: 2 }, { op: 'Relu', count: 1 }, { op: 'Softmax', count: 1 }]);
  });

  it('makes a sample from the input signature that parses back into the inference input', () => {
    const text = sampleTensorsText(info.inputs);
    expect(parseTensorsText(text, info.inputs)).toEqual({ kind: 'tensors', tensors: { x: { dims: [1, 4], data: [0, 0, 0, 0] } } });
    // Nested arrays without dims are passed on as they are; the service checks the shape.
    expect(parseTensorsText('{"x": [[1, 2, 3, 4]]}', info.inputs)).toEqual({ kind: 'tensors', tensors: { x: { data: [[1, 2, 3, 4]] } } });
  });

  it('says what to write for a bad tensor text', () => {
    expect(() => parseTensorsText('{"x": ', info.inputs)).toThrow(/not valid JSON/);
    expect(() => parseTensorsText('[1, 2]', info.inputs)).toThrow(/one entry per input/);
    expect(() => parseTensorsText('{"z": [1]}', info.inputs)).toThrow('"z" is not an input of the model; its inputs are x.');
    expect(() => parseTensorsText('{"x": {"dims": [1, -4], "data": []}}', info.inputs)).toThrow(/dims must be a list of whole numbers/);
    expect(() => parseTensorsText('{"x": {"dims": [1, 4]}}', info.inputs)).toThrow(/needs a "data" array/);
    expect(() => parseTensorsText('{}', info.inputs)).toThrow('Give a tensor for x.');
  });

  it('reads lists of whole numbers and shapes', () => {
    expect(parseIntList('1, 2,4 8', 'thread count')).toEqual([1, 2, 4, 8]);
    expect(() => parseIntList('1, two', 'thread count')).toThrow('"two" is not a thread count');
    expect(() => parseIntList('0', 'batch size')).toThrow(/not a batch size/);
    expect(() => parseIntList(' ', 'batch size')).toThrow('Give at least one batch size.');
    expect(parseShape('')).toBeUndefined();
    expect(parseShape('1, 28, 28')).toEqual([1, 28, 28]);
  });

  it('turns a benchmark into histogram bars, a threads series per batch and its best setting', () => {
    const bench = benchOf('b1', 'mv_1');
    expect(histogramBars(bench.rows[0]!)).toEqual([
      { label: '0.200', from: 0.2, count: 5 },
      { label: '0.400', from: 0.4, count: 30 },
      { label: '0.600', from: 0.6000000000000001, count: 2 },
    ]);
    expect(threadsSeries(bench.rows)).toEqual({
      batches: [1, 8],
      data: [
        { threads: 1, b1: 0.4, b8: 1.6 },
        { threads: 2, b1: 0.3, b8: 1.0 },
      ],
    });
    // Per item, 2 threads × batch 8 (0.125 ms) beats 2 threads × batch 1 (0.3 ms).
    expect(bestRow(bench.rows)).toMatchObject({ threads: 2, batch: 8 });
    expect(bestRow([])).toBeNull();
  });

  it('builds the export request from the wizard, leaving empty fields to the service', () => {
    const fields = { envId: '', modelClass: '', classArgs: '', shape: '', opset: '', tolerance: '1e-4', samples: '16', quantize: false };
    expect(exportRequest('mv_1', fields)).toEqual({ versionId: 'mv_1', tolerance: 1e-4, samples: 16, quantize: false });
    expect(exportRequest('mv_1', { ...fields, envId: 'env_1', modelClass: ' model:Net ', classArgs: '{"hidden": 64}', shape: '1, 28, 28', opset: '17', quantize: true })).toEqual({
      versionId: 'mv_1', envId: 'env_1', modelClass: 'model:Net', classArgs: { hidden: 64 }, inputShape: [1, 28, 28], opset: 17, tolerance: 1e-4, samples: 16, quantize: true,
    });
    expect(() => exportRequest('mv_1', { ...fields, tolerance: 'tight' })).toThrow('"tight" is not a tolerance: write a number such as 1e-4.');
    expect(() => exportRequest('mv_1', { ...fields, tolerance: '' })).toThrow(/is not a tolerance/);
    expect(() => exportRequest('mv_1', { ...fields, classArgs: '{hidden: 64}' })).toThrow(/class arguments are not valid JSON/);
    expect(() => exportRequest('mv_1', { ...fields, classArgs: '[64]' })).toThrow('The class arguments must be a JSON object, such as {"hidden": 64}.');
    expect(() => exportRequest('mv_1', { ...fields, modelClass: 'Net' })).toThrow('"Net" is not a model class: write module.path:ClassName (model:Net) or a file in the project and a name in it (src/train.py:make_model).');
    expect(exportRequest('mv_1', { ...fields, modelClass: 'templates/pytorch-classifier/train.py:make_model' }).modelClass).toBe('templates/pytorch-classifier/train.py:make_model');
    expect(() => exportRequest('mv_1', { ...fields, shape: '1, x' })).toThrow('"x" is not a dimension');
  });

  it('compares benchmarks of several versions by their fastest setting per item', () => {
    const slow = benchOf('b_slow', 'mv_1');
    const fast = { ...benchOf('b_fast', 'mv_2'), rows: benchOf('b_fast', 'mv_2').rows.map((r) => ({ ...r, p50Ms: r.p50Ms / 2 })) };
    const empty = { ...benchOf('b_empty', 'mv_3'), rows: [] };
    const rows = compareBenchmarks([slow, empty, fast]);
    expect(rows.map((r) => [r.id, r.best.threads, r.best.batch, r.best.p50Ms])).toEqual([
      ['b_fast', 2, 8, 0.5],
      ['b_slow', 2, 8, 1.0],
    ]);
  });
});
