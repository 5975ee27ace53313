import { copyFile, link, lstat, mkdir, readdir, readlink, rename, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { newId } from '../../../app/lib/ids';

/** A snapshot of an env's package folders, taken before pip runs and restored when it fails. */
export interface EnvSnapshot {
  /** Restores every folder exactly as it was (what pip added is removed, what it removed comes back). */
  restore(): Promise<void>;
  /** Forgets the snapshot (pip succeeded). */
  discard(): Promise<void>;
  /** How the files were kept: hard links (cheap), or copies (another filesystem, or links refused). */
  readonly mode: 'link' | 'copy';
  readonly files: number;
}

/**
 * Mirrors `from` into `to`: folders made, symlinks recreated, files hard-linked (pip replaces files rather than
 * writing into them, so a link keeps the old content) or copied when links fail. Returns the file count.
 */
async function mirror(from: string, to: string, state: { mode: 'link' | 'copy'; files: number }): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) await mirror(source, target, state);
    else if (entry.isSymbolicLink()) await symlink(await readlink(source), target);
    else if (entry.isFile()) {
      state.files++;
      if (state.mode === 'link') {
        try {
          await link(source, target);
          continue;
        } catch {
          state.mode = 'copy';
        }
      }
      await copyFile(source, target);
    }
  }
}

async function isDir(dir: string): Promise<boolean> {
  try {
    return (await lstat(dir)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Snapshots `dirs` (site-packages, bin, share, include, etc) into a hidden folder inside the env's prefix, so links
 * stay on one filesystem. Folders outside the prefix are left out (they are not the env's to restore). The names at
 * the top of the prefix are noted too: a wheel's data files may make a folder of their own there, which a restore
 * removes.
 */
export async function takeSnapshot(prefix: string, dirs: readonly string[]): Promise<EnvSnapshot> {
  const root = path.join(prefix, `.orrery-snapshot-${newId('s', 8)}`);
  const topLevel = new Set(await readdir(prefix));
  const inside = [...new Set(dirs)].filter((dir) => dir.startsWith(prefix + path.sep));
  // Nested folders (bin inside a site-packages?) would be mirrored twice; keep the outermost.
  const outer = inside.filter((dir) => !inside.some((other) => other !== dir && dir.startsWith(other + path.sep)));
  const state = { mode: 'link' as 'link' | 'copy', files: 0 };
  const kept: { dir: string; copy: string; existed: boolean }[] = [];
  try {
    for (const [index, dir] of outer.entries()) {
      const copy = path.join(root, String(index));
      const existed = await isDir(dir);
      if (existed) await mirror(dir, copy, state);
      kept.push({ dir, copy, existed });
    }
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
  return {
    mode: state.mode,
    files: state.files,
    async restore() {
      for (const { dir, copy, existed } of kept) {
        await rm(dir, { recursive: true, force: true });
        if (existed) await rename(copy, dir);
      }
      await rm(root, { recursive: true, force: true });
      for (const name of await readdir(prefix)) {
        if (!topLevel.has(name) && !name.startsWith('.orrery-snapshot-')) await rm(path.join(prefix, name), { recursive: true, force: true });
      }
    },
    async discard() {
      await rm(root, { recursive: true, force: true });
    },
  };
}
