import { OrreryError, type CallInput, type CallOutput, type ParsedInput } from '../../../app/contract';
import type { Env } from '../../../app/models';
import type { Clock } from '../../core/clock';
import type { EventBus } from '../../core/event-bus';
import type { Logger } from '../../core/logger';
import type { ProcessRunner } from '../../core/process-runner';
import type { TaskRegistry } from '../../core/tasks';
import type { ProjectService } from '../projects/project-service';
import type { UserStore } from '../user/user-store';

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

const todo = (): never => {
  throw new OrreryError('unavailable', 'Environments are not built yet.');
};

/** Python environments: discovery, creation, packages, locks, the project's default. */
export class EnvService {
  constructor(readonly deps: EnvServiceDeps) {}
  list(_input: ParsedInput<'env.list'>): Promise<CallOutput<'env.list'>> { return todo(); }
  get(_id: string): Promise<Env> { return todo(); }
  register(_path: string): Promise<Env> { return todo(); }
  tools(): Promise<CallOutput<'env.tools'>> { return todo(); }
  create(_input: ParsedInput<'env.create'>): Promise<Env> { return todo(); }
  getDefault(): Promise<Env | null> { return todo(); }
  setDefault(_id: string | null): Promise<{ ok: true }> { return todo(); }
  packages(_id: string): Promise<CallOutput<'env.packages'>> { return todo(); }
  install(_input: ParsedInput<'env.install'>): Promise<CallOutput<'env.install'>> { return todo(); }
  uninstall(_input: ParsedInput<'env.uninstall'>): Promise<CallOutput<'env.uninstall'>> { return todo(); }
  lock(_id: string, _note?: string): Promise<CallOutput<'env.lock'>> { return todo(); }
  locks(_id?: string): Promise<CallOutput<'env.locks'>> { return todo(); }
  lockGet(_lockId: string): Promise<CallOutput<'env.lockGet'>> { return todo(); }
  diff(_from: string, _to: string): Promise<CallOutput<'env.diff'>> { return todo(); }
  exportLock(_lockId: string, _format: CallInput<'env.export'>['format']): Promise<CallOutput<'env.export'>> { return todo(); }
  recreate(_input: ParsedInput<'env.recreate'>): Promise<Env> { return todo(); }
  /**
   * Variables that activate an env for a child process (PATH first, VIRTUAL_ENV or CONDA_PREFIX, no PYTHONHOME);
   * terminals, kernels and jobs use it with the project's default env.
   */
  activation(_env: Env, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv { return base; }
  /** The project's default env as last resolved (no probe), for synchronous callers such as terminals. */
  defaultEnvCached(): Env | null { return null; }
  dispose(): void {}
}
