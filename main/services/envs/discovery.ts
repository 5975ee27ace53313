import { realpath } from 'node:fs/promises';
import path from 'node:path';
import type { Env } from '../../../app/models';
import type { Clock } from '../../core/clock';
import type { EventBus } from '../../core/event-bus';
import type { Logger } from '../../core/logger';
import type { ProcessRunner } from '../../core/process-runner';
import { envPresent, type EnvCache } from './env-cache';
import { allLocators, type Locator, type LocatorContext } from './locators';
import { envFromProbe, mergeEnvs, runProbe, type Candidate } from './probe';

/** What a discovery pass needs. */
export interface DiscoveryDeps {
  readonly bus: EventBus;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly runner: ProcessRunner;
  readonly cache: EnvCache;
  readonly probeScript: string;
  readonly env: NodeJS.ProcessEnv;
  readonly home: string;
  readonly projectPath: () => string | null;
  readonly locators?: readonly Locator[];
}

/** How many probes run at once. */
const probeConcurrency = 6;

async function realOr(file: string): Promise<string> {
  try {
    return await realpath(file);
  } catch {
    return file;
  }
}

/** A key that is equal for two spellings of one interpreter, yet differs for a venv's link to its base. */
async function candidateKey(candidate: Candidate): Promise<string> {
  const [dir, file] = await Promise.all([realOr(path.dirname(candidate.python)), realOr(candidate.python)]);
  return `${dir}\0${file}`;
}

/** Runs at most `limit` async jobs at once. */
function limiter(limit: number): <T>(job: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (job) => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await job();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/**
 * Discovery: every locator at once, each candidate probed as soon as it is found (a few at a time), results
 * de-duplicated by env id and published one by one as `env.found`, then `env.discovered`. One pass at a time:
 * a second request while one runs joins it.
 */
export class Discovery {
  private running: Promise<Env[]> | null = null;
  private readonly abort = new AbortController();

  constructor(private readonly deps: DiscoveryDeps) {}

  /** True while a pass runs. */
  get active(): boolean {
    return this.running !== null;
  }

  /** Starts a pass unless one runs; answers the pass's result. */
  start(): Promise<Env[]> {
    if (!this.running) {
      this.running = this.pass().finally(() => {
        this.running = null;
      });
    }
    return this.running;
  }

  /** Stops probing (core shutdown). */
  dispose(): void {
    this.abort.abort();
  }

  /** Probes one candidate into an Env, or null when it is not a working interpreter. */
  async resolve(candidate: Candidate): Promise<Env | null> {
    try {
      const probe = await runProbe(this.deps.runner, candidate.python, this.deps.probeScript, this.deps.env, this.abort.signal);
      return await envFromProbe(probe, candidate, { env: this.deps.env, home: this.deps.home, now: this.deps.clock.now() });
    } catch (error) {
      this.deps.logger.info('skipping a candidate interpreter', { python: candidate.python, error: (error as Error).message });
      return null;
    }
  }

  private async pass(): Promise<Env[]> {
    const started = this.deps.clock.now();
    const context: LocatorContext = { env: this.deps.env, home: this.deps.home, runner: this.deps.runner, projectPath: this.deps.projectPath() };
    const found = new Map<string, Env>();
    // Candidate key → the sources that named it, and the env it resolved to: a spelling found twice is probed once.
    const seen = new Map<string, Set<string>>();
    const resolvedAs = new Map<string, string>();
    const limit = limiter(probeConcurrency);
    const probes: Promise<void>[] = [];
    const take = async (candidate: Candidate) => {
      const key = await candidateKey(candidate);
      if (seen.has(key)) {
        seen.get(key)!.add(candidate.source);
        return;
      }
      seen.set(key, new Set([candidate.source]));
      const env = await limit(() => this.resolve(candidate));
      if (!env || this.abort.signal.aborted) return;
      resolvedAs.set(key, env.id);
      const merged = found.has(env.id) ? mergeEnvs(found.get(env.id)!, env) : this.withCachedName(env);
      found.set(env.id, merged);
      // Cached before it is announced: a view may act on an env as soon as it is listed.
      this.deps.cache.put([merged]);
      this.deps.bus.publish('env.found', '', { env: merged });
    };
    const known: Locator = async () =>
      this.deps.cache.pinnedEnvs().map((env) => ({ python: env.python, source: env.sources.includes('created') ? 'created' : 'registered' }));
    const locators = [...(this.deps.locators ?? allLocators), known].map(async (locate) => {
      const candidates = await locate(context).catch(() => [] as Candidate[]);
      for (const candidate of candidates) probes.push(take(candidate));
    });
    await Promise.all(locators);
    await Promise.all(probes);
    for (const [key, id] of resolvedAs) {
      const env = found.get(id)!;
      const sources = [...new Set([...env.sources, ...seen.get(key)!])];
      if (sources.length === env.sources.length) continue;
      found.set(id, { ...env, sources });
      this.deps.bus.publish('env.found', '', { env: found.get(id)! });
    }
    const envs = [...found.values()];
    if (!this.abort.signal.aborted) await this.store(envs);
    const ms = this.deps.clock.now() - started;
    this.deps.bus.publish('env.discovered', '', { count: envs.length, ms });
    return envs;
  }

  /** Keeps the sources an earlier pass, a registration or a creation gave an env. */
  private withCachedName(env: Env): Env {
    const cached = this.deps.cache.get(env.id);
    return cached ? { ...mergeEnvs(cached, env), name: cached.sources.includes('created') ? cached.name : env.name, missing: false } : env;
  }

  /** Writes the pass to the cache; cached envs gone from disk are dropped, or kept as missing when pinned. */
  private async store(envs: readonly Env[]): Promise<void> {
    const { cache } = this.deps;
    cache.put(envs);
    const ids = new Set(envs.map((env) => env.id));
    const others = cache.all().filter((env) => !ids.has(env.id));
    const present = await Promise.all(others.map(envPresent));
    const gone = others.filter((_, index) => !present[index]);
    cache.remove(gone.filter((env) => !cache.isPinned(env.id)).map((env) => env.id));
    const missing = gone.filter((env) => cache.isPinned(env.id) && !env.missing).map((env) => ({ ...env, missing: true }));
    if (missing.length > 0) cache.put(missing);
    cache.markDiscovered(this.deps.clock.now());
  }
}
