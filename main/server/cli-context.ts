import path from 'node:path';
import { Command, CommanderError } from 'commander';
import type { CallName, CallOutput } from '../../app/contract';
import { newId } from '../../app/lib/ids';
import { callOrThrow } from '../core/dispatch';
import type { Core, CoreOptions } from '../core/core';

/** Where the CLI writes and what it reads from its process; tests hand in their own. */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

/** Builds a core for one command (the CLI passes `host`; serve adds a pty host). */
export type CoreFactory = (options: Pick<CoreOptions, 'host' | 'ptyHost'>) => Core;

/** What every command gets: output, environment, and the core the contract runs on. */
export interface CliContext {
  readonly io: CliIo;
  readonly createCore: CoreFactory;
  /** The app's version, shown by `--version`. */
  readonly version: string;
}

/** Exit code of a usage error (unknown command or option, missing argument). */
export const usageExitCode = 2;

/** Commander error code of usage errors raised by Orrery's own commands. */
export const usageErrorCode = 'orrery.usage';

/** Runs `fn` on a fresh core and disposes it afterwards, whatever happens. */
export async function withCore<T>(ctx: CliContext, host: 'cli' | 'web', fn: (core: Core) => Promise<T>): Promise<T> {
  const core = ctx.createCore({ host });
  try {
    return await fn(core);
  } finally {
    await core.dispose();
  }
}

/** One contract call through the dispatcher (same parsing and errors as every face); throws OrreryError. */
export function cliCall<N extends CallName>(core: Core, name: N, input: unknown): Promise<CallOutput<N>> {
  return callOrThrow(core.dispatch, name, input, { host: 'cli', clientId: 'cli' });
}

/** Writes a value as pretty JSON (the contract's output object) for scripts. */
export function printJson(ctx: CliContext, value: unknown): void {
  ctx.io.out(`${JSON.stringify(value, null, 2)}\n`);
}

/** A folder argument as the absolute path the contract expects (relative to the current folder). */
export function absoluteDir(ctx: CliContext, dir: string): string {
  return path.resolve(ctx.io.cwd, dir);
}

/** The project folder a command works on: its argument, else `--project`, else ORRERY_PROJECT; null when none. */
export function projectDirFor(ctx: CliContext, command: Command, argument?: string): string | null {
  const fromOption = (command.optsWithGlobals() as { project?: string }).project;
  const chosen = argument ?? fromOption ?? ctx.io.env.ORRERY_PROJECT;
  return chosen ? absoluteDir(ctx, chosen) : null;
}

/** Stops the command as a usage error (exit 2), with commander's output settings. */
export function usageError(command: Command, message: string): never {
  command.error(message, { exitCode: usageExitCode, code: usageErrorCode });
}

/** Maps what commander threw to an exit code: help and version are 0, every other parse error is a usage error. */
export function exitCodeForCommander(error: CommanderError): number {
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
  if (error.code === 'commander.help' && error.exitCode === 0) return 0;
  return usageExitCode;
}

/**
 * Runs `fn` with a new task id that Ctrl+C (SIGINT) or SIGTERM cancels, so a long command (an install, an export, a
 * suite) stops its work cleanly before the CLI exits; `onCancel` may say so first.
 */
export async function withCancellableTask<T>(core: Core, fn: (taskId: string) => Promise<T>, onCancel?: () => void): Promise<T> {
  const taskId = newId('task');
  const cancel = () => {
    onCancel?.();
    if (core.services.tasks.ids().includes(taskId)) core.services.tasks.cancel(taskId);
  };
  process.on('SIGINT', cancel);
  process.on('SIGTERM', cancel);
  try {
    return await fn(taskId);
  } finally {
    process.off('SIGINT', cancel);
    process.off('SIGTERM', cancel);
  }
}
