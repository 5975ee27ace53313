import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { defaultLimits, resolveLimits, type SandboxLimits } from './hardening';

/** The warm pool's settings: how many containers wait, and the limits every sandbox gets by default. */
export interface PoolConfig {
  readonly size: number;
  readonly limits: SandboxLimits;
}

/** Two warm containers under the default limits. */
export const defaultPoolConfig: PoolConfig = { size: 2, limits: defaultLimits };

/** `<user home>/sandbox.json`: user-level, so the pool is the same for every project. */
export function poolConfigFile(userHome: string): string {
  return path.join(userHome, 'sandbox.json');
}

/** Reads the pool settings; a missing or broken file gives the defaults (a bad value never stops the sandbox). */
export async function readPoolConfig(userHome: string): Promise<PoolConfig> {
  try {
    const raw = JSON.parse(await readFile(poolConfigFile(userHome), 'utf8')) as { size?: unknown; limits?: Partial<SandboxLimits> };
    const size = typeof raw.size === 'number' && Number.isInteger(raw.size) && raw.size >= 0 && raw.size <= 16 ? raw.size : defaultPoolConfig.size;
    return { size, limits: resolveLimits(raw.limits ?? {}) };
  } catch {
    return defaultPoolConfig;
  }
}

/** Writes the pool settings atomically (temp file + rename). */
export async function writePoolConfig(userHome: string, config: PoolConfig): Promise<void> {
  const file = poolConfigFile(userHome);
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(config, null, 2)}\n`);
  await rename(tmp, file);
}
