import type { JobBackend, SandboxJobBackends } from '../jobs/backend';
import type { Clock } from '../../core/clock';
import type { EventBus } from '../../core/event-bus';
import type { Logger } from '../../core/logger';
import type { TaskRegistry } from '../../core/tasks';
import type { EnvService } from '../envs/env-service';
import type { ProjectService } from '../projects/project-service';
import type { UserStore } from '../user/user-store';

/** What the sandbox service needs. */
export interface SandboxServiceDeps {
  readonly bus: EventBus;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly projects: ProjectService;
  readonly envs: EnvService;
  readonly user: UserStore;
  readonly tasks: TaskRegistry;
  readonly allowedRoots: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly resourcesDir: string;
  readonly userHome: string;
}

/** Docker sandboxes: hardened containers for code, kernels and jobs, images, a warm pool and an audit log. */
export class SandboxService implements SandboxJobBackends {
  constructor(readonly deps: SandboxServiceDeps) {}

  jobBackend(): JobBackend {
    throw new Error('SandboxService.jobBackend: not built yet');
  }

  async dispose(): Promise<void> {}
}
