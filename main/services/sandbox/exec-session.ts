import type Docker from 'dockerode';
import { OrreryError } from '../../../app/contract';
import type { SandboxSession } from '../../../app/contract/sandbox';
import type { Clock } from '../../core/clock';
import type { EventBus } from '../../core/event-bus';
import type { OpenProject } from '../projects/project-service';
import { finishSession, insertSession } from './audit';
import { collectOutputs, type CollectedFile, type SkippedEntry } from './collect-outputs';
import { runCold, runInPooled, type RunOutcome } from './container-run';
import { dockerMessage, dockerStatus } from './docker';
import { hardenedContainer, type SandboxLimits } from './hardening';
import { hasEntries, makeOutputDir, removeOutputDir } from './scratch';
import type { PoolSpec, PooledContainer, WarmPool } from './warm-pool';

/** What an exec session runs with. */
export interface ExecPlan {
  readonly sessionId: string;
  readonly command: readonly string[];
  readonly image: string;
  readonly limits: SandboxLimits;
  readonly spec: PoolSpec;
  readonly workingDir?: string;
  readonly usePool: boolean;
  readonly signal?: AbortSignal;
  readonly outputCap?: number;
}

/** The services an exec session touches. */
export interface ExecContext {
  readonly docker: Docker;
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly pool: WarmPool;
  readonly project: OpenProject;
}

/** An exec's answer: the audited session and the kept output. */
export interface ExecResult {
  readonly session: SandboxSession;
  readonly stdout: string;
  readonly stderr: string;
}

/** Shows a command as one line for the audit log (arguments with spaces quoted). */
export function commandLine(command: readonly string[]): string {
  return command.map((part) => (/^[\w@%+=:,./-]+$/.test(part) ? part : `'${part.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/**
 * One audited exec: the row is written first, the command runs in a pooled container when one fits (else a
 * cold one), output streams as `sandbox.output`, files left in /output become artifacts (links skipped),
 * and the row is completed with how it ended. The container never outlives the session.
 */
export async function runExecSession(ctx: ExecContext, plan: ExecPlan): Promise<ExecResult> {
  const { db } = ctx.project;
  const started = insertSession(db, { id: plan.sessionId, kind: 'exec', command: commandLine(plan.command), image: plan.image, limits: plan.limits, startedAt: ctx.clock.now() });
  ctx.bus.publish('sandbox.audit', '', { session: started });
  const pooled = plan.usePool ? ctx.pool.take(plan.spec) : null;
  const outputDir = pooled?.outputDir ?? (await makeOutputDir());
  let outcome: RunOutcome | null = null;
  let collected: { files: CollectedFile[]; skipped: SkippedEntry[] } = { files: [], skipped: [] };
  let failure: unknown = null;
  try {
    outcome = await run(ctx, plan, pooled, outputDir);
    if (await hasEntries(outputDir)) {
      // Only once the container is dead can nothing inside change the folder while it is read.
      await outcome.settled;
      collected = await collectOutputs(ctx.project.artifacts, outputDir);
    }
  } catch (error) {
    failure = error;
  } finally {
    ctx.pool.track(Promise.resolve(outcome?.settled).then(() => removeOutputDir(outputDir)));
    if (pooled) ctx.pool.refill();
  }
  const session = finishSession(db, plan.sessionId, {
    status: outcome?.status ?? (plan.signal?.aborted ? 'cancelled' : 'error'),
    exitCode: outcome?.exitCode ?? null,
    endedAt: ctx.clock.now(),
    outputTruncated: outcome?.truncated ?? false,
    files: collected.files,
    skipped: collected.skipped,
    containerId: outcome?.containerId ?? pooled?.container.id ?? null,
    message: failure ? dockerMessage(failure) : (outcome?.message ?? null),
  });
  ctx.bus.publish('sandbox.audit', '', { session });
  if (failure) throw asOrreryError(failure, plan.image);
  return { session, stdout: outcome?.stdout ?? '', stderr: outcome?.stderr ?? '' };
}

async function run(ctx: ExecContext, plan: ExecPlan, pooled: PooledContainer | null, outputDir: string): Promise<RunOutcome> {
  const request = {
    command: plan.command,
    timeoutS: plan.limits.timeoutS,
    workingDir: plan.workingDir,
    signal: plan.signal,
    outputCap: plan.outputCap,
    onOutput: (stream: 'stdout' | 'stderr', text: string) => ctx.bus.publish('sandbox.output', plan.sessionId, { sessionId: plan.sessionId, stream, text }),
  };
  if (pooled) return runInPooled(ctx.docker, pooled, request);
  const options = hardenedContainer({
    image: plan.image,
    cmd: plan.command,
    limits: plan.limits,
    sessionId: plan.sessionId,
    kind: 'exec',
    projectDir: plan.spec.projectDir ?? undefined,
    outputDir,
    maskPaths: plan.spec.maskPaths,
    workingDir: plan.workingDir,
  });
  return runCold(ctx.docker, options, request);
}

/** Docker's failures as errors a user can act on. */
export function asOrreryError(error: unknown, image: string): OrreryError {
  if (error instanceof OrreryError) return error;
  if (dockerStatus(error) === 404 && /image/i.test(dockerMessage(error))) {
    return new OrreryError('not_found', `Image ${image} is not on this machine: build Orrery's base image (\`orrery sandbox images --build-base\`) or pull it where a registry is reachable.`, { cause: error });
  }
  return new OrreryError('process_failed', `Docker: ${dockerMessage(error)}`, { cause: error });
}
