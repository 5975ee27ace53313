// This machine as a job backend: a real detached Python process, its logs, its status from the exit file once it
// has ended, and cancel of its whole process group.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalBackend } from '../../../../../main/services/jobs/local-backend';

let dir: string | null = null;

afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = null;
});

async function setup(body: string): Promise<{ backend: LocalBackend; script: string; folder: string }> {
  dir = await mkdtemp(path.join(os.tmpdir(), 'orrery-local-backend-'));
  const script = path.join(dir, 'job.py');
  await writeFile(script, body);
  const folder = path.join(dir, 'jobs', 'job_1');
  const backend = new LocalBackend({ graceMs: 500, logCapBytes: 1024 * 1024, folderOf: () => folder, onProcessError: () => undefined });
  return { backend, script, folder };
}

const submission = (script: string, cwd: string) => ({ jobId: 'job_1', runId: 'run_1', name: 'job.py', script, args: ['a'], cwd, python: '/usr/bin/python3', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, resources: {} });

describe('local backend', () => {
  it('runs a script detached, reads its logs, and reports its exit status', async () => {
    const { backend, script, folder } = await setup('import sys\nprint("out", sys.argv[1:])\nprint("err", file=sys.stderr)\nsys.exit(5)\n');
    const handle = await backend.submit(submission(script, dir!));
    expect(handle).toMatchObject({ backend: 'local', workDir: folder });
    expect(handle.externalId).toMatch(/^\d+:\d+$/);
    expect(await backend.exited(handle)).toEqual({ exitCode: 5, signal: null });
    expect(await backend.status(handle)).toEqual({ state: 'failed', exitCode: 5 });
    expect(await backend.logs(handle, 'stdout', 0)).toEqual({ text: "out ['a']\n", nextOffset: 10 });
    expect((await backend.logs(handle, 'stderr', 2)).text).toBe('r\n');
  });

  it('says running while the same process lives, and lost once cancel killed it without an exit status', async () => {
    const { backend, script } = await setup('import time\nprint("up", flush=True)\ntime.sleep(60)\n');
    const handle = await backend.submit(submission(script, dir!));
    expect((await backend.status(handle)).state).toBe('running');
    await backend.cancel(handle);
    await backend.exited(handle);
    expect(await backend.status(handle)).toMatchObject({ state: 'lost', exitCode: null });
    // A handle naming a pid that now belongs to another process (other start ticks) is not that job.
    const [pid] = handle.externalId.split(':');
    expect((await backend.status({ ...handle, externalId: `${process.pid}:1` })).state).not.toBe('running');
    expect(Number(pid)).toBeGreaterThan(0);
  });
});
