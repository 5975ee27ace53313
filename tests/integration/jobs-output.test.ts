// Heavy output and GPUs: 1 GiB written by a job stays bounded on disk and reaches the bus as a bounded stream of
// job.log events; GPU jobs get CUDA_VISIBLE_DEVICES and per-GPU metrics from nvidia-smi (a stand-in script
// printing a recorded A100 answer, since these machines have no GPU).
import { chmod, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseMetricFrames, readFrom } from '../../main/services/tracking/spool-reader';
import { ended, failure, jobWorld, type JobWorld } from './jobs-harness';

let world: JobWorld | null = null;
const scratch: string[] = [];

afterEach(async () => {
  await world?.dispose();
  world = null;
  for (const dir of scratch.splice(0)) await rm(dir, { recursive: true, force: true });
});

const fixture = path.resolve(__dirname, '..', 'fixtures', 'nvidia-smi', 'a100-sxm4-80gb-x4.csv');

/** Keys of the frames of a metrics file, read by the tracking service's own parser. */
async function frameKeys(file: string): Promise<Set<string>> {
  return new Set(parseMetricFrames(await readFrom(file, 0, Number.MAX_SAFE_INTEGER), 0).frames.map((frame) => frame.key));
}

/** A folder holding an `nvidia-smi` that prints the recorded A100 fixture; put it first on the job's PATH. */
async function fakeNvidiaSmi(name: string): Promise<string> {
  const bin = path.join(os.tmpdir(), `orrery-${name}-${process.pid}`);
  await mkdir(bin, { recursive: true });
  scratch.push(bin);
  await writeFile(path.join(bin, 'nvidia-smi'), `#!/bin/sh\ncat ${JSON.stringify(fixture)}\n`);
  await chmod(path.join(bin, 'nvidia-smi'), 0o755);
  return bin;
}

async function sizeOrZero(file: string): Promise<number> {
  return (await stat(file).catch(() => null))?.size ?? 0;
}

describe('job output and GPUs', () => {
  it('keeps 1 GiB of output bounded on disk and the job.log stream bounded', async () => {
    const cap = 8 * 1024 * 1024;
    world = await jobWorld({ logCapBytes: cap });
    const script = await world.script(
      'loud.py',
      'import sys\nblock = (b"x" * 1023 + b"\\n") * 1024\nfor _ in range(1024):\n    sys.stdout.buffer.write(block)\nprint("the end")\n',
    );
    const started = Date.now();
    const job = await world.core.services.jobs.submit({ script, args: [] });
    const done = await ended(world, job);
    const seconds = (Date.now() - started) / 1000;
    expect(done.state).toBe('succeeded');
    const folder = path.join(world.projectDir, '.orrery', 'jobs', job.id);
    const onDisk = (await sizeOrZero(path.join(folder, 'stdout.log'))) + (await sizeOrZero(path.join(folder, 'stdout.log.1')));
    // The cap, plus at most the one write (1 MiB here) that was in the kernel when the job was paused to rotate.
    expect(onDisk).toBeLessThanOrEqual(cap + 1024 * 1024);
    const tail = await world.core.services.jobs.logs({ id: job.id, stream: 'stdout', offset: 0, limit: 64 });
    expect(tail.offset).toBe(tail.firstOffset);
    expect(tail.size).toBeLessThanOrEqual(1024 * 1024 * 1024 + 8);
    expect(tail.size).toBeGreaterThan(512 * 1024 * 1024);
    const last = await world.core.services.jobs.logs({ id: job.id, stream: 'stdout', offset: tail.size - 8 });
    expect(last.text).toBe('the end\n');

    const logs = world.events('job.log').filter((e) => e.jobId === job.id);
    const carried = logs.reduce((sum, e) => sum + Buffer.byteLength(e.text), 0);
    expect(logs.every((e) => Buffer.byteLength(e.text) <= 16 * 1024)).toBe(true);
    expect(carried).toBeLessThan(64 * 1024 * 1024);
    // At most one batch per stream per 100 ms tick (+ the final drain).
    expect(logs.length).toBeLessThanOrEqual(2 * (Math.ceil(seconds * 10) + 2));
    expect(logs.at(-1)!.text.endsWith('the end\n')).toBe(true);
    expect(logs.some((e) => e.skipped > 0)).toBe(true);
  });

  it('gives a GPU job CUDA_VISIBLE_DEVICES and records its GPUs from nvidia-smi', async () => {
    const bin = await fakeNvidiaSmi('fake-smi');
    world = await jobWorld({ extraPath: bin });
    const jobs = world.core.services.jobs;
    const script = await world.script('gpu.py', 'import os, time\nprint(os.environ.get("CUDA_VISIBLE_DEVICES"), os.environ.get("CUDA_DEVICE_ORDER"))\ntime.sleep(0.8)\n');
    const job = await jobs.submit({ script, args: [], gpus: [1, 2] });
    const done = await ended(world, job);
    expect(done).toMatchObject({ state: 'succeeded', gpus: [1, 2] });
    expect((await jobs.logs({ id: job.id, stream: 'stdout' })).text).toBe('1,2 PCI_BUS_ID\n');
    const keys = await frameKeys(path.join(world.projectDir, '.orrery', 'tracking', job.runId, `metrics.job-${job.id}.bin`));
    for (const key of ['sys/gpu1/util', 'sys/gpu1/mem_used_mb', 'sys/gpu1/temp_c', 'sys/gpu1/power_w', 'sys/gpu2/power_w', 'sys/rss_mb']) expect(keys).toContain(key);
    expect(keys.has('sys/gpu0/util')).toBe(false);

    const plain = await ended(world, await jobs.submit({ script, args: [] }));
    expect((await jobs.logs({ id: plain.id, stream: 'stdout' })).text).toBe('None None\n');
    const error = await failure(jobs.submit({ script, args: [], gpus: [7] }));
    expect(error).toMatchObject({ code: 'invalid_input' });
    expect(error.message).toContain('No GPU 7');
  });

  it('lets a job asking for busy GPUs wait while one on other GPUs starts', async () => {
    const bin = await fakeNvidiaSmi('fake-smi2');
    world = await jobWorld({ extraPath: bin });
    const jobs = world.core.services.jobs;
    jobs.setConcurrency(3);
    const script = await world.script('nap.py', 'import time; time.sleep(0.8)\n');
    const a = await jobs.submit({ script, args: [], gpus: [0] });
    const b = await jobs.submit({ script, args: [], gpus: [0, 1] });
    const c = await jobs.submit({ script, args: [], gpus: [2] });
    const [doneA, doneB, doneC] = await Promise.all([ended(world, a), ended(world, b), ended(world, c)]);
    expect(doneB.startedAt!).toBeGreaterThanOrEqual(doneA.endedAt!);
    expect(doneC.startedAt!).toBeLessThan(doneA.endedAt!);
  });
});
