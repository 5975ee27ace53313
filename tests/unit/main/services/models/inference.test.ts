import { describe, expect, it } from 'vitest';
import { OrreryError } from '../../../../../app/contract';
import { benchFeeds, feedsOf, summarizeLatencies, tensorFeeds, topKOf } from '../../../../../main/services/models/inference';
import { imageSpec, imageTensor, labelsOf, parseCsvRow } from '../../../../../main/services/models/preprocess';
import { onnxInfo } from './onnx-info-fixture';

const info = onnxInfo;

function errorOf(work: () => unknown): OrreryError {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(OrreryError);
    return error as OrreryError;
  }
  throw new Error('expected an OrreryError');
}

describe('inputs from JSON tensors', () => {
  const mlp = info({});

  it('flattens nested arrays into typed arrays with their dims', () => {
    const feeds = tensorFeeds(mlp, { x: { data: [[1, 2, 3, 4], [5, 6, 7, 8]] } });
    expect(feeds.x!.dims).toEqual([2, 4]);
    expect(feeds.x!.data).toEqual(new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]));
    const flat = tensorFeeds(mlp, { x: { data: [1, 2, 3, 4], dims: [1, 4] } });
    expect(flat.x!.dims).toEqual([1, 4]);
  });

  it('feeds int64 and bool inputs', () => {
    const model = info({ inputs: [{ name: 'ids', dtype: 'int64', dims: [1, 3] }, { name: 'mask', dtype: 'bool', dims: [1, 3] }] });
    const feeds = tensorFeeds(model, { ids: { data: [[1, 2, 3]] }, mask: { data: [[true, false, true]] } });
    expect(feeds.ids!.data).toEqual(new BigInt64Array([1n, 2n, 3n]));
    expect(feeds.mask!.data).toEqual(new Uint8Array([1, 0, 1]));
    expect(errorOf(() => tensorFeeds(model, { ids: { data: [[1.5, 2, 3]] }, mask: { data: [[true, true, true]] } })).message).toMatch(/int64 but element 0 is 1.5/);
  });

  it('answers invalid_input with the expected signature for a wrong shape, dtype, name or value', () => {
    const signature = 'the model expects x: float32 [batch, 4]';
    const cases: Array<[Parameters<typeof tensorFeeds>[1], RegExp]> = [
      [{ x: { data: [[1, 2, 3]] } }, /Input x has shape \[1, 3\]/],
      [{ x: { data: [1, 2, 3, 4] } }, /Input x has shape \[4\]/],
      [{ x: { data: [[1, 2, 3, 4]], dtype: 'float64' } }, /Input x is float64/],
      [{ z: { data: [[1, 2, 3, 4]] } }, /no input named z/],
      [{}, /Input x is missing/],
      [{ x: { data: [[1, 2, 3, 4], [1, 2]] } }, /ragged/],
      [{ x: { data: [['a', 2, 3, 4]] } }, /holds "a" at element 0, not a number/],
      [{ x: { data: [1, 2, 3], dims: [1, 4] } }, /3 values for dims \[1, 4\]/],
    ];
    for (const [tensors, message] of cases) {
      const error = errorOf(() => tensorFeeds(mlp, tensors));
      expect(error.code).toBe('invalid_input');
      expect(error.message).toMatch(message);
      expect(error.message).toContain(signature);
    }
  });

  it('makes a CSV row the single input (1 × n) and checks its width', () => {
    const feeds = feedsOf(mlp, { kind: 'csv', row: '1, 2.5,"3",-4' }, '/p');
    expect(feeds.x).toEqual({ dtype: 'float32', dims: [1, 4], data: new Float32Array([1, 2.5, 3, -4]) });
    expect(errorOf(() => feedsOf(mlp, { kind: 'csv', row: '1,2,3' }, '/p')).message).toMatch(/shape \[1, 3\]/);
    expect(errorOf(() => parseCsvRow('1,two,3')).message).toMatch(/column 2 is "two"/);
    expect(parseCsvRow('1;2;3')).toEqual([1, 2, 3]);
    expect(parseCsvRow('1\t2')).toEqual([1, 2]);
  });

  it('makes random benchmark inputs of each batch size, refusing a batch a fixed batch axis cannot take', () => {
    const feeds = benchFeeds(info({ inputs: [{ name: 'x', dtype: 'float32', dims: ['batch', 'seq', 4] }] }), 8);
    expect(feeds.x!.dims).toEqual([8, 1, 4]);
    expect((feeds.x!.data as Float32Array).length).toBe(32);
    const fixed = info({ inputs: [{ name: 'x', dtype: 'float32', dims: [1, 4] }] });
    expect(benchFeeds(fixed, 1).x!.dims).toEqual([1, 4]);
    expect(errorOf(() => benchFeeds(fixed, 8)).message).toMatch(/fixed batch of 1/);
  });
});

describe('outputs and latencies', () => {
  it('answers the top-k of a score vector with labels from the metadata', () => {
    const model = info({ metadata: { labels: '["cat", "dog", "bird"]' } });
    const topK = topKOf(model, { name: 'y', dtype: 'float32', dims: [1, 3], data: [0.1, 0.7, 0.2] });
    expect(topK).toEqual([
      { index: 1, score: 0.7, label: 'dog' },
      { index: 2, score: 0.2, label: 'bird' },
      { index: 0, score: 0.1, label: 'cat' },
    ]);
    expect(topKOf(model, { name: 'y', dtype: 'float32', dims: [2, 3], data: [1, 2, 3, 4, 5, 6] })).toBeNull();
    expect(topKOf(model, { name: 'y', dtype: 'int64', dims: [1, 3], data: [1, 2, 3] })).toBeNull();
    expect(labelsOf(info({ metadata: { classes: 'a\nb' } }))).toEqual(['a', 'b']);
    const scores = Array.from({ length: 1000 }, (_, i) => Math.sin(i * 7.3));
    const expected = scores
      .map((score, index) => ({ index, score }))
      .sort((a, b) => b.score - a.score)
      .slice(0, 5);
    expect(topKOf(info({}), { name: 'y', dtype: 'float32', dims: [1000], data: scores })).toEqual(expected.map((e) => ({ ...e, label: null })));
    expect(labelsOf(info({ metadata: { class_names: 'a, b' } }))).toEqual(['a', 'b']);
  });

  it('summarizes latencies: percentiles, mean, throughput and a histogram holding every run', () => {
    const latencies = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    const row = summarizeLatencies(latencies, 2, 4);
    expect(row).toMatchObject({ threads: 2, batch: 4, p50Ms: 50.5, meanMs: 50.5 });
    expect(row.p95Ms).toBeCloseTo(95.05, 6);
    expect(row.p99Ms).toBeCloseTo(99.01, 6);
    expect(row.throughputPerS).toBeCloseTo((4 * 1000) / 50.5, 6);
    expect(row.histogram.edges).toHaveLength(10);
    expect(row.histogram.edges[0]).toBe(1);
    expect(row.histogram.counts.reduce((a, b) => a + b, 0)).toBe(100);
    expect(summarizeLatencies(new Float64Array([2, 2, 2]), 1, 1).histogram.counts.reduce((a, b) => a + b, 0)).toBe(3);
  });
});

describe('image preprocessing from the metadata', () => {
  it('reads size, mean, std, scale, layout and color from the metadata', () => {
    const model = info({
      inputs: [{ name: 'image', dtype: 'float32', dims: ['batch', 3, 'h', 'w'] }],
      metadata: { 'preprocess.image_size': '2,3', mean: '[0.5, 0.5, 0.5]', std: '0.25,0.25,0.25', color: 'bgr' },
    });
    expect(imageSpec(model)).toEqual({ height: 2, width: 3, channels: 3, layout: 'NCHW', color: 'bgr', mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], scale: 255, dims: [1, 3, 2, 3] });
    const nhwc = imageSpec(info({ inputs: [{ name: 'image', dtype: 'float32', dims: [1, 28, 28, 1] }] }));
    expect(nhwc).toMatchObject({ height: 28, width: 28, channels: 1, layout: 'NHWC', color: 'gray', dims: [1, 28, 28, 1] });
    expect(errorOf(() => imageSpec(info({ inputs: [{ name: 'image', dtype: 'float32', dims: ['b', 3, 'h', 'w'] }] }))).message).toMatch(/add image_size/);
    expect(errorOf(() => imageSpec(info({}))).message).toMatch(/one 4-d input/);
  });

  it('resizes bilinearly and normalizes into NCHW or NHWC', () => {
    // 2 × 1 pixels: red, blue.
    const image = { width: 2, height: 1, rgba: new Uint8Array([255, 0, 0, 255, 0, 0, 255, 255]) };
    const chw = imageTensor(image, { height: 1, width: 2, channels: 3, layout: 'NCHW', color: 'rgb', mean: [0], std: [1], scale: 255, dims: [1, 3, 1, 2] });
    expect(Array.from(chw)).toEqual([1, 0, 0, 0, 0, 1]);
    const hwc = imageTensor(image, { height: 1, width: 2, channels: 3, layout: 'NHWC', color: 'bgr', mean: [0.5], std: [0.5], scale: 255, dims: [1, 1, 2, 3] });
    expect(Array.from(hwc)).toEqual([-1, -1, 1, 1, -1, -1]);
    const shrunk = imageTensor(image, { height: 1, width: 1, channels: 1, layout: 'NCHW', color: 'gray', mean: [0], std: [1], scale: 1, dims: [1, 1, 1, 1] });
    expect(shrunk[0]).toBeCloseTo(0.299 * 127.5 + 0.114 * 127.5, 3);
  });
});
