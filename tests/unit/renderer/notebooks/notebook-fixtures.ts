import type { CellRun, KernelInfo, NotebookDoc, OpenNotebook } from '../../../../app/models';

/** A small nbformat 4.5 notebook: a markdown cell, two code cells (one with an output), a raw cell with an unknown key. */
export function sampleDoc(): NotebookDoc {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' }, custom: { keep: true } },
    cells: [
      { id: 'md1', cell_type: 'markdown', metadata: {}, source: ['# Title\n', 'Some $x^2$ math'] },
      { id: 'c1', cell_type: 'code', metadata: { tags: ['a'] }, execution_count: 3, outputs: [{ output_type: 'stream', name: 'stdout', text: ['hi\n'] }], source: 'print("hi")' },
      { id: 'c2', cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source: ['x = 1\n', 'x'] },
      { id: 'r1', cell_type: 'raw', metadata: {}, source: 'raw text', extra_key: 'kept' },
    ],
  } as NotebookDoc;
}

/** A kernel as main describes it. */
export function kernelInfo(patch: Partial<KernelInfo> = {}): KernelInfo {
  return { id: 'k1', notebookPath: '/p/nb.ipynb', specName: 'python3', displayName: 'Python 3', envId: 'env1', status: 'idle', pid: 42, startedAt: 1, reason: null, ...patch };
}

/** What notebook.open answers for the sample. */
export function openAnswer(patch: Partial<OpenNotebook> = {}): OpenNotebook {
  const notebook = patch.notebook ?? sampleDoc();
  return { path: '/p/nb.ipynb', notebook, totalCells: notebook.cells.length, mtimeMs: 1000, size: 500, kernel: null, runs: [], pendingInput: null, ...patch };
}

/** A kernel.cell payload. */
export function run(cellId: string, seq: number, patch: Partial<CellRun> = {}): CellRun {
  return { cellId, state: 'ok', executionCount: 7, outputs: [{ output_type: 'stream', name: 'stdout', text: 'out\n' }], seq, ...patch };
}
