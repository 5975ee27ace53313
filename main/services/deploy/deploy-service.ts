import path from 'node:path';
import { isOrreryError, OrreryError, type ParsedInput } from '../../../app/contract';
import { deploySteps, type Deployment, type DeployStep } from '../../../app/contract/deploy';
import type { EdgePackage, PackageTarget } from '../../../app/contract/packages';
import { newId } from '../../../app/lib/ids';
import type { Clock } from '../../core/clock';
import type { EventBus } from '../../core/event-bus';
import type { Logger } from '../../core/logger';
import type { PlatformAdapter } from '../../core/platform';
import type { Task, TaskRegistry } from '../../core/tasks';
import type { ModelService } from '../models/model-service';
import type { ProjectService } from '../projects/project-service';
import type { SshConnection } from '../ssh/ssh-connection';
import type { UserStore } from '../user/user-store';
import { activateCommand, cleanUp, packageCommand, prepareLayout, readCurrent, remoteModelName, runStep, StepError, unpackCommand, type RemoteLayout } from './deploy-remote';
import { DeploymentStore, type DeploymentFilter } from './deploy-store';
import { DeviceService } from './device-service';
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

/** What one deploy or rollback has gathered so far, for its record whether it succeeds or fails. */
interface Attempt {
  readonly id: string;
  readonly action: Deployment['action'];
  readonly startedAt: number;
  readonly lines: string[];
  step: DeployStep;
  pkg: EdgePackage | null;
  remotePath: string | null;
  previousPath: string | null;
}

/** Edge packages of model versions and their deployment to devices over SSH. */
export class DeployService {
  /** Building and verifying packages; deploys ship what it builds. */
  readonly packages: PackageService;
  /** The user's devices (SSH targets). */
  readonly devices: DeviceService;

  constructor(readonly deps: DeployServiceDeps) {
    this.packages = new PackageService(deps);
    this.devices = new DeviceService(deps);
  }

  /**
   * Deploys a version: package → connect → copy → unpack → verify → self-test → activate → record. Until
   * `activate` the device's `current` is untouched, and the new version only has a `.partial` name; any failure
   * (a refused host key, a dropped connection, a failed self-test) is recorded with its step and log.
   */
  async deploy(input: ParsedInput<'model.deploy'>): Promise<Deployment> {
    this.deps.projects.requireCurrent();
    const version = this.deps.models.version(input.versionId);
    const device = this.devices.get(input.device);
    const target: PackageTarget = input.target ?? device.target;
    const label = `Deploy ${version.modelName}@${version.version} to ${device.name}`;
    return this.deps.tasks.run(input.taskId, label, async (task) => {
      const attempt = this.attempt('deploy');
      let connection: SshConnection | null = null;
      let layout: RemoteLayout | null = null;
      const folder = `${remoteModelName(version.modelName)}-v${version.version}.${attempt.id}`;
      const tarName = `${attempt.id}.tar.gz`;
      const log = logTo(attempt, task);
      const step = (name: DeployStep, message: string) => {
        attempt.step = name;
        log(`[${name}] ${message}`);
        task.throwIfCancelled();
        task.progress(deploySteps.indexOf(name), deploySteps.length, message);
      };
      try {
        step('package', `package for ${target}`);
        attempt.pkg = this.packages.latestFor(version.id, target) ?? (await this.packages.build({ versionId: version.id, target, goldenCases: 3 }));
        log(`package ${attempt.pkg.fileName} sha256 ${attempt.pkg.sha256}`);
        step('connect', `connecting to ${device.username}@${device.host}:${device.port}`);
        connection = await this.devices.connect(device.name);
        closeOnAbort(task, connection);
        log(`host key ${connection.hostKeyFingerprint}`);
        step('copy', `copying ${attempt.pkg.fileName}`);
        layout = await prepareLayout(connection, device.remoteRoot, version.modelName);
        attempt.previousPath = await readCurrent(connection, layout);
        await copyWithProgress(connection, attempt.pkg, `${layout.incoming}/${tarName}`, task);
        step('unpack', 'checking the copy and unpacking');
        await runStep(connection, 'unpack', unpackCommand(layout, tarName, folder, attempt.pkg.sha256), log, task.signal);
        const partial = `${layout.versions}/${folder}.partial`;
        step('verify', 'verifying checksums on the device');
        await runStep(connection, 'verify', packageCommand(partial, 'verify'), log, task.signal);
        step('self-test', 'running the self-test on the device');
        await runStep(connection, 'self-test', packageCommand(partial, 'self-test'), log, task.signal);
        step('activate', 'switching the active version');
        await runStep(connection, 'activate', activateCommand(layout, folder, true), log, task.signal);
        attempt.remotePath = `${layout.versions}/${folder}`;
        step('record', 'recording the deployment');
        return this.record(attempt, device.name, device.host, version.id, target, null);
      } catch (error) {
        if (connection && layout && attempt.remotePath === null) await cleanUp(connection, layout, tarName, folder);
        // A cancel closes the connection; the record says it was cancelled, not that the connection dropped.
        const reason = task.signal.aborted ? new OrreryError('cancelled', 'cancelled by the user', { cause: error }) : error;
        throw this.failed(attempt, device.name, device.host, version.id, target, reason, `${version.modelName}@${version.version}`);
      } finally {
        await connection?.close().catch(() => undefined);
      }
    });
  }

  /**
   * Points a model on a device back to the successful deploy before the one `current` points to (the folder is
   * verified there first), atomically, and records it. A rollback of a rollback goes further back, not forth.
   */
  async rollback(input: ParsedInput<'model.rollback'>): Promise<Deployment> {
    const store = new DeploymentStore(this.deps.projects.requireCurrent().db);
    const device = this.devices.get(input.device);
    const deploys = store.list({ device: device.name, modelName: input.model }).filter((item) => item.action === 'deploy' && item.result === 'ok' && item.remotePath);
    if (deploys.length === 0) throw new OrreryError('not_found', `No successful deploy of ${input.model} to ${device.name} is recorded in this project; nothing to roll back to.`);
    return this.deps.tasks.run(input.taskId, `Roll back ${input.model} on ${device.name}`, async (task) => {
      const connection = await this.devices.connect(device.name);
      closeOnAbort(task, connection);
      const attempt = this.attempt('rollback');
      let chosen: Deployment | null = null;
      try {
        const layout = await prepareLayout(connection, device.remoteRoot, input.model);
        const current = await readCurrent(connection, layout);
        const index = deploys.findIndex((item) => item.remotePath === current);
        const earlier = (index >= 0 ? deploys.slice(index + 1) : deploys).find((item) => item.remotePath !== current);
        if (!earlier) throw new OrreryError('not_found', `${input.model} on ${device.name} runs ${current ?? 'nothing'}; no earlier successful deploy is recorded to roll back to.`);
        chosen = earlier;
        attempt.previousPath = current;
        attempt.pkg = earlier.packageId ? (this.packages.list(earlier.versionId).find((item) => item.id === earlier.packageId) ?? null) : null;
        const log = logTo(attempt, task);
        attempt.step = 'verify';
        await runStep(connection, 'verify', packageCommand(earlier.remotePath!, 'verify'), log, task.signal);
        attempt.step = 'activate';
        await runStep(connection, 'activate', activateCommand(layout, path.posix.basename(earlier.remotePath!), false), log, task.signal);
        attempt.remotePath = earlier.remotePath;
        attempt.step = 'record';
        return this.record(attempt, device.name, device.host, earlier.versionId, earlier.target, earlier.packageSha256);
      } catch (error) {
        // Only a rollback that had somewhere to go is a deployment worth recording.
        if (!chosen) throw error;
        throw this.failed(attempt, device.name, device.host, chosen.versionId, chosen.target, error, `the rollback of ${input.model}`);
      } finally {
        await connection.close().catch(() => undefined);
      }
    });
  }

  deployments(input: ParsedInput<'model.deployments'>): Deployment[] {
    const filter: DeploymentFilter = {
      ...(input.device !== undefined ? { device: input.device } : {}),
      ...(input.model !== undefined ? { modelName: input.model } : {}),
      ...(input.versionId !== undefined ? { versionId: input.versionId } : {}),
    };
    return new DeploymentStore(this.deps.projects.requireCurrent().db).list(filter);
  }

  dispose(): void {
    this.packages.dispose();
  }

  private attempt(action: Deployment['action']): Attempt {
    return { id: newId('dep'), action, startedAt: this.deps.clock.now(), lines: [], step: action === 'deploy' ? 'package' : 'connect', pkg: null, remotePath: null, previousPath: null };
  }

  private record(attempt: Attempt, deviceName: string, host: string, versionId: string, target: PackageTarget, sha256: string | null, failure?: { step: DeployStep; message: string }): Deployment {
    const store = new DeploymentStore(this.deps.projects.requireCurrent().db);
    store.add({
      id: attempt.id,
      action: attempt.action,
      deviceName,
      host,
      versionId,
      packageId: attempt.pkg?.id ?? null,
      packageSha256: attempt.pkg?.sha256 ?? sha256,
      target,
      result: failure ? 'failed' : 'ok',
      failedStep: failure?.step ?? null,
      message: failure?.message ?? null,
      remotePath: attempt.remotePath,
      previousPath: attempt.previousPath,
      log: attempt.lines.join('\n'),
      startedAt: attempt.startedAt,
      finishedAt: this.deps.clock.now(),
    });
    this.deps.logger.info(`${attempt.action} recorded`, { id: attempt.id, device: deviceName, versionId, result: failure ? 'failed' : 'ok' });
    return store.get(attempt.id)!;
  }

  /** Records a failed attempt and answers the error to throw: what failed, at which step, and that `current` is unchanged. */
  private failed(attempt: Attempt, deviceName: string, host: string, versionId: string, target: PackageTarget, error: unknown, what: string): OrreryError {
    const step = error instanceof StepError ? error.step : attempt.step;
    const reason = error instanceof Error ? error.message : String(error);
    attempt.lines.push(`[${step}] failed: ${reason}`);
    const unchanged = attempt.previousPath ? `The device still runs ${attempt.previousPath}.` : 'Nothing was activated on the device.';
    const message = `${what} to ${deviceName} failed at step ${step}: ${reason} ${unchanged}`;
    try {
      this.record(attempt, deviceName, host, versionId, target, null, { step, message: reason });
    } catch (recordError) {
      this.deps.logger.warn('a failed deployment could not be recorded', { id: attempt.id, error: String(recordError) });
    }
    return new OrreryError(isOrreryError(error) ? error.code : 'internal', message, { cause: error });
  }
}

/** Copies the package's tar.gz, reporting bytes as task progress within the copy step. */
async function copyWithProgress(connection: SshConnection, pkg: EdgePackage, remotePath: string, task: Task): Promise<void> {
  const copyIndex = deploySteps.indexOf('copy');
  let lastShown = -1;
  await connection.putFile(pkg.path, remotePath, {
    onProgress: (done, total) => {
      const percent = Math.floor((100 * done) / Math.max(1, total));
      if (percent === lastShown) return;
      lastShown = percent;
      task.progress(copyIndex + done / Math.max(1, total), deploySteps.length, `copying ${pkg.fileName}: ${percent} %`);
    },
  });
}

/** Writes a line to the attempt's record and, live, to the task's output. */
function logTo(attempt: Attempt, task: Task): (line: string) => void {
  return (line) => {
    attempt.lines.push(line);
    task.output('stdout', `${line}\n`);
  };
}

/** A cancelled task closes its connection, which fails a copy or a command in flight at once. */
function closeOnAbort(task: Task, connection: SshConnection): void {
  task.signal.addEventListener('abort', () => void connection.close().catch(() => undefined), { once: true });
}
