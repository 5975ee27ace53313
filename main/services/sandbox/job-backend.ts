import { chmod, mkdir, open, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import { OrreryError } from '../../../app/contract';
import type { Clock } from '../../core/clock';
import type { BackendHandle, BackendLogSlice, BackendStatus, BackendSubmission, JobBackend, JobResources } from '../jobs/backend';
import { runFolder } from '../jobs/job-spool';
import type { OpenProject, ProjectService } from '../projects/project-service';
import { dockerMessage, dockerStatus, removeContainer } from './docker';
import { containerPaths, hardenedContainer, resolveLimits, type SandboxLimits } from './hardening';

/** What the sandbox job backend is handed by the sandbox service. */
export interface SandboxJobBackendDeps {
  readonly docker: () => Promise<Docker>;
  readonly projects: ProjectService;
  readonly clock: Clock;
  readonly resourcesDir: string;
  /** The default limits (the pool's); a job's resources override memory, CPUs and time. */
  readonly limits: () => Promise<SandboxLimits>;
  readonly image: (docker: Docker, project: OpenProject) => Promise<string>;
}

/** Where the Python SDK (resources/python) is mounted read-only inside job containers. */
const sdkPath = '/opt/orrery/python';
/** Label holding a job's wall-clock limit, so `status` can tell a time-limit kill after a restart. */
const timeLimitLabel = 'orrery.time_limit_s';
const logCap = 256 * 1024;

/** A finished job's end, kept with its logs once its container is removed. */
interface ArchivedEnd {
  readonly status: BackendStatus;
}

/**
 * Jobs in hardened containers: the script runs with `python3` of the sandbox image, the project mounted
 * read-only at /project, the job's run folder writable (at its own path, where the SDK writes, and at
 * /output). Status comes from inspect, logs from the container's logs; once a job has ended its logs and
 * end are archived under `.orrery/sandbox-jobs/<container>` and the container is removed. Containers are
 * labelled kind=job, so the stray sweep leaves a job that outlives an Orrery restart alone.
 */
export class SandboxJobBackend implements JobBackend {
  readonly kind = 'sandbox' as const;

  constructor(private readonly deps: SandboxJobBackendDeps) {}

  async submit(submission: BackendSubmission): Promise<BackendHandle> {
    if (submission.array) throw new OrreryError('invalid_input', 'The sandbox backend runs one trial per job; submit the trials of a sweep as separate jobs.');
    const docker = await this.deps.docker();
    const project = this.deps.projects.requireCurrent();
    const inProject = (file: string, what: string): string => containerPathOf(project.path, file, what);
    const script = inProject(path.resolve(submission.cwd, submission.script), 'script');
    const workingDir = inProject(submission.cwd, 'working folder');
    const limits = limitsFor(submission.resources, await this.deps.limits());
    const gpus = await wantsGpus(docker, submission.resources);
    const run = runFolder(project.path, submission.runId);
    await mkdir(run, { recursive: true });
    await chmod(run, 0o777);
    const options = hardenedContainer({
      image: await this.deps.image(docker, project),
      cmd: ['python3', script, ...submission.args],
      limits,
      sessionId: submission.jobId,
      kind: 'job',
      projectDir: project.path,
      mounts: [
        { host: run, container: `${containerPaths.project}/${path.relative(project.path, run).split(path.sep).join('/')}`, readOnly: false },
        { host: run, container: containerPaths.output, readOnly: false },
        { host: path.join(this.deps.resourcesDir, 'python'), container: sdkPath, readOnly: true },
      ],
      workingDir,
      env: jobEnv(submission.env),
      gpus,
      labels: { [timeLimitLabel]: String(limits.timeoutS), 'orrery.run': submission.runId },
    });
    const container = await docker.createContainer(options);
    try {
      await container.start();
    } catch (error) {
      await removeContainer(docker, container.id);
      throw new OrreryError('process_failed', `The job's container did not start: ${dockerMessage(error)}`, { cause: error });
    }
    return { backend: 'sandbox', externalId: container.id };
  }

  async status(handle: BackendHandle): Promise<BackendStatus> {
    const archive = this.archiveDir(handle);
    const archived = await readArchivedEnd(archive);
    if (archived) return archived.status;
    const docker = await this.deps.docker();
    let info: Docker.ContainerInspectInfo;
    try {
      info = await docker.getContainer(handle.externalId).inspect();
    } catch (error) {
      if (dockerStatus(error) === 404) return { state: 'lost', reason: 'Its container is gone (removed outside Orrery).' };
      throw error;
    }
    const limitS = Number(info.Config.Labels[timeLimitLabel] ?? '0');
    const startedAt = Date.parse(info.State.StartedAt);
    if (info.State.Running) {
      if (limitS > 0 && this.deps.clock.now() - startedAt > limitS * 1000) await docker.getContainer(handle.externalId).kill().catch(() => undefined);
      return { state: 'running', engineState: info.State.Status, startedAt, exitCode: null };
    }
    const status = endedStatus(info, limitS, await cancelled(archive));
    await this.archive(docker, handle, status);
    return status;
  }

  async logs(handle: BackendHandle, stream: 'stdout' | 'stderr', offset: number): Promise<BackendLogSlice> {
    const file = path.join(this.archiveDir(handle), `${stream}.log`);
    const archived = await readSlice(file, offset);
    if (archived) return archived;
    const docker = await this.deps.docker();
    try {
      const bytes = await containerLog(docker, handle.externalId, stream);
      const text = bytes.subarray(offset, offset + logCap);
      return { text: text.toString('utf8'), nextOffset: offset + text.length };
    } catch (error) {
      if (dockerStatus(error) === 404) return (await readSlice(file, offset)) ?? { text: '', nextOffset: offset };
      throw error;
    }
  }

  /** Marks the job cancelled, then stops its container (SIGTERM, SIGKILL after 10 s). */
  async cancel(handle: BackendHandle): Promise<void> {
    const archive = this.archiveDir(handle);
    await mkdir(archive, { recursive: true });
    await writeFile(path.join(archive, 'cancelled'), String(this.deps.clock.now()));
    const docker = await this.deps.docker();
    try {
      await docker.getContainer(handle.externalId).stop({ t: 10 });
    } catch (error) {
      if (dockerStatus(error) !== 304 && dockerStatus(error) !== 404) throw error;
    }
  }

  /** Job containers outlive the service on purpose (a job survives an Orrery restart); nothing to close. */
  async dispose(): Promise<void> {}

  private archiveDir(handle: BackendHandle): string {
    if (!/^[0-9a-f]{12,64}$/.test(handle.externalId)) throw new OrreryError('invalid_input', `${handle.externalId} is not a container id.`);
    return path.join(this.deps.projects.requireCurrent().path, '.orrery', 'sandbox-jobs', handle.externalId);
  }

  /** Keeps the logs and the end beside the project, then removes the container. */
  private async archive(docker: Docker, handle: BackendHandle, status: BackendStatus): Promise<void> {
    const dir = this.archiveDir(handle);
    await mkdir(dir, { recursive: true });
    for (const stream of ['stdout', 'stderr'] as const) await writeFile(path.join(dir, `${stream}.log`), await containerLog(docker, handle.externalId, stream));
    await writeFile(path.join(dir, 'end.json'), JSON.stringify({ status } satisfies ArchivedEnd));
    await removeContainer(docker, handle.externalId);
  }
}

/** A host path inside the project as its path under /project; anything outside is refused. */
export function containerPathOf(projectPath: string, file: string, what: string): string {
  const relative = path.relative(projectPath, file);
  if (relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new OrreryError('path_outside_root', `The ${what} ${file} is outside the project; a sandboxed job sees only the project folder.`);
  }
  return [containerPaths.project, ...relative.split(path.sep).filter(Boolean)].join('/');
}

/** A job's resources over the default limits. */
export function limitsFor(resources: JobResources, base: SandboxLimits): SandboxLimits {
  return resolveLimits(
    {
      memoryMb: resources.memoryMb,
      cpus: resources.cpus,
      timeoutS: resources.timeLimitMinutes === undefined ? 24 * 3600 : resources.timeLimitMinutes * 60,
    },
    base,
  );
}

/** Only the ORRERY_* variables travel in (host paths such as PATH or VIRTUAL_ENV mean nothing inside). */
export function jobEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  const inside: Record<string, string> = { PYTHONUNBUFFERED: '1', PYTHONPATH: sdkPath };
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith('ORRERY_') || key === 'CUDA_VISIBLE_DEVICES' || key === 'CUDA_DEVICE_ORDER') inside[key] = value;
  }
  inside.ORRERY_PROJECT = containerPaths.project;
  delete inside.ORRERY_RESUME;
  return inside;
}

async function wantsGpus(docker: Docker, resources: JobResources): Promise<boolean> {
  const { gpus } = resources;
  const asked = typeof gpus === 'number' ? gpus > 0 : (gpus?.length ?? 0) > 0;
  if (!asked) return false;
  const info = (await docker.info()) as { Runtimes?: Record<string, unknown> };
  if (!Object.keys(info.Runtimes ?? {}).includes('nvidia')) {
    throw new OrreryError('unavailable', 'This job asks for GPUs, but Docker has no nvidia runtime: install the NVIDIA Container Toolkit, or run the job without GPUs.');
  }
  return true;
}

function endedStatus(info: Docker.ContainerInspectInfo, limitS: number, wasCancelled: boolean): BackendStatus {
  const { State } = info;
  const startedAt = Date.parse(State.StartedAt);
  const endedAt = Date.parse(State.FinishedAt);
  const base = { engineState: State.Status, exitCode: State.ExitCode, startedAt, endedAt };
  if (wasCancelled) return { ...base, state: 'cancelled', reason: 'Cancelled; the container was stopped.' };
  if (State.OOMKilled) return { ...base, state: 'failed', engineState: 'OOM_KILLED', reason: `Out of memory (limit ${Math.round((info.HostConfig.Memory ?? 0) / 1048576)} MiB).` };
  if (limitS > 0 && endedAt - startedAt >= limitS * 1000 && State.ExitCode === 137) return { ...base, state: 'failed', engineState: 'TIMEOUT', reason: `Killed at its ${limitS} s time limit.` };
  if (State.ExitCode === 0) return { ...base, state: 'succeeded' };
  return { ...base, state: 'failed', reason: State.Error || `Exited with code ${State.ExitCode}.` };
}

async function cancelled(archive: string): Promise<boolean> {
  return (await stat(path.join(archive, 'cancelled')).catch(() => null)) !== null;
}

async function readArchivedEnd(archive: string): Promise<ArchivedEnd | null> {
  const text = await readFile(path.join(archive, 'end.json'), 'utf8').catch(() => null);
  return text ? (JSON.parse(text) as ArchivedEnd) : null;
}

async function readSlice(file: string, offset: number): Promise<BackendLogSlice | null> {
  const handle = await open(file, 'r').catch(() => null);
  if (!handle) return null;
  try {
    const buffer = Buffer.alloc(logCap);
    const { bytesRead } = await handle.read(buffer, 0, logCap, offset);
    return { text: buffer.subarray(0, bytesRead).toString('utf8'), nextOffset: offset + bytesRead };
  } finally {
    await handle.close();
  }
}

/** One stream of a container's log, de-multiplexed (8-byte frame headers: stream, 3 zero bytes, length). */
async function containerLog(docker: Docker, id: string, stream: 'stdout' | 'stderr'): Promise<Buffer> {
  const raw = (await docker.getContainer(id).logs({ stdout: stream === 'stdout', stderr: stream === 'stderr', follow: false })) as Buffer;
  return demuxBuffer(raw);
}

/** The payloads of a multiplexed log buffer joined. */
export function demuxBuffer(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  while (at + 8 <= raw.length) {
    const size = raw.readUInt32BE(at + 4);
    parts.push(raw.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return Buffer.concat(parts);
}
