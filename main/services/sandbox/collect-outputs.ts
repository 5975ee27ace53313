import { constants } from 'node:fs';
import { lstat, open, readdir, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { ArtifactStore } from '../store/artifact-store';

/** A file collected from the output folder. */
export interface CollectedFile {
  readonly path: string;
  readonly hash: string;
  readonly size: number;
}

/** Something left out, and why. */
export interface SkippedEntry {
  readonly path: string;
  readonly reason: string;
}

/** Limits that keep a hostile output folder from exhausting the host. */
export interface CollectLimits {
  readonly maxFiles: number;
  readonly maxBytes: number;
}

/** Default collection limits: 10,000 files and 4 GiB. */
export const defaultCollectLimits: CollectLimits = { maxFiles: 10_000, maxBytes: 4 * 1024 * 1024 * 1024 };

/**
 * Stores the regular files under `outputDir` as content-addressed artifacts. Everything is examined with
 * lstat and opened with O_NOFOLLOW, so a symbolic link (say /output/x → /etc/shadow or ../../home) is never
 * followed: it is reported as skipped with where it points. Runs after the container is gone, so nothing
 * inside can swap a file for a link between the check and the read.
 */
export async function collectOutputs(
  store: ArtifactStore,
  outputDir: string,
  limits: CollectLimits = defaultCollectLimits,
): Promise<{ files: CollectedFile[]; skipped: SkippedEntry[] }> {
  const files: CollectedFile[] = [];
  const skipped: SkippedEntry[] = [];
  let bytes = 0;
  const root = await realpath(outputDir);
  const walk = async (dir: string): Promise<void> => {
    const names = (await readdir(dir)).sort();
    for (const name of names) {
      const full = path.join(dir, name);
      const relative = path.relative(root, full);
      const info = await lstat(full);
      if (info.isSymbolicLink()) {
        skipped.push({ path: relative, reason: `symbolic link to ${await readlink(full).catch(() => '?')} (not followed)` });
      } else if (info.isDirectory()) {
        await walk(full);
      } else if (!info.isFile()) {
        skipped.push({ path: relative, reason: 'not a regular file' });
      } else if (files.length >= limits.maxFiles || bytes + info.size > limits.maxBytes) {
        skipped.push({ path: relative, reason: `over the collection limit (${limits.maxFiles} files, ${limits.maxBytes} bytes)` });
      } else {
        const handle = await open(full, constants.O_RDONLY | constants.O_NOFOLLOW);
        const put = await store.put(handle.createReadStream()).finally(() => handle.close().catch(() => undefined));
        bytes += put.size;
        files.push({ path: relative, hash: put.hash, size: put.size });
      }
    }
  };
  await walk(root);
  return { files, skipped };
}
