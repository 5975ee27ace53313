import { z } from 'zod';
import { ack, call, noInput } from './define';
import { packageTargets } from './packages';

/**
 * Offline deploys of edge packages to devices over SSH (keys, known_hosts checked): copy, verify checksums and run
 * the self-test remotely, switch the device's active version atomically, keep a record; roll back to the previous
 * version. Devices are the user's (user.db); deployments are the project's.
 */

const id = z.string().min(1).max(128).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits, _ . : and - only');
const deviceName = z.string().min(1).max(64).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a letter or digit, then letters, digits, _ . and - only');
const filePath = z.string().min(1).max(4096);

/** A device Orrery deploys to (an SSH target and where models go on it). */
export const deviceSchema = z.object({
  id,
  name: z.string(),
  host: z.string(),
  port: z.number().int(),
  username: z.string(),
  keyPath: z.string(),
  knownHostsPath: z.string(),
  /** Where packages go on the device (`~/` is the login's home); each model gets `<root>/<model>/`. */
  remoteRoot: z.string(),
  target: z.enum(packageTargets),
  /** A passphrase for the key is stored (encrypted like provider keys). */
  hasPassphrase: z.boolean(),
  createdAt: z.number(),
});

/** The steps of a deploy, in order; a failed deployment names the one that failed. */
export const deploySteps = ['package', 'connect', 'copy', 'unpack', 'verify', 'self-test', 'activate', 'record'] as const;

/** One deploy or rollback of a model version to a device. */
export const deploymentSchema = z.object({
  id,
  action: z.enum(['deploy', 'rollback']),
  deviceName: z.string(),
  host: z.string(),
  versionId: z.string(),
  modelName: z.string(),
  version: z.number().int(),
  packageId: z.string().nullable(),
  packageSha256: z.string().nullable(),
  target: z.enum(packageTargets),
  result: z.enum(['ok', 'failed']),
  /** The step that failed (null when it went through). */
  failedStep: z.enum(deploySteps).nullable(),
  message: z.string().nullable(),
  /** Where the version lies on the device (`<root>/<model>/versions/<model>-v<N>.<id>`), null when it never got there. */
  remotePath: z.string().nullable(),
  /** The folder `current` pointed to before (null on a first deploy). */
  previousPath: z.string().nullable(),
  /** What each step did (remote command output included), for the record. */
  log: z.string(),
  startedAt: z.number(),
  finishedAt: z.number(),
});

/** What `device.test` found on the device. */
export const deviceTestSchema = z.object({
  ok: z.literal(true),
  hostKeyFingerprint: z.string(),
  /** `uname -sm` of the device, and whether it fits the device's target. */
  system: z.string(),
  targetMatches: z.boolean(),
  node: z.string().nullable(),
  python: z.string().nullable(),
  /** The folder models go to (resolved) and what `current` points to per model there. */
  remoteRoot: z.string(),
  latencyMs: z.number(),
});

/** The host key a device presents and what the device's known_hosts says of it. */
export const deviceHostKeySchema = z.object({
  host: z.string(),
  port: z.number().int(),
  keyType: z.string(),
  fingerprint: z.string(),
  status: z.enum(['trusted', 'unknown', 'mismatch', 'revoked']),
  knownHostsPath: z.string(),
});

/** Calls of the deploy domain. */
export const deployCalls = {
  'device.list': call('Devices of this user, by name', noInput, z.array(deviceSchema)),
  'device.add': call(
    'Add a device: an SSH target (key authentication; its host key must be in the known_hosts file) and where models go on it',
    z
      .object({
        name: deviceName,
        host: z.string().min(1).max(255),
        port: z.number().int().min(1).max(65535).default(22),
        username: z.string().min(1).max(64),
        keyPath: filePath,
        /** Default `~/.ssh/known_hosts` of this user. */
        knownHostsPath: filePath.optional(),
        remoteRoot: z.string().min(1).max(1024).default('~/orrery-models'),
        target: z.enum(packageTargets).default('linux-x64'),
        /** The key's passphrase, stored encrypted (never in clear, never sent back). */
        passphrase: z.string().min(1).max(1024).optional(),
      })
      .strict(),
    deviceSchema,
  ),
  'device.remove': call('Forget a device (its deployment records stay in the projects)', z.object({ name: deviceName }).strict(), ack),
  'device.test': call('Connect to a device, check its host key and system, and report what it can run', z.object({ name: deviceName }).strict(), deviceTestSchema),
  'device.hostKey': call("Fetch the host key a device presents (without logging in) and check it against the device's known_hosts", z.object({ name: deviceName }).strict(), deviceHostKeySchema),
  'device.trust': call(
    "Record a device's host key in its known_hosts, after the user confirmed the fingerprint; refused when the key presented now has another fingerprint",
    z.object({ name: deviceName, fingerprint: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'SHA256: and 43 base64 characters, as ssh-keygen -l prints it') }).strict(),
    deviceHostKeySchema,
  ),
  'model.deploy': call(
    "Deploy a version to a device: build (or reuse) its package for the device's target, copy it over SFTP, verify and self-test it there, switch the active version atomically, record it; a task with progress",
    z.object({ versionId: id, device: deviceName, target: z.enum(packageTargets).optional(), taskId: id.optional() }).strict(),
    deploymentSchema,
  ),
  'model.rollback': call(
    'Switch a model on a device back to the deployment before the active one (atomically, after verifying it there), and record it',
    z.object({ device: deviceName, model: z.string().min(1).max(256), taskId: id.optional() }).strict(),
    deploymentSchema,
  ),
  'model.deployments': call(
    'Deployments of this project, newest first (of a device, a model or a version when given)',
    z.object({ device: deviceName.optional(), model: z.string().min(1).max(256).optional(), versionId: id.optional() }).strict(),
    z.array(deploymentSchema),
  ),
} as const;

/** Events of the deploy domain (progress goes through `task.progress`). */
export const deployEvents = {} as const;

export type Device = z.output<typeof deviceSchema>;
export type Deployment = z.output<typeof deploymentSchema>;
export type DeployStep = (typeof deploySteps)[number];
export type DeviceTest = z.output<typeof deviceTestSchema>;
export type DeviceHostKey = z.output<typeof deviceHostKeySchema>;
