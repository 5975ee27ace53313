import type { Command } from 'commander';
import type { CallInput } from '../../../app/contract';
import type { Core } from '../../core/core';
import { absoluteDir, cliCall, printJson, projectDirFor, usageError, withCancellableTask, withCore, type CliContext } from '../cli-context';
import { CommandExit, parseMemory } from './jobs';
import { formatTime } from './format';

/** Options shared by `sandbox exec` and `sandbox shell`. */
interface LimitOptions {
  readonly network?: boolean;
  readonly memory?: string;
  readonly cpus?: string;
  readonly pids?: string;
  readonly timeout?: string;
  readonly image?: string;
}

async function openProject(ctx: CliContext, command: Command, core: Core): Promise<void> {
  await cliCall(core, 'project.open', { path: projectDirFor(ctx, command) ?? ctx.io.cwd });
}

/** The limits asked on the command line, checked (unset ones take the configured defaults). */
export function limitsOf(command: Command, options: LimitOptions): NonNullable<CallInput<'sandbox.exec'>['limits']> {
  const number = (flag: string, value: string, integer: boolean): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) usageError(command, `${flag} ${value}: give a positive ${integer ? 'whole ' : ''}number.`);
    return n;
  };
  return {
    ...(options.network ? { network: true } : {}),
    ...(options.memory !== undefined ? { memoryMb: parseMemory(options.memory) ?? usageError(command, `--memory ${options.memory}: give a size such as 512M or 2G.`) } : {}),
    ...(options.cpus !== undefined ? { cpus: number('--cpus', options.cpus, false) } : {}),
    ...(options.pids !== undefined ? { pids: number('--pids', options.pids, true) } : {}),
    ...(options.timeout !== undefined ? { timeoutS: number('--timeout', options.timeout, false) } : {}),
  };
}

function withLimitOptions(command: Command): Command {
  return command
    .option('--network', 'allow the network for this run (off by default)')
    .option('--memory <size>', 'memory limit, e.g. 512M or 2G (swap is capped at the same)')
    .option('--cpus <n>', 'CPU limit (fractions allowed)')
    .option('--pids <n>', 'most processes at once')
    .option('--timeout <seconds>', 'wall-clock limit; the run is killed and reported as timeout')
    .option('--image <ref>', 'the image (default: the project image, else orrery/base:bookworm-1)');
}

/** `orrery sandbox exec [limits] -- CMD…`: output streams here; exits with the command's code (124 timeout, 137 OOM/killed, 130 cancelled). */
function registerExec(sandbox: Command, ctx: CliContext): void {
  withLimitOptions(sandbox.command('exec'))
    .description('Run a command in a hardened container (no network, read-only project at /project, writable /output collected as artifacts)')
    .argument('<command...>', 'the program and its arguments (put them after --)')
    .option('--cold', 'always start a fresh container instead of taking one from the warm pool')
    .option('--json', 'print the session as JSON at the end')
    .action(async (argv: string[], options: LimitOptions & { cold?: boolean; json?: boolean }, command: Command) => {
      const limits = limitsOf(command, options);
      const code = await withCore(ctx, 'cli', async (core) => {
        await openProject(ctx, command, core);
        return withCancellableTask(core, async (taskId) => {
          const sessionId = `sbx_${taskId.replace(/^task_/, '')}`;
          const stop = core.bus.subscribe('sandbox.output', sessionId, ({ payload }) => (payload.stream === 'stdout' ? ctx.io.out(payload.text) : ctx.io.err(payload.text)));
          try {
            const result = await cliCall(core, 'sandbox.exec', { command: argv, limits, sessionId, taskId, pool: !options.cold, ...(options.image ? { image: options.image } : {}) });
            const { session } = result;
            if (options.json) printJson(ctx, session);
            for (const file of session.artifacts) ctx.io.err(`orrery: collected /output/${file.path} (${file.size} bytes, sha256 ${file.hash})\n`);
            for (const entry of session.skipped) ctx.io.err(`orrery: skipped /output/${entry.path}: ${entry.reason}\n`);
            if (session.status !== 'ok') ctx.io.err(`orrery: ${session.status}${session.message ? `: ${session.message}` : ''}\n`);
            return exitCodeOf(session.status, session.exitCode);
          } finally {
            stop();
          }
        });
      });
      if (code !== 0) throw new CommandExit(code);
    });
}

/** The CLI exit code of a session: the command's own, 124 for a timeout (as `timeout(1)`), 137 for OOM or a kill, 130 cancelled. */
export function exitCodeOf(status: string, exitCode: number | null): number {
  if (status === 'timeout') return 124;
  if (status === 'cancelled') return 130;
  if (status === 'oom' || status === 'killed') return 137;
  return exitCode ?? (status === 'ok' ? 0 : 1);
}

/** `orrery sandbox shell`: an interactive bash in a sandbox, this terminal attached. */
function registerShell(sandbox: Command, ctx: CliContext): void {
  withLimitOptions(sandbox.command('shell'))
    .description('Open an interactive shell in a hardened container (same limits as exec)')
    .action(async (options: LimitOptions, command: Command) => {
      const limits = limitsOf(command, options);
      const code = await withCore(ctx, 'cli', async (core) => {
        await openProject(ctx, command, core);
        const shell = await core.services.sandbox.shell({ image: options.image, limits, columns: process.stdout.columns || 80, rows: process.stdout.rows || 24 });
        const stdin = process.stdin;
        if (stdin.isTTY) stdin.setRawMode(true);
        stdin.pipe(shell.stream);
        shell.stream.on('data', (chunk: Buffer) => process.stdout.write(chunk));
        const onResize = () => void shell.resize(process.stdout.columns, process.stdout.rows).catch(() => undefined);
        process.stdout.on('resize', onResize);
        try {
          const session = await shell.ended;
          return exitCodeOf(session.status, session.exitCode);
        } finally {
          process.stdout.off('resize', onResize);
          stdin.unpipe(shell.stream);
          if (stdin.isTTY) stdin.setRawMode(false);
          stdin.pause();
        }
      });
      if (code !== 0) throw new CommandExit(code);
    });
}

function registerImages(sandbox: Command, ctx: CliContext): void {
  sandbox
    .command('images')
    .description('List local images with their size (Orrery-built ones marked); --build-base / --build-project build them')
    .option('--build-base', "build Orrery's base image offline (debootstrap from the apt mirror + docker import; kept once built)")
    .option('--build-project', "build the project image from the newest pip lock of the project's envs")
    .option('--lock <id>', 'with --build-project: the lock to install')
    .option('--wheels <dir>', 'with --build-project: install from this folder of wheels (offline)')
    .option('--index-url <url>', 'with --build-project: install from this package index instead')
    .option('--json', 'print JSON')
    .action(async (options: { buildBase?: boolean; buildProject?: boolean; lock?: string; wheels?: string; indexUrl?: string; json?: boolean }, command: Command) => {
      await withCore(ctx, 'cli', async (core) => {
        if (options.buildBase || options.buildProject) {
          if (options.buildProject) await openProject(ctx, command, core);
          const built = await withCancellableTask(core, async (taskId) => {
            const stop = core.bus.subscribe('task.progress', taskId, ({ payload }) => ctx.io.err(`[${payload.done}/${payload.total ?? '?'}] ${payload.message}\n`));
            try {
              return await cliCall(core, 'sandbox.buildImage', {
                target: options.buildProject ? 'project' : 'base',
                taskId,
                ...(options.lock ? { lockId: options.lock } : {}),
                ...(options.wheels ? { wheelsDir: absoluteDir(ctx, options.wheels) } : {}),
                ...(options.indexUrl ? { indexUrl: options.indexUrl } : {}),
              });
            } finally {
              stop();
            }
          });
          ctx.io.err(`orrery: ${built.tag} ${built.built ? 'built' : 'already here'} (${built.id.slice(7, 19)})\n`);
        }
        const images = await cliCall(core, 'sandbox.images', {});
        if (options.json) return printJson(ctx, images);
        for (const image of images) {
          ctx.io.out(`${(image.tags[0] ?? '<none>').padEnd(40)}  ${image.id.slice(7, 19)}  ${(image.size / 1e6).toFixed(1).padStart(8)} MB  ${formatTime(image.created)}${image.orrery ? `  orrery:${image.orrery}` : ''}\n`);
        }
      });
    });
}

function registerPsAndPrune(sandbox: Command, ctx: CliContext): void {
  sandbox
    .command('ps')
    .description('Containers Orrery started that still exist (sessions, kernels, jobs, the warm pool)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await withCore(ctx, 'cli', async (core) => {
        const containers = await cliCall(core, 'sandbox.ps', {});
        if (options.json) return printJson(ctx, containers);
        for (const c of containers) ctx.io.out(`${c.id.slice(0, 12)}  ${c.kind.padEnd(6)}  ${c.state.padEnd(8)}  ${c.image}  ${c.sessionId}  pid ${c.ownerPid ?? '?'}  ${c.status}\n`);
      });
    });
  sandbox
    .command('prune')
    .description("Remove Orrery's images no container uses (--all: the base image too)")
    .option('--all', 'include the base image')
    .action(async (options: { all?: boolean }) => {
      await withCore(ctx, 'cli', async (core) => {
        const result = await cliCall(core, 'sandbox.pruneImages', { includeBase: Boolean(options.all) });
        for (const removed of result.removed) ctx.io.out(`removed ${removed}\n`);
        ctx.io.out(`reclaimed ${(result.reclaimed / 1e6).toFixed(1)} MB\n`);
      });
    });
}

/** `orrery sandbox exec|shell|images|ps|prune`. */
export function registerSandboxCommands(program: Command, ctx: CliContext): void {
  const sandbox = program.command('sandbox').description('Run code in Docker sandboxes: no network, limits, read-only project, audited');
  registerExec(sandbox, ctx);
  registerShell(sandbox, ctx);
  registerImages(sandbox, ctx);
  registerPsAndPrune(sandbox, ctx);
}
