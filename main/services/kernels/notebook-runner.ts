// Headless execution of a whole notebook (`orrery notebook run`), like `jupyter nbconvert --execute` and
// papermill: parameters injected after the cell tagged `parameters`, every code cell run in order through the
// kernel service, outputs and execution counts stored, the first error stops the run.
import { OrreryError } from '../../../app/contract';
import { joinSource, newCellId, stripAnsi, toStoredOutputs } from '../../../app/lib/notebook';
import type { CellRun, NotebookDoc } from '../../../app/models';
import type { EventBus } from '../../core/event-bus';
import type { NotebookService } from '../notebooks/notebook-service';
import type { KernelService } from './kernel-service';

/** A parameter value as papermill takes it from `-p name=value`. */
export type ParameterValue = string | number | boolean | null;

/** Parses `-p` values like papermill: int, float, True/False (any case), None, else the string itself. */
export function parseParameterValue(raw: string): ParameterValue {
  if (/^[+-]?\d+$/.test(raw)) return Number.parseInt(raw, 10);
  if (/^[+-]?(\d+\.\d*|\.\d+|\d+)(e[+-]?\d+)?$/i.test(raw) || /^[+-]?(inf|nan)$/i.test(raw)) return Number(raw.replace(/inf/i, 'Infinity'));
  if (/^true$/i.test(raw)) return true;
  if (/^false$/i.test(raw)) return false;
  if (/^none$/i.test(raw)) return null;
  return raw;
}

/** A value as Python source. */
export function pythonLiteral(value: ParameterValue): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return "float('nan')";
    if (!Number.isFinite(value)) return value > 0 ? "float('inf')" : "float('-inf')";
    return String(value);
  }
  return JSON.stringify(value);
}

function tagsOf(cell: NotebookDoc['cells'][number]): string[] {
  const tags = (cell.metadata as { tags?: unknown }).tags;
  return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : [];
}

/** Inserts (or replaces) the `injected-parameters` cell after the cell tagged `parameters` (at the top when none). */
export function injectParameters(doc: NotebookDoc, parameters: Record<string, ParameterValue>): NotebookDoc {
  if (Object.keys(parameters).length === 0) return doc;
  const cells = doc.cells.filter((cell) => !tagsOf(cell).includes('injected-parameters'));
  const at = cells.findIndex((cell) => tagsOf(cell).includes('parameters'));
  const source = ['# Parameters\n', ...Object.entries(parameters).map(([name, value]) => `${name} = ${pythonLiteral(value)}\n`)];
  const cell: Record<string, unknown> = { cell_type: 'code', execution_count: null, metadata: { tags: ['injected-parameters'] }, outputs: [], source };
  if (doc.nbformat_minor >= 5) cell.id = newCellId(new Set(cells.map((c) => c.id).filter((id): id is string => typeof id === 'string')));
  cells.splice(at + 1, 0, cell as NotebookDoc['cells'][number]);
  return { ...doc, cells };
}

/** Options of one headless run. */
export interface NotebookRunOptions {
  readonly input: string;
  readonly output: string;
  readonly envId?: string;
  /** Per-cell limit in seconds (none when absent), as nbconvert's ExecutePreprocessor.timeout. */
  readonly timeoutS?: number;
  readonly parameters: Record<string, ParameterValue>;
  readonly progress: (line: string) => void;
}

/** The first failing cell of a run. */
export interface NotebookRunFailure {
  readonly index: number;
  readonly firstLine: string;
  readonly ename: string;
  readonly evalue: string;
  /** Traceback without ANSI colours. */
  readonly traceback: string;
}

/** What a run did. */
export interface NotebookRunResult {
  readonly executed: number;
  readonly failure: NotebookRunFailure | null;
  readonly mtimeMs: number;
}

function waitForCell(bus: EventBus, kernelId: string, cellId: string, timeoutS: number | undefined, onTimeout: () => void): Promise<CellRun> {
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | null = null;
    const stop = bus.subscribe('kernel.cell', kernelId, ({ payload }) => {
      if (payload.cellId !== cellId || !['ok', 'error', 'aborted'].includes(payload.state)) return;
      stop();
      stopDead();
      if (timer) clearTimeout(timer);
      resolve(payload);
    });
    const stopDead = bus.subscribe('kernel.status', kernelId, ({ payload }) => {
      if (payload.status !== 'dead') return;
      // The cell's error event comes first; this only guards against waiting forever.
      setTimeout(() => reject(new OrreryError('kernel_dead', payload.reason ?? 'The kernel died.')), 2000);
    });
    if (timeoutS !== undefined) timer = setTimeout(onTimeout, timeoutS * 1000);
  });
}

function describeFailure(index: number, source: string, run: CellRun, timedOut: boolean, timeoutS?: number): NotebookRunFailure {
  const error = run.outputs.find((o) => o.output_type === 'error');
  const firstLine = source.split('\n').find((line) => line.trim() !== '') ?? '';
  if (timedOut) return { index, firstLine, ename: 'CellTimeoutError', evalue: `the cell ran longer than ${timeoutS} s and was interrupted`, traceback: '' };
  return {
    index,
    firstLine,
    ename: String(error?.ename ?? 'Error'),
    evalue: String(error?.evalue ?? `the cell ended ${run.state}`),
    traceback: stripAnsi(((error?.traceback as string[] | undefined) ?? []).join('\n')),
  };
}

/** Runs every code cell of a notebook in order and writes the result; stops at the first error (still written). */
export async function runNotebook(services: { kernels: KernelService; notebooks: NotebookService; bus: EventBus }, options: NotebookRunOptions): Promise<NotebookRunResult> {
  const { kernels, notebooks, bus } = services;
  const opened = await notebooks.open(options.input);
  const doc = injectParameters(structuredClone(opened.notebook), options.parameters);
  const code = doc.cells.map((cell, index) => ({ cell, index })).filter(({ cell }) => cell.cell_type === 'code' && joinSource(cell.source).trim() !== '');
  options.progress(`Starting the kernel for ${opened.path}`);
  const kernel = await kernels.start({ notebookPath: opened.path, ...(options.envId ? { envId: options.envId } : {}) });
  let failure: NotebookRunFailure | null = null;
  let executed = 0;
  try {
    for (const [n, { cell, index }] of code.entries()) {
      const source = joinSource(cell.source);
      const cellId = typeof cell.id === 'string' ? cell.id : `cell-${index}`;
      options.progress(`[${n + 1}/${code.length}] cell ${index + 1}: ${source.split('\n')[0]!.slice(0, 60)}`);
      let timedOut = false;
      const done = waitForCell(bus, kernel.id, cellId, options.timeoutS, () => {
        timedOut = true;
        void kernels.interrupt(kernel.id).catch(() => undefined);
      });
      await kernels.execute({ kernelId: kernel.id, cellId, code: source, stopOnError: true });
      const run = await done;
      executed++;
      cell.outputs = toStoredOutputs(run.outputs);
      cell.execution_count = run.executionCount;
      if (run.state !== 'ok' || timedOut) {
        failure = describeFailure(index, source, run, timedOut, options.timeoutS);
        break;
      }
    }
  } finally {
    await kernels.shutdown(kernel.id).catch(() => undefined);
    kernels.forget(opened.path);
  }
  const written = await notebooks.save({ path: options.output, notebook: doc });
  return { executed, failure, mtimeMs: written.mtimeMs };
}
