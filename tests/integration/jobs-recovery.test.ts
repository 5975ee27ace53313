// Jobs outlive Orrery: a job running when the core is disposed is re-adopted by the next core (its tail resumes,
// its exit status comes from the wrapper's exit file); one killed while no core was up is `lost`, logs kept.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ended, jobEvents, jobWorld, until, type JobWorld } from './jobs-harness';

let world: JobWorld | null = null;

afterEach(async () => {
  await world?.dispose();
  world = null;
});

describe('job restart survival', () => {
  it('re-adopts a job that still runs and learns its exit status', async () => {
    world = await jobWorld();
    const flag = path.join(world.base, 'go');
    const script = await world.script(
      'long.py',
      `import os, time\nprint("before", flush=True)\nwhile not os.path.exists(${JSON.stringify(flag)}): time.sleep(0.05)\nprint("after")\nraise SystemExit(4)\n`,
    );
    const job = await world.core.services.jobs.submit({ script, args: [] });
    await until(() => world!.events('job.log').some((e) => e.jobId === job.id && e.text.includes('before')), 'the first line');
    const pid = world.core.services.jobs.get(job.id).pid!;
    const core = await world.restart();
    expect(core.services.jobs.get(job.id)).toMatchObject({ state: 'running', pid });
    // The new core announces the job once it follows it; output from then on reaches its bus.
    await until(() => world!.events('job.changed').some((e) => e.job.id === job.id), 'the job to be re-adopted');
    await writeFile(flag, '');
    const done = await ended(world, job);
    expect(done).toMatchObject({ state: 'failed', exitCode: 4 });
    expect(world.events('job.log').filter((e) => e.jobId === job.id).map((e) => e.text).join('')).toBe('after\n');
    expect((await jobEvents(world, job)).at(-1)).toMatchObject({ t: 'finish', status: 'failed', exit_code: 4 });
  });

  it('marks a job killed while no Orrery ran as lost, with its logs stored', async () => {
    world = await jobWorld();
    const script = await world.script('forever.py', 'import time\nprint("working", flush=True)\ntime.sleep(600)\n');
    const job = await world.core.services.jobs.submit({ script, args: [] });
    await until(() => world!.events('job.log').some((e) => e.jobId === job.id && e.text.includes('working')), 'the job to print');
    const pid = world.core.services.jobs.get(job.id).pid!;
    await world.core.dispose();
    process.kill(-pid, 'SIGKILL');
    await until(() => {
      try {
        process.kill(-pid, 0);
        return false;
      } catch {
        return true;
      }
    }, 'the group to die');
    const core = await world.restart();
    const done = await core.services.jobs.waitForEnd(job.id);
    expect(done.state).toBe('lost');
    expect(done.error).toContain('no exit status');
    const events = await jobEvents(world, job);
    expect(events.filter((e) => e.t === 'artifact').map((e) => e.name)).toEqual(['stdout.log', 'stderr.log']);
    expect(events.at(-1)).toMatchObject({ t: 'finish', status: 'lost', exit_code: null });
    expect((await core.services.jobs.logs({ id: job.id, stream: 'stdout' })).text).toBe('working\n');
  });
});
