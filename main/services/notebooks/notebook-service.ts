import { OrreryError, type CallOutput, type ParsedInput } from '../../../app/contract';
import type { OpenNotebook } from '../../../app/models';
import type { Clock } from '../../core/clock';
import type { EventBus } from '../../core/event-bus';
import type { Logger } from '../../core/logger';
import type { KernelService } from '../kernels/kernel-service';
import type { ProjectService } from '../projects/project-service';

/** What the notebook service needs. */
export interface NotebookServiceDeps {
  readonly bus: EventBus;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly projects: ProjectService;
  readonly kernels: KernelService;
  readonly allowedRoots: readonly string[];
  readonly resourcesDir: string;
}

const todo = (): never => {
  throw new OrreryError('unavailable', 'Notebooks are not built yet.');
};

/** .ipynb files: lossless read, schema validation, atomic save; the kernel session's outputs laid over on open. */
export class NotebookService {
  constructor(readonly deps: NotebookServiceDeps) {}
  list(): Promise<CallOutput<'notebook.list'>> { return todo(); }
  open(_path: string): Promise<OpenNotebook> { return todo(); }
  create(_input: ParsedInput<'notebook.create'>): Promise<OpenNotebook> { return todo(); }
  save(_input: ParsedInput<'notebook.save'>): Promise<CallOutput<'notebook.save'>> { return todo(); }
  dispose(): void {}
}
