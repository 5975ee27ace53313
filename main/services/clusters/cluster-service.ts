import { OrreryError } from '../../../app/contract';
import type { ClusterDirectory, ClusterProfile } from '../jobs/backend';
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
export class ClusterService implements ClusterDirectory {
  constructor(readonly deps: ClusterServiceDeps) {}

  profile(idOrName: string): ClusterProfile {
    throw new OrreryError('not_found', `No cluster profile named ${idOrName}: add one with \`orrery cluster add\`.`);
  }

  async secret(id: string): Promise<string | null> {
    void id;
    return null;
  }

  dispose(): void {}
}
