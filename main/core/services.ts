import type { AppService } from '../services/app/app-service';
import type { ClusterService } from '../services/clusters/cluster-service';
import type { DeployService } from '../services/deploy/deploy-service';
import type { SandboxService } from '../services/sandbox/sandbox-service';
import type { EnvService } from '../services/envs/env-service';
import type { JobService } from '../services/jobs/job-service';
import type { KernelService } from '../services/kernels/kernel-service';
import type { ModelService } from '../services/models/model-service';
import type { NotebookService } from '../services/notebooks/notebook-service';
import type { PromptService } from '../services/prompts/prompt-service';
import type { ProjectService } from '../services/projects/project-service';
import type { SystemService } from '../services/system/system-service';
import type { TerminalService } from '../services/terminals/terminal-service';
import type { TemplateService } from '../services/templates/template-service';
import type { TrackingService } from '../services/tracking/tracking-service';
import type { UserStore } from '../services/user/user-store';
import type { TaskRegistry } from './tasks';

/** Every service the core builds, once, for whichever face hosts it. */
export interface Services {
  readonly app: AppService;
  readonly user: UserStore;
  readonly projects: ProjectService;
  readonly terminals: TerminalService;
  readonly system: SystemService;
  readonly tasks: TaskRegistry;
  readonly envs: EnvService;
  readonly notebooks: NotebookService;
  readonly kernels: KernelService;
  readonly tracking: TrackingService;
  readonly jobs: JobService;
  readonly templates: TemplateService;
  readonly prompts: PromptService;
  readonly models: ModelService;
  readonly deploy: DeployService;
  readonly sandbox: SandboxService;
  readonly clusters: ClusterService;
}
