import { chmod, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** Prefix of the output folders; the pid in it lets a later Orrery remove what a crashed one left. */
const prefix = 'orrery-sbx-';

/**
 * A fresh output folder for one container: `<tmp>/orrery-sbx-<pid>-XXXX/output`. The outer folder is private
 * (0700) so other host users cannot reach it; the inner one is 0777 so the container user (nobody, when
 * Orrery runs as root) can write. A bind mount does not need its parents to be traversable.
 */
export async function makeOutputDir(): Promise<string> {
  const base = await mkdtemp(path.join(os.tmpdir(), `${prefix}${process.pid}-`));
  const output = path.join(base, 'output');
  await mkdir(output);
  await chmod(output, 0o777);
  return output;
}

/** Removes an output folder made by `makeOutputDir` with its private parent. */
export async function removeOutputDir(output: string): Promise<void> {
  await rm(path.dirname(output), { recursive: true, force: true });
}

/** True when the folder holds anything (then the container must be dead before collecting). */
export async function hasEntries(dir: string): Promise<boolean> {
  return (await readdir(dir).catch(() => [])).length > 0;
}

/** Removes output folders of Orrery processes that are gone (left by a crash); answers how many. */
export async function sweepOutputDirs(alive: (pid: number) => boolean, tmp = os.tmpdir()): Promise<number> {
  let removed = 0;
  for (const name of await readdir(tmp).catch(() => [] as string[])) {
    const owner = new RegExp(`^${prefix}(\\d+)-`).exec(name);
    if (!owner || alive(Number(owner[1]))) continue;
    await rm(path.join(tmp, name), { recursive: true, force: true });
    removed += 1;
  }
  return removed;
}
