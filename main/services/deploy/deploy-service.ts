import type { Clock } from '../../core/clock';
import type { EventBus } from '../../core/event-bus';
import type { Logger } from '../../core/logger';
import type { PlatformAdapter } from '../../core/platform';
import type { TaskRegistry } from '../../core/tasks';
import type { ModelService } from '../models/model-service';
import type { ProjectService } from '../projects/project-service';
import type { UserStore } from '../user/user-store';
import { PackageService } from './package-service';

/** What the package and deploy service needs. */
export interface DeployServiceDeps {
  readonly bus: EventBus;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly projects: ProjectService;
  readonly models: ModelService;
  readonly user: UserStore;
  readonly tasks: TaskRegistry;
  readonly platform: PlatformAdapter;
  readonly allowedRoots: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly resourcesDir: string;
  readonly userHome: string;
}

/** Edge packages of model versions and their deployment to devices over SSH. */
export class DeployService {
  /** Building and verifying packages; deploys ship what it builds. */
  readonly packages: PackageService;

  constructor(readonly deps: DeployServiceDeps) {
    this.packages = new PackageService(deps);
  }

  dispose(): void {
    this.packages.dispose();
  }
}
