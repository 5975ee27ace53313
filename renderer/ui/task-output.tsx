import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { EventPayload } from '../../app/contract';
import { newId } from '../../app/lib/ids';
import { errorMessage, isClientError } from '../client/client-error';
import type { OrreryClient } from '../client/types';
import './task-output.css';

/** What the renderer knows of one long operation: its last progress and the output it streamed. */
export interface TaskState {
  readonly id: string;
  readonly label: string;
  readonly done: number;
  readonly total: number | null;
  readonly message: string;
  readonly finished: 'ok' | 'failed' | 'cancelled' | null;
  /** The program's output so far (stdout and stderr interleaved as they came), the tail when long. */
  readonly output: string;
  /** Older output was dropped to keep `output` under the cap. */
  readonly truncated: boolean;
  /** Cancel was asked and the task has not ended yet. */
  readonly cancelling: boolean;
  /** The call's error, when it failed (message and code). */
  readonly error: { readonly message: string; readonly code: string | null } | null;
}

/** Most output characters kept per task (pip can print a lot); older text is dropped first. */
export const maxTaskOutput = 200_000;

// Colour and cursor escapes: pip, conda and uv may print them even into a pipe.
const ansiEscape = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007]*(\u0007|\u001b\\)/g;

/** Text without terminal colour and cursor escapes (pip colours its errors, even in messages passed on). */
export function stripAnsi(text: string): string {
  return text.replace(ansiEscape, '');
}

/** A task that has just started: nothing heard yet. */
export function initialTask(id: string, label: string): TaskState {
  return { id, label, done: 0, total: null, message: label, finished: null, output: '', truncated: false, cancelling: false, error: null };
}

/** The state after a task.progress event (a finished task stays finished). */
export function applyTaskProgress(state: TaskState, progress: EventPayload<'task.progress'>): TaskState {
  if (state.finished) return state;
  return { ...state, done: progress.done, total: progress.total, message: progress.message, finished: progress.finished, ...(progress.finished ? { cancelling: false } : {}) };
}

/** The state after output arrived: escapes stripped, carriage-return redraws kept as their last version, capped. */
export function appendTaskOutput(state: TaskState, text: string, cap = maxTaskOutput): TaskState {
  const clean = stripAnsi(text).replace(/\r\n/g, '\n').replace(/[^\n]*\r(?!\n)/g, '');
  const joined = state.output + clean;
  if (joined.length <= cap) return { ...state, output: joined };
  return { ...state, output: joined.slice(joined.length - cap), truncated: true };
}

/** The state when the call answered: an error without a finished event still ends the task. */
export function settleTask(state: TaskState, error: unknown): TaskState {
  if (error === undefined) return state.finished ? state : { ...state, finished: 'ok', done: state.total ?? state.done, cancelling: false };
  const code = isClientError(error) ? error.code : null;
  const finished = state.finished ?? (code === 'cancelled' ? 'cancelled' : 'failed');
  return { ...state, finished, cancelling: false, error: { message: stripAnsi(errorMessage(error)), code } };
}

/** What `useTask` gives a feature: the task shown, a way to start one, cancel and clear. */
export interface TaskHandle {
  readonly task: TaskState | null;
  /** Picks a task id, subscribes to its events, then makes the call with that id (so nothing is missed). */
  start<T>(label: string, call: (taskId: string) => Promise<T>): Promise<T>;
  /** task.cancel for the running task. */
  cancel(): Promise<void>;
  /** Forgets the finished task (hides its panel). */
  clear(): void;
}

/** The task shown: changes from events are painted at most every 50 ms (output can come in thousands of chunks). */
function useTaskState() {
  const [task, setTask] = useState<TaskState | null>(null);
  const current = useRef<TaskState | null>(null);
  const flush = useRef<ReturnType<typeof setTimeout> | null>(null);
  const paint = useCallback((now: boolean) => {
    if (now) {
      if (flush.current) clearTimeout(flush.current);
      flush.current = null;
      setTask(current.current);
    } else if (!flush.current) {
      flush.current = setTimeout(() => {
        flush.current = null;
        setTask(current.current);
      }, 50);
    }
  }, []);
  useEffect(() => () => void (flush.current && clearTimeout(flush.current)), []);
  /** Changes the task `id` (ignored when another task is shown now); `now` paints at once. */
  const update = useCallback(
    (next: (state: TaskState) => TaskState, id: string, now = false) => {
      if (!current.current || current.current.id !== id) return;
      current.current = next(current.current);
      paint(now);
    },
    [paint],
  );
  const reset = useCallback(
    (state: TaskState | null) => {
      current.current = state;
      paint(true);
    },
    [paint],
  );
  return { task, current, update, reset };
}

/** Runs long operations one at a time and follows their task.progress and task.output events. */
export function useTask(client: OrreryClient): TaskHandle {
  const { task, current, update, reset } = useTaskState();
  const stops = useRef<Array<() => void>>([]);
  const unsubscribe = useCallback(() => {
    for (const stop of stops.current) stop();
    stops.current = [];
  }, []);
  useEffect(() => unsubscribe, [unsubscribe]);

  const start = useCallback(
    async <T,>(label: string, call: (taskId: string) => Promise<T>): Promise<T> => {
      unsubscribe();
      const id = newId('task');
      reset(initialTask(id, label));
      stops.current = [
        client.on('task.progress', id, (progress) => update((s) => applyTaskProgress(s, progress), id, progress.finished !== null)),
        client.on('task.output', id, (chunk) => update((s) => appendTaskOutput(s, chunk.text), id)),
      ];
      try {
        const result = await call(id);
        update((s) => settleTask(s, undefined), id, true);
        return result;
      } catch (error) {
        update((s) => settleTask(s, error), id, true);
        throw error;
      }
    },
    [client, unsubscribe, update, reset],
  );

  const cancel = useCallback(async () => {
    const running = current.current;
    if (!running || running.finished) return;
    update((s) => ({ ...s, cancelling: true }), running.id, true);
    // not_found: it ended meanwhile; its last events say how.
    await client.call('task.cancel', { id: running.id }).catch(() => undefined);
  }, [client, update, current]);

  const clear = useCallback(() => {
    unsubscribe();
    reset(null);
  }, [unsubscribe, reset]);

  return { task, start, cancel, clear };
}

const finishedText = { ok: 'Done', failed: 'Failed', cancelled: 'Cancelled' } as const;

/** The progress bar of a task: determinate when the total is known. */
function TaskProgress({ task }: { task: TaskState }) {
  const percent = task.total && task.total > 0 ? Math.min(100, Math.round((task.done / task.total) * 100)) : null;
  const value = task.finished ? 100 : percent;
  return (
    <div
      className={`task-progress${value === null ? ' is-indeterminate' : ''}${task.finished ? ` is-${task.finished}` : ''}`}
      role="progressbar"
      aria-label={`${task.label} progress`}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={value ?? undefined}
      aria-valuetext={task.message}
    >
      <div className="task-progress-fill" style={value === null ? undefined : { width: `${value}%` }} />
    </div>
  );
}

/** A task's progress bar, message, live output log and Cancel button (task.cancel) while it runs. */
export function TaskOutput({ task, onCancel, onClose }: { task: TaskState; onCancel: () => void; onClose?: () => void }) {
  const log = useRef<HTMLPreElement>(null);
  const pinned = useRef(true);
  useLayoutEffect(() => {
    const element = log.current;
    if (element && pinned.current) element.scrollTop = element.scrollHeight;
  }, [task.output]);
  const running = task.finished === null;
  return (
    <section className={`task-output${task.finished ? ` is-${task.finished}` : ''}`} aria-label={`${task.label} output`} data-task-id={task.id}>
      <div className="task-head">
        <span className="task-status" role="status">
          {running ? (task.cancelling ? 'Cancelling…' : task.message) : `${finishedText[task.finished ?? 'ok']}: ${task.label}`}
        </span>
        {running ? (
          <button type="button" className="button" onClick={onCancel} disabled={task.cancelling}>
            Cancel
          </button>
        ) : (
          onClose && (
            <button type="button" className="button" onClick={onClose} aria-label={`Hide ${task.label} output`}>
              Hide
            </button>
          )
        )}
      </div>
      <TaskProgress task={task} />
      <pre
        ref={log}
        className="task-log"
        role="log"
        aria-label={`${task.label} log`}
        tabIndex={0}
        onScroll={(e) => {
          const el = e.currentTarget;
          pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
      >
        {task.truncated && <span className="task-log-note">[earlier output not shown]{'\n'}</span>}
        {task.output || (running ? 'Waiting for output…' : '(no output)')}
      </pre>
      {task.error && (
        <p className="form-error" role="alert">
          {task.error.message}
          {task.error.code && <span className="form-error-code"> ({task.error.code})</span>}
        </p>
      )}
    </section>
  );
}
