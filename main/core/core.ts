import path from 'node:path';
import { AppService } from '../services/app/app-service';
import { ClusterService } from '../services/clusters/cluster-service';
import { DeployService } from '../services/deploy/deploy-service';
import { SandboxService } from '../services/sandbox/sandbox-service';
import { EnvService } from '../services/envs/env-service';
import { JobService } from '../services/jobs/job-service';
import type { JobRunnerOptions } from '../services/jobs/job-runner';
import { KernelService } from '../services/kernels/kernel-service';
import { ModelService } from '../services/models/model-service';
import { NotebookService } from '../services/notebooks/notebook-service';
import { PromptService } from '../services/prompts/prompt-service';
import { ProjectService } from '../services/projects/project-service';
import { SystemService } from '../services/system/system-service';
import { createInProcessPtyHost, type PtyHostFactory } from '../services/terminals/pty-host';
import { TerminalService } from '../services/terminals/terminal-service';
import { TemplateService } from '../services/templates/template-service';
import { TrackingService } from '../services/tracking/tracking-service';
import { UserStore } from '../services/user/user-store';
import { systemClock, type Clock } from './clock';
import { createDispatcher, type Dispatch } from './dispatch';
import { EventBus } from './event-bus';
import { createHandlers } from './handlers';
import { createLogger, fileSink, stderrSink, type Logger } from './logger';
import { resolveAllowedRoots, resolveProjectsDir, resolveUserHome } from './paths';
import { headlessPlatform, type PlatformAdapter } from './platform';
import { createProcessRunner, type ProcessRunner } from './process-runner';
import type { Services } from './services';
import { TaskRegistry } from './tasks';

/** What a face hands the core; everything has a default suited to tests and the web host. */
export interface CoreOptions {
  readonly host: 'electron' | 'web' | 'cli';
  readonly env?: NodeJS.ProcessEnv;
  /** User-level data folder; defaults to ORRERY_HOME or the OS user-data folder. */
  readonly userHome?: string;
  readonly allowedRoots?: readonly string[];
  /** Folder holding `resources/` (the sample project, the Python SDK, templates). */
  readonly resourcesDir?: string;
  readonly version?: string;
  readonly logger?: Logger;
  readonly clock?: Clock;
  readonly runner?: ProcessRunner;
  readonly platform?: PlatformAdapter;
  /** Where ptys run: in-process by default; Electron passes a utilityProcess host, the web host a child process. */
  readonly ptyHost?: PtyHostFactory;
  /** Job queue tunables (grace period, log cap, sampling); tests shorten them. */
  readonly jobOptions?: Partial<JobRunnerOptions>;
}

/** The composition root: every service built once, the bus, the handlers and the dispatcher. */
export interface Core {
  readonly services: Services;
  readonly bus: EventBus;
  readonly logger: Logger;
  readonly dispatch: Dispatch;
  readonly userHome: string;
  /** For faces with a UI: reopens the last project, or on a first start creates and opens the sample project. */
  start(): Promise<void>;
  dispose(): Promise<void>;
}

/** Default location of `resources/`: beside the bundle (out/main → ../../resources) or the source tree. */
export function defaultResourcesDir(): string {
  return path.resolve(__dirname, '..', '..', 'resources');
}

/** Builds the core for any face. */
export function createCore(options: CoreOptions): Core {
  const env = options.env ?? process.env;
  const userHome = options.userHome ?? resolveUserHome(env);
  const allowedRoots = options.allowedRoots ?? resolveAllowedRoots(env);
  const logger =
    options.logger ?? createLogger([fileSink(path.join(userHome, 'logs', 'orrery.log')), stderrSink('error')], 'info');
  const clock = options.clock ?? systemClock;
  const runner = options.runner ?? createProcessRunner();
  const bus = new EventBus();
  const resourcesDir = options.resourcesDir ?? defaultResourcesDir();

  const user = new UserStore({ userHome, logger: logger.child('user'), clock, bus });
  const projectsDir = resolveProjectsDir(env);
  const projects = new ProjectService({ user, bus, logger: logger.child('projects'), clock, allowedRoots, resourcesDir, projectsDir });
  const terminals = new TerminalService({
    bus,
    logger: logger.child('terminals'),
    clock,
    projects,
    allowedRoots,
    env,
    ptyHost: options.ptyHost ?? createInProcessPtyHost,
    settings: () => user.getSettings(),
    activateEnv: (base) => envs.activateDefault(base),
    startupDir: path.join(userHome, 'shell'),
  });
  const system = new SystemService({ runner, logger: logger.child('system') });
  const tasks = new TaskRegistry(bus);
  const envs = new EnvService({
    bus,
    logger: logger.child('envs'),
    clock,
    runner,
    tasks,
    projects,
    user,
    allowedRoots,
    env,
    resourcesDir,
    userHome,
  });
  const sandbox = new SandboxService({
    bus,
    logger: logger.child('sandbox'),
    clock,
    projects,
    envs,
    user,
    tasks,
    allowedRoots,
    env,
    resourcesDir,
    userHome,
    // A one-shot CLI command would fill a pool only to throw it away at exit.
    warmPool: options.host !== 'cli',
  });
  const kernels = new KernelService({ bus, logger: logger.child('kernels'), clock, tasks, envs, projects, env, userHome, allowedRoots, sandbox });
  const notebooks = new NotebookService({ bus, logger: logger.child('notebooks'), clock, projects, kernels, allowedRoots, resourcesDir });
  const app = new AppService({
    host: options.host,
    version: options.version ?? '0.0.0',
    userHome,
    allowedRoots,
    platform: options.platform ?? headlessPlatform,
  });
  const tracking = new TrackingService({ bus, logger: logger.child('tracking'), clock, projects, allowedRoots });
  const platform = options.platform ?? headlessPlatform;
  const clusters = new ClusterService({ bus, logger: logger.child('clusters'), clock, projects, user, tasks, platform, env, userHome, runner });
  const jobs = new JobService({
    bus,
    logger: logger.child('jobs'),
    clock,
    runner,
    projects,
    envs,
    allowedRoots,
    env,
    resourcesDir,
    ingest: tracking,
    clusters,
    sandbox,
    ...(options.jobOptions ? { options: options.jobOptions } : {}),
  });
  const templates = new TemplateService({ logger: logger.child('templates'), projects, resourcesDir });
  const prompts = new PromptService({
    bus,
    logger: logger.child('prompts'),
    clock,
    projects,
    user,
    tasks,
    platform: options.platform ?? headlessPlatform,
    userHome,
    allowedRoots,
    env,
  });
  const models = new ModelService({ logger: logger.child('models'), clock, projects, envs, tasks, allowedRoots, env, resourcesDir });
  const deploy = new DeployService({ bus, logger: logger.child('deploy'), clock, projects, models, user, tasks, platform, allowedRoots, env, resourcesDir, userHome });
  const services: Services = { app, user, projects, terminals, system, tasks, envs, notebooks, kernels, tracking, jobs, templates, prompts, models, deploy, sandbox, clusters };
  const dispatch = createDispatcher(createHandlers(services), logger.child('dispatch'));

  return {
    services,
    bus,
    logger,
    dispatch,
    userHome,
    async start() {
      await projects.openStartupProject();
    },
    async dispose() {
      tasks.dispose();
      await kernels.dispose();
      await terminals.dispose();
      notebooks.dispose();
      templates.dispose();
      prompts.dispose();
      models.dispose();
      deploy.dispose();
      clusters.dispose();
      await jobs.dispose();
      await sandbox.dispose();
      tracking.dispose();
      await envs.dispose();
      projects.dispose();
      user.dispose();
    },
  };
}
