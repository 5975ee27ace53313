import { appendFile, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JobLogs, logFile, rotatedFile } from '../../../../../main/services/jobs/job-logs';
import { LogTail, type LogBatch } from '../../../../../main/services/jobs/log-tail';

let dir: string | null = null;

afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = null;
});

describe('JobLogs', () => {
  it('rotates past half the cap, keeps logical offsets, and reads across the two generations', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'orrery-joblogs-'));
    const logs = new JobLogs(dir, 100);
    const fds = await logs.openForChild();
    await fds.close();
    await appendFile(logFile(dir, 'stdout'), 'a'.repeat(80));
    expect(await logs.rotateIfNeeded('stdout')).toBe(true);
    expect((await readFile(rotatedFile(dir, 'stdout'), 'utf8')).length).toBe(50);
    expect((await stat(logFile(dir, 'stdout'))).size).toBe(0);
    await appendFile(logFile(dir, 'stdout'), 'bbbb');
    expect(await logs.extent('stdout')).toEqual({ size: 84, firstOffset: 30, base: 80 });
    const early = await logs.read('stdout', 0, 10);
    expect(early.offset).toBe(30);
    expect(early.bytes.toString()).toBe('a'.repeat(10));
    expect((await logs.read('stdout', 78, 100)).bytes.toString()).toBe('aa');
    expect((await logs.read('stdout', 80, 100)).bytes.toString()).toBe('bbbb');
    expect(await logs.rotateIfNeeded('stdout')).toBe(false);
    // A second reader (another Orrery process) learns the offsets from rotation.json.
    expect(await new JobLogs(dir, 100).extent('stdout')).toEqual({ size: 84, firstOffset: 30, base: 80 });
  });

  it('tails in bounded batches and says how much it skipped', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'orrery-joblogs-'));
    const logs = new JobLogs(dir, 1024 * 1024);
    await (await logs.openForChild()).close();
    const batches: LogBatch[] = [];
    const tail = new LogTail(logs, (batch) => batches.push(batch), { intervalMs: 0, maxBatchBytes: 8 });
    await appendFile(logFile(dir, 'stdout'), 'hi\n');
    await tail.tick();
    await appendFile(logFile(dir, 'stdout'), '0123456789abcdef\n');
    await appendFile(logFile(dir, 'stderr'), 'é');
    await tail.tick();
    expect(batches).toEqual([
      { stream: 'stdout', text: 'hi\n', offset: 0, skipped: 0 },
      { stream: 'stdout', text: '9abcdef\n', offset: 12, skipped: 9 },
      { stream: 'stderr', text: 'é', offset: 0, skipped: 0 },
    ]);
    await tail.stop();
  });
});
