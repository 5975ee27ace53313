import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Job, JobResourcesInput, Sweep, SweepTrial } from '../../../app/contract/jobs';
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
  const where = job.backend === 'local' ? '' : `  on ${job.backend}${job.externalId ? ` ${job.externalId}` : ''}${job.engineState ? ` ${job.engineState}` : ''}${job.reason ? ` (${job.reason})` : ''}`;
  return `${job.id}  ${job.state.padEnd(9)}${ended.padEnd(8)}  ${formatTime(job.createdAt)}  ${job.name}  run ${job.runId}${where}`;
}

/** Options of `orrery run` that ask a cluster for resources. */
interface ResourceOptions {
  readonly cpus?: string;
  readonly mem?: string;
  readonly gpus?: string;
  readonly time?: string;
  readonly partition?: string;
}

/** `--mem 500M`, `4G`, `2048` (MiB) → MiB. */
export function parseMemory(value: string): number | null {
  const match = /^(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?$/i.exec(value.trim());
  if (!match) return null;
  const factor = { '': 1, K: 1 / 1024, M: 1, G: 1024, T: 1024 * 1024 }[match[2]!.toUpperCase() as '' | 'K' | 'M' | 'G' | 'T'];
  const mb = Math.ceil(Number(match[1]) * factor);
  return mb >= 1 ? mb : null;
}

/** `--time 90`, `1:30:00`, `2-00:00` (Slurm's forms) → minutes. */
export function parseTimeLimit(value: string): number | null {
  const text = value.trim();
  const days = /^(\d+)-(.*)$/.exec(text);
  const rest = days ? days[2]! : text;
  const parts = rest.split(':').map(Number);
  if (parts.some((part) => !Number.isInteger(part) || part < 0) || parts.length === 0 || parts.length > 3) return null;
  let minutes: number;
  if (days) minutes = (parts[0] ?? 0) * 60 + (parts[1] ?? 0) + ((parts[2] ?? 0) > 0 ? 1 : 0);
  else if (parts.length === 1) minutes = parts[0]!;
  else if (parts.length === 2) minutes = parts[0]! + (parts[1]! > 0 ? 1 : 0);
  else minutes = parts[0]! * 60 + parts[1]! + (parts[2]! > 0 ? 1 : 0);
  minutes += days ? Number(days[1]) * 1440 : 0;
  return minutes >= 1 ? minutes : null;
}

/** The resources asked on the command line, checked. */
function resourcesOf(command: Command, options: ResourceOptions): JobResourcesInput | undefined {
  const out: { -readonly [K in keyof JobResourcesInput]: JobResourcesInput[K] } = {};
  const count = (flag: string, value: string, min: number) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) usageError(command, `${flag} ${value}: give a whole number (at least ${min}).`);
    return n;
  };
  if (options.cpus !== undefined) out.cpus = count('--cpus', options.cpus, 1);
  if (options.gpus !== undefined) out.gpus = count('--gpus', options.gpus, 0);
  if (options.mem !== undefined) out.memoryMb = parseMemory(options.mem) ?? usageError(command, `--mem ${options.mem}: give a size such as 500M or 4G.`);
  if (options.time !== undefined) out.timeLimitMinutes = parseTimeLimit(options.time) ?? usageError(command, `--time ${options.time}: give minutes (90) or Slurm's H:MM:SS / D-HH:MM.`);
  if (options.partition !== undefined) out.partition = options.partition;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** `orrery run SCRIPT [args...]`: a job in the foreground; its output streams here, Ctrl+C cancels it. */
function registerRunCommand(program: Command, ctx: CliContext): void {
  program
    .command('run')
    .description("Run a Python script as a tracked job, streaming its output; exits with the script's exit code (Ctrl+C cancels it)")
    .argument('<script>', 'the script (relative to the current folder)')
    .argument('[args...]', 'arguments passed to the script (after -- when they clash with --env, --gpus or --name)')
    .option('--env <name>', "the environment (name, id or path; default: the project's default env)")
    .option('--gpus <list>', 'GPU indices given to the job as CUDA_VISIBLE_DEVICES, e.g. 0,1 (it waits until they are free); with --cluster: a GPU count')
    .option('--name <name>', 'the name of the job and its run')
    .option('--cluster <name>', 'run it on this cluster profile (Slurm or Ray; see `orrery cluster list`) instead of this machine')
    .option('--cpus <n>', 'with --cluster: CPUs for the job')
    .option('--mem <size>', 'with --cluster: memory for the job, e.g. 500M or 4G')
    .option('--time <limit>', 'with --cluster: time limit, minutes or H:MM:SS (the scheduler ends the job there)')
    .option('--partition <name>', 'with --cluster: the Slurm partition')
    .allowUnknownOption()
    .action(async (script: string, args: string[], options: ResourceOptions & { env?: string; name?: string; cluster?: string }, command: Command) => {
      const cluster = options.cluster;
      if (!cluster && (options.cpus ?? options.mem ?? options.time ?? options.partition) !== undefined) usageError(command, '--cpus, --mem, --time and --partition ask a cluster for resources; add --cluster NAME.');
      const gpus = cluster ? undefined : parseGpus(command, options.gpus);
      const resources = cluster ? resourcesOf(command, options) : undefined;
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
          ...(cluster ? { cluster } : {}),
          ...(resources ? { resources } : {}),
        });
        if (cluster) ctx.io.err(`orrery: job ${submitted.id} submitted to ${cluster} as ${submitted.backend} job ${submitted.externalId ?? '?'}\n`);
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

function sweepLine(sweep: Sweep): string {
  const states = Object.entries(sweep.states).map(([state, n]) => `${n} ${state}`).join(', ');
  return `${sweep.id}  ${formatTime(sweep.createdAt)}  ${sweep.name}  ${sweep.trialCount} trials on ${sweep.backend}${sweep.externalId ? ` (array ${sweep.externalId})` : ''}  ${states}`;
}

function trialLine(trial: SweepTrial): string {
  const metric = trial.metric === null ? '-' : String(trial.metric);
  return `#${String(trial.index).padEnd(4)} ${trial.state.padEnd(9)} ${metric.padEnd(12)} ${JSON.stringify(trial.params)}  run ${trial.runId}`;
}

/** `orrery sweep SPEC.yaml`: the trials submitted (a Slurm array on Slurm), followed until all end unless --detach. */
function registerSweepCommands(program: Command, ctx: CliContext): void {
  program
    .command('sweep')
    .description('Run a parameter sweep from a YAML spec (grid lists, random {min, max, log} with trials: N); each trial is a tracked run')
    .argument('<spec>', 'the sweep spec (YAML: script, params, trials, seed, metric, goal, backend, cluster, resources)')
    .option('--cluster <name>', "run the trials on this cluster profile (overrides the spec's)")
    .option('--env <name>', "the environment (default: the project's default env)")
    .option('--detach', 'submit and return without waiting for the trials')
    .option('--json', 'print the sweep and its trials as JSON')
    .action(async (specFile: string, options: { cluster?: string; env?: string; detach?: boolean; json?: boolean }, command: Command) => {
      const file = absoluteDir(ctx, specFile);
      const spec = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => usageError(command, `cannot read ${specFile} (${error.code ?? error.message}).`));
      const result = await withCore(ctx, 'cli', async (core) => {
        await openProject(ctx, command, core);
        const envId = options.env ? await envIdFor(ctx, core, options.env) : undefined;
        const started = await cliCall(core, 'job.sweep', { spec, cwd: path.dirname(file), ...(options.cluster ? { cluster: options.cluster } : {}), ...(envId ? { envId } : {}) });
        ctx.io.err(`orrery: sweep ${started.sweep.id}: ${started.jobs.length} trials on ${started.sweep.backend}${started.sweep.externalId ? ` (array ${started.sweep.externalId})` : ''}\n`);
        if (!options.detach) {
          let done = 0;
          await Promise.all(
            started.jobs.map(async (job) => {
              const end = await core.services.jobs.waitForEnd(job.id);
              done += 1;
              ctx.io.err(`orrery: trial ${done}/${started.jobs.length} ${end.state} (${end.name})\n`);
            }),
          );
        }
        return { sweep: (await cliCall(core, 'job.sweeps', {})).find((sweep) => sweep.id === started.sweep.id)!, trials: await cliCall(core, 'job.sweepTrials', { id: started.sweep.id }) };
      });
      if (options.json) printJson(ctx, result);
      else ctx.io.out(`${sweepLine(result.sweep)}\n${result.trials.map(trialLine).join('\n')}\n`);
    });
  const sweeps = program.command('sweeps').description('Sweeps of the project');
  sweeps
    .command('list')
    .description('Sweeps, newest first, with their trials per state')
    .option('--json', 'print them as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const list = await withCore(ctx, 'cli', async (core) => {
        await openProject(ctx, command, core);
        return cliCall(core, 'job.sweeps', {});
      });
      if (options.json) printJson(ctx, list);
      else ctx.io.out(list.length === 0 ? 'No sweeps.\n' : `${list.map(sweepLine).join('\n')}\n`);
    });
  sweeps
    .command('show')
    .description("A sweep's trials: state, metric value (best first when the spec names a metric) and params")
    .argument('<id>', 'the sweep id (or name)')
    .option('--json', 'print them as JSON')
    .action(async (id: string, options: { json?: boolean }, command: Command) => {
      const trials = await withCore(ctx, 'cli', async (core) => {
        await openProject(ctx, command, core);
        return cliCall(core, 'job.sweepTrials', { id });
      });
      if (options.json) printJson(ctx, trials);
      else ctx.io.out(`${trials.map(trialLine).join('\n')}\n`);
    });
}

/** `orrery run`, `orrery sweep`, `orrery sweeps`, `orrery jobs list`, `orrery jobs cancel`. */
export function registerJobCommands(program: Command, ctx: CliContext): void {
  registerRunCommand(program, ctx);
  registerSweepCommands(program, ctx);
  const jobs = program.command('jobs').description('The jobs of the project (local, sandbox and cluster)');
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
    .description('Cancel a queued or running job (locally: SIGTERM to its process group, SIGKILL after 10 s; on Slurm: scancel)')
    .argument('<id>', 'the job id')
    .action(async (id: string, _options: unknown, command: Command) => {
      const job = await withCore(ctx, 'cli', async (core) => {
        await openProject(ctx, command, core);
        return cliCall(core, 'job.cancel', { id });
      });
      ctx.io.out(`${jobLine(job)}\n`);
    });
}
