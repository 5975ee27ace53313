// `npm run bench -- jobs`: what the job queue adds around a Python script, against the bare script in the same run.
//  - start: `print(1)` submitted until its job has ended (logs stored, finish event written, run ingested), median
//    of 5, against `python3 -u -c 'print(1)'` spawned and awaited; the env lock (`pip freeze`) is shown on its own.
//  - log latency: a script prints its clock every 100 ms; the delay until the job.log event carrying the line
//    reaches the bus (median and p95 of 40 lines).
//  - output: 1 GiB written in 1 MiB blocks, as a job (log files capped at 64 MB, tailed) against the same script
//    writing to a plain file; the largest size of the job's log files seen (sampled every 20 ms).
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, realpath, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createCore, type Core } from '../../main/core/core';
import { anyId } from '../../main/core/event-bus';
import { silentLogger } from '../../main/core/logger';
import { figure, median, percentile, repoRoot, summary } from './lib';

const python = '/usr/bin/python3';
const mib = 1024 * 1024;
const loud = 'import sys\nblock = (b"x" * 1023 + b"\\n") * 1024\nfor _ in range(1024):\n    sys.stdout.buffer.write(block)\n';

function runBare(args: readonly string[], stdoutFile?: string): Promise<number> {
  const started = performance.now();
  const out = stdoutFile ? openSync(stdoutFile, 'w') : 'ignore';
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-u', ...args], { stdio: ['ignore', out, 'ignore'] });
    child.once('error', reject);
    child.once('exit', () => {
      if (typeof out === 'number') closeSync(out);
      resolve(performance.now() - started);
    });
  });
}

async function sizeOr0(file: string): Promise<number> {
  return (await stat(file).catch(() => null))?.size ?? 0;
}

async function main(): Promise<void> {
  const base = await realpath(await mkdtemp(path.join(os.tmpdir(), 'orrery-bench-jobs-')));
  const project = path.join(base, 'project');
  await mkdir(path.join(base, 'home'), { recursive: true });
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: path.join(base, 'home'), LANG: 'C.UTF-8' };
  const core: Core = createCore({ host: 'cli', env, userHome: path.join(base, 'orrery'), allowedRoots: [base], logger: silentLogger, resourcesDir: path.join(repoRoot, 'resources') });
  try {
    await core.services.projects.create({ path: project });
    const envInfo = await core.services.envs.register(python);
    await core.services.envs.setDefault(envInfo.id);
    const jobs = core.services.jobs;
    const script = async (name: string, body: string) => {
      const file = path.join(project, name);
      await writeFile(file, body);
      return file;
    };

    // Start to end.
    const hello = await script('hello.py', 'print(1)\n');
    const bare: number[] = [];
    const whole: number[] = [];
    const locks: number[] = [];
    for (let i = 0; i < 5; i++) {
      bare.push(await runBare(['-c', 'print(1)']));
      const t0 = performance.now();
      await jobs.waitForEnd((await jobs.submit({ script: hello, args: [] })).id);
      whole.push(performance.now() - t0);
      const t1 = performance.now();
      await core.services.envs.lock(envInfo.id, 'bench');
      locks.push(performance.now() - t1);
    }
    figure('bare python3 print(1)', median(bare), 'ms');
    figure('job print(1), submit → ended', median(whole), 'ms');
    figure('  of which the env lock (pip freeze)', median(locks), 'ms');

    // Log latency.
    const ticker = await script('ticker.py', 'import time\nfor i in range(40):\n    print(f"{time.time()*1000:.3f}")\n    time.sleep(0.1)\n');
    const delays: number[] = [];
    const tickJob = await jobs.submit({ script: ticker, args: [] });
    const stop = core.bus.subscribe('job.log', tickJob.id, (event) => {
      const now = Date.now();
      for (const line of event.payload.text.split('\n')) if (line) delays.push(now - Number(line));
    });
    await jobs.waitForEnd(tickJob.id);
    stop();
    figure('print → job.log event, median', median(delays), 'ms');
    figure('print → job.log event, p95', percentile(delays, 95), 'ms');

    // 1 GiB of output.
    const loudFile = await script('loud.py', loud);
    const bareLoud = await runBare([loudFile], path.join(base, 'bare.log'));
    await rm(path.join(base, 'bare.log'), { force: true });
    let peak = 0;
    const t2 = performance.now();
    const loudJob = await jobs.submit({ script: loudFile, args: [] });
    const folder = path.join(project, '.orrery', 'jobs', loudJob.id);
    let done = false;
    const sampler = (async () => {
      while (!done) {
        const now = (await sizeOr0(path.join(folder, 'stdout.log'))) + (await sizeOr0(path.join(folder, 'stdout.log.1')));
        peak = Math.max(peak, now);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    let events = 0;
    let carried = 0;
    const stopLoud = core.bus.subscribe('job.log', anyId, (event) => {
      events++;
      carried += Buffer.byteLength(event.payload.text);
    });
    await jobs.waitForEnd(loudJob.id);
    const jobLoud = performance.now() - t2;
    done = true;
    await sampler;
    stopLoud();
    figure('1 GiB to a file, bare', bareLoud / 1000, 's');
    figure('1 GiB as a job (capped, tailed, stored)', jobLoud / 1000, 's');
    figure('largest stdout on disk during the job', peak / mib, 'MiB');
    figure('job.log events / bytes carried', `${events} / ${(carried / mib).toFixed(2)} MiB`);
    summary('jobs', {
      bare_ms: median(bare),
      job_ms: median(whole),
      lock_ms: median(locks),
      log_latency_ms: median(delays),
      log_latency_p95_ms: percentile(delays, 95),
      gib_bare_s: bareLoud / 1000,
      gib_job_s: jobLoud / 1000,
      peak_log_mib: peak / mib,
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
