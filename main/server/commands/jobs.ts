import type { Command } from 'commander';
import type { Job } from '../../../app/contract/jobs';
import type { Core } from '../../core/core';
import { matchEnv } from '../../services/envs/resolve-env';
import { absoluteDir, cliCall, printJson, projectDirFor, usageError, withCore, type CliContext } from '../cli-context';
import { formatTime } from './format';

/** Thrown by a command that ends with a chosen exit code (`orrery run` passes on the script's). */
export class CommandExit extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
    this.name = 'CommandExit';
  }
}

/** Exit code of `orrery run` for a job cancelled by Ctrl+C (128 + SIGINT, as shells report it). */
export const cancelledExitCode = 130;

async function openProject(ctx: CliContext, command: Command, core: Core): Promise<void> {
  const dir = projectDirFor(ctx, command) ?? ctx.io.cwd;
  await cliCall(core, 'project.open', { path: dir });
}

/** The env id for --env: an id, a name, or a path (registered when discovery does not know it). */
async function envIdFor(ctx: CliContext, core: Core, reference: string): Promise<string> {
  const listed = await cliCall(core, 'env.list', {});
  const hit = matchEnv(listed.envs, reference, ctx.io.cwd);
  if (hit) return hit.id;
  return (await cliCall(core, 'env.register', { path: absoluteDir(ctx, reference) })).id;
}

function parseGpus(command: Command, value: string | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  if (value.trim() === '') return [];
  const gpus = value.split(',').map((part) => Number(part.trim()));
  if (gpus.some((gpu) => !Number.isInteger(gpu) || gpu < 0)) usageError(command, `--gpus ${value}: give GPU indices such as 0 or 0,1.`);
  return gpus;
}

/** Exit code of a finished job: the script's own, 130 when cancelled, 1 when lost or failed without one. */
export function exitCodeOf(job: Job): number {
  if (job.state === 'succeeded') return 0;
  if (job.state === 'cancelled') return cancelledExitCode;
  return job.exitCode !== null && job.exitCode !== 0 ? job.exitCode : 1;
}

function jobLine(job: Job): string {
  const ended = job.exitCode !== null ? ` exit ${job.exitCode}` : '';
  return `${job.id}  ${job.state.padEnd(9)}${ended.padEnd(8)}  ${formatTime(job.createdAt)}  ${job.name}  run ${job.runId}`;
}

/** `orrery run SCRIPT [args...]`: a job in the foreground; its output streams here, Ctrl+C cancels it. */
function registerRunCommand(program: Command, ctx: CliContext): void {
  program
    .command('run')
    .description("Run a Python script as a tracked job, streaming its output; exits with the script's exit code (Ctrl+C cancels it)")
    .argument('<script>', 'the script (relative to the current folder)')
    .argument('[args...]', 'arguments passed to the script (after -- when they clash with --env, --gpus or --name)')
    .option('--env <name>', "the environment (name, id or path; default: the project's default env)")
    .option('--gpus <list>', 'GPU indices given to the job as CUDA_VISIBLE_DEVICES, e.g. 0,1 (it waits until they are free)')
    .option('--name <name>', 'the name of the job and its run')
    .allowUnknownOption()
    .action(async (script: string, args: string[], options: { env?: string; gpus?: string; name?: string }, command: Command) => {
      const gpus = parseGpus(command, options.gpus);
      const job = await withCore(ctx, 'cli', async (core) => {
        await openProject(ctx, command, core);
        const envId = options.env ? await envIdFor(ctx, core, options.env) : undefined;
        const submitted = await cliCall(core, 'job.submit', {
          script: absoluteDir(ctx, script),
          args,
          cwd: ctx.io.cwd,
          ...(envId ? { envId } : {}),
          ...(gpus ? { gpus } : {}),
          ...(options.name ? { name: options.name } : {}),
        });
        return follow(ctx, core, submitted);
      });
      const code = exitCodeOf(job);
      if (job.state !== 'succeeded') ctx.io.err(`orrery: job ${job.id} ${job.state}${job.error ? `: ${job.error}` : ''}\n`);
      if (code !== 0) throw new CommandExit(code);
    });
}

/** Streams a job's output until it ends; SIGINT or SIGTERM cancels it (its process group is killed). */
async function follow(ctx: CliContext, core: Core, job: Job): Promise<Job> {
  const stopLog = core.bus.subscribe('job.log', job.id, (event) => {
    const { stream, text, skipped } = event.payload;
    const write = stream === 'stdout' ? ctx.io.out : ctx.io.err;
    if (skipped > 0) ctx.io.err(`[orrery: ${skipped} bytes of ${stream} skipped to keep up; the log is in .orrery/jobs/${job.id}/${stream}.log]\n`);
    write(text);
  });
  const cancel = () => {
    ctx.io.err(`orrery: cancelling job ${job.id}\n`);
    void core.services.jobs.cancel(job.id).catch(() => undefined);
  };
  process.on('SIGINT', cancel);
  process.on('SIGTERM', cancel);
  try {
    return await core.services.jobs.waitForEnd(job.id);
  } finally {
    process.off('SIGINT', cancel);
    process.off('SIGTERM', cancel);
    stopLog();
  }
}

/** `orrery run`, `orrery jobs list`, `orrery jobs cancel`. */
export function registerJobCommands(program: Command, ctx: CliContext): void {
  registerRunCommand(program, ctx);
  const jobs = program.command('jobs').description('The local job queue of the project');
  jobs
    .command('list')
    .description('Jobs of the project, newest first')
    .option('--json', 'print the jobs as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const list = await withCore(ctx, 'cli', async (core) => {
        await openProject(ctx, command, core);
        return cliCall(core, 'job.list', {});
      });
      if (options.json) printJson(ctx, list);
      else ctx.io.out(list.length === 0 ? 'No jobs.\n' : `${list.map(jobLine).join('\n')}\n`);
    });
  jobs
    .command('cancel')
    .description('Cancel a queued or running job (SIGTERM to its process group, SIGKILL after 10 s)')
    .argument('<id>', 'the job id')
    .action(async (id: string, _options: unknown, command: Command) => {
      const job = await withCore(ctx, 'cli', async (core) => {
        await openProject(ctx, command, core);
        return cliCall(core, 'job.cancel', { id });
      });
      ctx.io.out(`${jobLine(job)}\n`);
    });
}
