// RayBackend against tests/ray-server (a local server following Ray's documented Jobs REST API: Ray itself cannot
// be installed here). Real uploads, real subprocesses, real status transitions, stop and logs.
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOrreryError } from '../../app/contract';
import { silentLogger } from '../../main/core/logger';
import type { BackendHandle, BackendStatus, BackendSubmission, ClusterProfile } from '../../main/services/jobs/backend';
import { RayBackend } from '../../main/services/clusters/ray/ray-backend';
import { closedPort, startRayServer, type RayServer } from '../ray-server/start-ray-server';

const pythonDir = path.resolve(__dirname, '..', '..', 'resources', 'python');
const python = '/usr/bin/python3';

let server: RayServer;
let project: string;

beforeAll(async () => {
  server = await startRayServer({ numCpus: 4 });
  project = await realpath(await mkdtemp(path.join(os.tmpdir(), 'orrery-ray-project-')));
  // The SDK records into a folder holding .orrery/project.db; the backend test needs no more of a project.
  await mkdir(path.join(project, '.orrery'), { recursive: true });
  await writeFile(path.join(project, '.orrery', 'project.db'), '');
});

afterAll(async () => {
  await server?.stop();
  if (project) await rm(project, { recursive: true, force: true });
});

function profile(overrides: Partial<ClusterProfile> = {}): ClusterProfile {
  return { id: 'clu_test', name: 'ray-test', kind: 'ray', address: server.address, defaults: {}, ...overrides };
}

function backend(secret: string | null = null, overrides: Partial<ClusterProfile> = {}): RayBackend {
  return new RayBackend(profile(overrides), secret, { pythonDir, logger: silentLogger, requestTimeoutMs: 5000 });
}

let counter = 0;
async function submission(body: string, extra: Partial<BackendSubmission> = {}): Promise<BackendSubmission> {
  counter += 1;
  const script = path.join(project, `job${counter}.py`);
  await writeFile(script, body);
  const runId = `run${counter}${Date.now()}`;
  return {
    jobId: `job_${counter}_${Date.now()}`,
    runId,
    name: `job${counter}`,
    script,
    args: [],
    cwd: project,
    python,
    env: { ORRERY_PROJECT: project, ORRERY_RUN_ID: runId, ORRERY_JOB_ID: `job_${counter}`, PATH: '/should/not/travel' },
    resources: {},
    ...extra,
  };
}

async function until(ray: RayBackend, handle: BackendHandle, done: (status: BackendStatus) => boolean, timeoutMs = 20_000): Promise<BackendStatus[]> {
  const seen: BackendStatus[] = [];
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const status = await ray.status(handle);
    seen.push(status);
    if (done(status)) return seen;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no such state in ${timeoutMs} ms; last: ${JSON.stringify(seen.at(-1))}`);
}

const ended = (status: BackendStatus) => ['succeeded', 'failed', 'cancelled', 'lost'].includes(status.state);

describe('RayBackend against the Jobs API', () => {
  it('uploads the folder with the SDK, runs the script, records its metrics and reads its logs', async () => {
    const ray = backend();
    const job = await submission(
      [
        'import os, orrery',
        'run = orrery.init(params={"lr": 0.1})',
        'for step in range(5):',
        '    run.log({"loss": 1.0 / (step + 1)}, step=step)',
        'run.finish()',
        'print("trained", os.environ.get("PATH") == "/should/not/travel", "é")',
      ].join('\n'),
    );
    const handle = await ray.submit(job);
    expect(handle).toEqual({ backend: 'ray', externalId: `orrery-${job.jobId}`, clusterId: 'clu_test' });
    const seen = await until(ray, handle, ended);
    const last = seen.at(-1)!;
    expect(last).toMatchObject({ state: 'succeeded', engineState: 'SUCCEEDED', exitCode: 0 });
    expect(last.startedAt).toBeGreaterThan(0);
    expect(last.endedAt).toBeGreaterThanOrEqual(last.startedAt!);
    const logs = await ray.logs(handle, 'stdout', 0);
    expect(logs.text).toContain('trained False é');
    expect(logs.nextOffset).toBe(Buffer.byteLength(logs.text));
    expect(await ray.logs(handle, 'stdout', logs.nextOffset)).toEqual({ text: '', nextOffset: logs.nextOffset });
    expect(await ray.logs(handle, 'stderr', 0)).toEqual({ text: '', nextOffset: 0 });
    const runFiles = await readdir(path.join(project, '.orrery', 'tracking', job.runId));
    const spool = await Promise.all(runFiles.map((file) => readFile(path.join(project, '.orrery', 'tracking', job.runId, file), 'utf8')));
    expect(spool.join('\n')).toContain('loss');
  });

  it('ships the run back through the driver log when the worker does not share the project folder', async () => {
    const ray = backend();
    const job = await submission(
      ['import orrery', 'run = orrery.init(params={"lr": 0.2})', 'for step in range(300):', '    run.log({"loss": 1.0 / (step + 1), "acc": step / 300}, step=step)', 'run.finish()', 'print("remote done")'].join('\n'),
    );
    // A path that does not exist "on the cluster": the SDK records into the working dir and the driver ships it.
    const remote = { ...job, env: { ...job.env, ORRERY_PROJECT: '/nonexistent/orrery-project' } };
    const handle = await ray.submit(remote);
    const local = await mkdtemp(path.join(os.tmpdir(), 'orrery-ray-run-'));
    try {
      await until(ray, handle, ended);
      await ray.syncRun(handle, job.runId, local);
      await ray.syncRun(handle, job.runId, local);
      const files = await readdir(local);
      expect(files.some((file) => file.startsWith('events.'))).toBe(true);
      const events = await readFile(path.join(local, files.find((file) => file.startsWith('events.'))!), 'utf8');
      expect(events.split('\n').filter(Boolean).every((line) => JSON.parse(line) !== null)).toBe(true);
      expect(await readFile(path.join(local, 'run.json'), 'utf8')).toContain('"lr": 0.2');
      const remoteFolder = path.join(server.dir, 'jobs', handle.externalId, 'working_dir', '.orrery-remote', '.orrery', 'tracking', job.runId);
      for (const file of files) expect(await readFile(path.join(local, file))).toEqual(await readFile(path.join(remoteFolder, file)));
      const logs = await ray.logs(handle, 'stdout', 0);
      expect(logs.text).toBe('remote done\n');
      expect(logs.nextOffset).toBeGreaterThan(Buffer.byteLength(logs.text));
    } finally {
      await rm(local, { recursive: true, force: true });
    }
  });

  it('uploads an unchanged folder once', async () => {
    const ray = backend();
    const before = await readdir(path.join(server.dir, 'packages'));
    const job = await submission('print(1)');
    const second = { ...job, jobId: `${job.jobId}b` };
    await until(ray, await ray.submit(job), ended);
    const afterFirst = await readdir(path.join(server.dir, 'packages'));
    await until(ray, await ray.submit(second), ended);
    expect(afterFirst.length).toBe(before.length + 1);
    expect(await readdir(path.join(server.dir, 'packages'))).toHaveLength(afterFirst.length);
  });

  it('maps a failing entrypoint to failed with its exit code and Ray message', async () => {
    const ray = backend();
    const handle = await ray.submit(await submission('import sys\nprint("boom")\nsys.exit(3)'));
    const last = (await until(ray, handle, ended)).at(-1)!;
    expect(last.state).toBe('failed');
    expect(last.exitCode).toBe(3);
    expect(last.reason).toContain('exit code 3');
  });

  it('stops a running job: cancelled, with the output written before', async () => {
    const ray = backend();
    const handle = await ray.submit(await submission('import time\nprint("started", flush=True)\ntime.sleep(60)'));
    await until(ray, handle, (status) => status.state === 'running');
    await until(ray, handle, () => true);
    for (let i = 0; i < 50 && !(await ray.logs(handle, 'stdout', 0)).text.includes('started'); i++) await new Promise((r) => setTimeout(r, 100));
    await ray.cancel(handle);
    const last = (await until(ray, handle, ended)).at(-1)!;
    expect(last).toMatchObject({ state: 'cancelled', engineState: 'STOPPED' });
    expect((await ray.logs(handle, 'stdout', 0)).text).toContain('started');
  });

  it('keeps a job queued while the cluster lacks its partition resource, and cancels it there', async () => {
    const ray = backend(null, { defaults: { partition: 'a100' } });
    const handle = await ray.submit(await submission('print("never")'));
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect((await ray.status(handle)).state).toBe('queued');
    await ray.cancel(handle);
    expect((await until(ray, handle, ended)).at(-1)!.state).toBe('cancelled');
  });

  it('fans a sweep out as one Ray job per trial, each with its run, job, variables and arguments', async () => {
    const ray = backend();
    const job = await submission('import os, sys\nprint("trial", os.environ["ORRERY_TRIAL"], os.environ["ORRERY_RUN_ID"], os.environ["ORRERY_JOB_ID"], os.environ["ORRERY_PARAMS"], *sys.argv[1:])');
    const runIds = ['sweep-a', 'sweep-b', 'sweep-c'];
    const jobIds = ['job_ta', 'job_tb', 'job_tc'];
    const taskEnv = runIds.map((_, index) => ({ ORRERY_PARAMS: JSON.stringify({ lr: index / 10 }) }));
    const taskArgs = runIds.map((_, index) => ['--lr', String(index / 10)]);
    const submitted = await ray.submit({ ...job, array: { count: 3, runIds, jobIds, taskEnv, taskArgs } });
    expect(submitted.tasks?.map((task) => task.externalId)).toEqual([0, 1, 2].map((index) => `${submitted.externalId}_${index}`));
    const last = (await until(ray, submitted, ended)).at(-1)!;
    expect(last.state).toBe('succeeded');
    expect(last.engineState).toContain('3/3 succeeded');
    for (const [index, task] of (submitted.tasks ?? []).entries()) {
      expect((await ray.logs(task, 'stdout', 0)).text).toContain(`trial ${index} ${runIds[index]} ${jobIds[index]} {"lr":${index / 10}} --lr ${index / 10}`);
    }
    expect(await ray.logs(submitted, 'stdout', 0)).toEqual({ text: '', nextOffset: 0 });
    const many = await ray.statusMany([submitted, ...(submitted.tasks ?? []), { backend: 'ray', externalId: 'orrery-nothing' }]);
    expect([...many.values()].map((status) => status.state)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded', 'lost']);
  });

  it('does not start a second job when a submit is repeated (a lost answer retried)', async () => {
    const ray = backend();
    const job = await submission('print("once")');
    const first = await ray.submit(job);
    const again = await ray.submit(job);
    expect(again).toEqual(first);
    await until(ray, first, ended);
    const listed = (await (await fetch(`${server.address}/api/jobs/`)).json()) as { submission_id: string }[];
    expect(listed.filter((entry) => entry.submission_id === first.externalId)).toHaveLength(1);
  });

  it('answers lost for a job the cluster does not know', async () => {
    const status = await backend().status({ backend: 'ray', externalId: 'orrery-job_gone' });
    expect(status).toMatchObject({ state: 'lost' });
  });

  it('refuses a script outside the uploaded folder', async () => {
    const job = await submission('print(1)');
    await expect(backend().submit({ ...job, script: '/usr/lib/python3/dist-packages/x.py' })).rejects.toMatchObject({ code: 'invalid_input' });
  });
});

describe('RayBackend reaching the cluster', () => {
  it('says clearly when the address does not answer', async () => {
    const down = `http://127.0.0.1:${await closedPort()}`;
    const ray = backend(null, { address: down });
    const error = await ray.submit(await submission('print(1)')).catch((caught: unknown) => caught);
    expect(isOrreryError(error) && error.code).toBe('unavailable');
    expect((error as Error).message).toContain(`Cannot reach the Ray Jobs API at ${down} (ECONNREFUSED)`);
  });

  it('sends the token as a bearer token, and a wrong one is refused', async () => {
    const guarded = await startRayServer({ token: 's3cret-token' });
    try {
      const job = await submission('print("authorized")');
      const wrong = new RayBackend(profile({ address: guarded.address }), 'wrong', { pythonDir, logger: silentLogger });
      await expect(wrong.submit(job)).rejects.toMatchObject({ code: 'unauthorized' });
      const right = new RayBackend(profile({ address: guarded.address }), 's3cret-token', { pythonDir, logger: silentLogger });
      const handle = await right.submit(job);
      expect((await until(right, handle, ended)).at(-1)!.state).toBe('succeeded');
      expect(await right.version()).toEqual({ version: '3', rayVersion: '0.0.0+orrery-test-server' });
    } finally {
      await guarded.stop();
    }
  });
});
