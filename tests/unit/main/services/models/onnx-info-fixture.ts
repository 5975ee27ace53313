import type { OnnxInfo } from '../../../../../app/contract';

/** What inspection answers for a small model (x [batch, 4] float → y [batch, 3] float), with `overrides` laid over. */
export function onnxInfo(overrides: Partial<OnnxInfo> = {}): OnnxInfo {
  return {
    sha256: 'ab'.repeat(32),
    size: 100,
    irVersion: 8,
    producer: 'test',
    opsets: { '': 17 },
    inputs: [{ name: 'x', dtype: 'float32', dims: ['batch', 4] }],
    outputs: [{ name: 'y', dtype: 'float32', dims: ['batch', 3] }],
    operators: {},
    nodes: 0,
    parameters: 0,
    parameterBytes: 0,
    metadata: {},
    graph: [],
    unsupported: [],
    ...overrides,
  };
}
