// `npm run bench -- sandbox-exec`: `python3 -c "print(1)"` as a sandbox exec taken from the warm pool, against a
// cold run of the same image with the same hardening in the same run (create + attach + start + wait + remove,
// Orrery's own cold path), interleaved, 20 of each. The `docker run --rm` CLI is shown beside for reference.
// The figure: warm p50 / cold p50 ≤ 0.3 and warm p50 ≤ 150 ms. Each warm run waits for the pool to be full
// first (a pool refills in the background between a user's runs).
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { createCore } from '../../main/core/core';
import { silentLogger } from '../../main/core/logger';
import { DockerClient } from '../../main/services/sandbox/docker';
import { ensureBaseImage } from '../../main/services/sandbox/images';
import { figure, median, percentile, repoRoot, summary } from './lib';

const runs = 20;
const command = ['python3', '-c', 'print(1)'];

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

async function main(): Promise<void> {
  const resourcesDir = path.join(repoRoot, 'resources');
  const docker = await new DockerClient(process.env).require();
  const image = (await ensureBaseImage(docker, { resourcesDir })).tag;
  const base = await realpath(await mkdtemp(path.join(os.tmpdir(), 'orrery-bench-sandbox-')));
  await mkdir(path.join(base, 'home'), { recursive: true });
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: path.join(base, 'home'), LANG: 'C.UTF-8' };
  const core = createCore({ host: 'cli', env, userHome: path.join(base, 'orrery'), allowedRoots: [base], logger: silentLogger, resourcesDir });
  const sandbox = core.services.sandbox;
  try {
    await core.services.projects.create({ path: path.join(base, 'project') });
    await sandbox.configurePool({ size: 2 });
    const check = async (result: { stdout: string; session: { status: string } }) => {
      if (result.stdout !== '1\n' || result.session.status !== 'ok') throw new Error(`unexpected run: ${JSON.stringify(result)}`);
    };
    // One of each first, unmeasured (image layers into the page cache, code paths compiled).
    await sandbox.poolReady();
    await check(await sandbox.exec({ command }));
    await check(await sandbox.exec({ command, pool: false }));
    const warm: number[] = [];
    const cold: number[] = [];
    const cli: number[] = [];
    const limits = (await sandbox.poolStatus()).limits;
    const cliArgs = ['run', '--rm', '--network', 'none', '--read-only', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--pids-limit', String(limits.pids), '--memory', `${limits.memoryMb}m`, '--user', '65534:65534', image, ...command];
    for (let i = 0; i < runs; i++) {
      await sandbox.poolReady();
      let pooled = '';
      warm.push(await timed(async () => {
        const result = await sandbox.exec({ command });
        await check(result);
        pooled = result.session.containerId ?? '';
      }));
      if (!(await sandbox.sessions({ limit: 1 }))[0]?.containerId?.startsWith(pooled)) throw new Error('warm run did not come from the pool');
      cold.push(await timed(async () => check(await sandbox.exec({ command, pool: false }))));
      cli.push(await timed(() => promisify(execFile)('docker', cliArgs)));
    }
    const ratio = median(warm) / median(cold);
    figure('warm pool exec p50', median(warm), 'ms');
    figure('warm pool exec p95', percentile(warm, 95), 'ms');
    figure('cold exec (same image, same limits) p50', median(cold), 'ms');
    figure('cold exec p95', percentile(cold, 95), 'ms');
    figure('docker run --rm CLI p50 (reference)', median(cli), 'ms');
    figure('warm / cold p50 ratio (target ≤ 0.3)', ratio);
    summary('sandbox-exec', {
      warm_p50_ms: median(warm),
      warm_p95_ms: percentile(warm, 95),
      cold_p50_ms: median(cold),
      cold_p95_ms: percentile(cold, 95),
      cli_p50_ms: median(cli),
      ratio,
      ok: ratio <= 0.3 && median(warm) <= 150,
    });
  } finally {
    await core.dispose();
    await rm(base, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
