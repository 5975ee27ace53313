import type { Command } from 'commander';
import type { ClusterProfileView, ClusterTestResult } from '../../../app/contract/clusters';
import { absoluteDir, cliCall, printJson, usageError, withCore, type CliContext } from '../cli-context';
import { parseMemory, parseTimeLimit } from './jobs';

interface AddOptions {
  kind?: string;
  address?: string;
  host?: string;
  port?: string;
  user?: string;
  key?: string;
  knownHosts?: string;
  partition?: string;
  remoteDir?: string;
  cpus?: string;
  mem?: string;
  gpus?: string;
  time?: string;
  secretFrom?: string;
}

/**
 * `orrery cluster add|list|test|remove`: cluster profiles kept in the user folder, for `orrery run --cluster` and
 * sweeps. A secret (SSH key passphrase, Ray token) is never taken on the command line, where the shell's history
 * would keep it: `--secret-from VAR` stores that environment variable's value, encrypted.
 */
export function registerClusterCommands(program: Command, ctx: CliContext): void {
  const cluster = program.command('cluster').description('Cluster profiles (Slurm here or on a login node over SSH, Ray): add, list, test, remove');

  cluster
    .command('add')
    .description('Add a cluster profile, or change the one with this name (fields not given keep their value)')
    .argument('<name>', 'a name of your choice (e.g. lab-slurm), used by `orrery run --cluster NAME`')
    .option('--kind <kind>', 'slurm or ray (default: ray when --address is given, else slurm)')
    .option('--address <url>', "Ray: the Jobs API address, e.g. http://head-node:8265")
    .option('--host <host>', 'Slurm over SSH: the login node (without it, sbatch runs on this machine)')
    .option('--port <port>', 'SSH port (default 22)')
    .option('--user <user>', 'SSH user on the login node')
    .option('--key <file>', 'SSH private key file')
    .option('--known-hosts <file>', 'known_hosts file the host key must be in (default ~/.ssh/known_hosts)')
    .option('--partition <name>', 'default Slurm partition')
    .option('--remote-dir <dir>', 'where code and runs go on the cluster (default ~/.orrery/remote)')
    .option('--cpus <n>', 'default CPUs per job')
    .option('--mem <size>', 'default memory per job: MiB, or with a unit (512M, 16G)')
    .option('--gpus <n>', 'default GPUs per job')
    .option('--time <limit>', 'default time limit as sbatch --time takes it: minutes, MM:SS, HH:MM:SS or D-HH:MM[:SS]')
    .option('--secret-from <var>', "store this environment variable's value (key passphrase, Ray token), encrypted")
    .action(async (name: string, options: AddOptions, command: Command) => {
      const fields = addFields(ctx, options, command);
      const saved = await withCore(ctx, 'cli', async (core) => {
        const existing = (await cliCall(core, 'cluster.list', {})).find((profile) => profile.name.toLowerCase() === name.toLowerCase());
        if (existing) return cliCall(core, 'cluster.update', { id: existing.id, name, ...fields });
        return cliCall(core, 'cluster.add', { name, kind: fields.kind ?? 'slurm', ...fields });
      });
      ctx.io.out(`${profileLine(saved)}\n`);
    });

  cluster
    .command('list')
    .description('Cluster profiles (secrets are never printed)')
    .option('--json', 'print them as JSON')
    .action(async (options: { json?: boolean }) => {
      const profiles = await withCore(ctx, 'cli', (core) => cliCall(core, 'cluster.list', {}));
      if (options.json) return printJson(ctx, profiles);
      ctx.io.out(profiles.length === 0 ? 'No cluster profiles yet: add one with orrery cluster add NAME [--host H --user U --key FILE | --address URL]\n' : `${profiles.map(profileLine).join('\n')}\n`);
    });

  cluster
    .command('test')
    .description('Reach the cluster: Slurm lists its partitions and nodes (sinfo), Ray answers its version')
    .argument('<cluster>', 'its name or id')
    .option('--json', 'print the answer as JSON')
    .action(async (reference: string, options: { json?: boolean }) => {
      const result = await withCore(ctx, 'cli', (core) => cliCall(core, 'cluster.test', { id: reference }));
      if (options.json) return printJson(ctx, result);
      ctx.io.out(testReport(result));
    });

  cluster
    .command('remove')
    .description('Forget a cluster profile and its stored secret')
    .argument('<cluster>', 'its name or id')
    .action(async (reference: string) => {
      await withCore(ctx, 'cli', (core) => cliCall(core, 'cluster.remove', { id: reference }));
      ctx.io.out(`Removed ${reference}.\n`);
    });
}

/** The contract fields from the options; a malformed number, size or time is a usage error that says the form. */
function addFields(ctx: CliContext, options: AddOptions, command: Command): Record<string, unknown> & { kind?: string } {
  const kind = options.kind ?? (options.address ? 'ray' : undefined);
  if (kind !== undefined && kind !== 'slurm' && kind !== 'ray') usageError(command, `--kind ${kind}: use slurm or ray.`);
  let secret: string | undefined;
  if (options.secretFrom !== undefined) {
    secret = ctx.io.env[options.secretFrom];
    if (!secret) usageError(command, `--secret-from ${options.secretFrom}: that environment variable is not set.`);
  }
  const defaults = {
    ...(options.cpus ? { cpus: wholeNumber(options.cpus, '--cpus', command) } : {}),
    ...(options.gpus ? { gpus: wholeNumber(options.gpus, '--gpus', command) } : {}),
    ...(options.mem ? { memoryMb: parseMemory(options.mem) ?? usageError(command, `--mem ${options.mem}: give MiB (4096) or a size with a unit (512M, 16G).`) } : {}),
    ...(options.time ? { timeLimitMinutes: parseTimeLimit(options.time) ?? usageError(command, `--time ${options.time}: give minutes (90), MM:SS, HH:MM:SS (02:30:00) or D-HH:MM[:SS] (1-00:00).`) } : {}),
  };
  return {
    ...(kind ? { kind } : {}),
    ...(options.address ? { address: options.address } : {}),
    ...(options.host ? { host: options.host, transport: 'ssh' } : {}),
    ...(options.port ? { port: wholeNumber(options.port, '--port', command) } : {}),
    ...(options.user ? { user: options.user } : {}),
    ...(options.key ? { keyPath: absoluteDir(ctx, options.key) } : {}),
    ...(options.knownHosts ? { knownHostsPath: absoluteDir(ctx, options.knownHosts) } : {}),
    ...(options.partition ? { partition: options.partition } : {}),
    ...(options.remoteDir ? { remoteDir: options.remoteDir } : {}),
    ...(Object.keys(defaults).length > 0 ? { defaults } : {}),
    ...(secret !== undefined ? { secret } : {}),
  };
}

function wholeNumber(text: string, flag: string, command: Command): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) usageError(command, `${flag} ${text}: give a whole number.`);
  return value;
}

function profileLine(profile: ClusterProfileView): string {
  const where = profile.kind === 'ray' ? profile.address : profile.transport === 'ssh' ? `${profile.user}@${profile.host}:${profile.port}` : 'this machine';
  const extras = [profile.partition && `partition ${profile.partition}`, profile.secretStore && 'secret stored encrypted'].filter(Boolean).join(', ');
  return `${profile.name.padEnd(20)} ${profile.kind.padEnd(6)} ${where ?? ''}${extras ? `  (${extras})` : ''}  id ${profile.id}`;
}

function testReport(result: ClusterTestResult): string {
  const lines = [`ok in ${Math.round(result.elapsedMs)} ms: ${result.summary}`];
  for (const partition of result.partitions) lines.push(`  partition ${partition.name}${partition.isDefault ? ' (default)' : ''}: ${partition.available}, ${partition.nodes} node(s) ${partition.state}`);
  for (const node of result.nodes) lines.push(`  node ${node.name}: ${node.state}, ${node.cpus ?? '?'} CPUs, ${node.memoryMb ?? '?'} MiB`);
  return `${lines.join('\n')}\n`;
}
