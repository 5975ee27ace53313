import { OrreryError, type CallOutput, type ParsedInput } from '../../../app/contract';
import type { KernelInfo } from '../../../app/models';
import type { Clock } from '../../core/clock';
import type { EventBus } from '../../core/event-bus';
import type { Logger } from '../../core/logger';
import type { TaskRegistry } from '../../core/tasks';
import type { EnvService } from '../envs/env-service';
import type { ProjectService } from '../projects/project-service';

/** What the kernel service needs. */
export interface KernelServiceDeps {
  readonly bus: EventBus;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly tasks: TaskRegistry;
  readonly envs: EnvService;
  readonly projects: ProjectService;
  readonly env: NodeJS.ProcessEnv;
  readonly userHome: string;
}

const todo = (): never => {
  throw new OrreryError('unavailable', 'Kernels are not built yet.');
};

/** Jupyter kernels over ZeroMQ (messaging protocol 5.x), one per notebook; outputs kept while no view is open. */
export class KernelService {
  constructor(readonly deps: KernelServiceDeps) {}
  specs(_envId?: string): Promise<CallOutput<'kernel.specs'>> { return todo(); }
  list(): KernelInfo[] { return []; }
  start(_input: ParsedInput<'kernel.start'>): Promise<KernelInfo> { return todo(); }
  execute(_input: ParsedInput<'kernel.execute'>): Promise<CallOutput<'kernel.execute'>> { return todo(); }
  input(_kernelId: string, _value: string): Promise<{ ok: true }> { return todo(); }
  interrupt(_kernelId: string): Promise<{ ok: true }> { return todo(); }
  restart(_kernelId: string): Promise<KernelInfo> { return todo(); }
  shutdown(_kernelId: string): Promise<{ ok: true }> { return todo(); }
  complete(_input: ParsedInput<'kernel.complete'>): Promise<CallOutput<'kernel.complete'>> { return todo(); }
  inspect(_input: ParsedInput<'kernel.inspect'>): Promise<CallOutput<'kernel.inspect'>> { return todo(); }
  forget(_notebookPath: string, _cellIds?: readonly string[]): { ok: true } { return { ok: true }; }
  /** Shuts every kernel down (project close, Orrery exit): no kernel process outlives Orrery. */
  async dispose(): Promise<void> {}
}
