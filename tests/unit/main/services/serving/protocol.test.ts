import { describe, expect, it } from 'vitest';
import { OrreryError, type OnnxInfo } from '../../../../../app/contract';
import { ServeMetrics } from '../../../../../main/services/serving/metrics';
import { dtypeOfV2, inferResponse, modelMetadata, parseInferRequest, v2Datatype } from '../../../../../main/services/serving/protocol';
import { isLoopback } from '../../../../../main/services/serving/model-server';

const info = {
  inputs: [{ name: 'ids', dtype: 'int64', dims: ['batch', 3] }],
  outputs: [{ name: 'scores', dtype: 'float32', dims: ['batch', 2] }],
} as unknown as OnnxInfo;

describe('Open Inference Protocol v2 shapes', () => {
  it('maps datatypes both ways', () => {
    expect(v2Datatype('float32')).toBe('FP32');
    expect(v2Datatype('int64')).toBe('INT64');
    expect(v2Datatype('string')).toBe('BYTES');
    expect(dtypeOfV2('FP64')).toBe('float64');
    expect(dtypeOfV2('BOOL')).toBe('bool');
    expect(dtypeOfV2('WEIRD')).toBe('WEIRD');
  });

  it('describes a model with -1 for symbolic dims', () => {
    expect(modelMetadata('m', '4', info)).toEqual({
      name: 'm',
      versions: ['4'],
      platform: 'onnxruntime_onnx',
      inputs: [{ name: 'ids', datatype: 'INT64', shape: [-1, 3] }],
      outputs: [{ name: 'scores', datatype: 'FP32', shape: [-1, 2] }],
    });
  });

  it('reads a request, flattening nested data and keeping the shape given', () => {
    const parsed = parseInferRequest({ id: 'a', inputs: [{ name: 'ids', shape: [2, 3], datatype: 'INT64', data: [[1, 2, 3], [4, 5, 6]] }], outputs: [{ name: 'scores' }] });
    expect(parsed).toEqual({ id: 'a', tensors: { ids: { data: [1, 2, 3, 4, 5, 6], dims: [2, 3], dtype: 'int64' } }, outputs: ['scores'], batch: 2 });
  });

  it.each([
    [{}, /no "inputs" list/],
    [{ inputs: [{ shape: [1], datatype: 'FP32', data: [1] }] }, /inputs\[0\] has no "name"/],
    [{ inputs: [{ name: 'x', shape: [1.5], datatype: 'FP32', data: [1] }] }, /needs "shape"/],
    [{ inputs: [{ name: 'x', shape: [1], data: [1] }] }, /needs "datatype"/],
    [{ inputs: [{ name: 'x', shape: [1], datatype: 'FP32', data: 1 }] }, /needs "data"/],
    [{ inputs: [{ name: 'x', shape: [1], datatype: 'FP32', data: [1] }], outputs: [{}] }, /outputs\[0\] has no "name"/],
  ])('refuses a malformed request %j with invalid_input saying what to send', (body, message) => {
    let caught: unknown;
    try {
      parseInferRequest(body);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(OrreryError);
    expect((caught as OrreryError).code).toBe('invalid_input');
    expect((caught as OrreryError).message).toMatch(message);
  });

  it('answers outputs flat, bigints as numbers, only those asked for', () => {
    const outputs = [
      { name: 'scores', dtype: 'float32', dims: [1, 2], data: Float32Array.from([0.25, 0.75]) },
      { name: 'label', dtype: 'int64', dims: [1], data: BigInt64Array.from([1n]) },
    ];
    expect(inferResponse('m', null, null, outputs, null)).toEqual({
      model_name: 'm',
      outputs: [
        { name: 'scores', datatype: 'FP32', shape: [1, 2], data: [0.25, 0.75] },
        { name: 'label', datatype: 'INT64', shape: [1], data: [1] },
      ],
    });
    expect((inferResponse('m', '1', 'r', outputs, ['label']).outputs as unknown[]).length).toBe(1);
  });
});

describe('serve metrics', () => {
  it('counts by route and status and fills the cumulative latency histogram of infer', () => {
    const metrics = new ServeMetrics('my "model"');
    metrics.observe('infer', 200, 0.8);
    metrics.observe('infer', 200, 30);
    metrics.observe('infer', 400, 0.2);
    metrics.observe('health', 200, 0.1);
    const text = metrics.text();
    expect(text).toContain('orrery_serve_requests_total{model="my \\"model\\"",route="infer",status="200"} 2');
    expect(text).toContain('route="health",status="200"} 1');
    expect(text).toMatch(/_bucket\{model="[^}]*",le="0.0005"\} 1\n/);
    expect(text).toMatch(/_bucket\{model="[^}]*",le="0.001"\} 2\n/);
    expect(text).toMatch(/_bucket\{model="[^}]*",le="0.05"\} 3\n/);
    expect(text).toMatch(/_bucket\{model="[^}]*",le="\+Inf"\} 3\n/);
    expect(text).toMatch(/_count\{model="[^}]*"\} 3\n/);
  });

  it('knows loopback hosts', () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
    expect(isLoopback('localhost')).toBe(true);
    expect(isLoopback('0.0.0.0')).toBe(false);
    expect(isLoopback('192.168.1.4')).toBe(false);
  });
});
