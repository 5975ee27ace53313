import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeOutputDir, removeOutputDir, sweepOutputDirs } from '../../../../../main/services/sandbox/scratch';

describe('output folders', () => {
  it('makes a writable output folder inside a private one, named with the pid', async () => {
    const output = await makeOutputDir();
    try {
      expect(path.basename(path.dirname(output))).toMatch(new RegExp(`^orrery-sbx-${process.pid}-`));
      expect((await stat(output)).mode & 0o777).toBe(0o777);
      expect((await stat(path.dirname(output))).mode & 0o777).toBe(0o700);
    } finally {
      await removeOutputDir(output);
    }
  });

  it('sweeps the folders of processes that are gone and keeps the live ones', async () => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'orrery-scratch-test-'));
    try {
      for (const name of ['orrery-sbx-111-aaaa', 'orrery-sbx-222-bbbb', 'other-333-cccc']) await mkdir(path.join(tmp, name, 'output'), { recursive: true });
      expect(await sweepOutputDirs((pid) => pid === 222, tmp)).toBe(1);
      expect((await readdir(tmp)).sort()).toEqual(['orrery-sbx-222-bbbb', 'other-333-cccc']);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });
});
