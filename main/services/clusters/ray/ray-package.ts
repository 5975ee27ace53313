import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import AdmZip from 'adm-zip';
import { OrreryError } from '../../../../app/contract/errors';
import { driverFileName, driverSource } from './ray-spool';

/** Folders never uploaded: Orrery's store, VCS data, local envs and caches (Ray's own client skips the same kinds). */
const skippedFolders = new Set(['.orrery', '.git', '.hg', '.svn', '.venv', 'venv', 'env', 'node_modules', '__pycache__', '.mypy_cache', '.pytest_cache', '.ipynb_checkpoints']);

/** Where the Orrery SDK goes inside the package; the entrypoint puts it on PYTHONPATH. */
export const sdkFolderInPackage = '_orrery_sdk';

/** Ray refuses larger working_dir packages (GCS limit); we refuse first, with the reason. */
export const maxPackageBytes = 100 * 1024 * 1024;

/** A zipped working_dir and its content-addressed URI (`gcs://_ray_pkg_<sha1>.zip`, as Ray names its own). */
export interface RayPackage {
  readonly uri: string;
  readonly zip: Buffer;
  readonly files: number;
}

/**
 * Zips the job's folder (without .orrery, .git, venvs and caches) with the SDK and the driver (ray-spool.ts) under
 * `_orrery_sdk/`. The URI is
 * a hash of the paths and contents, so an unchanged folder is uploaded once and later jobs reuse it.
 */
export async function buildRayPackage(folder: string, sdkDir: string): Promise<RayPackage> {
  const driver = Buffer.from(driverSource, 'utf8');
  const entries: PackageEntry[] = [
    ...(await collect(folder, '')),
    ...(await collect(sdkDir, `${sdkFolderInPackage}/${path.basename(sdkDir)}`)),
    { name: `${sdkFolderInPackage}/${driverFileName}`, file: null, data: driver, size: driver.length, mode: 0o644 },
  ];
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // Sizes from stat first: a folder with a dataset in it is refused before anything is read.
  const total = entries.reduce((sum, entry) => sum + entry.size, 0);
  if (total > maxPackageBytes) {
    const largest = [...entries].sort((a, b) => b.size - a.size).slice(0, 3).map((entry) => `${entry.name} (${Math.round(entry.size / 1024 / 1024)} MiB)`);
    throw new OrreryError(
      'too_large',
      `The job's folder holds ${Math.round(total / 1024 / 1024)} MiB, over Ray's ${maxPackageBytes / 1024 / 1024} MiB working_dir limit (largest: ${largest.join(', ')}); move data out of it and read it from shared storage on the cluster.`,
    );
  }
  const hash = createHash('sha1');
  const zip = new AdmZip();
  for (const entry of entries) {
    const data = entry.data ?? (await readFile(entry.file ?? ''));
    hash.update(`${entry.name}\0${data.length}\0`).update(data);
    zip.addFile(entry.name, data, '', entry.mode);
  }
  return { uri: `gcs://_ray_pkg_${hash.digest('hex')}.zip`, zip: await zip.toBufferPromise(), files: entries.length };
}

interface PackageEntry {
  readonly name: string;
  /** Read from disk when zipped, or given as `data` (the driver). */
  readonly file: string | null;
  readonly data?: Buffer;
  readonly size: number;
  readonly mode: number;
}

/** Every regular file under `root` (symlinks and skipped folders left out), named with `/` under `prefix`. */
async function collect(root: string, prefix: string): Promise<PackageEntry[]> {
  const out: PackageEntry[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const dirent of await readdir(dir, { withFileTypes: true })) {
      const name = rel ? `${rel}/${dirent.name}` : dirent.name;
      const full = path.join(dir, dirent.name);
      if (dirent.isDirectory()) {
        if (!skippedFolders.has(dirent.name)) await walk(full, name);
      } else if (dirent.isFile() && !dirent.name.endsWith('.pyc')) {
        const info = await stat(full);
        out.push({ name: prefix ? `${prefix}/${name}` : name, file: full, size: info.size, mode: info.mode & 0o777 });
      }
    }
  };
  await walk(root, '');
  return out;
}
