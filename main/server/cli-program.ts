import { existsSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { isOrreryError } from '../../app/contract';
import { createCore } from '../core/core';
import { createLogger, fileSink, stderrSink, type LogLevel } from '../core/logger';
import { resolveUserHome } from '../core/paths';
import { createChildProcessPtyHost } from '../services/terminals/pty-host-child';
import { exitCodeForCommander, type CliContext, type CliIo, type CoreFactory } from './cli-context';
import { registerEnvCommands } from './commands/env';
import { CommandExit, registerJobCommands } from './commands/jobs';
import { registerModelCommands } from './commands/model';
import { registerSandboxCommands } from './commands/sandbox';
import { registerClusterCommands } from './commands/cluster';
import { registerDeployCommands, registerDeviceCommands } from './commands/model-deploy';
import { registerNotebookCommands } from './commands/notebook';
import { registerProjectCommands } from './commands/project';
import { registerPromptCommands } from './commands/prompt';
import { registerRunsCommands } from './commands/runs';
import { registerServeCommand } from './commands/serve';

const logLevels: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/**
 * The real core for a CLI command. Logs go to the user's log file; only `serve` also prints errors on
 * stderr (a one-shot command's stderr carries exactly its one-line failure). Served terminals run in
 * the pty-host child process when the bundle has it (out/main/pty-host.cjs), else in-process.
 */
export function defaultCoreFactory(io: CliIo): CoreFactory {
  return ({ host }) => {
    const userHome = resolveUserHome(io.env);
    const requested = io.env.ORRERY_LOG_LEVEL as LogLevel | undefined;
    const level = requested && logLevels.includes(requested) ? requested : 'info';
    const sinks = [fileSink(path.join(userHome, 'logs', 'orrery.log')), ...(host === 'web' ? [stderrSink('error')] : [])];
    const worker = path.join(__dirname, 'pty-host.cjs');
    return createCore({
      host,
      env: io.env,
      userHome,
      logger: createLogger(sinks, level),
      version: process.env.ORRERY_VERSION ?? '0.0.0',
      ...(host === 'web' && existsSync(worker) ? { ptyHost: createChildProcessPtyHost(worker) } : {}),
    });
  };
}

/** Builds the `orrery` program; every command is registered by its own file (`commands/*.ts`). */
export function createProgram(ctx: CliContext): Command {
  const program = new Command('orrery');
  program
    .description('Orrery: a local-first workbench for AI work. Commands work on the project given by --project or ORRERY_PROJECT.')
    .version(ctx.version, '-v, --version', 'print the version')
    .option('--project <dir>', 'the project folder a command works on (default: ORRERY_PROJECT)')
    .configureOutput({
      writeOut: (text) => ctx.io.out(text),
      writeErr: (text) => ctx.io.err(text),
      outputError: (text, write) => write(`orrery: ${text.replace(/^error: /, '')}`),
    })
    .showHelpAfterError("(run 'orrery --help' for usage)")
    .exitOverride();
  registerServeCommand(program, ctx);
  registerProjectCommands(program, ctx);
  registerEnvCommands(program, ctx);
  registerNotebookCommands(program, ctx);
  registerRunsCommands(program, ctx);
  registerJobCommands(program, ctx);
  registerPromptCommands(program, ctx);
  registerModelCommands(program, ctx);
  registerDeployCommands(program.commands.find((command) => command.name() === 'model')!, ctx);
  registerDeviceCommands(program, ctx);
  registerClusterCommands(program, ctx);
  registerSandboxCommands(program, ctx);
  return program;
}

/** Collapses a message to the one line the CLI prints on failure. */
function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}

/** Runs the CLI on `argv` (without node and script) and answers the exit code: 0 ok, 1 failure, 2 usage. */
export async function runCli(argv: readonly string[], ctx: CliContext): Promise<number> {
  const program = createProgram(ctx);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return exitCodeForCommander(error);
    if (error instanceof CommandExit) return error.exitCode;
    const message = isOrreryError(error) || error instanceof Error ? error.message : String(error);
    ctx.io.err(`orrery: ${oneLine(message)}\n`);
    return 1;
  }
}
