import { InvalidArgumentError, type Command } from 'commander';
import { isOrreryError } from '../../../app/contract';
import { cliCall, projectDirFor, type CliContext } from '../cli-context';
import { isUsableToken } from '../auth';
import { isWildcardHost } from '../origin';
import { servingLine } from '../urls';
import { defaultPort, startWebHost } from '../web-host';

/** Parses `--port`: an integer 0–65535 (0 picks any free port). */
export function parsePort(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new InvalidArgumentError('expected a port number from 0 to 65535 (0 picks any free port).');
  return Number(value);
}

function parseToken(value: string): string {
  if (!isUsableToken(value)) throw new InvalidArgumentError('use 8 to 512 characters from A-Z a-z 0-9 . _ ~ -');
  return value;
}

interface ServeOptions {
  readonly host: string;
  readonly port: number;
  readonly token?: string;
  readonly openProject: boolean;
}

/** Resolves on the first SIGINT or SIGTERM; a second one while shutting down ends the process at once. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

async function serve(ctx: CliContext, options: ServeOptions, command: Command): Promise<void> {
  // Listening for signals first: one that arrives while starting up still ends in a clean shutdown.
  const stopped = untilSignal();
  const core = ctx.createCore({ host: 'web' });
  try {
    const projectDir = projectDirFor(ctx, command);
    try {
      if (projectDir) await cliCall(core, 'project.open', { path: projectDir });
      else if (options.openProject) await core.start();
    } catch (error) {
      // The host is still useful without a project: the page offers to create or open one.
      if (!isOrreryError(error)) throw error;
      ctx.io.err(`orrery: warning: no project opened: ${error.message}\n`);
    }
    const host = await startWebHost({ core, host: options.host, port: options.port, ...(options.token ? { token: options.token } : {}) });
    if (isWildcardHost(options.host)) {
      ctx.io.err(`orrery: warning: listening on ${options.host}: anyone on your network with the token can use this Orrery, terminals included.\n`);
    }
    ctx.io.out(`${servingLine(options.host, host.port, host.token)}\n`);
    await stopped;
    await host.close();
  } finally {
    await core.dispose();
  }
}

/** `orrery serve`: the workbench in a browser, the contract over WebSocket, behind a token. */
export function registerServeCommand(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('Serve the workbench to a browser (prints its URL with the access token); runs until Ctrl+C')
    .option('--host <address>', 'address to listen on; 0.0.0.0 makes the UI reachable from your LAN', '127.0.0.1')
    .option('--port <n>', 'port to listen on (0 picks any free port)', parsePort, defaultPort)
    .option('--token <token>', 'access token (random unless given)', parseToken)
    .option('--no-open-project', 'start without opening the last (or the sample) project')
    .action((options: ServeOptions, command: Command) => serve(ctx, options, command));
}
