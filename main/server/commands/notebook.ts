import type { Command } from 'commander';
import { OrreryError } from '../../../app/contract';
import type { Env } from '../../../app/models';
import type { Core } from '../../core/core';
import { parseParameterValue, runNotebook, type ParameterValue } from '../../services/kernels/notebook-runner';
import { absoluteDir, usageError, withCore, type CliContext } from '../cli-context';

interface RunOptions {
  output?: string;
  env?: string;
  timeout?: string;
  parameter: string[];
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseParameters(command: Command, raw: readonly string[]): Record<string, ParameterValue> {
  const parameters: Record<string, ParameterValue> = {};
  for (const item of raw) {
    const at = item.indexOf('=');
    const name = at > 0 ? item.slice(0, at).trim() : '';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) usageError(command, `-p ${item}: write -p name=value with a Python identifier as the name.`);
    parameters[name] = parseParameterValue(item.slice(at + 1));
  }
  return parameters;
}

function matchEnv(envs: readonly Env[], wanted: string): Env | undefined {
  return envs.find((e) => e.id === wanted || e.name === wanted || e.prefix === wanted || e.python === wanted);
}

/** The env named by --env: a path (registered), else its id, name, prefix or interpreter, discovering when not cached. */
async function findEnvId(ctx: CliContext, core: Core, wanted: string): Promise<string> {
  if (wanted.includes('/')) return (await core.services.envs.register(absoluteDir(ctx, wanted))).id;
  const cached = matchEnv((await core.services.envs.list({})).envs, wanted);
  if (cached) return cached.id;
  const discovered = new Promise<void>((resolve) => {
    const timer = setTimeout(() => finish(), 30_000);
    const stop = core.bus.subscribe('env.discovered', '', () => finish());
    const finish = () => {
      clearTimeout(timer);
      stop();
      resolve();
    };
  });
  const started = await core.services.envs.list({ refresh: true });
  if (started.discovering) await discovered;
  const envs = (await core.services.envs.list({})).envs;
  const env = matchEnv(envs, wanted);
  if (!env) {
    throw new OrreryError('not_found', `No environment named "${wanted}". Known: ${envs.map((e) => e.name).join(', ') || 'none'} (see \`orrery env list\`), or give the env's folder.`);
  }
  return env.id;
}

/** `orrery notebook run`: executes a notebook headlessly, like `jupyter nbconvert --execute` or papermill. */
export function registerNotebookCommands(program: Command, ctx: CliContext): void {
  const notebook = program.command('notebook').description('Work with Jupyter notebooks (.ipynb)');
  notebook
    .command('run')
    .description('Execute every code cell in order and write outputs (exit 1 at the first error, naming the cell)')
    .argument('<in>', 'the notebook to run')
    .option('-o, --output <out>', 'where to write the executed notebook (default: in place)')
    .option('--env <name>', 'the environment to run in (name, id or prefix; default: the kernelspec found)')
    .option('--timeout <seconds>', 'per-cell time limit; a cell running longer is interrupted and fails')
    .option('-p, --parameter <name=value>', 'a parameter injected after the cell tagged "parameters" (repeatable)', collect, [])
    .action(async (input: string, options: RunOptions, command: Command) => {
      const timeoutS = options.timeout === undefined ? undefined : Number(options.timeout);
      if (timeoutS !== undefined && !(timeoutS > 0)) usageError(command, `--timeout ${options.timeout}: give a number of seconds above 0.`);
      const parameters = parseParameters(command, options.parameter);
      const source = absoluteDir(ctx, input);
      const output = options.output ? absoluteDir(ctx, options.output) : source;
      const started = Date.now();
      const result = await withCore(ctx, 'cli', async (core) => {
        const envId = options.env ? await findEnvId(ctx, core, options.env) : undefined;
        return runNotebook({ kernels: core.services.kernels, notebooks: core.services.notebooks, bus: core.bus }, {
          input: source,
          output,
          ...(envId ? { envId } : {}),
          ...(timeoutS !== undefined ? { timeoutS } : {}),
          parameters,
          progress: (line) => ctx.io.err(`${line}\n`),
        });
      });
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      if (result.failure) {
        const f = result.failure;
        if (f.traceback) ctx.io.err(`${f.traceback}\n`);
        throw new OrreryError('process_failed', `Cell ${f.index + 1} (${f.firstLine}) failed: ${f.ename}: ${f.evalue}. Outputs so far were written to ${output}.`);
      }
      ctx.io.err(`Ran ${result.executed} cells in ${seconds} s; wrote ${output}\n`);
    });
}
