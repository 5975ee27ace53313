import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import type { SandboxSession } from '../../../app/contract/sandbox';
import type { Clock } from '../../core/clock';
import type { EventBus } from '../../core/event-bus';
import type { OpenProject } from '../projects/project-service';
import { finishSession, insertSession } from './audit';
import { collectOutputs } from './collect-outputs';
import { removeContainer } from './docker';
import { hardenedContainer, type SandboxLimits } from './hardening';
import { hasEntries, makeOutputDir, removeOutputDir } from './scratch';
import type { PoolSpec } from './warm-pool';

/** An interactive shell in a sandbox: a TTY stream, resize, and its end (audited like an exec). */
export interface ShellSession {
  readonly sessionId: string;
  /** Raw TTY bytes both ways (stdin in, the terminal out). */
  readonly stream: Duplex;
  resize(columns: number, rows: number): Promise<void>;
  /** Kills the shell (the session ends as `cancelled`). */
  kill(): Promise<void>;
  /** Resolves when the shell exits, with the completed audit row; the container is gone by then. */
  readonly ended: Promise<SandboxSession>;
}

/** What a shell needs. */
export interface ShellPlan {
  readonly sessionId: string;
  readonly image: string;
  readonly limits: SandboxLimits;
  readonly spec: PoolSpec;
  readonly columns: number;
  readonly rows: number;
}

/**
 * Starts `bash` in a hardened container with a TTY. The wall-clock limit applies as for an exec; files left
 * in /output are collected when the shell ends.
 */
export async function openShell(ctx: { docker: Docker; bus: EventBus; clock: Clock; project: OpenProject }, plan: ShellPlan): Promise<ShellSession> {
  const outputDir = await makeOutputDir();
  const base = hardenedContainer({
    image: plan.image,
    cmd: ['bash', '-i'],
    limits: plan.limits,
    sessionId: plan.sessionId,
    kind: 'shell',
    projectDir: plan.spec.projectDir ?? undefined,
    outputDir,
    maskPaths: plan.spec.maskPaths,
    env: { TERM: 'xterm-256color' },
  });
  const container = await ctx.docker.createContainer({ ...base, Tty: true, OpenStdin: true, StdinOnce: true, AttachStdin: true });
  insertSession(ctx.project.db, { id: plan.sessionId, kind: 'shell', command: 'bash -i', image: plan.image, limits: plan.limits, startedAt: ctx.clock.now(), containerId: container.id });
  const stream = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as unknown as Duplex;
  await container.start();
  await container.resize({ h: plan.rows, w: plan.columns }).catch(() => undefined);
  const stopped: { why: 'timeout' | 'cancelled' | null } = { why: null };
  const kill = async (why: 'timeout' | 'cancelled'): Promise<void> => {
    stopped.why ??= why;
    await container.kill().catch(() => undefined);
  };
  const timer = setTimeout(() => void kill('timeout'), plan.limits.timeoutS * 1000);
  const ended = (async () => {
    await container.wait();
    clearTimeout(timer);
    const state = (await container.inspect()).State;
    await removeContainer(ctx.docker, container.id);
    const collected = (await hasEntries(outputDir)) ? await collectOutputs(ctx.project.artifacts, outputDir) : { files: [], skipped: [] };
    await removeOutputDir(outputDir);
    const status = stopped.why ?? (state.OOMKilled ? 'oom' : state.ExitCode === 0 ? 'ok' : 'error');
    const session = finishSession(ctx.project.db, plan.sessionId, {
      status,
      exitCode: state.ExitCode,
      endedAt: ctx.clock.now(),
      outputTruncated: false,
      ...collected,
      containerId: container.id,
      message: status === 'timeout' ? `Killed after the ${plan.limits.timeoutS} s wall-clock limit.` : null,
    });
    ctx.bus.publish('sandbox.audit', '', { session });
    return session;
  })();
  return {
    sessionId: plan.sessionId,
    stream,
    resize: async (columns, rows) => {
      await container.resize({ h: rows, w: columns });
    },
    kill: () => kill('cancelled'),
    ended,
  };
}
