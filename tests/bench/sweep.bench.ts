// `npm run bench -- sweep`: 100 trials of a trivial tracked script, as one Slurm array on the loopback cluster
// against 100 local jobs (the local queue at 2 at a time, this machine's cores): both must complete with every
// trial tracked (a finished run with its params and its metric); prints the wall time of each.
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Core } from '../../main/core/core';
import { figure, summary } from './lib';
import { benchWorld } from './slurm-world';

const trials = 100;
const trialScript = 'import json, os, orrery\nparams = json.loads(os.environ["ORRERY_PARAMS"])\nrun = orrery.init()\nrun.log({"score": params["x"] * 2}, step=0)\nrun.finish()\n';
const spec = (extra: string) => `script: trial.py\nparams:\n  x: [${Array.from({ length: trials }, (_, i) => i).join(', ')}]\nmetric: score\ngoal: maximize\n${extra}`;

/** Every trial succeeded and its run is finished with its params and metric; answers how many are tracked. */
function tracked(core: Core, sweepId: string): number {
  let ok = 0;
  for (const trial of core.services.jobs.sweepTrials(sweepId)) {
    const run = core.services.tracking.get(trial.runId);
    if (trial.state === 'succeeded' && run.status === 'finished' && run.params.x === trial.params.x && trial.metric === (trial.params.x as number) * 2) ok++;
  }
  return ok;
}

async function sweepTime(core: Core, text: string): Promise<{ ms: number; sweepId: string }> {
  const t0 = performance.now();
  const { sweep, jobs } = await core.services.jobs.sweep({ spec: text });
  await Promise.all(jobs.map((job) => core.services.jobs.waitForEnd(job.id)));
  return { ms: performance.now() - t0, sweepId: sweep.id };
}

async function main(): Promise<void> {
  const world = await benchWorld('sweep');
  try {
    await world.script('trial.py', trialScript);
    const cores = Math.max(1, os.cpus().length);
    world.core.services.jobs.setConcurrency(cores);
    const slurm = await sweepTime(world.core, spec('cluster: loop\nresources:\n  memoryMb: 100\n'));
    const slurmTracked = tracked(world.core, slurm.sweepId);
    const local = await sweepTime(world.core, spec(''));
    const localTracked = tracked(world.core, local.sweepId);
    figure(`${trials} trials as one Slurm array`, slurm.ms, 'ms');
    figure('  trials tracked (run, params, metric)', `${slurmTracked}/${trials}`);
    figure(`${trials} trials as local jobs (${cores} at a time)`, local.ms, 'ms');
    figure('  trials tracked (run, params, metric)', `${localTracked}/${trials}`);
    figure('ratio (Slurm array / local)', slurm.ms / local.ms);
    const complete = slurmTracked === trials && localTracked === trials;
    summary('sweep', { slurm_ms: slurm.ms, local_ms: local.ms, ratio: slurm.ms / local.ms, slurm_tracked: slurmTracked, local_tracked: localTracked, complete });
    if (!complete) process.exitCode = 1;
  } finally {
    await world.dispose();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
