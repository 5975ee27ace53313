import { z } from 'zod';
import { call, event, noInput } from './define';

/** Session kinds in the audit log. */
export const sandboxSessionKinds = ['exec', 'shell', 'kernel', 'job'] as const;
/** How a sandbox session ended (`running` while it runs). */
export const sandboxStatuses = ['running', 'ok', 'error', 'oom', 'timeout', 'killed', 'cancelled'] as const;

const sessionId = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only');
const imageRef = z.string().min(1).max(256).regex(/^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/, 'an image reference such as orrery/base:bookworm-1 or python:3.12-slim');

/** Limits a caller may set; anything unset takes the default. */
export const sandboxLimitsInput = z
  .object({
    memoryMb: z.number().int().min(16).max(1024 * 1024).optional(),
    cpus: z.number().min(0.01).max(1024).optional(),
    pids: z.number().int().min(8).max(1_000_000).optional(),
    timeoutS: z.number().min(1).max(7 * 24 * 3600).optional(),
    /** Allow the network for this run (off by default). */
    network: z.boolean().optional(),
    tmpMb: z.number().int().min(1).max(64 * 1024).optional(),
  })
  .strict();

/** The limits a session ran under. */
export const sandboxLimitsSchema = z.object({
  memoryMb: z.number(),
  cpus: z.number(),
  pids: z.number().int(),
  timeoutS: z.number(),
  network: z.boolean(),
  tmpMb: z.number(),
});

/** A file collected from /output as a content-addressed artifact. */
export const sandboxArtifactSchema = z.object({ path: z.string(), hash: z.string(), size: z.number().int() });
/** Something in /output that was not collected, and why (a symbolic link is never followed). */
export const sandboxSkippedSchema = z.object({ path: z.string(), reason: z.string() });

/** One row of the audit log. */
export const sandboxSessionSchema = z.object({
  id: z.string(),
  kind: z.enum(sandboxSessionKinds),
  command: z.string(),
  image: z.string(),
  limits: sandboxLimitsSchema,
  network: z.boolean(),
  startedAt: z.number(),
  endedAt: z.number().nullable(),
  exitCode: z.number().int().nullable(),
  status: z.enum(sandboxStatuses),
  durationMs: z.number().int().nullable(),
  outputTruncated: z.boolean(),
  artifacts: z.array(sandboxArtifactSchema),
  skipped: z.array(sandboxSkippedSchema),
  containerId: z.string().nullable(),
  /** Why it failed or what was noticed (the OOM kill, the timeout, a refused image). */
  message: z.string().nullable(),
});

const execInput = z
  .object({
    /** The program and its arguments (no shell: use ["sh", "-c", "…"] for one). */
    command: z.array(z.string().max(100_000)).min(1).max(1000),
    /** Default: the project image when one was built, else orrery/base:bookworm-1. */
    image: imageRef.optional(),
    limits: sandboxLimitsInput.optional(),
    /** Chosen by the caller so it can subscribe to `sandbox.output` first. */
    sessionId: sessionId.optional(),
    taskId: z.string().min(1).max(64).optional(),
    /** Working folder inside the container; default /project. */
    workingDir: z.string().min(1).max(4096).regex(/^\//, 'an absolute path inside the container').optional(),
    /** Take a warm container when one fits (default true); false always starts a cold one. */
    pool: z.boolean().optional(),
  })
  .strict();

/** What an exec answers: the session and the output kept (bounded, with a truncation marker). */
export const sandboxExecResultSchema = z.object({ session: sandboxSessionSchema, stdout: z.string(), stderr: z.string() });

const sessionFilter = z
  .object({
    kinds: z.array(z.enum(sandboxSessionKinds)).optional(),
    statuses: z.array(z.enum(sandboxStatuses)).optional(),
    since: z.number().optional(),
    until: z.number().optional(),
    /** Text the command or image contains. */
    search: z.string().max(500).optional(),
    limit: z.number().int().min(1).max(100_000).optional(),
  })
  .strict();

/** An image as listed (Orrery's own marked by `orrery`: base | project). */
export const sandboxImageSchema = z.object({
  id: z.string(),
  tags: z.array(z.string()),
  size: z.number(),
  created: z.number(),
  orrery: z.string().nullable(),
  containers: z.number(),
});

/** A container Orrery started. */
export const sandboxContainerSchema = z.object({
  id: z.string(),
  name: z.string(),
  image: z.string(),
  kind: z.string(),
  sessionId: z.string(),
  state: z.string(),
  status: z.string(),
  created: z.number(),
  ownerPid: z.number().int().nullable(),
});

/** The warm pool: how many containers wait, under which image and limits. */
export const sandboxPoolSchema = z.object({
  size: z.number().int(),
  idle: z.number().int(),
  starting: z.number().int(),
  image: z.string().nullable(),
  limits: sandboxLimitsSchema,
});

/** Whether Docker can be used, and why not. */
export const sandboxStatusSchema = z.object({
  available: z.boolean(),
  problem: z.enum(['not_installed', 'not_running', 'no_permission']).nullable(),
  message: z.string(),
  version: z.string().nullable(),
  /** True when `docker info` lists an nvidia runtime (GPU pass-through for jobs). */
  gpu: z.boolean(),
  baseImage: z.object({ tag: z.string(), present: z.boolean() }),
});

/** Calls of the sandbox domain. */
export const sandboxCalls = {
  'sandbox.status': call('Whether Docker is installed and running (with the advice when not), and the base image', noInput, sandboxStatusSchema),
  'sandbox.exec': call(
    'Run a command in a hardened container (network off unless allowed); output streams as sandbox.output, files in /output become artifacts',
    execInput,
    sandboxExecResultSchema,
  ),
  'sandbox.sessions': call('The audit log of the open project, newest first, filtered', sessionFilter.optional(), z.array(sandboxSessionSchema)),
  'sandbox.session': call('One session of the audit log', z.object({ id: sessionId }).strict(), sandboxSessionSchema),
  'sandbox.exportAudit': call(
    'The audit log as CSV or JSON text (filtered like sandbox.sessions)',
    z.object({ format: z.enum(['csv', 'json']), filter: sessionFilter.optional() }).strict(),
    z.object({ format: z.enum(['csv', 'json']), filename: z.string(), content: z.string(), count: z.number().int() }),
  ),
  'sandbox.images': call('Local images with their size; Orrery-built ones marked', noInput, z.array(sandboxImageSchema)),
  'sandbox.buildImage': call(
    "Build the base image (debootstrap + docker import; cached) or the project image from an env lock's packages (local wheels, or an index URL)",
    z
      .object({
        target: z.enum(['base', 'project']),
        /** Project image: the lock to install; default the newest lock of the project. */
        lockId: z.string().min(1).max(128).optional(),
        /** Project image: a folder of wheels to install from (pip --no-index --find-links). */
        wheelsDir: z.string().min(1).max(4096).optional(),
        /** Project image: a package index to install from instead (the build then has network). */
        indexUrl: z.string().url().max(2048).optional(),
        taskId: z.string().min(1).max(64).optional(),
      })
      .strict(),
    z.object({ tag: z.string(), id: z.string(), built: z.boolean() }),
  ),
  'sandbox.pruneImages': call(
    "Remove Orrery's images no container uses (the base image too with includeBase)",
    z.object({ includeBase: z.boolean().optional() }).strict().optional(),
    z.object({ removed: z.array(z.string()), reclaimed: z.number() }),
  ),
  'sandbox.ps': call("Containers Orrery started that still exist (sessions, kernels, jobs, the warm pool)", noInput, z.array(sandboxContainerSchema)),
  'sandbox.pool': call('The warm pool now', noInput, sandboxPoolSchema),
  'sandbox.configurePool': call(
    'Set the warm pool size (0 turns it off) and its limits; the pool refills at once',
    z.object({ size: z.number().int().min(0).max(16).optional(), limits: sandboxLimitsInput.optional() }).strict(),
    sandboxPoolSchema,
  ),
} as const;

/** Events of the sandbox domain. */
export const sandboxEvents = {
  'sandbox.output': event(
    "A chunk of a session's output (delivered per session id; bounded like the kept output)",
    z.object({ sessionId: z.string(), stream: z.enum(['stdout', 'stderr']), text: z.string() }),
  ),
  'sandbox.audit': event('A session started or ended (delivered globally, id "")', z.object({ session: sandboxSessionSchema })),
} as const;

/** A sandbox session as services and clients hold it. */
export type SandboxSession = Readonly<z.output<typeof sandboxSessionSchema>>;
/** How a sandbox session ended. */
export type SandboxStatus = (typeof sandboxStatuses)[number];
/** What a session was for. */
export type SandboxSessionKind = (typeof sandboxSessionKinds)[number];
