// The job queue with real Python processes: logs, run.json and the finish event; a missing script; a crash at
// import; cancel of a whole tree (SIGKILL after the grace when SIGTERM is ignored); the concurrency limit;
// retry and resume from the last checkpoint.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ended, failure, jobEvents, jobWorld, until, type JobWorld } from './jobs-harness';

let world: JobWorld | null = null;

afterEach(async () => {
  await world?.dispose();
  world = null;
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('job service', () => {
  it('runs a script to success with its logs, run.json, system metrics and finish event', async () => {
    world = await jobWorld();
    const script = await world.script(
      'train.py',
      'import os, sys, time, orrery\nprint("hello", os.environ["ORRERY_RUN_ID"], os.environ["ORRERY_JOB_ID"])\nprint("to stderr", file=sys.stderr)\ntime.sleep(0.8)\nprint("done")\n',
    );
    const job = await world.core.services.jobs.submit({ script, args: [] });
    expect(job.state).toBe('queued');
    const done = await ended(world, job);
    expect(done.state).toBe('succeeded');
    expect(done.exitCode).toBe(0);
    const out = await world.core.services.jobs.logs({ id: job.id, stream: 'stdout' });
    expect(out.text).toBe(`hello ${job.runId} ${job.id}\ndone\n`);
    expect(out.nextOffset).toBe(out.size);
    expect((await world.core.services.jobs.logs({ id: job.id, stream: 'stderr' })).text).toBe('to stderr\n');

    const runJson = JSON.parse(await readFile(path.join(world.projectDir, '.orrery', 'tracking', job.runId, 'run.json'), 'utf8')) as Record<string, unknown>;
    expect(runJson).toMatchObject({ version: 1, id: job.runId, source: 'job', job_id: job.id, git_commit: null, name: 'train.py' });
    expect(runJson.env_lock_id).toBe(done.envLockId);
    expect(typeof runJson.env_lock_id).toBe('string');

    const events = await jobEvents(world, job);
    expect(events.filter((e) => e.t === 'artifact').map((e) => [e.name, e.kind])).toEqual([['stdout.log', 'log'], ['stderr.log', 'log']]);
    expect(events.at(-1)).toMatchObject({ t: 'finish', status: 'finished', exit_code: 0 });
    const stdoutArtifact = events.find((e) => e.name === 'stdout.log')!;
    const blob = world.core.services.projects.requireCurrent().artifacts.blobPath(stdoutArtifact.sha256 as string);
    expect(await readFile(blob, 'utf8')).toBe(out.text);

    const metrics = await readFile(path.join(world.projectDir, '.orrery', 'tracking', job.runId, `metrics.job-${job.id}.bin`));
    expect(metrics.subarray(0, 8).toString('latin1')).toBe('ORRMET1\n');
    expect(metrics.includes(Buffer.from('sys/rss_mb'))).toBe(true);
    // The run was ingested before the end was announced: the tracking service knows it whole.
    const run = world.core.services.tracking.get(job.runId);
    expect(run.status).toBe('finished');
    expect(run.lineage).toEqual({ jobId: job.id, gitCommit: null, envLockId: done.envLockId });
    expect(run.keys.map((key) => key.key)).toContain('sys/rss_mb');
    expect(run.artifacts.filter((artifact) => artifact.kind === 'log').map((artifact) => artifact.name).sort()).toEqual(['stderr.log', 'stdout.log']);
    const states = world.events('job.changed').filter((e) => e.job.id === job.id).map((e) => e.job.state);
    expect(states[0]).toBe('queued');
    expect(states).toContain('running');
    expect(states.at(-1)).toBe('succeeded');
  });

  it('runs in an env that cannot be locked, recording why as a warning', async () => {
    world = await jobWorld();
    const venv = path.join(world.base, 'bare-venv');
    execFileSync('/usr/bin/python3', ['-m', 'venv', '--without-pip', venv], { stdio: 'ignore' });
    const env = await world.core.services.envs.register(venv);
    const script = await world.script('where.py', 'import sys\nprint(sys.prefix)\n');
    const done = await ended(world, await world.core.services.jobs.submit({ script, args: [], envId: env.id }));
    expect(done.state).toBe('succeeded');
    expect(done.envLockId).toBeNull();
    expect(done.error).toContain('The environment could not be locked');
    expect((await world.core.services.jobs.logs({ id: done.id, stream: 'stdout' })).text).toBe(`${venv}\n`);
    const events = await jobEvents(world, done);
    expect(events[0]).toMatchObject({ t: 'warning' });
    expect(String(events[0]!.message)).toContain('could not be locked');
  });

  it('refuses a script that does not exist at submit', async () => {
    world = await jobWorld();
    const error = await failure(world.core.services.jobs.submit({ script: path.join(world.projectDir, 'nope.py'), args: [] }));
    expect(error.code).toBe('not_found');
    expect(error.message).toContain('nope.py does not exist');
    expect(world.core.services.jobs.list(undefined)).toEqual([]);
  });

  it('fails a script that crashes at import and keeps its stderr', async () => {
    world = await jobWorld();
    const script = await world.script('broken.py', 'import not_a_module_anywhere\n');
    const done = await ended(world, await world.core.services.jobs.submit({ script, args: [] }));
    expect(done.state).toBe('failed');
    expect(done.exitCode).toBe(1);
    expect(done.error).toContain("ModuleNotFoundError: No module named 'not_a_module_anywhere'");
    const err = await world.core.services.jobs.logs({ id: done.id, stream: 'stderr' });
    expect(err.text).toContain('Traceback (most recent call last)');
    expect((await jobEvents(world, done)).at(-1)).toMatchObject({ t: 'finish', status: 'failed', exit_code: 1 });
  });

  it('cancel kills the whole tree, with SIGKILL after the grace when SIGTERM is ignored', async () => {
    world = await jobWorld({ graceMs: 700 });
    const pidsFile = path.join(world.base, 'pids.txt');
    const script = await world.script(
      'stubborn.py',
      [
        'import os, signal, subprocess, sys, time',
        'signal.signal(signal.SIGTERM, signal.SIG_IGN)',
        'child = subprocess.Popen([sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"])',
        `open(${JSON.stringify(pidsFile)}, "w").write(f"{os.getpid()} {child.pid}")`,
        'print("ready", flush=True)',
        'time.sleep(600)',
      ].join('\n'),
    );
    const job = await world.core.services.jobs.submit({ script, args: [] });
    await until(() => existsSync(pidsFile) && world!.events('job.log').some((e) => e.jobId === job.id && e.text.includes('ready')), 'the tree to start');
    const pids = (await readFile(pidsFile, 'utf8')).split(' ').map(Number);
    expect(pids.every(alive)).toBe(true);
    const cancelled = await world.core.services.jobs.cancel(job.id);
    expect(cancelled.state).toBe('cancelled');
    expect(pids.some(alive)).toBe(false);
    expect((await jobEvents(world, job)).at(-1)).toMatchObject({ t: 'finish', status: 'killed' });
  });

  it('queues jobs beyond the concurrency limit and starts them in order', async () => {
    world = await jobWorld();
    const jobs = world.core.services.jobs;
    expect(jobs.concurrency()).toEqual({ limit: 1 });
    const script = await world.script('nap.py', 'import time; time.sleep(0.5)\n');
    const first = await jobs.submit({ script, args: [] });
    const second = await jobs.submit({ script, args: [] });
    await until(() => jobs.get(first.id).state === 'running', 'the first job to start');
    expect(jobs.get(second.id).state).toBe('queued');
    const doneSecond = await ended(world, second);
    const doneFirst = jobs.get(first.id);
    expect(doneFirst.state).toBe('succeeded');
    expect(doneSecond.startedAt!).toBeGreaterThanOrEqual(doneFirst.endedAt!);

    jobs.setConcurrency(2);
    const a = await jobs.submit({ script, args: [] });
    const b = await jobs.submit({ script, args: [] });
    await until(() => jobs.get(a.id).state !== 'queued' && jobs.get(b.id).state !== 'queued', 'both to start');
    await Promise.all([ended(world, a), ended(world, b)]);
    expect(jobs.get(b.id).startedAt!).toBeLessThan(jobs.get(a.id).endedAt!);
  });

  it('retries as a new run and resumes in the same run from its last checkpoint', async () => {
    world = await jobWorld();
    const jobs = world.core.services.jobs;
    const script = await world.script(
      'ckpt.py',
      [
        'import os, sys, orrery',
        'run = orrery.init()',
        'resume = os.environ.get("ORRERY_RESUME")',
        'if resume:',
        '    print("resumed from", open(resume).read())',
        '    sys.exit(0)',
        'for step in (1, 2):',
        '    with open("state.bin", "w") as f: f.write(f"step {step}")',
        '    run.save_checkpoint("state.bin", step=step)',
        'sys.exit(3)',
      ].join('\n'),
    );
    const first = await ended(world, await jobs.submit({ script, args: [] }));
    expect(first.state).toBe('failed');
    expect(first.exitCode).toBe(3);

    const retried = await jobs.retry(first.id);
    expect(retried).toMatchObject({ retryOf: first.id, attempt: 2, resumeFrom: null });
    expect(retried.runId).not.toBe(first.runId);
    await ended(world, retried);

    const resumed = await jobs.resume(first.id);
    expect(resumed).toMatchObject({ retryOf: first.id, attempt: 2, runId: first.runId, resumeFrom: first.runId });
    expect(resumed.resumePath).toMatch(/\.orrery\/artifacts\/sha256\/[0-9a-f]{2}\/[0-9a-f]{62}$/);
    const done = await ended(world, resumed);
    expect(done.state).toBe('succeeded');
    expect((await jobs.logs({ id: done.id, stream: 'stdout' })).text).toBe('resumed from step 2\n');
  });

  it('refuses to resume a run that saved no checkpoint', async () => {
    world = await jobWorld();
    const script = await world.script('plain.py', 'print(1)\n');
    const done = await ended(world, await world.core.services.jobs.submit({ script, args: [] }));
    const error = await failure(world.core.services.jobs.resume(done.id));
    expect(error.code).toBe('not_found');
    expect(error.message).toContain('saved no checkpoint');
  });
});
