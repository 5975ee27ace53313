import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { packageTargets, type Deployment, type Device, type PackageTarget } from '../../../app/contract';
import type { Core } from '../../core/core';
import { absoluteDir, cliCall, printJson, usageError, withCancellableTask, withCore, type CliContext } from '../cli-context';
import { formatTime, table } from './format';
import { openModelProject, versionOf } from './model-common';

/**
 * `orrery device add|list|test|trust|remove` (the user's SSH targets) and `orrery model deploy|rollback|deployments`
 * (edge packages shipped to them: copy, remote verify and self-test, atomic switch, records).
 */

interface AddOptions {
  host: string;
  port?: string;
  user: string;
  key: string;
  knownHosts?: string;
  root?: string;
  target?: string;
  passphraseEnv?: string;
  json?: boolean;
}

function targetOption(command: Command, value: string | undefined): PackageTarget | undefined {
  if (value === undefined) return undefined;
  if (!(packageTargets as readonly string[]).includes(value)) usageError(command, `--target ${value}: give ${packageTargets.join(' or ')}.`);
  return value as PackageTarget;
}

/** The contract input of `device.add` from the command line (the passphrase read from the variable named). */
function addInput(ctx: CliContext, command: Command, name: string, options: AddOptions): Record<string, unknown> {
  const port = options.port === undefined ? undefined : Number(options.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) usageError(command, `--port ${options.port}: give a port from 1 to 65535.`);
  let passphrase: string | undefined;
  if (options.passphraseEnv !== undefined) {
    passphrase = ctx.io.env[options.passphraseEnv];
    if (!passphrase) usageError(command, `--passphrase-env ${options.passphraseEnv}: that variable is not set (or empty).`);
  }
  const expand = (file: string) => (file.startsWith('~') ? file : absoluteDir(ctx, file));
  const target = targetOption(command, options.target);
  return {
    name,
    host: options.host,
    username: options.user,
    keyPath: expand(options.key),
    ...(port !== undefined ? { port } : {}),
    ...(options.knownHosts !== undefined ? { knownHostsPath: expand(options.knownHosts) } : {}),
    ...(options.root !== undefined ? { remoteRoot: options.root } : {}),
    ...(target ? { target } : {}),
    ...(passphrase !== undefined ? { passphrase } : {}),
  };
}

function deviceLine(device: Device): string {
  return `${device.name.padEnd(16)} ${`${device.username}@${device.host}:${device.port}`.padEnd(32)} ${device.target.padEnd(12)} ${device.remoteRoot}`;
}

/** One deployment as a line: when, what, where, result (and the failed step). */
export function deploymentLine(item: Deployment): string {
  const result = item.result === 'ok' ? 'ok' : `FAILED at ${item.failedStep}`;
  return `${formatTime(item.finishedAt)}  ${item.action.padEnd(8)} ${`${item.modelName}@${item.version}`.padEnd(16)} → ${item.deviceName.padEnd(12)} ${result}  (${item.id})`;
}

/** Asks on the terminal; false when stdin is not one (a script must pass --fingerprint). */
async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const readline = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await readline.question(question)).trim());
  } finally {
    readline.close();
  }
}

/** `orrery device ...`. */
export function registerDeviceCommands(program: Command, ctx: CliContext): void {
  const device = program.command('device').description('Devices edge packages are deployed to over SSH (key authentication, known_hosts checked); kept per user');

  device
    .command('add')
    .description('Add a device; its host key must be in the known_hosts file (see `orrery device trust`)')
    .argument('<name>', 'a name for the device, such as jetson-1')
    .requiredOption('--host <host>', 'host name or address')
    .option('--port <port>', 'SSH port (default 22)')
    .requiredOption('--user <user>', 'the login on the device')
    .requiredOption('--key <file>', 'the private key file the device accepts')
    .option('--known-hosts <file>', 'the known_hosts file (default ~/.ssh/known_hosts)')
    .option('--root <dir>', 'where models go on the device (default ~/orrery-models)')
    .option('--target <target>', `the package target of the device (${packageTargets.join(', ')}; default linux-x64)`)
    .option('--passphrase-env <var>', "read the key's passphrase from this environment variable (stored encrypted)")
    .option('--json', 'print the contract output as JSON')
    .action(async (name: string, options: AddOptions, command: Command) => {
      const input = addInput(ctx, command, name, options);
      const added = await withCore(ctx, 'cli', (core) => cliCall(core, 'device.add', input));
      if (options.json) return printJson(ctx, added);
      ctx.io.out(`Added device ${added.name}: ${added.username}@${added.host}:${added.port}, ${added.target}, models in ${added.remoteRoot}\n`);
    });

  device
    .command('list')
    .description('Devices of this user')
    .option('--json', 'print the contract output as JSON')
    .action(async (options: { json?: boolean }) => {
      const devices = await withCore(ctx, 'cli', (core) => cliCall(core, 'device.list', undefined));
      if (options.json) return printJson(ctx, devices);
      ctx.io.out(devices.length === 0 ? 'No devices; add one with `orrery device add NAME --host HOST --user USER --key FILE`.\n' : `${devices.map(deviceLine).join('\n')}\n`);
    });

  device
    .command('test')
    .description('Log in to a device: host key, system, runtimes, models folder')
    .argument('<name>', 'the device')
    .option('--json', 'print the contract output as JSON')
    .action(async (name: string, options: { json?: boolean }) => {
      const tested = await withCore(ctx, 'cli', (core) => cliCall(core, 'device.test', { name }));
      if (options.json) return printJson(ctx, tested);
      ctx.io.out(
        `${table([
          ['host key', tested.hostKeyFingerprint],
          ['system', `${tested.system}${tested.targetMatches ? '' : '  (does NOT fit the device target)'}`],
          ['node', tested.node ?? '-'],
          ['python', tested.python ?? '-'],
          ['models in', tested.remoteRoot],
          ['login', `${tested.latencyMs.toFixed(0)} ms`],
        ])}\n`,
      );
    });

  device
    .command('trust')
    .description("Show the device's host key and record it in its known_hosts once you confirm the fingerprint")
    .argument('<name>', 'the device')
    .option('--fingerprint <SHA256:...>', 'the fingerprint you checked on the device (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub); needed without a terminal')
    .action(async (name: string, options: { fingerprint?: string }, command: Command) => {
      await withCore(ctx, 'cli', async (core) => {
        const presented = await cliCall(core, 'device.hostKey', { name });
        ctx.io.err(`${presented.host}:${presented.port} presents ${presented.keyType} ${presented.fingerprint} (${presented.status} in ${presented.knownHostsPath})\n`);
        if (presented.status === 'trusted') return ctx.io.out(`Already trusted: ${presented.fingerprint}\n`);
        let fingerprint = options.fingerprint;
        if (fingerprint === undefined) {
          if (!(await confirm('Is this the fingerprint the device shows (ssh-keygen -lf on it)? [y/N] '))) {
            usageError(command, 'not confirmed; check the fingerprint on the device, then run again (or pass --fingerprint SHA256:...).');
          }
          fingerprint = presented.fingerprint;
        }
        const trusted = await cliCall(core, 'device.trust', { name, fingerprint });
        ctx.io.out(`Recorded ${trusted.keyType} ${trusted.fingerprint} for ${trusted.host}:${trusted.port} in ${trusted.knownHostsPath}\n`);
      });
    });

  device
    .command('remove')
    .description('Forget a device (deployment records stay in the projects)')
    .argument('<name>', 'the device')
    .action(async (name: string) => {
      await withCore(ctx, 'cli', (core) => cliCall(core, 'device.remove', { name }));
      ctx.io.out(`Removed device ${name}\n`);
    });
}

/** Step progress on stderr while a deploy runs; Ctrl+C cancels it (the connection is closed, nothing is switched). */
function followed<T>(ctx: CliContext, core: Core, fn: (taskId: string) => Promise<T>): Promise<T> {
  return withCancellableTask(core, async (taskId) => {
    let last = '';
    const stop = core.bus.subscribe('task.progress', taskId, ({ payload }) => {
      const line = payload.message.replace(/: \d+ %$/, '');
      if (payload.finished === null && line !== last) ctx.io.err(`… ${(last = line)}\n`);
    });
    try {
      return await fn(taskId);
    } finally {
      stop();
    }
  });
}

/** `orrery model deploy|rollback|deployments`. */
export function registerDeployCommands(model: Command, ctx: CliContext): void {
  model
    .command('deploy')
    .description("Deploy a version to a device: its package for the device's target (built when missing), copied over SFTP, verified and self-tested there, then made active atomically")
    .argument('<ref>', 'the version (name@3, name@production, a version id)')
    .requiredOption('--device <name>', 'the device (orrery device list)')
    .option('--target <target>', `the package target (${packageTargets.join(', ')}; default: the device's)`)
    .option('--json', 'print the contract output as JSON')
    .action(async (ref: string, options: { device: string; target?: string; json?: boolean }, command: Command) => {
      const target = targetOption(command, options.target);
      const deployed = await withCore(ctx, 'cli', async (core) => {
        await openModelProject(ctx, command, core);
        const version = await versionOf(core, ref);
        return followed(ctx, core, (taskId) => cliCall(core, 'model.deploy', { versionId: version.id, device: options.device, ...(target ? { target } : {}), taskId }));
      });
      if (options.json) return printJson(ctx, deployed);
      ctx.io.out(`Deployed ${deployed.modelName}@${deployed.version} to ${deployed.deviceName}: ${deployed.remotePath} is active (${deployed.id})\n`);
    });

  model
    .command('rollback')
    .description('Make the deployment before the active one active again on a device (verified there first), atomically')
    .argument('[model]', 'the model name (default: the one model deployed to the device)')
    .requiredOption('--device <name>', 'the device')
    .option('--json', 'print the contract output as JSON')
    .action(async (modelName: string | undefined, options: { device: string; json?: boolean }, command: Command) => {
      const done = await withCore(ctx, 'cli', async (core) => {
        await openModelProject(ctx, command, core);
        const name = modelName ?? (await onlyModelOn(core, command, options.device));
        return followed(ctx, core, (taskId) => cliCall(core, 'model.rollback', { device: options.device, model: name, taskId }));
      });
      if (options.json) return printJson(ctx, done);
      ctx.io.out(`Rolled ${done.modelName} on ${done.deviceName} back to version ${done.version}: ${done.remotePath} is active (${done.id})\n`);
    });

  model
    .command('deployments')
    .description('Deploys and rollbacks of this project, newest first')
    .option('--device <name>', 'only to this device')
    .option('--model <name>', 'only of this model')
    .option('--json', 'print the contract output as JSON')
    .action(async (options: { device?: string; model?: string; json?: boolean }, command: Command) => {
      const list = await withCore(ctx, 'cli', async (core) => {
        await openModelProject(ctx, command, core);
        return cliCall(core, 'model.deployments', { ...(options.device ? { device: options.device } : {}), ...(options.model ? { model: options.model } : {}) });
      });
      if (options.json) return printJson(ctx, list);
      ctx.io.out(list.length === 0 ? 'No deployments yet.\n' : `${list.map(deploymentLine).join('\n')}\n`);
    });
}

/** The model deployed to a device when it is the only one; a usage error naming them otherwise. */
async function onlyModelOn(core: Core, command: Command, device: string): Promise<string> {
  const names = [...new Set((await cliCall(core, 'model.deployments', { device })).map((item) => item.modelName))];
  if (names.length === 1) return names[0]!;
  usageError(command, names.length === 0 ? `nothing was deployed to ${device} from this project.` : `several models were deployed to ${device} (${names.join(', ')}); name one.`);
}
