import type Docker from 'dockerode';
import { OrreryError } from '../../../app/contract';

/** The limits every sandboxed container runs under. */
export interface SandboxLimits {
  /** Memory in MiB; swap is capped at the same value, so there is no swap beyond it. */
  readonly memoryMb: number;
  /** CPUs (fractions allowed), enforced as NanoCpus. */
  readonly cpus: number;
  /** Most processes/threads at once (stops fork bombs). */
  readonly pids: number;
  /** Wall-clock limit in seconds; the container is killed and the run reported as `timeout`. */
  readonly timeoutS: number;
  /** Network allowed (bridge) for this run; off (`none`) by default. */
  readonly network: boolean;
  /** Size of the writable /tmp (tmpfs) in MiB. */
  readonly tmpMb: number;
}

/** Defaults: small enough to be safe on a laptop, big enough for a notebook's imports. */
export const defaultLimits: SandboxLimits = { memoryMb: 1024, cpus: 1, pids: 256, timeoutS: 600, network: false, tmpMb: 256 };

const bounds = {
  memoryMb: [16, 1024 * 1024],
  cpus: [0.01, 1024],
  pids: [8, 1_000_000],
  timeoutS: [1, 7 * 24 * 3600],
  tmpMb: [1, 64 * 1024],
} as const;

/** Fills unset limits from the defaults and refuses values out of range with `invalid_input`. */
export function resolveLimits(partial: Partial<SandboxLimits> = {}, base: SandboxLimits = defaultLimits): SandboxLimits {
  const limits: SandboxLimits = { ...base, ...dropUndefined(partial) };
  for (const [key, [min, max]] of Object.entries(bounds) as [keyof typeof bounds, readonly [number, number]][]) {
    const value = limits[key];
    if (!Number.isFinite(value) || value < min || value > max) {
      throw new OrreryError('invalid_input', `Sandbox limit ${key} = ${String(value)} is out of range; use a value from ${min} to ${max}.`);
    }
  }
  if (!Number.isInteger(limits.pids)) throw new OrreryError('invalid_input', `Sandbox limit pids must be a whole number, not ${limits.pids}.`);
  return limits;
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Label keys Orrery puts on every container it starts; the startup sweep and `ps` select by them. */
export const sandboxLabels = {
  sandbox: 'orrery.sandbox',
  session: 'orrery.session',
  pid: 'orrery.pid',
  kind: 'orrery.kind',
  pool: 'orrery.pool',
} as const;

/** What a sandbox container is started for. */
export type SandboxKind = 'exec' | 'shell' | 'kernel' | 'job' | 'pool';

/** Where the project is mounted (read-only) and the one writable folder is mounted, inside the container. */
export const containerPaths = { project: '/project', output: '/output', tmp: '/tmp' } as const;

/** uid:gid of `nobody` — present in every Debian image, owns nothing. */
export const nobodyUser = '65534:65534';

/**
 * The user sandboxes run as: `nobody` when Orrery runs as root; otherwise the desktop user's own uid:gid,
 * so files left in /output belong to them (the uid has no other rights inside: every capability is dropped
 * and everything else it could write is read-only).
 */
export function defaultContainerUser(): string {
  const uid = process.getuid?.();
  const gid = process.getgid?.();
  return uid === undefined || gid === undefined || uid === 0 ? nobodyUser : `${uid}:${gid}`;
}

/** An extra bind mount (a kernel's connection folder, a job's run folder). */
export interface SandboxMount {
  readonly host: string;
  readonly container: string;
  readonly readOnly: boolean;
}

/** Everything that varies between hardened containers; the rest is fixed by `hardenedContainer`. */
export interface HardenedSpec {
  readonly image: string;
  readonly cmd: readonly string[];
  readonly limits: SandboxLimits;
  readonly sessionId: string;
  readonly kind: SandboxKind;
  /** Host folder bound read-only at /project (omit to mount nothing). */
  readonly projectDir?: string;
  /** Host folder bound read-write at /output (must be writable by `user`). */
  readonly outputDir?: string;
  readonly mounts?: readonly SandboxMount[];
  /** Container paths hidden under an empty read-only tmpfs (the project's .orrery store under /project). */
  readonly maskPaths?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly workingDir?: string;
  /** Default `defaultContainerUser()`; a uid:gid of the image otherwise (never root). */
  readonly user?: string;
  /** The pid stamped on the container so a later Orrery can tell strays from live ones; default this process. */
  readonly ownerPid?: number;
  readonly labels?: Readonly<Record<string, string>>;
  /** Pass the NVIDIA GPUs through (only when `docker info` lists an nvidia runtime). */
  readonly gpus?: boolean;
  readonly name?: string;
}

/**
 * The create options of a hardened container: no network unless allowed, memory = memory+swap, CPU and
 * pids caps, read-only root with a tmpfs /tmp, every capability dropped, no-new-privileges (Docker's
 * default seccomp profile stays on because SecurityOpt names no other), a non-root user, the project
 * read-only and one writable output folder. Labels let the sweep find it after a crash.
 */
export function hardenedContainer(spec: HardenedSpec): Docker.ContainerCreateOptions {
  const user = spec.user ?? defaultContainerUser();
  if (/^(0|root)(:|$)/.test(user)) throw new OrreryError('forbidden', 'A sandbox never runs as root; name a non-root uid:gid.');
  return {
    name: spec.name,
    Image: spec.image,
    Cmd: [...spec.cmd],
    User: user,
    WorkingDir: spec.workingDir ?? (spec.projectDir ? containerPaths.project : containerPaths.tmp),
    Env: Object.entries({ HOME: containerPaths.tmp, PYTHONDONTWRITEBYTECODE: '1', ...spec.env }).map(([k, v]) => `${k}=${v}`),
    Labels: labelsFor(spec),
    AttachStdin: false,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    OpenStdin: false,
    NetworkDisabled: !spec.limits.network,
    HostConfig: hostConfig(spec),
  };
}

function labelsFor(spec: HardenedSpec): Record<string, string> {
  return {
    ...spec.labels,
    [sandboxLabels.sandbox]: '1',
    [sandboxLabels.session]: spec.sessionId,
    [sandboxLabels.pid]: String(spec.ownerPid ?? process.pid),
    [sandboxLabels.kind]: spec.kind,
  };
}

function hostConfig(spec: HardenedSpec): Docker.HostConfig {
  const { limits } = spec;
  const bytes = Math.round(limits.memoryMb * 1024 * 1024);
  const binds: string[] = [];
  if (spec.projectDir) binds.push(`${spec.projectDir}:${containerPaths.project}:ro`);
  if (spec.outputDir) binds.push(`${spec.outputDir}:${containerPaths.output}:rw`);
  for (const mount of spec.mounts ?? []) binds.push(`${mount.host}:${mount.container}:${mount.readOnly ? 'ro' : 'rw'}`);
  return {
    NetworkMode: limits.network ? 'bridge' : 'none',
    Memory: bytes,
    MemorySwap: bytes,
    NanoCpus: Math.round(limits.cpus * 1e9),
    PidsLimit: limits.pids,
    ReadonlyRootfs: true,
    Tmpfs: {
      [containerPaths.tmp]: `rw,nosuid,nodev,size=${Math.round(limits.tmpMb)}m`,
      ...Object.fromEntries((spec.maskPaths ?? []).map((masked) => [masked, 'ro,nosuid,nodev,noexec,size=1k'])),
    },
    CapDrop: ['ALL'],
    SecurityOpt: ['no-new-privileges'],
    Privileged: false,
    IpcMode: 'private',
    Binds: binds,
    Init: true,
    AutoRemove: false,
    RestartPolicy: { Name: 'no' },
    LogConfig: { Type: 'json-file', Config: { 'max-size': '16m', 'max-file': '2' } },
    DeviceRequests: spec.gpus ? [{ Driver: 'nvidia', Count: -1, Capabilities: [['gpu']] }] : undefined,
  };
}
