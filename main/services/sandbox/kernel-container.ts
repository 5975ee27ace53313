// An ipykernel in a hardened container. Transport: ZeroMQ over ipc (Unix sockets) in a bind-mounted folder, not
// TCP: a container with NetworkMode none cannot publish ports, and a bridge network would give the kernel the very
// network the sandbox takes away. The sockets live in a folder under a 0700 parent that only Orrery's user can
// reach; the container writes them world-connectable (umask 0) so a host user who is not the container's uid can
// connect, and the HMAC key signs every message anyway.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { OrreryError } from '../../../app/contract';
import type { ConnectionInfo } from '../kernels/connection';
import type { KernelExit } from '../kernels/kernel-process';
import type { KernelRunner } from '../kernels/kernel-session';
import { demux, dockerMessage, removeContainer } from './docker';
import { containerPaths, hardenedContainer, type SandboxLimits } from './hardening';

/** Where the connection folder is mounted inside the container. */
export const kernelConnDir = '/conn';

/** The folder prefix of a kernel's host folders (the pid lets a later Orrery sweep the folders of a dead one). */
export const kernelDirPrefix = 'orrery-kernel-';

/** What a kernel container is made of. */
export interface KernelContainerSpec {
  readonly image: string;
  readonly limits: SandboxLimits;
  readonly sessionId: string;
  readonly kernelName: string;
  /** Host folder bound read-only at /project (the open project), if any. */
  readonly projectDir?: string;
  /** The kernel's working directory inside the container (default /project, else /tmp). */
  readonly workingDir?: string;
  /** Container paths hidden under an empty tmpfs (the project's .orrery store). */
  readonly maskPaths?: readonly string[];
}

/** A started kernel container: its connection (host side), its runner, and the folders it owns on the host. */
export interface KernelContainer {
  readonly containerId: string;
  readonly spec: KernelContainerSpec;
  readonly connection: ConnectionInfo;
  readonly runner: ContainerRunner;
  /** Host folder bound at /output: the files the kernel leaves there are collected as artifacts. */
  readonly outputDir: string;
  /** Host folder holding conn/ and output/ (removed by `removeKernelDir`). */
  readonly hostDir: string;
}

/** Most characters of container output kept for error messages. */
const tailLimit = 4000;

/** The connection file as the kernel reads it (paths inside the container) and as Orrery uses it (host paths). */
export function ipcConnection(hostConnDir: string, kernelName: string): { inside: ConnectionInfo; host: ConnectionInfo } {
  const inside: ConnectionInfo = {
    transport: 'ipc',
    ip: `${kernelConnDir}/kernel`,
    shell_port: 1,
    iopub_port: 2,
    stdin_port: 3,
    control_port: 4,
    hb_port: 5,
    key: randomBytes(32).toString('hex'),
    signature_scheme: 'hmac-sha256',
    kernel_name: kernelName,
  };
  return { inside, host: { ...inside, ip: path.join(hostConnDir, 'kernel') } };
}

/** The command the container runs: umask 0 so Orrery's user may connect to the sockets, then ipykernel. */
export function kernelCommand(): string[] {
  return ['sh', '-c', `umask 0000 && exec python3 -m ipykernel_launcher -f ${kernelConnDir}/kernel.json`];
}

/** Makes `<tmp>/orrery-kernel-<pid>-XXXX` (0700) with conn/ and output/ the container user may write. */
async function makeKernelDirs(): Promise<{ hostDir: string; connDir: string; outputDir: string }> {
  const hostDir = await mkdtemp(path.join(os.tmpdir(), `${kernelDirPrefix}${process.pid}-`));
  await chmod(hostDir, 0o700);
  const connDir = path.join(hostDir, 'conn');
  const outputDir = path.join(hostDir, 'output');
  for (const dir of [connDir, outputDir]) {
    await mkdir(dir);
    // The container runs as nobody; the 0700 parent keeps everyone else on the host out.
    await chmod(dir, 0o777);
  }
  return { hostDir, connDir, outputDir };
}

/** Removes a kernel's host folders (connection sockets, what is left of its output). */
export async function removeKernelDir(hostDir: string): Promise<void> {
  await rm(hostDir, { recursive: true, force: true });
}

/** Creates and starts a hardened kernel container (no network, whatever `limits.network` says). */
export async function startKernelContainer(docker: Docker, spec: KernelContainerSpec): Promise<KernelContainer> {
  const { hostDir, connDir, outputDir } = await makeKernelDirs();
  try {
    const { inside, host } = ipcConnection(connDir, spec.kernelName);
    await writeFile(path.join(connDir, 'kernel.json'), JSON.stringify(inside, null, 1), { mode: 0o644 });
    await chmod(path.join(connDir, 'kernel.json'), 0o644);
    const options = hardenedContainer({
      image: spec.image,
      cmd: kernelCommand(),
      limits: { ...spec.limits, network: false },
      sessionId: spec.sessionId,
      kind: 'kernel',
      ...(spec.projectDir ? { projectDir: spec.projectDir } : {}),
      outputDir,
      mounts: [{ host: connDir, container: kernelConnDir, readOnly: false }],
      ...(spec.maskPaths ? { maskPaths: spec.maskPaths } : {}),
      workingDir: spec.workingDir ?? (spec.projectDir ? containerPaths.project : containerPaths.tmp),
      env: { PYDEVD_DISABLE_FILE_VALIDATION: '1', MPLBACKEND: 'module://matplotlib_inline.backend_inline' },
    });
    const container = await createContainer(docker, options, spec.image);
    const runner = new ContainerRunner(docker, container, spec.limits.memoryMb);
    try {
      await runner.begin();
    } catch (error) {
      await removeContainer(docker, container.id).catch(() => undefined);
      throw new OrreryError('process_failed', `The sandbox kernel container did not start: ${dockerMessage(error)}`, { cause: error });
    }
    return { containerId: container.id, spec, connection: host, runner, outputDir, hostDir };
  } catch (error) {
    await removeKernelDir(hostDir);
    throw error;
  }
}

async function createContainer(docker: Docker, options: Docker.ContainerCreateOptions, image: string): Promise<Docker.Container> {
  try {
    return await docker.createContainer(options);
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) {
      throw new OrreryError('not_found', `The sandbox image ${image} is not here. Build it in the Sandbox area (or \`orrery sandbox images --build base\`).`, { cause: error });
    }
    throw new OrreryError('process_failed', `The sandbox kernel container could not be created: ${dockerMessage(error)}`, { cause: error });
  }
}

/** A kernel container seen as a kernel process: exit from `wait`, output from its logs, signals via `docker kill`. */
export class ContainerRunner implements KernelRunner {
  readonly pid = null;
  readonly exited: Promise<KernelExit>;
  private tail = '';
  private ended: KernelExit | null = null;
  private resolveExit: (exit: KernelExit) => void = () => undefined;
  private removed = false;
  /** True when the kernel ended because the container hit its memory limit. */
  oomKilled = false;
  /** True when Orrery ended a running kernel on purpose (its exit code then says nothing of the code it ran). */
  shutDownByOrrery = false;

  constructor(
    private readonly docker: Docker,
    readonly container: Docker.Container,
    private readonly memoryMb: number,
  ) {
    this.exited = new Promise((resolve) => {
      this.resolveExit = resolve;
    });
  }

  /** Attaches to its output, starts it and watches for its end. */
  async begin(): Promise<void> {
    const stream = (await this.container.attach({ stream: true, stdout: true, stderr: true, logs: true })) as unknown as Readable;
    const { stdout, stderr } = demux(this.docker, stream);
    const keep = (chunk: Buffer) => {
      this.tail = (this.tail + chunk.toString('utf8')).slice(-tailLimit);
    };
    stdout.on('data', keep);
    stderr.on('data', keep);
    await this.container.start();
    void this.container.wait().then(
      async (result: { StatusCode?: number }) => {
        this.oomKilled = await this.container.inspect().then((info) => info.State.OOMKilled === true, () => false);
        if (this.oomKilled) this.tail += `\nThe sandbox's memory limit (${this.memoryMb} MiB) was reached: the kernel was killed (OOM).`;
        this.finish(result.StatusCode ?? null);
      },
      () => this.finish(null),
    );
  }

  private finish(code: number | null): void {
    if (this.ended) return;
    if (/No module named ipykernel/.test(this.tail)) this.tail += '\nThis image has no ipykernel: use the base or project image, or install ipykernel in it.';
    // 137 = killed by SIGKILL (docker kill, or the OOM killer).
    this.ended = { code, signal: code === 137 ? 'SIGKILL' : null, tail: this.tail.trim() };
    this.resolveExit(this.ended);
  }

  get alive(): boolean {
    return this.ended === null && !this.removed;
  }

  get output(): string {
    return this.tail.trim();
  }

  /** `docker kill --signal`: docker-init (PID 1) passes it on to the kernel. */
  async signal(signal: NodeJS.Signals): Promise<void> {
    if (!this.alive) return;
    await this.container.kill({ signal }).catch(() => undefined);
  }

  /** Waits up to `graceMs` for the kernel to end, kills it, then removes the container. */
  async stop(graceMs: number): Promise<KernelExit> {
    // A grace period means an asked-for end (shutdown, restart, project close); 0 follows a death or a failed start.
    if (this.alive && graceMs > 0) this.shutDownByOrrery = true;
    if (this.alive) {
      const timer = setTimeout(() => void this.signal('SIGKILL'), graceMs);
      await Promise.race([this.exited, new Promise((resolve) => setTimeout(resolve, graceMs + 5000))]);
      clearTimeout(timer);
    }
    await this.remove();
    return this.exited;
  }

  /** Removes the container (force); an exit not seen yet is reported as killed. */
  async remove(): Promise<void> {
    if (this.removed) return;
    await removeContainer(this.docker, this.container.id);
    this.removed = true;
    this.finish(137);
  }
}
