// `npm run bench -- env-discovery`: how long until every Python interpreter on this machine is listed.
// Cold: a fresh ORRERY_HOME (empty cache), a new core, `env.list` → the `env.discovered` event (every locator run,
// every candidate probed). Cached: a new core over that home, `env.list` answered from the cache (user.db opened).
// Completeness is checked against an independent scan: every python/python3/python3.x on PATH (pyenv shims
// excepted: they resolve to pyenv versions) and every `$PYENV_ROOT/versions/*/bin/python`, by real path.
// Baselines measured in the same run: one bare `/usr/bin/python3 -c pass` start, and the probes run one after
// another (what discovery would cost without running them concurrently).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createCore, type Core } from '../../main/core/core';
import { anyId } from '../../main/core/event-bus';
import { silentLogger } from '../../main/core/logger';
import { figure, median, repoRoot, summary } from './lib';

const coldRuns = 5;
const cachedRuns = 20;
const goals = { coldMs: 2000, cachedMs: 200 };
const resourcesDir = path.join(repoRoot, 'resources');
const probeScript = path.join(resourcesDir, 'python', 'orrery_env_probe.py');

function realOrNull(file: string): string | null {
  try {
    return statSync(file).isFile() ? realpathSync(file) : null;
  } catch {
    return null;
  }
}

/** The interpreters on this machine by an independent scan (real paths). */
function expectedInterpreters(): Map<string, string> {
  const found = new Map<string, string>();
  const pyenvRoot = process.env.PYENV_ROOT || path.join(os.homedir(), '.pyenv');
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir || dir.includes(`${path.sep}shims`)) continue;
    let names: string[] = [];
    try {
      names = readdirSync(dir).filter((name) => /^python(3(\.\d+)?)?$/.test(name));
    } catch {
      continue;
    }
    for (const name of names) {
      const real = realOrNull(path.join(dir, name));
      if (real) found.set(real, path.join(dir, name));
    }
  }
  try {
    for (const version of readdirSync(path.join(pyenvRoot, 'versions'))) {
      const file = path.join(pyenvRoot, 'versions', version, 'bin', 'python');
      const real = realOrNull(file);
      if (real) found.set(real, file);
    }
  } catch {
    // No pyenv.
  }
  return found;
}

function newCore(home: string): Core {
  return createCore({ host: 'cli', userHome: home, logger: silentLogger, resourcesDir, env: process.env });
}

async function coldRun(): Promise<{ ms: number; realPaths: Set<string>; count: number; home: string }> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'orrery-bench-envs-'));
  const core = newCore(home);
  const t0 = performance.now();
  const done = new Promise<void>((resolve) => core.bus.subscribe('env.discovered', anyId, () => resolve()));
  await core.services.envs.list({});
  await done;
  const ms = performance.now() - t0;
  const { envs } = await core.services.envs.list({});
  await core.dispose();
  return { ms, realPaths: new Set(envs.map((env) => env.realPath)), count: envs.length, home };
}

async function cachedRun(home: string): Promise<{ ms: number; count: number; discovering: boolean }> {
  const core = newCore(home);
  const t0 = performance.now();
  const result = await core.services.envs.list({});
  const ms = performance.now() - t0;
  await core.dispose();
  return { ms, count: result.envs.length, discovering: result.discovering };
}

function timeSpawn(file: string, args: readonly string[]): number {
  const t0 = performance.now();
  execFileSync(file, [...args], { stdio: 'ignore' });
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const expected = expectedInterpreters();
  const baseline = median(Array.from({ length: 10 }, () => timeSpawn('/usr/bin/python3', ['-c', 'pass'])));
  const sequential = [...expected.values()].reduce((sum, file) => sum + timeSpawn(file, [probeScript]), 0);

  const cold: Awaited<ReturnType<typeof coldRun>>[] = [];
  for (let i = 0; i < coldRuns; i++) cold.push(await coldRun());
  const cached: Awaited<ReturnType<typeof cachedRun>>[] = [];
  for (let i = 0; i < cachedRuns; i++) cached.push(await cachedRun(cold[0]!.home));
  for (const run of cold) rmSync(run.home, { recursive: true, force: true });

  const missing = [...expected.keys()].filter((real) => !cold.every((run) => run.realPaths.has(real)));
  const coldMs = median(cold.map((run) => run.ms));
  const cachedMs = median(cached.map((run) => run.ms));
  const allCached = cached.every((run) => run.count === cold[0]!.count && !run.discovering);

  console.log(`env-discovery on ${os.cpus().length} CPUs, ${expected.size} interpreters by an independent scan`);
  figure('interpreters expected (PATH + pyenv)', expected.size);
  figure('envs listed (cold, median run)', median(cold.map((run) => run.count)));
  figure('expected interpreters not listed', missing.length === 0 ? 'none' : missing.join(', '));
  figure(`cold: env.list -> env.discovered (median of ${coldRuns})`, coldMs, `ms (goal <= ${goals.coldMs})`);
  figure('cold: slowest run', Math.max(...cold.map((run) => run.ms)), 'ms');
  figure(`cached: new core, env.list (median of ${cachedRuns})`, cachedMs, `ms (goal <= ${goals.cachedMs})`);
  figure('cached answers complete and not rediscovering', String(allCached));
  figure('baseline: one `/usr/bin/python3 -c pass`', baseline, 'ms');
  figure('baseline: every probe run one after another', sequential, 'ms');
  summary('env-discovery', {
    cold_ms: coldMs,
    cached_ms: cachedMs,
    interpreters: expected.size,
    listed: median(cold.map((run) => run.count)),
    all_found: missing.length === 0,
    cold_goal_met: coldMs <= goals.coldMs,
    cached_goal_met: cachedMs <= goals.cachedMs,
    python_start_ms: baseline,
    sequential_probes_ms: sequential,
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
