// Pure nbformat 4 helpers shared by main and the renderer: cell sources, new notebooks and cells, and the merge
// of Jupyter iopub messages into a cell's stored outputs (what JupyterLab's output area and nbclient do).

/** A stored nbformat output (stream, display_data, execute_result, error); unknown keys kept. */
export type NbOutput = { output_type: 'stream' | 'display_data' | 'execute_result' | 'error' } & Record<string, unknown>;

/** A cell source as nbformat stores it: one string or a list of lines. */
export type NbSource = string | readonly string[];

/** Most output one cell keeps (characters of text and MIME data); beyond it outputs are dropped with a marker. */
export const cellOutputCap = 5 * 1024 * 1024;

/** Marker text appended once when a cell's outputs reach the cap. */
export function outputCapMarker(cap = cellOutputCap): string {
  return (
    `[Orrery: output capped — this cell produced more than ${Math.round(cap / (1024 * 1024))} MB of output; ` +
    'the rest was dropped (as Jupyter\'s iopub rate limit does). Write large results to a file instead.]\n'
  );
}

/** A multiline nbformat string (a string, or a list of lines) as one string; anything else is ''. */
export function joinSource(source: NbSource | unknown): string {
  if (typeof source === 'string') return source;
  if (Array.isArray(source)) return source.map((part) => (typeof part === 'string' ? part : '')).join('');
  return '';
}

/** Splits text into nbformat's line list (each line keeps its `\n`), as nbformat's split_lines does. */
export function splitSource(text: string): string[] {
  if (text === '') return [];
  return text.split(/(?<=\n)/);
}

/** A fresh nbformat cell id: 8 hex characters (nbformat uses uuid4().hex[:8]), unique among `taken`. */
export function newCellId(taken: ReadonlySet<string> = new Set()): string {
  for (;;) {
    const bytes = new Uint8Array(4);
    (globalThis as unknown as { crypto: { getRandomValues(array: Uint8Array): Uint8Array } }).crypto.getRandomValues(bytes);
    const id = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
    if (!taken.has(id)) return id;
  }
}

/** A new empty cell of a type, with a fresh id (code cells get empty outputs and no execution count). */
export function newCell(cellType: 'code' | 'markdown' | 'raw', source = '', taken?: ReadonlySet<string>): Record<string, unknown> & { cell_type: typeof cellType; id: string } {
  const base = { cell_type: cellType, id: newCellId(taken), metadata: {}, source: splitSource(source) };
  if (cellType !== 'code') return base;
  return { ...base, execution_count: null, outputs: [] };
}

/** A new nbformat 4.5 notebook with one empty code cell, naming its kernelspec when given. */
export function newNotebook(kernelspec?: { name: string; displayName: string; language: string }) {
  const spec = kernelspec ?? { name: 'python3', displayName: 'Python 3 (ipykernel)', language: 'python' };
  return {
    cells: [newCell('code')],
    metadata: {
      kernelspec: { display_name: spec.displayName, language: spec.language, name: spec.name },
      language_info: { name: spec.language },
    },
    nbformat: 4 as const,
    nbformat_minor: 5,
  };
}

/** Removes ANSI escape sequences (colours in tracebacks). */
export function stripAnsi(text: string): string {
  return text.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b[@-Z\\-_]/g, '');
}

/** What one cell's outputs are while messages arrive: the nbformat list plus the bookkeeping to merge into it. */
export interface CellOutputState {
  outputs: NbOutput[];
  /** clear_output(wait=True) seen: the next output clears first. */
  pendingClear: boolean;
  /** display_id → indexes of outputs showing it. */
  displays: Map<string, number[]>;
  /** Characters kept so far (for the cap). */
  size: number;
  /** The cap marker has been added; further output is dropped. */
  capped: boolean;
  cap: number;
  executionCount: number | null;
}

/** A fresh state (optionally starting from a cell's stored outputs). */
export function createOutputState(outputs: readonly NbOutput[] = [], cap = cellOutputCap): CellOutputState {
  const state: CellOutputState = { outputs: [], pendingClear: false, displays: new Map(), size: 0, capped: false, cap, executionCount: null };
  for (const output of outputs) {
    state.outputs.push(output);
    state.size += outputSize(output);
  }
  return state;
}

function bundleSize(data: unknown): number {
  if (!data || typeof data !== 'object') return 0;
  let size = 0;
  for (const value of Object.values(data as Record<string, unknown>)) {
    if (typeof value === 'string') size += value.length;
    else if (Array.isArray(value)) for (const part of value) size += typeof part === 'string' ? part.length : JSON.stringify(part ?? null).length;
    else size += JSON.stringify(value ?? null).length;
  }
  return size;
}

function outputSize(output: NbOutput): number {
  if (output.output_type === 'stream') return joinSource((output.text as NbSource | undefined) ?? '').length;
  if (output.output_type === 'error') return JSON.stringify(output.traceback ?? []).length;
  return bundleSize(output.data);
}

/** Applies carriage returns and backspaces as a terminal would (nbconvert's coalesce_streams does the same). */
export function applyCarriageReturns(text: string): string {
  let out = text;
  if (out.includes('\r')) {
    out = out.replace(/\r+\n/g, '\n');
    out = out.replace(/[^\n]*\r(?=[^\n])/g, '');
  }
  while (out.includes('\b')) {
    const next = out.replace(/[^\n\x08]\x08/, '');
    if (next === out) break;
    out = next;
  }
  return out;
}

/** Joins new stream text onto existing text, treating `\r` across the boundary (only the last line is re-scanned). */
function joinStream(previous: string, chunk: string): string {
  if (!chunk.includes('\r') && !chunk.includes('\b')) return previous + chunk;
  const cut = previous.lastIndexOf('\n') + 1;
  return previous.slice(0, cut) + applyCarriageReturns(previous.slice(cut) + chunk);
}

function addCapMarker(state: CellOutputState): void {
  state.capped = true;
  state.outputs.push({ output_type: 'stream', name: 'stderr', text: outputCapMarker(state.cap) });
}

function appendStream(state: CellOutputState, name: string, text: string): void {
  if (state.capped) return;
  const room = state.cap - state.size;
  const kept = text.length > room ? text.slice(0, Math.max(0, room)) : text;
  const last = state.outputs[state.outputs.length - 1];
  if (kept.length > 0) {
    if (last && last.output_type === 'stream' && last.name === name) {
      const before = joinSource(last.text as NbSource);
      const joined = joinStream(before, kept);
      state.outputs[state.outputs.length - 1] = { ...last, text: joined };
      state.size += joined.length - before.length;
    } else {
      state.outputs.push({ output_type: 'stream', name, text: applyCarriageReturns(kept) });
      state.size += kept.length;
    }
  }
  if (kept.length < text.length) addCapMarker(state);
}

function appendOutput(state: CellOutputState, output: NbOutput, displayId: string | null): void {
  const size = outputSize(output);
  if (output.output_type !== 'error') {
    if (state.capped) return;
    if (state.size + size > state.cap) return addCapMarker(state);
  }
  state.size += size;
  state.outputs.push(output);
  if (displayId) {
    const list = state.displays.get(displayId) ?? [];
    list.push(state.outputs.length - 1);
    state.displays.set(displayId, list);
  }
}

function clearOutputs(state: CellOutputState): void {
  state.outputs = [];
  state.displays.clear();
  state.size = 0;
  state.capped = false;
  state.pendingClear = false;
}

function transientDisplayId(content: Record<string, unknown>): string | null {
  const transient = content.transient as { display_id?: unknown } | undefined;
  return typeof transient?.display_id === 'string' ? transient.display_id : null;
}

/** Replaces the data of every output showing `displayId`; answers whether one was found. */
export function updateDisplay(state: CellOutputState, displayId: string, data: unknown, metadata: unknown): boolean {
  const indexes = state.displays.get(displayId);
  if (!indexes) return false;
  for (const index of indexes) {
    const output = state.outputs[index];
    if (!output) continue;
    state.size += bundleSize(data) - bundleSize(output.data);
    state.outputs[index] = { ...output, data: data ?? {}, metadata: metadata ?? {} };
  }
  return true;
}

/**
 * Merges one iopub message (by msg_type and content) into a cell's outputs: streams joined, clear_output(wait)
 * honoured, display ids tracked, the cap applied. Answers true when the stored outputs or execution count changed.
 */
export function applyIopubMessage(state: CellOutputState, msgType: string, content: Record<string, unknown>): boolean {
  if (msgType === 'clear_output') {
    if (content.wait === true) state.pendingClear = true;
    else clearOutputs(state);
    return content.wait !== true;
  }
  if (msgType === 'execute_input') {
    state.executionCount = typeof content.execution_count === 'number' ? content.execution_count : state.executionCount;
    return true;
  }
  if (msgType === 'update_display_data') {
    const id = transientDisplayId(content);
    return id !== null && updateDisplay(state, id, content.data, content.metadata);
  }
  if (!['stream', 'display_data', 'execute_result', 'error'].includes(msgType)) return false;
  if (state.pendingClear) clearOutputs(state);
  if (msgType === 'stream') {
    appendStream(state, String(content.name ?? 'stdout'), String(content.text ?? ''));
  } else if (msgType === 'error') {
    appendOutput(state, { output_type: 'error', ename: String(content.ename ?? ''), evalue: String(content.evalue ?? ''), traceback: (content.traceback as string[] | undefined) ?? [] }, null);
  } else {
    const output: NbOutput = { output_type: msgType as 'display_data' | 'execute_result', data: content.data ?? {}, metadata: content.metadata ?? {} };
    if (msgType === 'execute_result') {
      output.execution_count = typeof content.execution_count === 'number' ? content.execution_count : state.executionCount;
    }
    appendOutput(state, output, transientDisplayId(content));
  }
  return true;
}

/** Outputs in the form nbformat writes them: stream text and MIME text values as line lists. */
export function toStoredOutputs(outputs: readonly NbOutput[]): NbOutput[] {
  return outputs.map((output) => {
    if (output.output_type === 'stream') return { ...output, text: splitSource(joinSource(output.text as NbSource)) };
    if (output.data && typeof output.data === 'object') {
      const data: Record<string, unknown> = {};
      for (const [mime, value] of Object.entries(output.data as Record<string, unknown>)) {
        const isText = typeof value === 'string' && mime !== 'application/json' && !mime.endsWith('+json');
        data[mime] = isText ? splitSource(value) : value;
      }
      return { ...output, data };
    }
    return output;
  });
}
