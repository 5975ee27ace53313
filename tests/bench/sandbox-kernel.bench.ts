// `npm run bench -- sandbox-kernel`: (1) a sandboxed kernel ready — kernel.start until the kernel answered
// kernel_info and iopub flows — median of 7 starts taking a container from the warm pool (the pool is topped up and
// left idle 3 s between starts, as between a user's clicks), and, for reference, 3 cold starts (no pool);
// (2) the round trip of a `1+1` execute (execute_reply + iopub idle, through KernelService) in the sandboxed kernel
// vs a local kernel (Debian's python3 ipykernel) in the same run, 200 each after 20 warm-up. Goals: ready ≤ 1.5 s;
// execute ratio ≤ 1.2.
import { mkdir, mkdtemp, realpath, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createCore, defaultResourcesDir } from '../../main/core/core';
import { silentLogger } from '../../main/core/logger';
import { KernelService } from '../../main/services/kernels/kernel-service';
import { DockerClient } from '../../main/services/sandbox/docker';
import { ensureBaseImage } from '../../main/services/sandbox/images';
import { sandboxKernelsFor, type SandboxKernels } from '../../main/services/sandbox/kernel-launcher';
import { figure, median, percentile, summary } from './lib';
import { executeTimes } from './kernel-times';

const warmStarts = 7;
const coldStarts = 3;
const iterations = 200;
const warmup = 20;
const readyGoalMs = 1500;
const ratioGoal = 1.2;

/** Times `count` sandboxed starts (each shut down after); `between` runs before each start. */
async function startTimes(service: KernelService, notebookPath: string, count: number, between: () => Promise<void>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    await between();
    const started = performance.now();
    const kernel = await service.start({ notebookPath, specName: 'sandbox:base' });
    times.push(performance.now() - started);
    await service.shutdown(kernel.id);
  }
  return times;
}

async function main(): Promise<void> {
  const docker = new DockerClient(process.env);
  await docker.require();
  await ensureBaseImage(docker.docker, { resourcesDir: defaultResourcesDir() });
  const base = await realpath(await mkdtemp(path.join(os.tmpdir(), 'orrery-bench-sbk-')));
  const projectDir = path.join(base, 'project');
  await mkdir(projectDir, { recursive: true });
  const core = createCore({ host: 'cli', env: process.env, userHome: path.join(base, 'orrery'), allowedRoots: [base], logger: silentLogger });
  await core.services.projects.create({ path: projectDir });
  const notebookPath = path.join(projectDir, 'bench.ipynb');
  const make = (launcher: SandboxKernels) =>
    new KernelService({ ...core.services.kernels.deps, sandboxKernels: launcher });
  const cold = make(sandboxKernelsFor(core.services.sandbox, silentLogger, { poolSize: 0 }));
  const pooledLauncher = sandboxKernelsFor(core.services.sandbox, silentLogger);
  const pooled = make(pooledLauncher);
  try {
    const coldTimes = await startTimes(cold, notebookPath, coldStarts, async () => undefined);
    // The first pooled start is cold and fills the pool; then each start takes a ready container.
    await startTimes(pooled, notebookPath, 1, async () => undefined);
    const warmTimes = await startTimes(pooled, notebookPath, warmStarts, async () => {
      await pooledLauncher.warm();
      await new Promise((resolve) => setTimeout(resolve, 3000));
    });

    const sandboxed = await pooled.start({ notebookPath, specName: 'sandbox:base' });
    const local = await pooled.start({ notebookPath: path.join(projectDir, 'local.ipynb') });
    await executeTimes(pooled, core.bus, sandboxed.id, warmup);
    await executeTimes(pooled, core.bus, local.id, warmup);
    const sandboxRoundTrips = await executeTimes(pooled, core.bus, sandboxed.id, iterations);
    const localRoundTrips = await executeTimes(pooled, core.bus, local.id, iterations);
    const ratio = median(sandboxRoundTrips) / median(localRoundTrips);

    console.log(`sandbox-kernel: kernel.start → kernel_info answered (${warmStarts} pooled starts, ${coldStarts} cold), '1+1' round trips (${iterations} each after ${warmup})`);
    figure('ready, pooled: median', median(warmTimes), 'ms');
    figure('ready, pooled: max', Math.max(...warmTimes), 'ms');
    figure('ready, cold (no pool): median', median(coldTimes), 'ms');
    figure(`ready goal (pooled median <= ${readyGoalMs} ms)`, median(warmTimes) <= readyGoalMs ? 'met' : 'MISSED');
    figure('execute 1+1, sandboxed kernel: median', median(sandboxRoundTrips), 'ms');
    figure('execute 1+1, sandboxed kernel: p90', percentile(sandboxRoundTrips, 90), 'ms');
    figure('execute 1+1, local kernel: median', median(localRoundTrips), 'ms');
    figure('execute 1+1, local kernel: p90', percentile(localRoundTrips, 90), 'ms');
    figure(`ratio sandboxed / local (goal <= ${ratioGoal})`, ratio);
    summary('sandbox-kernel', {
      ready_ms: median(warmTimes),
      ready_cold_ms: median(coldTimes),
      exec_ms: median(sandboxRoundTrips),
      local_exec_ms: median(localRoundTrips),
      ratio,
    });
  } finally {
    await pooled.dispose();
    await cold.dispose();
    await core.dispose();
    await rm(base, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
