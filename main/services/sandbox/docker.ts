import { access, constants, stat } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import Docker from 'dockerode';
import { OrreryError } from '../../../app/contract';

/** The default Engine API socket on Linux and macOS (Docker Desktop links it there too). */
export const defaultDockerSocket = '/var/run/docker.sock';

/** Why Docker cannot be used, so the UI can say what to do. */
export type DockerProblem = 'not_installed' | 'not_running' | 'no_permission';

/** The answer of `dockerAvailable()`: the daemon's version and runtimes, or a problem with advice. */
export type DockerAvailability =
  | { readonly ok: true; readonly version: string; readonly apiVersion: string; readonly runtimes: readonly string[]; readonly cgroupVersion: string }
  | { readonly ok: false; readonly problem: DockerProblem; readonly message: string };

/** Advice shown when Docker is missing, down or refused; each names the command that fixes it. */
export const dockerAdvice: Readonly<Record<DockerProblem, string>> = {
  not_installed: 'Docker is not installed: apt-get install docker.io (or install Docker Desktop), then start it.',
  not_running: 'The Docker daemon is not running: start it with `sudo systemctl start docker` or `sudo dockerd &`.',
  no_permission:
    'Docker refused the connection: add your user to the docker group (`sudo usermod -aG docker $USER`, then log in again) or run Orrery as a user that may use Docker.',
};

/** Where the Engine API is reached: DOCKER_HOST (unix:// or tcp://) or the default socket. */
export function dockerConnectOptions(env: NodeJS.ProcessEnv): Docker.DockerOptions {
  const host = env.DOCKER_HOST?.trim();
  if (!host) return { socketPath: defaultDockerSocket };
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) };
  const url = parseHostUrl(host);
  const tls = env.DOCKER_TLS_VERIFY === '1';
  return { host: url.hostname, port: url.port || (tls ? '2376' : '2375'), protocol: tls ? 'https' : 'http' };
}

function parseHostUrl(host: string): URL {
  try {
    return new URL(host.replace(/^tcp:\/\//, 'http://'));
  } catch (error) {
    throw new OrreryError('invalid_input', `DOCKER_HOST "${host}" is not a unix:// or tcp:// address; fix or unset it.`, { cause: error });
  }
}

/**
 * One dockerode client for Orrery's sandboxes. Constructing it never touches the daemon, so the rest of
 * Orrery starts whether or not Docker is there; `require()` is the gate every sandbox call passes.
 */
export class DockerClient {
  readonly docker: Docker;
  private readonly options: Docker.DockerOptions;
  private trustedUntil = 0;

  constructor(private readonly env: NodeJS.ProcessEnv) {
    this.options = dockerConnectOptions(env);
    // API 1.41 is what dockerd 20.10 speaks; newer daemons accept it too.
    this.docker = new Docker({ ...this.options, version: 'v1.41' });
  }

  /** Asks the daemon for its version; on failure says whether Docker is missing, down or refusing. */
  async available(): Promise<DockerAvailability> {
    try {
      const [version, info] = await Promise.all([this.docker.version(), this.docker.info() as Promise<DockerInfo>]);
      return {
        ok: true,
        version: version.Version,
        apiVersion: version.ApiVersion,
        runtimes: Object.keys(info.Runtimes ?? {}),
        cgroupVersion: info.CgroupVersion ?? '1',
      };
    } catch (error) {
      const problem = await diagnose(error, this.options, this.env);
      return { ok: false, problem, message: dockerAdvice[problem] };
    }
  }

  /**
   * The client when the daemon answers; otherwise an `unavailable` OrreryError with the advice. A good answer
   * is trusted for a few seconds, so a burst of sandbox calls does not ask the daemon each time.
   */
  async require(): Promise<Docker> {
    if (Date.now() < this.trustedUntil) return this.docker;
    const state = await this.available();
    if (!state.ok) throw new OrreryError('unavailable', state.message);
    this.trustedUntil = Date.now() + trustMs;
    return this.docker;
  }
}

/** How long a good availability answer is trusted. */
const trustMs = 5000;

/** The parts of `docker info` Orrery reads. */
interface DockerInfo {
  readonly Runtimes?: Record<string, unknown>;
  readonly CgroupVersion?: string;
}

/** Shorthand for `new DockerClient(env).available()`. */
export async function dockerAvailable(env: NodeJS.ProcessEnv = process.env): Promise<DockerAvailability> {
  return new DockerClient(env).available();
}

async function diagnose(error: unknown, options: Docker.DockerOptions, env: NodeJS.ProcessEnv): Promise<DockerProblem> {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EACCES' || code === 'EPERM') return 'no_permission';
  if (options.socketPath && (await exists(options.socketPath))) return 'not_running';
  return (await dockerInstalled(env)) ? 'not_running' : 'not_installed';
}

/** Where Docker is installed even when PATH misses it (a desktop app's PATH can be minimal). */
const standardBinDirs = ['/usr/bin', '/usr/sbin', '/usr/local/bin'];

/** True when a `docker` or `dockerd` program is on PATH or in a standard folder (the daemon may still be stopped). */
export async function dockerInstalled(env: NodeJS.ProcessEnv, extraDirs: readonly string[] = standardBinDirs): Promise<boolean> {
  const dirs = (env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const dir of [...dirs, ...extraDirs]) {
    for (const name of ['dockerd', 'docker']) {
      try {
        await access(path.join(dir, name), constants.X_OK);
        return true;
      } catch {
        // Not in this folder.
      }
    }
  }
  return false;
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

/** Splits a multiplexed attach/exec/logs stream (non-TTY) into stdout and stderr streams. */
export function demux(docker: Docker, stream: Readable): { stdout: PassThrough; stderr: PassThrough } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  docker.modem.demuxStream(stream, stdout, stderr);
  const end = (): void => {
    stdout.end();
    stderr.end();
  };
  stream.once('end', end);
  stream.once('close', end);
  stream.once('error', end);
  return { stdout, stderr };
}

/** Removes a container with its anonymous volumes, ignoring "already gone" (404) and "removal in progress" (409). */
export async function removeContainer(docker: Docker, id: string): Promise<void> {
  try {
    await docker.getContainer(id).remove({ force: true, v: true });
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== 404 && status !== 409) throw error;
  }
}

/** The HTTP status of a dockerode error (404 no such image/container, 409 conflict), if it has one. */
export function dockerStatus(error: unknown): number | undefined {
  return (error as { statusCode?: number } | undefined)?.statusCode;
}

/** The daemon's own words from a dockerode error (its JSON `message`), for error messages. */
export function dockerMessage(error: unknown): string {
  const json = (error as { json?: { message?: string } } | undefined)?.json;
  if (json?.message) return json.message;
  return error instanceof Error ? error.message : String(error);
}
