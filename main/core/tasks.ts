import { OrreryError } from '../../app/contract';
import { newId } from '../../app/lib/ids';
import type { EventBus } from './event-bus';

/** What a long operation holds while it runs: its id, a cancel signal, and the ways to report. */
export interface Task {
  readonly id: string;
  /** Aborted when someone calls `task.cancel` for this id (or the core is disposed). */
  readonly signal: AbortSignal;
  /** Publishes `task.progress` (total null when unknown). */
  progress(done: number, total: number | null, message: string): void;
  /** Publishes a chunk of the program's output as `task.output`. */
  output(stream: 'stdout' | 'stderr', text: string): void;
  /** Throws `cancelled` when the task was cancelled; call between steps. */
  throwIfCancelled(): void;
}

/**
 * Long operations (installs, env creation, discovery, kernel start): each gets an id, reports on the bus,
 * and can be cancelled by id. `run` ends every task with exactly one `finished` progress event.
 */
export class TaskRegistry {
  private readonly running = new Map<string, AbortController>();

  constructor(private readonly bus: EventBus) {}

  /** Runs `work` as a task; the id is the caller's (so it could subscribe first) or a new one. */
  async run<T>(taskId: string | undefined, label: string, work: (task: Task) => Promise<T>): Promise<T> {
    const id = taskId ?? newId('task');
    if (this.running.has(id)) throw new OrreryError('already_exists', `Task ${id} is already running; use another task id.`);
    const controller = new AbortController();
    this.running.set(id, controller);
    let last = { done: 0, total: null as number | null };
    const task: Task = {
      id,
      signal: controller.signal,
      progress: (done, total, message) => {
        last = { done, total };
        this.bus.publish('task.progress', id, { done, total, message, finished: null });
      },
      output: (stream, text) => {
        if (text.length > 0) this.bus.publish('task.output', id, { stream, text });
      },
      throwIfCancelled: () => {
        if (controller.signal.aborted) throw new OrreryError('cancelled', `${label}: cancelled.`);
      },
    };
    this.bus.publish('task.progress', id, { done: 0, total: null, message: label, finished: null });
    try {
      const result = await work(task);
      task.throwIfCancelled();
      this.bus.publish('task.progress', id, { done: last.total ?? last.done, total: last.total, message: `${label}: done`, finished: 'ok' });
      return result;
    } catch (error) {
      const cancelled = controller.signal.aborted;
      const message = error instanceof Error ? error.message : String(error);
      this.bus.publish('task.progress', id, { ...last, message: cancelled ? `${label}: cancelled` : message, finished: cancelled ? 'cancelled' : 'failed' });
      if (cancelled && !(error instanceof OrreryError && error.code === 'cancelled')) {
        throw new OrreryError('cancelled', `${label}: cancelled.`, { cause: error });
      }
      throw error;
    } finally {
      this.running.delete(id);
    }
  }

  /** Cancels a running task; `not_found` when no task has that id (it may have ended already). */
  cancel(id: string): { ok: true } {
    const controller = this.running.get(id);
    if (!controller) throw new OrreryError('not_found', `No running task ${id}; it may have finished already.`);
    controller.abort(new OrreryError('cancelled', 'Cancelled'));
    return { ok: true };
  }

  /** Ids of running tasks. */
  ids(): string[] {
    return [...this.running.keys()];
  }

  /** Cancels everything (core shutdown). */
  dispose(): void {
    for (const controller of this.running.values()) controller.abort(new OrreryError('cancelled', 'Orrery is shutting down'));
  }
}
