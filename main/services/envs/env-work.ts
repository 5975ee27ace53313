import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { OrreryError, type CallInput, type CallOutput, type ParsedInput } from '../../../app/contract';
import type { Env } from '../../../app/models';
import type { Task } from '../../core/tasks';
import { checkPathInRoots } from '../../core/paths';
import type { EnvService } from './env-service';
import { condaPrefixFor, runCreate, type CreatePlan } from './create';
import { condaLocator, findCondaTool, findUv, interpreterIn } from './locators';
import { diffPackages, exportLockText, getLock, insertLock, listLocks, lockPackages } from './locks';
import { listPackages, pipInstallArgs, pipUninstallArgs, runPip, type PackageContext } from './packages';
import { streamProcess } from './stream-process';

type CreateInput = ParsedInput<'env.create'>;

/** Creation, packages and locks: the env service's work that runs programs in an env. */
export class EnvWork {
  constructor(
    private readonly service: EnvService,
    private readonly live: Set<number>,
  ) {}

  private get deps() {
    return this.service.deps;
  }

  private async context(env: Env | null): Promise<PackageContext> {
    const base = this.deps.env;
    return {
      runner: this.deps.runner,
      env: env ? this.service.activation(env, base) : base,
      probeScript: this.service.probeScript,
      conda: await findCondaTool(base, this.service.home),
      live: this.live,
      ...(this.deps.projects.current() ? { cwd: this.deps.projects.current()!.path } : {}),
    };
  }

  /** Creates an env, probes it, caches it (pinned) and makes it the project's default unless told not to. */
  async create(input: CreateInput): Promise<Env> {
    const plan = await this.plan(input);
    const env = await this.deps.tasks.run(input.taskId, `Create ${input.kind} env`, (task) => this.build(plan, task, input));
    if (input.makeDefault !== false && this.deps.projects.current()) await this.service.setDefault(env.id);
    return env;
  }

  private async build(plan: CreatePlan, task: Task, input: CreateInput): Promise<Env> {
    const prefix = (await runCreate(plan, task, this.deps.env, this.live)) ?? (await this.condaPrefixNamed(plan.name!));
    try {
      task.throwIfCancelled();
      const python = await interpreterIn(prefix);
      if (!python) throw new OrreryError('process_failed', `The new env at ${prefix} has no interpreter (bin/python).`);
      const name = input.kind === 'conda' && !input.path ? input.name : undefined;
      return await this.service.adopt({ python, source: 'created' }, name);
    } catch (error) {
      if (plan.prefix) await rm(plan.prefix, { recursive: true, force: true });
      throw error;
    }
  }

  private async condaPrefixNamed(name: string): Promise<string> {
    const found = await condaLocator({ env: this.deps.env, home: this.service.home, runner: this.deps.runner, projectPath: null });
    const match = found.find((candidate) => path.basename(path.dirname(path.dirname(candidate.python))) === name);
    if (!match) throw new OrreryError('process_failed', `conda reported success but no env named ${name} was found.`);
    return path.dirname(path.dirname(match.python));
  }

  /** Resolves a creation request: the folder (checked against the roots), the Python, the tools. */
  private async plan(input: CreateInput): Promise<CreatePlan> {
    const [conda, uv] = await Promise.all([findCondaTool(this.deps.env, this.service.home), findUv(this.deps.env, this.service.home)]);
    if (input.kind === 'conda' && !conda) throw new OrreryError('unavailable', 'conda, mamba or micromamba is not installed on this machine; install one, or create a venv instead.');
    if (input.kind === 'uv' && !uv) throw new OrreryError('unavailable', 'uv is not installed on this machine; install uv, or create a venv instead.');
    if (input.kind === 'conda' && !input.path && !input.name) throw new OrreryError('invalid_input', 'A conda env needs a name or a path.');
    if (input.name && !/^[A-Za-z0-9._-]+$/.test(input.name)) throw new OrreryError('invalid_input', `"${input.name}" is not a valid env name (letters, digits, . _ -).`);
    let prefix: string | null = null;
    if (input.path) prefix = await checkPathInRoots(input.path, this.deps.allowedRoots);
    else if (input.kind === 'conda') prefix = await condaPrefixFor(this.deps.runner, conda!, input.name!, this.deps.env);
    else {
      const project = this.deps.projects.current();
      if (!project) throw new OrreryError('no_project', 'Give a path for the new env, or open a project (its env goes in <project>/.venv).');
      prefix = path.join(project.path, '.venv');
    }
    const python = await this.choosePython(input);
    return { kind: input.kind, prefix, ...(input.name ? { name: input.name } : {}), python, systemSitePackages: input.systemSitePackages ?? false, conda, uv };
  }

  /** The base interpreter (venv) or version (conda, uv): the one asked for, else the best Python found. */
  private async choosePython(input: CreateInput): Promise<string> {
    const asked = input.python;
    if (asked && path.isAbsolute(asked)) {
      const info = await stat(asked).catch(() => null);
      if (!info?.isFile()) throw new OrreryError('not_found', `The Python ${asked} does not exist; choose one from \`orrery env list\`.`);
      if (input.kind === 'venv' && !/^python(\d+(\.\d+)?)?(\.exe)?$/i.test(path.basename(asked))) {
        throw new OrreryError('invalid_input', `python: ${asked} is not named like a Python interpreter (python3, python3.11).`);
      }
      return asked;
    }
    if (asked && !/^\d+(\.\d+){0,2}$/.test(asked)) throw new OrreryError('invalid_input', `python: "${asked}" is neither an interpreter path nor a version like 3.11.`);
    if (input.kind !== 'venv' && asked) return asked;
    const { pythons } = await this.service.tools();
    const match = pythons.find((entry) => !asked || entry.version === asked || entry.version.startsWith(`${asked}.`));
    if (!match) throw new OrreryError('not_found', asked ? `No Python ${asked} was found on this machine; choose one from \`orrery env tools\`.` : 'No Python 3 was found on this machine to build a venv from.');
    return input.kind === 'venv' ? match.python : match.version.split('.').slice(0, 2).join('.');
  }

  /** Installed packages of an env that is on disk. */
  async packages(id: string): Promise<CallOutput<'env.packages'>> {
    const env = await this.service.requireEnv(id);
    return listPackages(env, await this.context(env));
  }

  /** pip install with output on the task; on failure or cancel the env is restored from its snapshot. */
  async install(input: ParsedInput<'env.install'>): Promise<CallOutput<'env.install'>> {
    const env = await this.service.requireEnv(input.id);
    if (env.kind === 'system') {
      throw new OrreryError('forbidden', `${env.name} is the system Python; create a venv (orrery env create) and install into it instead.`);
    }
    if (input.requirementsFile) await mustExist(input.requirementsFile, 'requirements file');
    for (const folder of input.editable ?? []) await mustExist(folder, 'editable folder');
    for (const spec of input.specs) if (path.isAbsolute(spec)) await mustExist(spec, 'package file');
    const args = pipInstallArgs(input);
    const context = await this.context(env);
    await this.deps.tasks.run(input.taskId, `Install into ${env.name}`, (task) => runPip(env, args, task, context));
    await this.service.get(env.id);
    return { packages: await listPackages(env, context) };
  }

  /** pip uninstall -y with output on the task; restored on failure. */
  async uninstall(input: ParsedInput<'env.uninstall'>): Promise<CallOutput<'env.uninstall'>> {
    const env = await this.service.requireEnv(input.id);
    if (env.kind === 'system') throw new OrreryError('forbidden', `${env.name} is the system Python; Orrery does not remove packages from it.`);
    const args = pipUninstallArgs(input.names);
    const context = await this.context(env);
    await this.deps.tasks.run(input.taskId, `Uninstall from ${env.name}`, (task) => runPip(env, args, task, context));
    await this.service.get(env.id);
    return { packages: await listPackages(env, context) };
  }

  /** Snapshots the env's exact package set (pip freeze --all, or conda env export) into the project store. */
  async lock(id: string, note?: string): Promise<CallOutput<'env.lock'>> {
    const { db } = this.deps.projects.requireCurrent();
    const env = await this.service.requireEnv(id);
    const context = await this.context(env);
    const conda = env.kind === 'conda' && context.conda;
    const result = conda
      ? await this.deps.runner.run(context.conda!, ['env', 'export', '-p', env.prefix], { timeoutMs: 120_000, env: context.env })
      : await this.deps.runner.run(env.python, ['-m', 'pip', 'freeze', '--all'], { timeoutMs: 120_000, env: { ...context.env, PIP_DISABLE_PIP_VERSION_CHECK: '1' } });
    if (result.code !== 0) throw new OrreryError('process_failed', `Snapshotting ${env.name} failed: ${result.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    return insertLock(db, { envId: env.id, envName: env.name, format: conda ? 'conda' : 'pip', pythonVersion: env.version, note: note ?? null, content: result.stdout, now: this.deps.clock.now() });
  }

  async locks(id?: string): Promise<CallOutput<'env.locks'>> {
    return listLocks(this.deps.projects.requireCurrent().db, id);
  }

  async lockGet(lockId: string): Promise<CallOutput<'env.lockGet'>> {
    return getLock(this.deps.projects.requireCurrent().db, lockId);
  }

  async diff(from: string, to: string): Promise<CallOutput<'env.diff'>> {
    const { db } = this.deps.projects.requireCurrent();
    const [a, b] = [getLock(db, from), getLock(db, to)];
    return diffPackages(lockPackages(a.format, a.content), lockPackages(b.format, b.content));
  }

  async exportLock(lockId: string, format: CallInput<'env.export'>['format']): Promise<CallOutput<'env.export'>> {
    return exportLockText(getLock(this.deps.projects.requireCurrent().db, lockId), format);
  }

  /** A new env holding a snapshot's packages: created, then the snapshot installed; removed again if that fails. */
  async recreate(input: ParsedInput<'env.recreate'>): Promise<Env> {
    const lock = getLock(this.deps.projects.requireCurrent().db, input.lockId);
    const { lockId: _lockId, ...createInput } = input;
    if (lock.format === 'conda' && input.kind !== 'conda') throw new OrreryError('invalid_input', 'This snapshot is a conda export; recreate it as a conda env.');
    const plan = await this.plan({ ...createInput, python: createInput.python ?? (input.kind === 'venv' ? undefined : lock.pythonVersion.split('.').slice(0, 2).join('.')) });
    const env = await this.deps.tasks.run(input.taskId, `Recreate ${lock.envName}`, async (task) => {
      const scratch = await mkdtemp(path.join(os.tmpdir(), 'orrery-lock-'));
      try {
        const file = path.join(scratch, lock.format === 'conda' ? 'environment.yml' : 'requirements.txt');
        await writeFile(file, lock.content);
        if (lock.format === 'conda') return await this.condaFromFile(plan, file, task);
        const made = await this.build(plan, task, createInput);
        await this.installInto(made, file, task, plan);
        return made;
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
    });
    if (input.makeDefault !== false && this.deps.projects.current()) await this.service.setDefault(env.id);
    return env;
  }

  private async installInto(env: Env, requirements: string, task: Task, plan: CreatePlan): Promise<void> {
    try {
      await runPip(env, ['-m', 'pip', 'install', '-r', requirements], task, await this.context(env));
    } catch (error) {
      if (plan.prefix) await rm(plan.prefix, { recursive: true, force: true });
      throw error;
    }
  }

  private async condaFromFile(plan: CreatePlan, file: string, task: Task): Promise<Env> {
    const where = plan.prefix ? ['-p', plan.prefix] : ['-n', plan.name!];
    const result = await streamProcess(task, plan.conda!, ['env', 'create', '-y', ...where, '-f', file], { env: this.deps.env, live: this.live }).catch(async (error: unknown) => {
      if (plan.prefix) await rm(plan.prefix, { recursive: true, force: true });
      throw error;
    });
    if (result.code !== 0) {
      if (plan.prefix) await rm(plan.prefix, { recursive: true, force: true });
      throw new OrreryError('process_failed', `conda env create failed (exit ${String(result.code)}).\n${result.tail}`);
    }
    const prefix = plan.prefix ?? (await this.condaPrefixNamed(plan.name!));
    const python = await interpreterIn(prefix);
    if (!python) throw new OrreryError('process_failed', `The new conda env at ${prefix} has no interpreter.`);
    return this.service.adopt({ python, source: 'created' }, plan.name);
  }
}

async function mustExist(file: string, what: string): Promise<void> {
  if (!(await stat(file).catch(() => null))) throw new OrreryError('not_found', `The ${what} ${file} does not exist.`);
}
