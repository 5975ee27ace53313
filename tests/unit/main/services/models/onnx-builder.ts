/**
 * Builds small ONNX models in TypeScript (a protobuf encoder over the onnx.proto3 fields Orrery reads), so tests
 * and benchmarks make their models at run time instead of keeping binaries in git.
 */
import { seededRandom } from '../../../../../app/lib/random';

export const OnnxType = { float: 1, uint8: 2, int8: 3, int32: 6, int64: 7, string: 8, bool: 9, double: 11 } as const;

export interface BuildValue {
  name: string;
  elemType: number;
  dims: ReadonlyArray<number | string | null>;
}

export interface BuildAttribute {
  name: string;
  int?: number;
  graph?: BuildGraph;
}

export interface BuildNode {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  domain?: string;
  attributes?: BuildAttribute[];
}

export interface BuildTensor {
  name: string;
  dims: number[];
  /** float32 values, written as raw_data. */
  floats?: Float32Array;
  /** int64 values, written as int64_data. */
  int64s?: number[];
}

export interface BuildGraph {
  name?: string;
  nodes: BuildNode[];
  initializers?: BuildTensor[];
  inputs: BuildValue[];
  outputs: BuildValue[];
}

export interface BuildModel extends BuildGraph {
  irVersion?: number;
  /** ai.onnx opset (default 17), or domain → version. */
  opset?: number | Record<string, number>;
  producer?: string;
  metadata?: Record<string, string>;
}

class Writer {
  private readonly parts: Buffer[] = [];

  varint(value: number): this {
    const bytes: number[] = [];
    let v = BigInt.asUintN(64, BigInt(value));
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v > 0n) byte |= 0x80;
      bytes.push(byte);
    } while (v > 0n);
    this.parts.push(Buffer.from(bytes));
    return this;
  }

  tag(field: number, wire: number): this {
    return this.varint(field * 8 + wire);
  }

  int(field: number, value: number): this {
    return this.tag(field, 0).varint(value);
  }

  bytes(field: number, value: Buffer): this {
    this.tag(field, 2).varint(value.length);
    this.parts.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, Buffer.from(value, 'utf8'));
  }

  message(field: number, build: (w: Writer) => void): this {
    const inner = new Writer();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  packed(field: number, values: number[]): this {
    const inner = new Writer();
    for (const v of values) inner.varint(v);
    return this.bytes(field, inner.finish());
  }

  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}

function writeValue(w: Writer, value: BuildValue): void {
  w.string(1, value.name).message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, value.elemType).message(2, (shape) => {
        for (const dim of value.dims) {
          shape.message(1, (d) => {
            if (typeof dim === 'number') d.int(1, dim);
            else if (typeof dim === 'string') d.string(2, dim);
          });
        }
      });
    }),
  );
}

function writeTensor(w: Writer, tensor: BuildTensor): void {
  w.packed(1, tensor.dims);
  if (tensor.int64s) {
    w.int(2, OnnxType.int64).packed(7, tensor.int64s);
  } else {
    w.int(2, OnnxType.float);
  }
  w.string(8, tensor.name);
  if (tensor.floats) w.bytes(9, Buffer.from(tensor.floats.buffer, tensor.floats.byteOffset, tensor.floats.byteLength));
}

function writeGraph(w: Writer, graph: BuildGraph): void {
  for (const node of graph.nodes) {
    w.message(1, (n) => {
      for (const input of node.inputs) n.string(1, input);
      for (const output of node.outputs) n.string(2, output);
      if (node.name) n.string(3, node.name);
      n.string(4, node.op);
      for (const attribute of node.attributes ?? []) {
        n.message(5, (a) => {
          a.string(1, attribute.name);
          if (attribute.int !== undefined) a.int(3, attribute.int).int(20, 2);
          if (attribute.graph) {
            const sub = attribute.graph;
            a.message(6, (g) => writeGraph(g, sub)).int(20, 5);
          }
        });
      }
      if (node.domain) n.string(7, node.domain);
    });
  }
  w.string(2, graph.name ?? 'graph');
  for (const tensor of graph.initializers ?? []) w.message(5, (t) => writeTensor(t, tensor));
  for (const input of graph.inputs) w.message(11, (v) => writeValue(v, input));
  for (const output of graph.outputs) w.message(12, (v) => writeValue(v, output));
}

/** The ModelProto bytes of a model. */
export function encodeModel(model: BuildModel): Buffer {
  const w = new Writer();
  w.int(1, model.irVersion ?? 8);
  w.string(2, model.producer ?? 'orrery-tests');
  w.string(3, '1.0');
  w.message(7, (g) => writeGraph(g, model));
  const opsets = typeof model.opset === 'object' ? model.opset : { '': model.opset ?? 17 };
  for (const [domain, version] of Object.entries(opsets)) {
    w.message(8, (o) => {
      if (domain) o.string(1, domain);
      o.int(2, version);
    });
  }
  for (const [key, value] of Object.entries(model.metadata ?? {})) w.message(14, (m) => m.string(1, key).string(2, value));
  return w.finish();
}


/**
 * A multilayer perceptron: x [batch, sizes[0]] → MatMul + Add (+ Relu between layers) → y [batch, sizes.at(-1)],
 * optionally ending in Softmax so the output is a score vector.
 */
export function mlpModel(options: { sizes: number[]; seed?: number; softmax?: boolean; metadata?: Record<string, string>; batch?: number | string }): BuildModel {
  const random = seededRandom(options.seed ?? 1);
  const nodes: BuildNode[] = [];
  const initializers: BuildTensor[] = [];
  let current = 'x';
  const { sizes } = options;
  for (let layer = 0; layer < sizes.length - 1; layer++) {
    const rows = sizes[layer]!;
    const cols = sizes[layer + 1]!;
    const weights = new Float32Array(rows * cols).map(() => (random() - 0.5) * (2 / Math.sqrt(rows)));
    const bias = new Float32Array(cols).map(() => (random() - 0.5) * 0.1);
    initializers.push({ name: `w${layer}`, dims: [rows, cols], floats: weights }, { name: `b${layer}`, dims: [cols], floats: bias });
    const last = layer === sizes.length - 2;
    nodes.push({ op: 'MatMul', inputs: [current, `w${layer}`], outputs: [`mm${layer}`], name: `matmul${layer}` });
    const added = last && !options.softmax ? 'y' : `add${layer}`;
    nodes.push({ op: 'Add', inputs: [`mm${layer}`, `b${layer}`], outputs: [added], name: `add${layer}` });
    current = added;
    if (!last) {
      nodes.push({ op: 'Relu', inputs: [current], outputs: [`relu${layer}`], name: `relu${layer}` });
      current = `relu${layer}`;
    } else if (options.softmax) {
      nodes.push({ op: 'Softmax', inputs: [current], outputs: ['y'], name: 'softmax', attributes: [{ name: 'axis', int: -1 }] });
    }
  }
  const batch = options.batch ?? 'batch';
  return {
    nodes,
    initializers,
    inputs: [{ name: 'x', elemType: OnnxType.float, dims: [batch, sizes[0]!] }],
    outputs: [{ name: 'y', elemType: OnnxType.float, dims: [batch, sizes.at(-1)!] }],
    metadata: options.metadata,
  };
}
