import { access } from 'node:fs/promises';
import { envSchema } from '../../../app/contract';
import type { Env } from '../../../app/models';
import type { Logger } from '../../core/logger';
import type { UserStore } from '../user/user-store';

/** How old the last discovery may be before `list` starts another in the background. */
export const staleAfterMs = 10 * 60 * 1000;

const lastDiscoveryKey = 'lastDiscoveryAt';

/** True when the env's interpreter is still on disk. */
export async function envPresent(env: Env): Promise<boolean> {
  try {
    await access(env.python);
    await access(env.prefix);
    return true;
  } catch {
    return false;
  }
}

/**
 * The machine-wide env cache in `user.db` (table env_cache), read on every use so that envs another Orrery process
 * (the CLI beside the app) found or created show at once. Pinned envs (ones the user registered or created) are
 * kept even when their folder is gone, so they show as missing with a reason.
 */
export class EnvCache {
  constructor(private readonly deps: { user: UserStore; logger: Logger }) {}

  /** Every cached env, in the order first found. */
  all(): Env[] {
    return this.load().map((entry) => entry.env);
  }

  /** One cached env, or undefined. */
  get(id: string): Env | undefined {
    return this.load().find((entry) => entry.env.id === id)?.env;
  }

  /** Stores envs (merged by the caller); `pin` keeps them across passes that no longer find them. */
  put(envs: readonly Env[], pin = false): void {
    this.deps.user.saveEnvRecords(envs.map((env) => ({ id: env.id, data: JSON.stringify(env), pinned: pin })));
  }

  /** Forgets envs (discovery drops unpinned ones whose folder is gone). */
  remove(ids: readonly string[]): void {
    this.deps.user.saveEnvRecords([], ids);
  }

  /** The envs the user registered or created (discovery probes them again on every pass). */
  pinnedEnvs(): Env[] {
    return this.load().filter((entry) => entry.pinned).map((entry) => entry.env);
  }

  /** True for envs the user registered or created. */
  isPinned(id: string): boolean {
    return this.load().some((entry) => entry.env.id === id && entry.pinned);
  }

  /** When the last discovery pass ended (ms), or null when none has run on this machine. */
  lastDiscoveryAt(): number | null {
    const value = this.deps.user.envMeta(lastDiscoveryKey);
    return value === null ? null : Number(value);
  }

  /** Records the end of a discovery pass. */
  markDiscovered(at: number): void {
    this.deps.user.setEnvMeta(lastDiscoveryKey, String(at));
  }

  private load(): { env: Env; pinned: boolean }[] {
    const out: { env: Env; pinned: boolean }[] = [];
    for (const record of this.deps.user.envRecords()) {
      const parsed = envSchema.safeParse(safeJson(record.data));
      if (parsed.success) out.push({ env: parsed.data, pinned: record.pinned });
      else this.deps.logger.warn('ignoring a cached env that no longer fits the schema', { id: record.id });
    }
    return out;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
