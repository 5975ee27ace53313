import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { OrreryError, type ModelTarget, type ModelVersion } from '../../../app/contract';
import type { Core } from '../../core/core';
import { absoluteDir, cliCall, projectDirFor, usageError, type CliContext } from '../cli-context';

/** Opens the project of --project / ORRERY_PROJECT (else the current folder) for a `model` command. */
export async function openModelProject(ctx: CliContext, command: Command, core: Core, options: { ingest?: boolean } = {}): Promise<void> {
  await cliCall(core, 'project.open', { path: projectDirFor(ctx, command) ?? ctx.io.cwd });
  // A run just finished by a script is in the spool until ingested; registering from it needs its rows.
  if (options.ingest) await core.services.tracking.ingestAll();
}

/** A version from a reference: its id, `name@3`, `name@alias`, `name@production` or a model name (its newest). */
export function versionOf(core: Core, ref: string): Promise<ModelVersion> {
  return cliCall(core, 'model.version', { ref });
}

/**
 * What a `FILE|REF` argument names: an existing file (relative to the current folder) is a file target; anything
 * else is a registered version. A reference that is neither says both.
 */
export async function targetOf(ctx: CliContext, core: Core, argument: string): Promise<{ target: ModelTarget; version: ModelVersion | null }> {
  const file = absoluteDir(ctx, argument);
  const info = await stat(file).catch(() => null);
  if (info?.isFile()) return { target: { file }, version: null };
  try {
    const version = await versionOf(core, argument);
    return { target: { versionId: version.id }, version };
  } catch (error) {
    if (error instanceof OrreryError && error.code === 'not_found') {
      throw new OrreryError('not_found', `${argument} is neither a file nor a registered version (${error.message})`);
    }
    throw error;
  }
}

/** A comma-separated list of whole numbers (`1,2,4`) from an option; a usage error otherwise. */
export function intList(command: Command, option: string, value: string | undefined, min: number, max: number): number[] | undefined {
  if (value === undefined) return undefined;
  const parts = value.split(',').map((part) => part.trim());
  const numbers = parts.map(Number);
  if (parts.length === 0 || numbers.some((n) => !Number.isInteger(n) || n < min || n > max)) {
    usageError(command, `${option} ${value}: give whole numbers from ${min} to ${max} separated by commas, such as 1,2,4.`);
  }
  return numbers;
}
