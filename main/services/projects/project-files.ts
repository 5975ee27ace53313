import { randomBytes } from 'node:crypto';
import { access, cp, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { OrreryError } from '../../../app/contract';

/** The folder inside a project that holds Orrery's own data. */
export const orreryDirName = '.orrery';

/** `<project>/.orrery/project.db`. */
export function projectDbPath(projectPath: string): string {
  return path.join(projectPath, orreryDirName, 'project.db');
}

/** `<project>/.orrery/artifacts`. */
export function artifactsRoot(projectPath: string): string {
  return path.join(projectPath, orreryDirName, 'artifacts');
}

/** True when the folder holds a project store. */
export async function hasProjectStore(projectPath: string): Promise<boolean> {
  try {
    await access(projectDbPath(projectPath));
    return true;
  } catch {
    return false;
  }
}

/** Keeps Orrery's data (and Python's caches) out of the user's version control. */
const sampleGitignore = '.orrery/\n__pycache__/\n';

const notWritableCodes = new Set(['EACCES', 'EPERM', 'EROFS']);

/**
 * Makes the project folder (if missing) and `.orrery/` in it, then proves the folder is writable by really
 * writing and removing a probe file: permission bits alone do not tell (ACLs, read-only mounts, root).
 */
export async function prepareProjectFolder(projectPath: string): Promise<void> {
  try {
    const info = await stat(projectPath).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    if (info && !info.isDirectory()) {
      throw new OrreryError('invalid_input', `path: ${projectPath} is a file, not a folder; choose a folder for the project.`);
    }
    await mkdir(path.join(projectPath, orreryDirName), { recursive: true });
    const probe = path.join(projectPath, orreryDirName, `.write-probe-${randomBytes(6).toString('hex')}`);
    await writeFile(probe, 'orrery', { flag: 'wx' });
    await rm(probe, { force: true });
  } catch (error) {
    throw asNotWritable(error, projectPath);
  }
}

/** Copies the sample project (notebooks, script, dataset) into a folder, keeping any file already there. */
export async function copySample(resourcesDir: string, projectPath: string): Promise<void> {
  const source = path.join(resourcesDir, 'sample-project');
  try {
    await cp(source, projectPath, { recursive: true, force: false, errorOnExist: false });
    // electron-builder leaves `.gitignore` files out of packages by default, so the copy may lack it.
    await writeFile(path.join(projectPath, '.gitignore'), sampleGitignore, { flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new OrreryError('not_found', `The sample project is missing from this installation (${source}); reinstall Orrery or create an empty project.`, { cause: error });
    }
    throw asNotWritable(error, projectPath);
  }
}

/** Turns a permission failure into `not_writable` with advice; anything else passes through. */
export function asNotWritable(error: unknown, projectPath: string): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (typeof code === 'string' && notWritableCodes.has(code)) {
    return new OrreryError(
      'not_writable',
      `Orrery cannot write to ${projectPath} (${code}). Choose a folder you own, or make this one writable, then try again.`,
      { cause: error },
    );
  }
  return error;
}
