import { stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { OrreryError, type CallInput, type CallOutput, type ParsedInput } from '../../../app/contract';
import type { Env } from '../../../app/models';
import type { Clock } from '../../core/clock';
import type { EventBus } from '../../core/event-bus';
import type { Logger } from '../../core/logger';
import type { ProcessRunner } from '../../core/process-runner';
import type { TaskRegistry } from '../../core/tasks';
import type { ProjectService } from '../projects/project-service';
import type { UserStore } from '../user/user-store';
import { activationEnv, terminalActivationEnv } from './activation';
import { readDefaultEnv, writeDefaultEnv } from './default-env';
import { EnvCache, envPresent, staleAfterMs } from './env-cache';
import { Discovery } from './discovery';
import { EnvWork } from './env-work';
import { findCondaTool, findUv, interpreterIn, isExecutable } from './locators';
import { mergeEnvs, type Candidate } from './probe';
import { killLiveChildren } from './stream-process';

/** What the env service needs. */
export interface EnvServiceDeps {
  readonly bus: EventBus;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly runner: ProcessRunner;
  readonly tasks: TaskRegistry;
  readonly projects: ProjectService;
  readonly user: UserStore;
  readonly allowedRoots: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly resourcesDir: string;
  readonly userHome: string;
}

/** The user's home folder (for ~/.pyenv, ~/.virtualenvs, conda roots): HOME of the env given, else the OS's. */
function homeOf(env: NodeJS.ProcessEnv): string {
  return env.HOME || env.USERPROFILE || os.homedir();
}

/** Python environments: discovery, creation, packages, locks, the project's default. */
export class EnvService {
  private readonly cache: EnvCache;
  private readonly discovery: Discovery;
  private readonly work: EnvWork;
  private readonly live = new Set<number>();
  /** The probe script run with every candidate interpreter. */
  readonly probeScript: string;
  /** The home folder locators search (HOME of the core's environment). */
  readonly home: string;

  constructor(readonly deps: EnvServiceDeps) {
    this.probeScript = path.join(deps.resourcesDir, 'python', 'orrery_env_probe.py');
    this.home = homeOf(deps.env);
    this.cache = new EnvCache({ user: deps.user, logger: deps.logger });
    this.discovery = new Discovery({
      bus: deps.bus,
      logger: deps.logger,
      clock: deps.clock,
      runner: deps.runner,
      cache: this.cache,
      probeScript: this.probeScript,
      env: deps.env,
      home: this.home,
      projectPath: () => deps.projects.current()?.path ?? null,
    });
    this.work = new EnvWork(this, this.live);
  }

  /** The cache at once (each env checked for still being on disk); discovery starts when asked, or when the cache is empty or stale. */
  async list(input: ParsedInput<'env.list'>): Promise<CallOutput<'env.list'>> {
    const envs = await this.checked(this.cache.all());
    const last = this.cache.lastDiscoveryAt();
    if (input?.refresh || last === null || this.deps.clock.now() - last > staleAfterMs) this.discover();
    return { envs, discovering: this.discovery.active };
  }

  /** Starts a discovery pass unless one runs (single flight); answers its envs. */
  discover(): Promise<Env[]> {
    const pass = this.discovery.start();
    pass.catch((error: unknown) => this.deps.logger.warn('env discovery failed', { error: (error as Error).message }));
    return pass;
  }

  /** One env probed again; a cached env whose folder is gone answers with `missing: true`. */
  async get(id: string): Promise<Env> {
    const cached = this.cache.get(id) ?? this.storedDefault(id);
    if (!cached) throw new OrreryError('not_found', `No environment ${id}; list them with \`orrery env list --refresh\`.`);
    const [checked] = await this.checked([cached]);
    if (checked!.missing) return checked!;
    const fresh = await this.discovery.resolve({ python: cached.python, source: cached.sources[0] ?? 'registered' });
    if (!fresh || fresh.id !== id) {
      const gone = { ...cached, missing: true };
      this.cache.put([gone]);
      return gone;
    }
    const merged = { ...mergeEnvs(cached, fresh), name: cached.name, missing: false };
    this.cache.put([merged]);
    this.deps.bus.publish('env.found', '', { env: merged });
    return merged;
  }

  /** An env that is on disk, for calls that work in it; `not_found` says it is gone and what to do. */
  async requireEnv(id: string): Promise<Env> {
    const env = await this.get(id);
    if (env.missing) {
      throw new OrreryError('not_found', `The environment "${env.name}" (${env.prefix}) no longer exists on disk; choose another env, or recreate it from a snapshot.`);
    }
    return env;
  }

  /** Adds an interpreter or env folder that discovery does not find; probed first, kept across passes. */
  async register(target: string): Promise<Env> {
    if (!path.isAbsolute(target)) throw new OrreryError('invalid_input', `path: "${target}" is not absolute; give the full path of an interpreter or env folder.`);
    const info = await stat(target).catch(() => null);
    if (!info) throw new OrreryError('not_found', `${target} does not exist; give the path of a Python interpreter or of an env folder.`);
    if (info.isFile() && !/^python(\d+(\.\d+)?)?(\.exe)?$/i.test(path.basename(target))) {
      throw new OrreryError('invalid_input', `${target} is not named like a Python interpreter (python, python3, python3.11); give the interpreter or its env folder.`);
    }
    const python = info.isDirectory() ? await interpreterIn(target) : (await isExecutable(target)) ? target : null;
    if (!python) throw new OrreryError('invalid_input', `${target} holds no Python interpreter (bin/python); give an interpreter or an env folder.`);
    return this.adopt({ python, source: 'registered' });
  }

  /** Probes a candidate, merges it into the cache as pinned, publishes it; `process_failed` when it is no Python. */
  async adopt(candidate: Candidate, name?: string): Promise<Env> {
    const fresh = await this.discovery.resolve(candidate);
    if (!fresh) throw new OrreryError('process_failed', `${candidate.python} is not a working Python interpreter (the probe script failed with it).`);
    const cached = this.cache.get(fresh.id);
    const merged = { ...(cached ? mergeEnvs(cached, fresh) : fresh), ...(name ? { name } : {}), missing: false };
    this.cache.put([merged], true);
    this.deps.bus.publish('env.found', '', { env: merged });
    return merged;
  }

  /** Which env kinds this machine can create, and the base Pythons (3.x, not venvs) to build them from. */
  async tools(): Promise<CallOutput<'env.tools'>> {
    let envs = this.cache.all();
    if (this.cache.lastDiscoveryAt() === null) envs = await this.discover();
    const [conda, uv] = await Promise.all([findCondaTool(this.deps.env, this.home), findUv(this.deps.env, this.home)]);
    const bases = (await this.checked(envs)).filter((env) => !env.missing && (env.kind === 'system' || env.kind === 'pyenv' || (env.kind === 'uv' && !env.sources.includes('project'))));
    const pythons = bases
      .filter((env) => env.version.startsWith('3.'))
      .sort((a, b) => Number(b.hasIpykernel) - Number(a.hasIpykernel) || compareVersions(b.version, a.version))
      .map((env) => ({ python: env.python, version: env.version }));
    return { venv: pythons.length > 0, conda, uv, pythons };
  }

  /** Creates a venv, conda or uv env (see EnvWork). */
  create(input: ParsedInput<'env.create'>): Promise<Env> {
    return this.work.create(input);
  }

  /** The open project's default env (checked for being on disk), or null when none is set or no project is open. */
  async getDefault(): Promise<Env | null> {
    const stored = this.defaultEnvCached();
    if (!stored) return null;
    const [checked] = await this.checked([this.cache.get(stored.id) ?? stored]);
    return checked!;
  }

  /** Sets or clears the open project's default env; publishes `env.defaultChanged`. */
  async setDefault(id: string | null): Promise<{ ok: true }> {
    const { db } = this.deps.projects.requireCurrent();
    const env = id === null ? null : await this.requireEnv(id);
    writeDefaultEnv(db, env);
    this.deps.bus.publish('env.defaultChanged', '', { env });
    return { ok: true };
  }

  packages(id: string): Promise<CallOutput<'env.packages'>> {
    return this.work.packages(id);
  }
  install(input: ParsedInput<'env.install'>): Promise<CallOutput<'env.install'>> {
    return this.work.install(input);
  }
  uninstall(input: ParsedInput<'env.uninstall'>): Promise<CallOutput<'env.uninstall'>> {
    return this.work.uninstall(input);
  }
  lock(id: string, note?: string): Promise<CallOutput<'env.lock'>> {
    return this.work.lock(id, note);
  }
  locks(id?: string): Promise<CallOutput<'env.locks'>> {
    return this.work.locks(id);
  }
  lockGet(lockId: string): Promise<CallOutput<'env.lockGet'>> {
    return this.work.lockGet(lockId);
  }
  diff(from: string, to: string): Promise<CallOutput<'env.diff'>> {
    return this.work.diff(from, to);
  }
  exportLock(lockId: string, format: CallInput<'env.export'>['format']): Promise<CallOutput<'env.export'>> {
    return this.work.exportLock(lockId, format);
  }
  recreate(input: ParsedInput<'env.recreate'>): Promise<Env> {
    return this.work.recreate(input);
  }

  /**
   * Variables that activate an env for a child process (PATH first, VIRTUAL_ENV or CONDA_PREFIX, no PYTHONHOME);
   * terminals, kernels and jobs use it with the project's default env.
   */
  activation(env: Env, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
    return activationEnv(env, base);
  }

  /**
   * The base with the project's default env activated (unchanged when there is none): what terminals start with,
   * with what their start-up file needs to activate it again after the user's own (`terminalActivationEnv`).
   */
  activateDefault(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
    const env = this.defaultEnvCached();
    return env && !env.missing ? terminalActivationEnv(env, base) : base;
  }

  /** The project's default env as last resolved (no probe), for synchronous callers such as terminals. */
  defaultEnvCached(): Env | null {
    const open = this.deps.projects.current() ? this.deps.projects.requireCurrent() : null;
    return open ? readDefaultEnv(open.db) : null;
  }

  /** Ends discovery probes and every pip, conda or venv child still running; resolves once they are gone. */
  async dispose(): Promise<void> {
    this.discovery.dispose();
    await killLiveChildren(this.live);
  }

  /** The stored default env when its id is asked for and the cache does not hold it (another machine's cache). */
  private storedDefault(id: string): Env | undefined {
    const stored = this.defaultEnvCached();
    return stored?.id === id ? stored : undefined;
  }

  /** Marks envs whose interpreter or folder is gone as missing (and stores the change). */
  private async checked(envs: readonly Env[]): Promise<Env[]> {
    const present = await Promise.all(envs.map(envPresent));
    const changed: Env[] = [];
    const out = envs.map((env, index) => {
      const missing = !present[index];
      if (missing === env.missing) return env;
      const next = { ...env, missing };
      if (this.cache.get(env.id)) changed.push(next);
      return next;
    });
    if (changed.length > 0) this.cache.put(changed);
    return out;
  }
}

/** Compares dotted versions numerically. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((part) => parseInt(part, 10) || 0);
  const pb = b.split('.').map((part) => parseInt(part, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
