import { OrreryError } from '../../../app/contract';
import type { OnnxInfo, TensorInfo } from '../../../app/contract/models';
import { ProtoFormatError, ProtoReader, WireType } from './onnx-proto';

/**
 * ONNX inspection: the ModelProto is decoded with a small wire-format reader (onnx-proto.ts) over the fields of
 * onnx.proto3 listed below. Initializers are counted from their dims and data type; their data is skipped, not read.
 *
 * ModelProto: ir_version 1, producer_name 2, producer_version 3, graph 7, opset_import 8, metadata_props 14.
 * OperatorSetIdProto: domain 1, version 2. StringStringEntryProto: key 1, value 2.
 * GraphProto: node 1, initializer 5, input 11, output 12, sparse_initializer 15.
 * NodeProto: input 1, output 2, name 3, op_type 4, attribute 5, domain 7.
 * AttributeProto: g 6, graphs 11 (subgraphs of If / Loop / Scan).
 * TensorProto: dims 1, data_type 2. SparseTensorProto: values 1.
 * ValueInfoProto: name 1, type 2. TypeProto: tensor_type 1 (elem_type 1, shape 2), sequence 4, map 5, optional 9,
 * sparse_tensor 8. TensorShapeProto: dim 1 (dim_value 1, dim_param 2).
 */

/** TensorProto.DataType → the dtype name onnxruntime uses, and its element size in bytes. */
const dataTypes: Record<number, { name: string; bytes: number }> = {
  1: { name: 'float32', bytes: 4 },
  2: { name: 'uint8', bytes: 1 },
  3: { name: 'int8', bytes: 1 },
  4: { name: 'uint16', bytes: 2 },
  5: { name: 'int16', bytes: 2 },
  6: { name: 'int32', bytes: 4 },
  7: { name: 'int64', bytes: 8 },
  8: { name: 'string', bytes: 0 },
  9: { name: 'bool', bytes: 1 },
  10: { name: 'float16', bytes: 2 },
  11: { name: 'float64', bytes: 8 },
  12: { name: 'uint32', bytes: 4 },
  13: { name: 'uint64', bytes: 8 },
  14: { name: 'complex64', bytes: 8 },
  15: { name: 'complex128', bytes: 16 },
  16: { name: 'bfloat16', bytes: 2 },
  17: { name: 'float8e4m3fn', bytes: 1 },
  18: { name: 'float8e4m3fnuz', bytes: 1 },
  19: { name: 'float8e5m2', bytes: 1 },
  20: { name: 'float8e5m2fnuz', bytes: 1 },
  21: { name: 'uint4', bytes: 0.5 },
  22: { name: 'int4', bytes: 0.5 },
  23: { name: 'float4e2m1', bytes: 0.5 },
};

export function dtypeName(dataType: number): string {
  return dataTypes[dataType]?.name ?? `type${dataType}`;
}

/** How many nodes the graph summary keeps (the view shows the first ones in order). */
export const graphSummaryLimit = 500;

/** The decoded parts of a model, before onnxruntime is asked whether it loads. */
export type DecodedModel = Omit<OnnxInfo, 'sha256' | 'size' | 'unsupported'>;

interface GraphTotals {
  operators: Record<string, number>;
  nodes: number;
  parameters: number;
  parameterBytes: number;
  graph: OnnxInfo['graph'];
}

async function readTensorShape(reader: ProtoReader): Promise<TensorInfo['dims']> {
  const dims: TensorInfo['dims'] = [];
  while (reader.more()) {
    const tag = await reader.tag();
    if (tag.field !== 1 || tag.wire !== WireType.len) {
      await reader.skip(tag.wire);
      continue;
    }
    const dim = await reader.message();
    let value: number | string | null = null;
    while (dim.more()) {
      const d = await dim.tag();
      if (d.field === 1 && d.wire === WireType.varint) value = await dim.varint();
      else if (d.field === 2 && d.wire === WireType.len) value = (await dim.string()) || null;
      else await dim.skip(d.wire);
    }
    dims.push(value);
  }
  return dims;
}

/** TypeProto → a dtype and dims (sequences, maps and optionals are named, without dims). */
async function readType(reader: ProtoReader): Promise<{ dtype: string; dims: TensorInfo['dims'] }> {
  let result: { dtype: string; dims: TensorInfo['dims'] } = { dtype: 'unknown', dims: [] };
  while (reader.more()) {
    const tag = await reader.tag();
    if ((tag.field === 1 || tag.field === 8) && tag.wire === WireType.len) {
      const tensor = await reader.message();
      let elemType = 0;
      let dims: TensorInfo['dims'] = [];
      while (tensor.more()) {
        const t = await tensor.tag();
        if (t.field === 1 && t.wire === WireType.varint) elemType = await tensor.varint();
        else if (t.field === 2 && t.wire === WireType.len) dims = await readTensorShape(await tensor.message());
        else await tensor.skip(t.wire);
      }
      result = { dtype: (tag.field === 8 ? 'sparse ' : '') + dtypeName(elemType), dims };
    } else if (tag.field === 4 || tag.field === 5 || tag.field === 9) {
      await reader.skip(tag.wire);
      result = { dtype: tag.field === 4 ? 'sequence' : tag.field === 5 ? 'map' : 'optional', dims: [] };
    } else await reader.skip(tag.wire);
  }
  return result;
}

async function readValueInfo(reader: ProtoReader): Promise<TensorInfo> {
  let name = '';
  let type: { dtype: string; dims: TensorInfo['dims'] } = { dtype: 'unknown', dims: [] };
  while (reader.more()) {
    const tag = await reader.tag();
    if (tag.field === 1 && tag.wire === WireType.len) name = await reader.string();
    else if (tag.field === 2 && tag.wire === WireType.len) type = await readType(await reader.message());
    else await reader.skip(tag.wire);
  }
  return { name, ...type };
}

/** An initializer's element count and bytes, from dims and data type (its data is skipped). */
async function readTensorSize(reader: ProtoReader): Promise<{ elements: number; bytes: number; name: string }> {
  const dims: number[] = [];
  let name = '';
  let dataType = 0;
  let stringBytes = 0;
  while (reader.more()) {
    const tag = await reader.tag();
    if (tag.field === 1) dims.push(...(await reader.varints(tag.wire)));
    else if (tag.field === 2 && tag.wire === WireType.varint) dataType = await reader.varint();
    else if (tag.field === 6 && tag.wire === WireType.len) stringBytes += await reader.skipBytes();
    else if (tag.field === 8 && tag.wire === WireType.len) name = await reader.string();
    else await reader.skip(tag.wire);
  }
  const elements = dims.reduce((product, d) => product * Math.max(d, 0), 1);
  const size = dataTypes[dataType]?.bytes ?? 0;
  return { elements, bytes: dataType === 8 ? stringBytes : Math.ceil(elements * size), name };
}

async function readSparseTensorSize(reader: ProtoReader): Promise<{ elements: number; bytes: number; name: string }> {
  let size = { elements: 0, bytes: 0, name: '' };
  while (reader.more()) {
    const tag = await reader.tag();
    if (tag.field === 1 && tag.wire === WireType.len) size = await readTensorSize(await reader.message());
    else await reader.skip(tag.wire);
  }
  return size;
}

async function readAttributeGraphs(reader: ProtoReader, totals: GraphTotals, depth: number): Promise<void> {
  while (reader.more()) {
    const tag = await reader.tag();
    if ((tag.field === 6 || tag.field === 11) && tag.wire === WireType.len) await readGraph(await reader.message(), totals, depth + 1, null);
    else await reader.skip(tag.wire);
  }
}

async function readNode(reader: ProtoReader, totals: GraphTotals, depth: number): Promise<OnnxInfo['graph'][number]> {
  const node = { name: '', op: '', inputs: [] as string[], outputs: [] as string[] };
  let domain = '';
  while (reader.more()) {
    const tag = await reader.tag();
    if (tag.wire !== WireType.len) {
      await reader.skip(tag.wire);
      continue;
    }
    if (tag.field === 1) node.inputs.push(await reader.string());
    else if (tag.field === 2) node.outputs.push(await reader.string());
    else if (tag.field === 3) node.name = await reader.string();
    else if (tag.field === 4) node.op = await reader.string();
    else if (tag.field === 7) domain = await reader.string();
    else if (tag.field === 5) await readAttributeGraphs(await reader.message(), totals, depth);
    else await reader.skip(tag.wire);
  }
  if (!node.op) throw new ProtoFormatError('a node without an op_type');
  if (domain && domain !== 'ai.onnx') node.op = `${domain}.${node.op}`;
  return node;
}

/** One graph (the main one, or a subgraph when `io` is null): nodes, initializers, and the main graph's I/O. */
async function readGraph(reader: ProtoReader, totals: GraphTotals, depth: number, io: { inputs: TensorInfo[]; outputs: TensorInfo[]; initializers: Set<string> } | null): Promise<void> {
  if (depth > 32) throw new ProtoFormatError('subgraphs nested more than 32 deep');
  while (reader.more()) {
    const tag = await reader.tag();
    if (tag.field === 1) {
      ProtoReader.expect(tag, WireType.len, 'GraphProto.node');
      const node = await readNode(await reader.message(), totals, depth);
      totals.nodes += 1;
      totals.operators[node.op] = (totals.operators[node.op] ?? 0) + 1;
      if (depth === 0 && totals.graph.length < graphSummaryLimit) totals.graph.push(node);
    } else if (tag.field === 5 || tag.field === 15) {
      ProtoReader.expect(tag, WireType.len, 'GraphProto.initializer');
      const message = await reader.message();
      const size = tag.field === 5 ? await readTensorSize(message) : await readSparseTensorSize(message);
      totals.parameters += size.elements;
      totals.parameterBytes += size.bytes;
      if (io) io.initializers.add(size.name);
    } else if ((tag.field === 11 || tag.field === 12) && io) {
      ProtoReader.expect(tag, WireType.len, 'GraphProto.input/output');
      (tag.field === 11 ? io.inputs : io.outputs).push(await readValueInfo(await reader.message()));
    } else await reader.skip(tag.wire);
  }
}

async function readModel(reader: ProtoReader): Promise<DecodedModel> {
  const model: DecodedModel = { irVersion: 0, producer: '', opsets: {}, inputs: [], outputs: [], operators: {}, nodes: 0, parameters: 0, parameterBytes: 0, metadata: {}, graph: [] };
  const totals: GraphTotals = { operators: {}, nodes: 0, parameters: 0, parameterBytes: 0, graph: [] };
  const io = { inputs: [] as TensorInfo[], outputs: [] as TensorInfo[], initializers: new Set<string>() };
  let producerVersion = '';
  let hasGraph = false;
  while (reader.more()) {
    const tag = await reader.tag();
    switch (tag.field) {
      case 1:
        ProtoReader.expect(tag, WireType.varint, 'ModelProto.ir_version');
        model.irVersion = await reader.varint();
        break;
      case 2:
        ProtoReader.expect(tag, WireType.len, 'ModelProto.producer_name');
        model.producer = await reader.string();
        break;
      case 3:
        ProtoReader.expect(tag, WireType.len, 'ModelProto.producer_version');
        producerVersion = await reader.string();
        break;
      case 7:
        ProtoReader.expect(tag, WireType.len, 'ModelProto.graph');
        hasGraph = true;
        await readGraph(await reader.message(), totals, 0, io);
        break;
      case 8:
      case 14: {
        ProtoReader.expect(tag, WireType.len, tag.field === 8 ? 'ModelProto.opset_import' : 'ModelProto.metadata_props');
        const entry = await readPair(await reader.message());
        if (tag.field === 8) model.opsets[entry.key === 'ai.onnx' ? '' : entry.key] = entry.number;
        else model.metadata[entry.key] = entry.value;
        break;
      }
      default:
        await reader.skip(tag.wire);
    }
  }
  if (model.irVersion < 1 || model.irVersion > 100 || !hasGraph) throw new ProtoFormatError(model.irVersion < 1 ? 'no ir_version' : !hasGraph ? 'no graph' : `ir_version ${model.irVersion}`);
  if (producerVersion) model.producer = model.producer ? `${model.producer} ${producerVersion}` : producerVersion;
  // Graph inputs that are initializers (old exporters list them) are weights, not inputs to feed.
  model.inputs = io.inputs.filter((input) => !io.initializers.has(input.name));
  model.outputs = io.outputs;
  return { ...model, operators: totals.operators, nodes: totals.nodes, parameters: totals.parameters, parameterBytes: totals.parameterBytes, graph: totals.graph };
}

/** OperatorSetIdProto (domain 1, version 2) or StringStringEntryProto (key 1, value 2). */
async function readPair(reader: ProtoReader): Promise<{ key: string; value: string; number: number }> {
  const pair = { key: '', value: '', number: 0 };
  while (reader.more()) {
    const tag = await reader.tag();
    if (tag.field === 1 && tag.wire === WireType.len) pair.key = await reader.string();
    else if (tag.field === 2 && tag.wire === WireType.len) pair.value = await reader.string();
    else if (tag.field === 2 && tag.wire === WireType.varint) pair.number = await reader.varint();
    else await reader.skip(tag.wire);
  }
  return pair;
}

function notOnnx(file: string, error: unknown): OrreryError {
  const detail = error instanceof ProtoFormatError ? error.message : String(error);
  return new OrreryError('invalid_file', `${file} is not an ONNX model (${detail}); choose a .onnx file exported with torch.onnx.export, skl2onnx or tf2onnx.`, { cause: error });
}

/** Decodes an ONNX model held in memory (tests, and files already read). */
export async function decodeOnnxBuffer(buffer: Buffer, name = 'the data'): Promise<DecodedModel> {
  try {
    return await readModel(ProtoReader.ofBuffer(buffer));
  } catch (error) {
    if (error instanceof ProtoFormatError) throw notOnnx(name, error);
    throw error;
  }
}

/** Decodes an ONNX file, reading only its structure (initializer data is skipped). */
export async function decodeOnnxFile(file: string): Promise<{ model: DecodedModel; size: number }> {
  let opened: Awaited<ReturnType<typeof ProtoReader.ofFile>>;
  try {
    opened = await ProtoReader.ofFile(file);
  } catch (error) {
    throw new OrreryError('not_found', `Cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  try {
    if (opened.source.size === 0) throw new ProtoFormatError('the file is empty');
    return { model: await readModel(opened.reader), size: opened.source.size };
  } catch (error) {
    if (error instanceof ProtoFormatError) throw notOnnx(file, error);
    throw error;
  } finally {
    await opened.source.close();
  }
}

/** Asks onnxruntime whether a file loads: null when it does, else its error message. */
export type LoadCheck = (file: string) => Promise<string | null>;

/**
 * Operators and opsets onnxruntime refused, named from its load error: "Could not find an implementation for
 * Foo(7) node…", "…is not a registered function/op", "Opset 30 is under development…" / "…only guarantees
 * support for models stamped with opset version N".
 */
export function unsupportedFromLoadError(message: string, model: DecodedModel): string[] {
  const found = new Set<string>();
  for (const match of message.matchAll(/Could not find an implementation for (\w+)\((\d+)\)/g)) found.add(`operator ${match[1]} (opset ${match[2]})`);
  for (const match of message.matchAll(/([\w.]*):(\w+)\((-?\d+)\) is not a registered function\/op/g)) found.add(`operator ${match[1] ? `${match[1]}.` : ''}${match[2]}`);
  for (const match of message.matchAll(/No Op registered for (\w+) with domain_version of (\d+)/g)) found.add(`operator ${match[1]} (opset ${match[2]})`);
  const opset = /Opset (\d+) is under development/.exec(message) ?? /onnx opset version (\d+)/i.exec(message);
  if (opset) found.add(`opset ${opset[1]} of ai.onnx`);
  const ir = /Unsupported model IR version: (\d+), max supported IR version: (\d+)/.exec(message);
  if (ir) found.add(`IR version ${ir[1]} (onnxruntime reads up to ${ir[2]})`);
  const domain = /(?:Unrecognized|unknown|not registered)[^.]*domain[^.]*?'?([\w.]+)'?/i.exec(message);
  if (domain && found.size === 0 && Object.hasOwn(model.opsets, domain[1]!)) found.add(`operator domain ${domain[1]}`);
  if (found.size === 0) found.add(`onnxruntime cannot load it: ${message.split('\n')[0]!.slice(0, 400)}`);
  return [...found];
}

/**
 * What an ONNX file holds (inputs, outputs, opsets, operators, parameters, metadata, a graph summary), and what
 * onnxruntime-node cannot run in it. `loadCheck` loads the file in onnxruntime (default: in the inference
 * worker, off the main thread).
 */
export async function inspectOnnxFile(file: string, sha256: string, loadCheck?: LoadCheck): Promise<OnnxInfo> {
  const { model, size } = await decodeOnnxFile(file);
  const check = loadCheck ?? (await import('./inference')).checkLoadsInWorker;
  const error = await check(file);
  return { sha256, size, ...model, unsupported: error === null ? [] : unsupportedFromLoadError(error, model) };
}
