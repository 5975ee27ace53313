// The sandbox job backend (JobBackend on hardened containers) and the project image built from a lock of
// local wheels, against the real Docker daemon. No PyPI here: the lock names a wheel made by this test.
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackendHandle, BackendStatus, JobBackend } from '../../main/services/jobs/backend';
import { runFolder } from '../../main/services/jobs/job-spool';
import { DockerClient } from '../../main/services/sandbox/docker';
import { insertLock } from '../../main/services/envs/locks';
import { projectImageTag } from '../../main/services/sandbox/project-image';
import { baseImageForTests, call, dockerForTests, ownContainers, sandboxWorld, type SandboxWorld } from '../fixtures/docker/docker';

const docker = await dockerForTests();

async function waitForEnd(backend: JobBackend, handle: BackendHandle, timeoutMs = 60_000): Promise<BackendStatus> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const status = await backend.status(handle);
    if (status.state !== 'running' && status.state !== 'queued') return status;
    if (Date.now() > until) throw new Error(`job still ${status.state} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A minimal pure-Python wheel (PEP 427: the module, METADATA, WHEEL, RECORD), made with the standard library. */
function makeWheel(dir: string): void {
  const script = [
    'import sys, zipfile',
    'name, version = "orrerydemo", "1.0"',
    'dist = f"{name}-{version}.dist-info"',
    'files = {f"{name}.py": "ANSWER = 42\\n", f"{dist}/METADATA": f"Metadata-Version: 2.1\\nName: {name}\\nVersion: {version}\\n",',
    '         f"{dist}/WHEEL": "Wheel-Version: 1.0\\nGenerator: orrery-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"}',
    'with zipfile.ZipFile(sys.argv[1] + f"/{name}-{version}-py3-none-any.whl", "w") as z:',
    '    for path, text in files.items(): z.writestr(path, text)',
    '    z.writestr(f"{dist}/RECORD", "".join(f"{p},,\\n" for p in list(files) + [f"{dist}/RECORD"]))',
  ].join('\n');
  execFileSync('python3', ['-c', script, dir]);
}

describe.skipIf(!docker.ok)('sandbox jobs and project images (real Docker)', () => {
  let world: SandboxWorld;
  let backend: JobBackend;

  beforeAll(async () => {
    await baseImageForTests();
    world = await sandboxWorld({ poolSize: 0 });
    backend = world.core.services.sandbox.jobBackend();
  }, 900_000);

  afterAll(async () => {
    const id = world?.core.services.projects.current()?.id;
    await world?.dispose();
    if (id) await (await new DockerClient(process.env).require()).getImage(projectImageTag(id)).remove({ force: true }).catch(() => undefined);
    expect(await ownContainers()).toEqual([]);
  });

  const submission = (jobId: string, script: string, resources = {}) => ({
    jobId,
    runId: `run${jobId}`,
    name: jobId,
    script,
    args: ['a b'],
    cwd: world.projectDir,
    python: '/usr/bin/python3',
    env: { ORRERY_RUN_ID: `run${jobId}`, ORRERY_JOB_ID: jobId, PATH: '/host/only' },
    resources,
  });

  it('runs a job in a hardened container: project read-only, run folder writable, logs and status from Docker', async () => {
    const script = path.join(world.projectDir, 'train.py');
    await writeFile(
      script,
      [
        'import os, sys',
        'print("args", sys.argv[1:], "uid", os.getuid(), "run", os.environ["ORRERY_RUN_ID"], "path", os.environ.get("PATH"))',
        'print("warn", file=sys.stderr)',
        'open(os.path.join("/project/.orrery/tracking", os.environ["ORRERY_RUN_ID"], "note.txt"), "w").write("from the job")',
        'try:',
        '    open("/project/evil.txt", "w")',
        'except OSError as e:',
        '    print("project read-only", e.errno)',
      ].join('\n'),
    );
    const handle = await backend.submit(submission('job1', 'train.py'));
    expect(handle.backend).toBe('sandbox');
    const status = await waitForEnd(backend, handle);
    expect(status).toMatchObject({ state: 'succeeded', exitCode: 0 });
    const out = await backend.logs(handle, 'stdout', 0);
    expect(out.text).toContain("args ['a b'] uid 65534 run runjob1");
    expect(out.text).not.toContain('/host/only');
    expect(out.text).toContain('project read-only 30');
    expect((await backend.logs(handle, 'stderr', 0)).text).toBe('warn\n');
    expect((await backend.logs(handle, 'stdout', out.nextOffset)).text).toBe('');
    expect(await readFile(path.join(runFolder(world.projectDir, 'runjob1'), 'note.txt'), 'utf8')).toBe('from the job');
    // Its end and logs were archived and the container removed; status stays answerable.
    expect(await ownContainers()).toEqual([]);
    expect(await backend.status(handle)).toMatchObject({ state: 'succeeded' });
  }, 90_000);

  it('reports a failing job, an out-of-memory job, and a cancelled one', async () => {
    await writeFile(path.join(world.projectDir, 'fail.py'), 'raise SystemExit(4)\n');
    await writeFile(path.join(world.projectDir, 'hog.py'), 'b = b"x" * (512 * 1024 * 1024)\n');
    await writeFile(path.join(world.projectDir, 'slow.py'), 'import time\nprint("started", flush=True)\ntime.sleep(60)\n');
    const failed = await waitForEnd(backend, await backend.submit(submission('job2', 'fail.py')));
    expect(failed).toMatchObject({ state: 'failed', exitCode: 4 });
    const oom = await waitForEnd(backend, await backend.submit(submission('job3', 'hog.py', { memoryMb: 128 })));
    expect(oom).toMatchObject({ state: 'failed', engineState: 'OOM_KILLED' });
    const slow = await backend.submit(submission('job4', 'slow.py'));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await backend.cancel(slow);
    expect(await waitForEnd(backend, slow)).toMatchObject({ state: 'cancelled' });
  }, 120_000);

  it('refuses a script outside the project and GPUs without an nvidia runtime', async () => {
    await expect(backend.submit(submission('job5', '/etc/passwd'))).rejects.toMatchObject({ code: 'path_outside_root' });
    await expect(backend.submit(submission('job6', 'fail.py', { gpus: 1 }))).rejects.toMatchObject({ code: 'unavailable', message: expect.stringContaining('nvidia runtime') });
  });

  it('builds the project image from a lock of local wheels (offline) and runs in it by default', async () => {
    const wheels = path.join(world.base, 'wheels');
    await mkdir(wheels);
    makeWheel(wheels);
    const open = world.core.services.projects.requireCurrent();
    const lock = insertLock(open.db, { envId: 'env_test', envName: 'test', format: 'pip', pythonVersion: '3.11.2', note: null, content: 'orrerydemo==1.0\n', now: Date.now() });
    const progress: string[] = [];
    const stop = world.core.bus.subscribe('task.progress', 'task_img', ({ payload }) => progress.push(payload.message));
    const built = await call(world, 'sandbox.buildImage', { target: 'project', lockId: lock.id, wheelsDir: wheels, taskId: 'task_img' });
    stop();
    expect(built.tag).toBe(projectImageTag(open.project.id));
    expect(progress.some((message) => /^Step \d+\/\d+/.test(message))).toBe(true);
    const images = await call(world, 'sandbox.images', {});
    expect(images.find((image) => image.tags.includes(built.tag))?.orrery).toBe('project');
    const result = await call(world, 'sandbox.exec', { command: ['python3', '-c', 'import orrerydemo; print(orrerydemo.ANSWER)'] });
    expect(result.session.image).toBe(built.tag);
    expect(result.stdout).toBe('42\n');
  }, 300_000);
});
