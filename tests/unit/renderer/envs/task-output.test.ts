import { describe, expect, it } from 'vitest';
import { ClientError } from '../../../../renderer/client/client-error';
import { appendTaskOutput, applyTaskProgress, initialTask, settleTask } from '../../../../renderer/ui/task-output';

describe('task state from task.progress and task.output', () => {
  it('follows progress to its finish and never leaves a finished state', () => {
    let task = initialTask('task_1', 'Install');
    task = applyTaskProgress(task, { done: 1, total: 4, message: 'Collecting', finished: null });
    expect(task).toMatchObject({ done: 1, total: 4, message: 'Collecting', finished: null });
    task = applyTaskProgress({ ...task, cancelling: true }, { done: 1, total: 4, message: 'Install: cancelled', finished: 'cancelled' });
    expect(task).toMatchObject({ finished: 'cancelled', cancelling: false });
    expect(applyTaskProgress(task, { done: 4, total: 4, message: 'late', finished: null })).toBe(task);
  });

  it('appends output without escapes, keeps the last carriage-return redraw, and caps the tail', () => {
    let task = initialTask('task_1', 'Install');
    task = appendTaskOutput(task, '\u001b[32mSuccessfully\u001b[0m installed\r\n');
    task = appendTaskOutput(task, 'progress 10%\rprogress 100%\n');
    expect(task.output).toBe('Successfully installed\nprogress 100%\n');
    const capped = appendTaskOutput(task, 'x'.repeat(50), 40);
    expect(capped.output).toHaveLength(40);
    expect(capped.output.endsWith('x'.repeat(40))).toBe(true);
    expect(capped.truncated).toBe(true);
  });

  it('settles a call: ok when it answered, failed or cancelled with the message and code when it threw', () => {
    const running = applyTaskProgress(initialTask('t', 'Create venv'), { done: 2, total: 3, message: 'pip', finished: null });
    expect(settleTask(running, undefined)).toMatchObject({ finished: 'ok', done: 3 });
    const failed = settleTask(running, new ClientError('process_failed', 'pip exited with 1; the env was restored.'));
    expect(failed).toMatchObject({ finished: 'failed', error: { code: 'process_failed', message: 'pip exited with 1; the env was restored.' } });
    expect(settleTask(running, new ClientError('cancelled', 'Install: cancelled.')).finished).toBe('cancelled');
    expect(settleTask(running, new Error('socket closed'))).toMatchObject({ finished: 'failed', error: { code: null } });
    const coloured = settleTask(running, new ClientError('process_failed', 'pip failed: \u001b[1;31merror\u001b[0m: \u001b[1msubprocess-exited-with-error\u001b[0m'));
    expect(coloured.error?.message).toBe('pip failed: error: subprocess-exited-with-error');
  });
});
