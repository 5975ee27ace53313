// The live state of a notebook's cells in main: merged nbformat outputs, execution count and state per cell,
// kept while no view is open, published as kernel.cell events at most every `minIntervalMs` per cell
// (the last state of a run is published at once).
import { applyIopubMessage, createOutputState, updateDisplay, type CellOutputState } from '../../../app/lib/notebook';
import type { CellRun } from '../../../app/models';
import type { Clock } from '../../core/clock';

type CellState = CellRun['state'];

interface Entry {
  cellId: string;
  state: CellState;
  seq: number;
  output: CellOutputState;
  lastPublished: number;
  timer: NodeJS.Timeout | null;
}

/** Default spacing of kernel.cell events for one cell: at most 20 a second. */
export const cellEventIntervalMs = 50;

/** The runs of one notebook's cells. */
export class NotebookRuns {
  private readonly cells = new Map<string, Entry>();
  /** display_id → cells showing it (update_display_data may target another cell's output). */
  private readonly displays = new Map<string, Set<string>>();

  constructor(
    private readonly publish: (run: CellRun) => void,
    private readonly clock: Clock,
    private readonly minIntervalMs = cellEventIntervalMs,
    private readonly outputCap?: number,
  ) {}

  private entry(cellId: string): Entry {
    let entry = this.cells.get(cellId);
    if (!entry) {
      entry = { cellId, state: 'queued', seq: 0, output: createOutputState([], this.outputCap), lastPublished: 0, timer: null };
      this.cells.set(cellId, entry);
    }
    return entry;
  }

  private toRun(entry: Entry): CellRun {
    return { cellId: entry.cellId, state: entry.state, executionCount: entry.output.executionCount, outputs: [...entry.output.outputs], seq: entry.seq };
  }

  private publishNow(entry: Entry): void {
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = null;
    entry.lastPublished = this.clock.now();
    this.publish(this.toRun(entry));
  }

  private touch(entry: Entry, force: boolean): void {
    entry.seq++;
    const wait = entry.lastPublished + this.minIntervalMs - this.clock.now();
    if (force || wait <= 0) return this.publishNow(entry);
    entry.timer ??= setTimeout(() => this.publishNow(entry), wait);
  }

  /** A cell was sent for execution: its outputs are cleared and it waits in the kernel's queue. */
  queue(cellId: string): void {
    const entry = this.entry(cellId);
    entry.state = 'queued';
    entry.output = createOutputState([], this.outputCap);
    this.touch(entry, true);
  }

  /** The kernel started running the cell (status busy). */
  running(cellId: string): void {
    const entry = this.entry(cellId);
    if (entry.state !== 'queued') return;
    entry.state = 'running';
    this.touch(entry, true);
  }

  /** Merges one iopub message into the cell's outputs. */
  iopub(cellId: string, msgType: string, content: Record<string, unknown>): void {
    if (msgType === 'update_display_data') return this.updateDisplays(content);
    const entry = this.entry(cellId);
    if (!applyIopubMessage(entry.output, msgType, content)) return;
    const displayId = (content.transient as { display_id?: unknown } | undefined)?.display_id;
    if (msgType === 'display_data' && typeof displayId === 'string') {
      const set = this.displays.get(displayId) ?? new Set<string>();
      set.add(cellId);
      this.displays.set(displayId, set);
    }
    this.touch(entry, false);
  }

  private updateDisplays(content: Record<string, unknown>): void {
    const displayId = (content.transient as { display_id?: unknown } | undefined)?.display_id;
    if (typeof displayId !== 'string') return;
    for (const cellId of this.displays.get(displayId) ?? []) {
      const entry = this.cells.get(cellId);
      if (entry && updateDisplay(entry.output, displayId, content.data, content.metadata)) this.touch(entry, false);
    }
  }

  /** The run ended (ok, error, aborted); published at once. */
  finish(cellId: string, state: 'ok' | 'error' | 'aborted', executionCount?: number | null): void {
    const entry = this.entry(cellId);
    entry.state = state;
    if (typeof executionCount === 'number') entry.output.executionCount = executionCount;
    this.touch(entry, true);
  }

  /** Adds an error output (the kernel died) and ends the cell with `error`. */
  fail(cellId: string, ename: string, evalue: string): void {
    const entry = this.entry(cellId);
    applyIopubMessage(entry.output, 'error', { ename, evalue, traceback: [`${ename}: ${evalue}`] });
    this.finish(cellId, 'error');
  }

  /** The cell's current run, if kept. */
  get(cellId: string): CellRun | null {
    const entry = this.cells.get(cellId);
    return entry ? this.toRun(entry) : null;
  }

  /** Cells still queued or running. */
  unfinished(): string[] {
    return [...this.cells.values()].filter((e) => e.state === 'queued' || e.state === 'running').map((e) => e.cellId);
  }

  /** Every kept run. */
  snapshot(): CellRun[] {
    return [...this.cells.values()].map((entry) => this.toRun(entry));
  }

  /** Drops kept runs (all, or the named cells) except those still queued or running. */
  forget(cellIds?: readonly string[]): void {
    const targets = cellIds ?? [...this.cells.keys()];
    for (const cellId of targets) {
      const entry = this.cells.get(cellId);
      if (!entry || entry.state === 'queued' || entry.state === 'running') continue;
      if (entry.timer) clearTimeout(entry.timer);
      this.cells.delete(cellId);
      for (const [displayId, set] of this.displays) {
        set.delete(cellId);
        if (set.size === 0) this.displays.delete(displayId);
      }
    }
  }

  /** True when nothing is kept. */
  get empty(): boolean {
    return this.cells.size === 0;
  }

  /** Stops pending event timers. */
  dispose(): void {
    for (const entry of this.cells.values()) if (entry.timer) clearTimeout(entry.timer);
  }
}
