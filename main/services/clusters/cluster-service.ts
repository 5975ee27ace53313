import type { Clock } from '../../core/clock';
import type { EventBus } from '../../core/event-bus';
import type { Logger } from '../../core/logger';
import type { PlatformAdapter } from '../../core/platform';
import type { TaskRegistry } from '../../core/tasks';
import type { ProjectService } from '../projects/project-service';
import type { UserStore } from '../user/user-store';

/** What the cluster service needs. */
export interface ClusterServiceDeps {
  readonly bus: EventBus;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly projects: ProjectService;
  readonly user: UserStore;
  readonly tasks: TaskRegistry;
  readonly platform: PlatformAdapter;
  readonly env: NodeJS.ProcessEnv;
  readonly userHome: string;
}

/** Cluster profiles (Slurm over SSH or local, Ray) stored per user, their secrets encrypted, and their test. */
export class ClusterService {
  constructor(readonly deps: ClusterServiceDeps) {}

  dispose(): void {}
}
