import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Env, EnvLock, EnvPackage } from '../../../app/models';
import type { Core } from '../../core/core';
import { anyId } from '../../core/event-bus';
import { matchEnv } from '../../services/envs/resolve-env';
import { absoluteDir, cliCall, printJson, projectDirFor, withCancellableTask, withCore, type CliContext } from '../cli-context';
import { formatTime } from './format';

/** Opens the project of `--project` / ORRERY_PROJECT when one is given; answers whether one is open. */
async function openProject(ctx: CliContext, command: Command, core: Core): Promise<boolean> {
  const dir = projectDirFor(ctx, command);
  if (!dir) return false;
  await cliCall(core, 'project.open', { path: dir });
  return true;
}

/** The env list, after a discovery pass when the cache is empty, stale, or `refresh` asks for one. */
async function listEnvs(core: Core, refresh = false): Promise<Env[]> {
  const done = new Promise<void>((resolve) => {
    const stop = core.bus.subscribe('env.discovered', anyId, () => {
      stop();
      resolve();
    });
  });
  const first = await cliCall(core, 'env.list', refresh ? { refresh: true } : {});
  if (!first.discovering) return first.envs;
  await done;
  return (await cliCall(core, 'env.list', {})).envs;
}

/** The env named by id, name or path (a path discovery does not know is registered). */
export async function findEnv(ctx: CliContext, core: Core, reference: string): Promise<Env> {
  const envs = await listEnvs(core);
  const hit = matchEnv(envs, reference, ctx.io.cwd);
  if (hit) return hit;
  return cliCall(core, 'env.register', { path: absoluteDir(ctx, reference) });
}

/**
 * Streams a task's output to the terminal while `fn` runs (quiet with --json); Ctrl+C or SIGTERM cancels the task,
 * so pip's process tree is killed and the env restored before the command exits.
 */
function streaming<T>(ctx: CliContext, core: Core, quiet: boolean | undefined, fn: (taskId: string) => Promise<T>): Promise<T> {
  return withCancellableTask(core, async (taskId) => {
    const stop = quiet ? () => undefined : core.bus.subscribe('task.output', taskId, (event) => ctx.io.out(event.payload.text));
    try {
      return await fn(taskId);
    } finally {
      stop();
    }
  });
}

function envLine(env: Env, defaultId: string | null): string {
  const flags = [env.hasIpykernel ? 'ipykernel' : '', env.missing ? 'MISSING' : ''].filter(Boolean).join(',');
  return `${env.id === defaultId ? '*' : ' '} ${env.name.padEnd(28)} ${env.kind.padEnd(7)} ${env.version.padEnd(8)} ${flags.padEnd(9)} ${env.python}  ${env.id}`;
}

function packageLines(packages: readonly EnvPackage[]): string {
  return packages.map((pkg) => `${pkg.name}==${pkg.version}${pkg.editableLocation ? `  (editable: ${pkg.editableLocation})` : ''}`).join('\n');
}

function lockLine(lock: EnvLock): string {
  return `${lock.id}  ${formatTime(lock.createdAt)}  ${lock.envName}  ${lock.format}  ${lock.packageCount} packages  ${lock.hash.slice(0, 12)}${lock.note ? `  ${lock.note}` : ''}`;
}

/** `orrery env list|show|register|tools|create|use|packages|install|uninstall|lock|locks|diff|export|recreate`. */
export function registerEnvCommands(program: Command, ctx: CliContext): void {
  const env = program.command('env').description('Python environments: discover, create, manage packages, lock and export');
  registerDiscoveryCommands(env, ctx);
  registerCreateCommands(env, ctx);
  registerPackageCommands(env, ctx);
  registerUninstallCommand(env, ctx);
  registerLockCommands(env, ctx);
  registerExportCommands(env, ctx);
}

function registerDiscoveryCommands(env: Command, ctx: CliContext): void {
  env
    .command('list')
    .description('List the Python environments on this machine (from the cache; --refresh runs discovery first)')
    .option('--refresh', 'discover again before listing')
    .option('--json', 'print the envs as JSON')
    .action(async (options: { refresh?: boolean; json?: boolean }, command: Command) => {
      await withCore(ctx, 'cli', async (core) => {
        const hasProject = await openProject(ctx, command, core);
        const envs = await listEnvs(core, options.refresh);
        const defaultEnv = hasProject ? await cliCall(core, 'env.default', undefined) : null;
        if (options.json) return printJson(ctx, envs);
        ctx.io.out(`${envs.map((item) => envLine(item, defaultEnv?.id ?? null)).join('\n')}\n${envs.length} environments${hasProject ? ' (* the project default)' : ''}\n`);
      });
    });

  env
    .command('show')
    .description('Probe one environment again and show it (ENV: id, name or path)')
    .argument('<env>', 'the env: id, name or path')
    .option('--json', 'print the env as JSON')
    .action(async (reference: string, options: { json?: boolean }) => {
      const found = await withCore(ctx, 'cli', async (core) => cliCall(core, 'env.get', { id: (await findEnv(ctx, core, reference)).id }));
      if (options.json) return printJson(ctx, found);
      ctx.io.out(`${envLine(found, null).trim()}\n  prefix: ${found.prefix}\n  found by: ${found.sources.join(', ')}\n`);
    });

  env
    .command('register')
    .description('Add an interpreter or env folder that discovery does not find')
    .argument('<path>', 'a Python interpreter or an env folder')
    .option('--json', 'print the env as JSON')
    .action(async (target: string, options: { json?: boolean }) => {
      const found = await withCore(ctx, 'cli', (core) => cliCall(core, 'env.register', { path: absoluteDir(ctx, target) }));
      if (options.json) return printJson(ctx, found);
      ctx.io.out(`Registered ${found.name} (${found.id})\n`);
    });

  env
    .command('tools')
    .description('Which env kinds this machine can create, and the Pythons to build them from')
    .option('--json', 'print as JSON')
    .action(async (options: { json?: boolean }) => {
      const tools = await withCore(ctx, 'cli', (core) => cliCall(core, 'env.tools', undefined));
      if (options.json) return printJson(ctx, tools);
      ctx.io.out(`venv: ${tools.venv ? 'yes' : 'no'}\nconda: ${tools.conda ?? 'not installed'}\nuv: ${tools.uv ?? 'not installed'}\n${tools.pythons.map((item) => `  ${item.version}  ${item.python}`).join('\n')}\n`);
    });

}

function registerCreateCommands(env: Command, ctx: CliContext): void {
  env
    .command('create')
    .description("Create a venv, conda or uv env (default: a venv in <project>/.venv) and make it the project's default")
    .option('--kind <kind>', 'venv, conda or uv', 'venv')
    .option('--path <dir>', 'where the env goes')
    .option('--name <name>', 'a conda env name (instead of --path)')
    .option('--python <python>', 'the base interpreter (venv) or a version like 3.11')
    .option('--system-site-packages', 'venv/uv: see the base interpreter\'s packages')
    .option('--no-default', "do not make it the project's default env")
    .option('--json', 'print the new env as JSON')
    .action(async (options: { kind: string; path?: string; name?: string; python?: string; systemSitePackages?: boolean; default: boolean; json?: boolean }, command: Command) => {
      const created = await withCore(ctx, 'cli', async (core) => {
        await openProject(ctx, command, core);
        const input = {
          kind: options.kind,
          ...(options.path ? { path: absoluteDir(ctx, options.path) } : {}),
          ...(options.name ? { name: options.name } : {}),
          ...(options.python ? { python: options.python.includes('/') ? absoluteDir(ctx, options.python) : options.python } : {}),
          ...(options.systemSitePackages ? { systemSitePackages: true } : {}),
          makeDefault: options.default,
        };
        return streaming(ctx, core, options.json, (taskId) => cliCall(core, 'env.create', { ...input, taskId }));
      });
      if (options.json) return printJson(ctx, created);
      ctx.io.out(`Created ${created.kind} env ${created.name} (${created.id}) at ${created.prefix}\n`);
    });

  env
    .command('use')
    .description("Set the project's default env (terminals, kernels and jobs use it); --clear unsets it")
    .argument('[env]', 'the env: id, name or path')
    .option('--clear', 'unset the default env')
    .action(async (reference: string | undefined, options: { clear?: boolean }, command: Command) => {
      if (!reference && !options.clear) command.error('env use needs an ENV (or --clear).', { exitCode: 2, code: 'orrery.usage' });
      const message = await withCore(ctx, 'cli', async (core) => {
        if (!(await openProject(ctx, command, core))) command.error('env use needs a project: give --project DIR or set ORRERY_PROJECT.', { exitCode: 2, code: 'orrery.usage' });
        const target = reference && !options.clear ? await findEnv(ctx, core, reference) : null;
        await cliCall(core, 'env.setDefault', { id: target?.id ?? null });
        return target ? `The project's default env is now ${target.name} (${target.id})` : "The project's default env was cleared";
      });
      ctx.io.out(`${message}\n`);
    });
}

function registerPackageCommands(env: Command, ctx: CliContext): void {
  env
    .command('packages')
    .description('List the packages installed in an env')
    .argument('<env>', 'the env: id, name or path')
    .option('--json', 'print the packages as JSON')
    .action(async (reference: string, options: { json?: boolean }) => {
      const packages = await withCore(ctx, 'cli', async (core) => cliCall(core, 'env.packages', { id: (await findEnv(ctx, core, reference)).id }));
      if (options.json) return printJson(ctx, packages);
      ctx.io.out(`${packageLines(packages)}\n`);
    });

  env
    .command('install')
    .description('Install or upgrade packages: names or specs, wheels, sdists, git URLs, -r FILE, -e DIR (the env is restored if pip fails)')
    .argument('<env>', 'the env: id, name or path')
    .argument('[specs...]', 'package specs, wheel or sdist paths, git URLs')
    .option('-r, --requirement <file>', 'a requirements file')
    .option('-e, --editable <dir...>', 'folders to install in editable mode')
    .option('-U, --upgrade', 'upgrade packages that are already installed')
    .option('--json', 'print the resulting package list as JSON (no pip output)')
    .action(async (reference: string, specs: string[], options: { requirement?: string; editable?: string[]; upgrade?: boolean; json?: boolean }) => {
      const isPath = (spec: string) => /^(\.{1,2}\/|\/)/.test(spec) || /\.(whl|tar\.gz|zip)$/.test(spec);
      const input = {
        specs: specs.map((spec) => (isPath(spec) ? absoluteDir(ctx, spec) : spec)),
        ...(options.requirement ? { requirementsFile: absoluteDir(ctx, options.requirement) } : {}),
        ...(options.editable ? { editable: options.editable.map((dir) => absoluteDir(ctx, dir)) } : {}),
        ...(options.upgrade ? { upgrade: true } : {}),
      };
      const result = await withCore(ctx, 'cli', async (core) => {
        const target = await findEnv(ctx, core, reference);
        return streaming(ctx, core, options.json, (taskId) => cliCall(core, 'env.install', { id: target.id, ...input, taskId }));
      });
      if (options.json) return printJson(ctx, result.packages);
      ctx.io.out(`${result.packages.length} packages installed\n`);
    });

}

function registerUninstallCommand(env: Command, ctx: CliContext): void {
  env
    .command('uninstall')
    .description('Uninstall packages by name')
    .argument('<env>', 'the env: id, name or path')
    .argument('<names...>', 'package names')
    .option('--json', 'print the resulting package list as JSON (no pip output)')
    .action(async (reference: string, names: string[], options: { json?: boolean }) => {
      const result = await withCore(ctx, 'cli', async (core) => {
        const target = await findEnv(ctx, core, reference);
        return streaming(ctx, core, options.json, (taskId) => cliCall(core, 'env.uninstall', { id: target.id, names, taskId }));
      });
      if (options.json) return printJson(ctx, result.packages);
      ctx.io.out(`${result.packages.length} packages installed\n`);
    });
}

/** Runs `fn` on a core with the project of --project / ORRERY_PROJECT open; a usage error without one. */
function inProject<T>(ctx: CliContext, command: Command, fn: (core: Core) => Promise<T>): Promise<T> {
  return withCore(ctx, 'cli', async (core) => {
    if (!(await openProject(ctx, command, core))) command.error(`env ${command.name()} needs a project: give --project DIR or set ORRERY_PROJECT.`, { exitCode: 2, code: 'orrery.usage' });
    return fn(core);
  });
}

function registerLockCommands(env: Command, ctx: CliContext): void {
  env
    .command('lock')
    .description("Snapshot an env's exact package set (pip freeze / conda export) into the project store")
    .argument('<env>', 'the env: id, name or path')
    .option('--note <text>', 'a note kept with the snapshot')
    .option('--json', 'print the snapshot as JSON')
    .action(async (reference: string, options: { note?: string; json?: boolean }, command: Command) => {
      const lock = await inProject(ctx, command, async (core) => cliCall(core, 'env.lock', { id: (await findEnv(ctx, core, reference)).id, ...(options.note ? { note: options.note } : {}) }));
      if (options.json) return printJson(ctx, lock);
      ctx.io.out(`${lockLine(lock)}\n`);
    });

  env
    .command('locks')
    .description('List the snapshots in the project store, newest first')
    .argument('[env]', 'only those of this env')
    .option('--json', 'print the snapshots as JSON')
    .action(async (reference: string | undefined, options: { json?: boolean }, command: Command) => {
      const locks = await inProject(ctx, command, async (core) => cliCall(core, 'env.locks', reference ? { id: (await findEnv(ctx, core, reference)).id } : {}));
      if (options.json) return printJson(ctx, locks);
      ctx.io.out(locks.length > 0 ? `${locks.map(lockLine).join('\n')}\n` : 'No snapshots yet; take one with `orrery env lock ENV`.\n');
    });

  env
    .command('diff')
    .description('What changed between two snapshots')
    .argument('<from>', 'the older snapshot id')
    .argument('<to>', 'the newer snapshot id')
    .option('--json', 'print the difference as JSON')
    .action(async (from: string, to: string, options: { json?: boolean }, command: Command) => {
      const diff = await inProject(ctx, command, (core) => cliCall(core, 'env.diff', { from, to }));
      if (options.json) return printJson(ctx, diff);
      const lines = [
        ...diff.added.map((entry) => `+ ${entry.name} ${entry.version}`),
        ...diff.removed.map((entry) => `- ${entry.name} ${entry.version}`),
        ...diff.changed.map((entry) => `~ ${entry.name} ${entry.from} -> ${entry.to}`),
        `${diff.added.length} added, ${diff.removed.length} removed, ${diff.changed.length} changed, ${diff.unchanged} unchanged`,
      ];
      ctx.io.out(`${lines.join('\n')}\n`);
    });

}

function registerExportCommands(env: Command, ctx: CliContext): void {
  env
    .command('export')
    .description('Write a snapshot as requirements.txt or environment.yml (to stdout, or -o FILE)')
    .argument('<lock>', 'the snapshot id')
    .option('--format <format>', 'requirements or environment-yml', 'requirements')
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .action(async (lockId: string, options: { format: string; output?: string }, command: Command) => {
      const exported = await inProject(ctx, command, (core) => cliCall(core, 'env.export', { lockId, format: options.format }));
      if (!options.output) return ctx.io.out(exported.text);
      await writeFile(absoluteDir(ctx, options.output), exported.text);
      ctx.io.out(`Wrote ${absoluteDir(ctx, options.output)}\n`);
    });

  env
    .command('recreate')
    .description('Create a new env holding exactly the packages of a snapshot')
    .argument('<lock>', 'the snapshot id')
    .option('--kind <kind>', 'venv, conda or uv', 'venv')
    .option('--path <dir>', 'where the env goes')
    .option('--python <python>', 'the base interpreter or version')
    .option('--system-site-packages', "see the base interpreter's packages")
    .option('--no-default', "do not make it the project's default env")
    .option('--json', 'print the new env as JSON')
    .action(async (lockId: string, options: { kind: string; path?: string; python?: string; systemSitePackages?: boolean; default: boolean; json?: boolean }, command: Command) => {
      const created = await inProject(ctx, command, (core) =>
        streaming(ctx, core, options.json, (taskId) =>
          cliCall(core, 'env.recreate', {
            lockId,
            kind: options.kind,
            ...(options.path ? { path: absoluteDir(ctx, options.path) } : {}),
            ...(options.python ? { python: options.python.includes('/') ? absoluteDir(ctx, options.python) : options.python } : {}),
            ...(options.systemSitePackages ? { systemSitePackages: true } : {}),
            makeDefault: options.default,
            taskId,
          }),
        ),
      );
      if (options.json) return printJson(ctx, created);
      ctx.io.out(`Recreated ${lockId} as ${created.name} (${created.id}) at ${created.prefix}\n`);
    });
}
