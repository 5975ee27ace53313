import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrreryError } from '../../../../../app/contract';
import { decodeOnnxBuffer, inspectOnnxFile, unsupportedFromLoadError, type LoadCheck } from '../../../../../main/services/models/onnx-info';
import { encodeModel, mlpModel, OnnxType, type BuildModel } from './onnx-builder';

let dir = '';

/** onnxruntime-node loading the file in this process (the service does it in its worker). */
const loadHere: LoadCheck = async (file) => {
  try {
    const session = await ort.InferenceSession.create(file);
    await session.release();
    return null;
  } catch (error) {
    return (error as Error).message;
  }
};

async function written(name: string, model: BuildModel | Buffer): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, Buffer.isBuffer(model) ? model : encodeModel(model));
  return file;
}

async function errorOf(work: Promise<unknown>): Promise<OrreryError> {
  const error = await work.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(OrreryError);
  return error as OrreryError;
}

const scalar = { inputs: [{ name: 'x', elemType: OnnxType.float, dims: [1] }], outputs: [{ name: 'y', elemType: OnnxType.float, dims: [1] }] };

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'orrery-onnx-info-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ONNX inspection', () => {
  it('reads the signature, opsets, operators, parameters, metadata and graph of a model', async () => {
    const file = await written('mlp.onnx', mlpModel({ sizes: [4, 8, 3], softmax: true, metadata: { labels: 'a,b,c', 'preprocess.mean': '0.5' } }));
    const info = await inspectOnnxFile(file, 'f'.repeat(64), loadHere);
    expect(info).toMatchObject({
      sha256: 'f'.repeat(64),
      irVersion: 8,
      producer: 'orrery-tests 1.0',
      opsets: { '': 17 },
      inputs: [{ name: 'x', dtype: 'float32', dims: ['batch', 4] }],
      outputs: [{ name: 'y', dtype: 'float32', dims: ['batch', 3] }],
      operators: { MatMul: 2, Add: 2, Relu: 1, Softmax: 1 },
      nodes: 6,
      parameters: 4 * 8 + 8 + 8 * 3 + 3,
      parameterBytes: 4 * (4 * 8 + 8 + 8 * 3 + 3),
      metadata: { labels: 'a,b,c', 'preprocess.mean': '0.5' },
      unsupported: [],
    });
    expect(info.graph[0]).toEqual({ name: 'matmul0', op: 'MatMul', inputs: ['x', 'w0'], outputs: ['mm0'] });
    expect(info.graph.map((node) => node.op)).toEqual(['MatMul', 'Add', 'Relu', 'MatMul', 'Add', 'Softmax']);
  });

  it('counts the operators of subgraphs and leaves initializers out of the inputs', async () => {
    const branch = (op: string, out: string): BuildModel => ({ nodes: [{ op, inputs: ['x'], outputs: [out] }], inputs: [], outputs: [{ name: out, elemType: OnnxType.float, dims: [1] }] });
    const model: BuildModel = {
      nodes: [
        { op: 'Greater', inputs: ['x', 'zero'], outputs: ['gt'] },
        { op: 'ReduceMax', inputs: ['gt_f'], outputs: ['unused'], domain: 'com.example' },
        { op: 'If', inputs: ['cond'], outputs: ['y'], attributes: [{ name: 'then_branch', graph: branch('Relu', 'a') }, { name: 'else_branch', graph: branch('Neg', 'b') }] },
      ],
      initializers: [{ name: 'zero', dims: [1], floats: new Float32Array([0]) }, { name: 'shape', dims: [2], int64s: [1, -1] }],
      inputs: [
        { name: 'x', elemType: OnnxType.float, dims: [1] },
        { name: 'zero', elemType: OnnxType.float, dims: [1] },
      ],
      outputs: [{ name: 'y', elemType: OnnxType.float, dims: [null] }],
      opset: { '': 17, 'com.example': 2 },
    };
    const decoded = await decodeOnnxBuffer(encodeModel(model));
    expect(decoded.inputs.map((input) => input.name)).toEqual(['x']);
    expect(decoded.outputs[0]!.dims).toEqual([null]);
    expect(decoded.operators).toEqual({ Greater: 1, 'com.example.ReduceMax': 1, If: 1, Relu: 1, Neg: 1 });
    expect(decoded.nodes).toBe(5);
    expect(decoded.graph).toHaveLength(3);
    expect(decoded.parameters).toBe(3);
    expect(decoded.parameterBytes).toBe(4 + 16);
    expect(decoded.opsets).toEqual({ '': 17, 'com.example': 2 });
  });

  it('inspects a model exported by PyTorch and agrees with onnxruntime on its inputs and outputs', async () => {
    const file = path.join(dir, 'cnn.onnx');
    const script = `
import sys, torch
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Linear(36, 10))
model.eval()
torch.onnx.export(model, torch.zeros(1, 1, 8, 8), sys.argv[1], input_names=["image"], output_names=["logits"], dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}}, opset_version=13)
`;
    const result = spawnSync('/usr/bin/python3', ['-c', script, file], { encoding: 'utf8', timeout: 120_000 });
    expect(result.status, `torch.onnx.export failed: ${result.stderr}`).toBe(0);
    const info = await inspectOnnxFile(file, 'a'.repeat(64), loadHere);
    expect(info.producer).toMatch(/^pytorch/);
    expect(info.opsets['']).toBe(13);
    expect(info.inputs).toEqual([{ name: 'image', dtype: 'float32', dims: ['batch', 1, 8, 8] }]);
    expect(info.outputs).toEqual([{ name: 'logits', dtype: 'float32', dims: ['batch', 10] }]);
    expect(info.operators).toMatchObject({ Conv: 1, Relu: 1, MaxPool: 1, Gemm: 1 });
    expect(info.parameters).toBe(4 * 9 + 4 + 36 * 10 + 10);
    expect(info.parameterBytes).toBe(4 * info.parameters);
    expect(info.unsupported).toEqual([]);
    const session = await ort.InferenceSession.create(file);
    expect(info.inputs.map((i) => i.name)).toEqual(session.inputNames);
    expect(info.outputs.map((o) => o.name)).toEqual(session.outputNames);
    await session.release();
  }, 120_000);

  it('answers invalid_file for files that are not ONNX', async () => {
    const png = await written('image.png', Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'));
    expect((await errorOf(inspectOnnxFile(png, 'x', loadHere))).code).toBe('invalid_file');
    const text = await written('notes.onnx', Buffer.from('not really onnx'));
    const error = await errorOf(inspectOnnxFile(text, 'x', loadHere));
    expect(error.code).toBe('invalid_file');
    expect(error.message).toContain('is not an ONNX model');
    const empty = await written('empty.onnx', Buffer.alloc(0));
    expect((await errorOf(inspectOnnxFile(empty, 'x', loadHere))).message).toMatch(/empty/);
    const noGraph = await written('truncated.onnx', encodeModel(mlpModel({ sizes: [4, 2] })).subarray(0, 40));
    expect((await errorOf(inspectOnnxFile(noGraph, 'x', loadHere))).code).toBe('invalid_file');
    expect((await errorOf(inspectOnnxFile(path.join(dir, 'missing.onnx'), 'x', loadHere))).code).toBe('not_found');
  });

  it('names operators and opsets onnxruntime cannot run, from its real load errors', async () => {
    const cases: Array<[string, BuildModel, string]> = [
      ['unknown-op.onnx', { ...scalar, nodes: [{ op: 'FooBar', inputs: ['x'], outputs: ['y'] }] }, 'operator FooBar (opset 17)'],
      ['future-opset.onnx', { ...scalar, nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }], opset: 99 }, 'opset 99 of ai.onnx'],
      ['custom-domain.onnx', { ...scalar, nodes: [{ op: 'Thing', domain: 'com.example', inputs: ['x'], outputs: ['y'] }], opset: { '': 17, 'com.example': 1 } }, 'operator com.example.Thing'],
    ];
    for (const [name, model, expected] of cases) {
      const info = await inspectOnnxFile(await written(name, model), 'x', loadHere);
      expect(info.unsupported, name).toEqual([expected]);
    }
  });

  it('falls back to the first line of an error it does not recognise', () => {
    const decoded = { irVersion: 8, producer: '', opsets: {}, inputs: [], outputs: [], operators: {}, nodes: 0, parameters: 0, parameterBytes: 0, metadata: {}, graph: [] };
    expect(unsupportedFromLoadError('something odd\nmore', decoded)).toEqual(['onnxruntime cannot load it: something odd']);
    expect(unsupportedFromLoadError('Unsupported model IR version: 99, max supported IR version: 11', decoded)).toEqual(['IR version 99 (onnxruntime reads up to 11)']);
  });
});
