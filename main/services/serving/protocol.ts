import { OrreryError, type OnnxInfo, type TensorInfo } from '../../../app/contract';
import type { WireTensor } from '../models/inference-worker';

/**
 * The Open Inference Protocol v2 (KServe) over JSON: datatypes, model metadata, infer requests and responses.
 * https://kserve.github.io/website/latest/modelserving/data_plane/v2_protocol/
 */

/** onnxruntime dtype → v2 datatype. */
const toV2: Record<string, string> = {
  bool: 'BOOL',
  uint8: 'UINT8',
  uint16: 'UINT16',
  uint32: 'UINT32',
  uint64: 'UINT64',
  int8: 'INT8',
  int16: 'INT16',
  int32: 'INT32',
  int64: 'INT64',
  float16: 'FP16',
  float32: 'FP32',
  float64: 'FP64',
  string: 'BYTES',
};

const fromV2: Record<string, string> = Object.fromEntries(Object.entries(toV2).map(([dtype, v2]) => [v2, dtype]));

export function v2Datatype(dtype: string): string {
  return toV2[dtype] ?? dtype.toUpperCase();
}

/** A v2 datatype as onnxruntime's dtype name (undefined when unknown, so the signature check names it). */
export function dtypeOfV2(datatype: string): string {
  return fromV2[datatype] ?? datatype;
}

function v2Shape(tensor: TensorInfo): number[] {
  return tensor.dims.map((d) => (typeof d === 'number' ? d : -1));
}

/** `GET /v2/models/{name}`: name, versions, platform, inputs and outputs. */
export function modelMetadata(name: string, version: string | null, info: OnnxInfo): Record<string, unknown> {
  const describe = (tensor: TensorInfo): Record<string, unknown> => ({ name: tensor.name, datatype: v2Datatype(tensor.dtype), shape: v2Shape(tensor) });
  return { name, versions: version ? [version] : [], platform: 'onnxruntime_onnx', inputs: info.inputs.map(describe), outputs: info.outputs.map(describe) };
}

/** A parsed infer request: tensors as InferenceService's JSON tensors (checked against the model by it). */
export interface InferRequest {
  id: string | null;
  tensors: Record<string, { data: unknown[]; dims?: number[]; dtype?: string }>;
  outputs: string[] | null;
  batch: number | null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const requestShape =
  'send {"inputs": [{"name": "x", "shape": [1, 4], "datatype": "FP32", "data": [1, 2, 3, 4]}]} (Open Inference Protocol v2)';

/** Reads a v2 infer request body; anything malformed → invalid_input saying what to send. */
export function parseInferRequest(body: unknown): InferRequest {
  if (!isRecord(body) || !Array.isArray(body.inputs) || body.inputs.length === 0) throw new OrreryError('invalid_input', `The request has no "inputs" list; ${requestShape}.`);
  const tensors: InferRequest['tensors'] = {};
  let batch: number | null = null;
  for (const [index, input] of body.inputs.entries()) {
    if (!isRecord(input) || typeof input.name !== 'string') throw new OrreryError('invalid_input', `inputs[${index}] has no "name"; ${requestShape}.`);
    const { name, shape, datatype, data } = input;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && (d as number) >= 0)) {
      throw new OrreryError('invalid_input', `inputs[${index}] (${name}) needs "shape", a list of whole numbers; ${requestShape}.`);
    }
    if (typeof datatype !== 'string') throw new OrreryError('invalid_input', `inputs[${index}] (${name}) needs "datatype" (FP32, INT64, …); ${requestShape}.`);
    if (!Array.isArray(data)) throw new OrreryError('invalid_input', `inputs[${index}] (${name}) needs "data", a list (flat or nested); ${requestShape}.`);
    const dims = shape as number[];
    // Nested data is flattened here, so the shape given is the one checked.
    const flat: unknown[] = data.some(Array.isArray) ? (data as unknown[]).flat(dims.length) : data;
    tensors[name] = { data: flat, dims, dtype: dtypeOfV2(datatype) };
    if (batch === null && dims.length > 0) batch = dims[0]!;
  }
  let outputs: string[] | null = null;
  if (Array.isArray(body.outputs)) outputs = body.outputs.map((o, i) => {
    if (!isRecord(o) || typeof o.name !== 'string') throw new OrreryError('invalid_input', `outputs[${i}] has no "name"; list the outputs wanted as {"name": "y"}.`);
    return o.name;
  });
  const id = typeof body.id === 'string' ? body.id : null;
  return { id, tensors, outputs, batch };
}

/** Output data as a flat JSON list (bigints as numbers). */
function flatData(data: WireTensor['data'] | unknown[]): unknown[] {
  if (Array.isArray(data)) return data;
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return Array.from(data, Number);
  const out = new Array<number>(data.length);
  const numbers = data as Float32Array;
  for (let i = 0; i < numbers.length; i++) out[i] = numbers[i]!;
  return out;
}

export interface OutputTensor {
  name: string;
  dtype: string;
  dims: readonly number[];
  data: WireTensor['data'] | unknown[];
}

/** The v2 infer response. */
export function inferResponse(name: string, version: string | null, id: string | null, outputs: readonly OutputTensor[], wanted: readonly string[] | null): Record<string, unknown> {
  const chosen = wanted ? outputs.filter((o) => wanted.includes(o.name)) : outputs;
  return {
    model_name: name,
    ...(version ? { model_version: version } : {}),
    ...(id !== null ? { id } : {}),
    outputs: chosen.map((o) => ({ name: o.name, datatype: v2Datatype(o.dtype), shape: [...o.dims], data: flatData(o.data) })),
  };
}
