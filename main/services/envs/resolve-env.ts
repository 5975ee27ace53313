import path from 'node:path';
import { OrreryError } from '../../../app/contract';
import type { Env } from '../../../app/models';

/**
 * Finds the env a user named: by id, by name (unique), or by a path (its folder, its interpreter, or the real
 * interpreter). Answers null when nothing matches and the reference is a path (the caller may register it);
 * throws `not_found` for an unknown id or name and `conflict` for a name several envs share.
 */
export function matchEnv(envs: readonly Env[], reference: string, cwd: string): Env | null {
  const byId = envs.find((env) => env.id === reference);
  if (byId) return byId;
  const looksLikePath = reference.includes('/') || reference.includes('\\') || reference.startsWith('.');
  if (looksLikePath) {
    const target = path.resolve(cwd, reference);
    const hit = envs.find((env) => env.prefix === target || env.python === target) ?? envs.find((env) => env.realPath === target);
    return hit ?? null;
  }
  const named = envs.filter((env) => env.name === reference || env.name.toLowerCase() === reference.toLowerCase());
  if (named.length === 1) return named[0]!;
  if (named.length > 1) {
    throw new OrreryError('conflict', `${named.length} environments are named "${reference}" (${named.map((env) => env.id).join(', ')}); name one by its id or path.`);
  }
  throw new OrreryError('not_found', `No environment "${reference}"; see \`orrery env list\` for ids and names, or give the env's path.`);
}
