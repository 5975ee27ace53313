import { spawn } from 'node:child_process';
import { OrreryError } from '../../../app/contract';
import type { Task } from '../../core/tasks';
import { killProcessTree } from '../terminals/process-tree';

/** The end of a streamed program: its exit code and its last lines (for error messages). */
export interface StreamResult {
  readonly code: number | null;
  readonly tail: string;
  readonly stdout: string;
}

/** How much of the output is kept for the error message and for callers that parse stdout. */
const keepChars = 4 * 1024 * 1024;

/**
 * Runs a program (pip, conda, uv, venv) with its output streamed live as `task.output`. Cancelling the task kills
 * the whole process tree (pip runs builds in children) and throws `cancelled` once it is gone.
 */
export function streamProcess(
  task: Task,
  file: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string; live: Set<number> },
): Promise<StreamResult> {
  task.throwIfCancelled();
  return new Promise((resolve, reject) => {
    const child = spawn(file, [...args], { env: options.env, cwd: options.cwd, detached: process.platform !== 'win32', stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let all = '';
    let killing: Promise<void> | null = null;
    const keep = (text: string, stream: 'stdout' | 'stderr') => {
      task.output(stream, text);
      all = (all + text).slice(-keepChars);
      if (stream === 'stdout') out = (out + text).slice(-keepChars);
    };
    child.stdout.setEncoding('utf8').on('data', (text: string) => keep(text, 'stdout'));
    child.stderr.setEncoding('utf8').on('data', (text: string) => keep(text, 'stderr'));
    if (child.pid) options.live.add(child.pid);
    const onAbort = () => {
      if (child.pid && !killing) killing = killProcessTree(child.pid, 500);
    };
    task.signal.addEventListener('abort', onAbort, { once: true });
    if (task.signal.aborted) onAbort();
    child.on('error', (error) => {
      task.signal.removeEventListener('abort', onAbort);
      reject(new OrreryError('not_found', `Could not start ${file}: ${error.message}`));
    });
    child.on('close', (code) => {
      task.signal.removeEventListener('abort', onAbort);
      if (child.pid) options.live.delete(child.pid);
      void (killing ?? Promise.resolve()).then(() => {
        if (task.signal.aborted) reject(new OrreryError('cancelled', `${file} was cancelled.`));
        else resolve({ code, tail: lastLines(all, 12), stdout: out });
      });
    });
  });
}

/** The last `count` non-empty lines of some output. */
export function lastLines(text: string, count: number): string {
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.length > 0)
    .slice(-count)
    .join('\n');
}

/** Ends every child still running (core shutdown). */
export async function killLiveChildren(live: Set<number>): Promise<void> {
  const pids = [...live];
  live.clear();
  await Promise.all(pids.map((pid) => killProcessTree(pid, 300)));
}
