import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPathInRoots, isInside, resolveAllowedRoots, resolveProjectsDir, resolveUserHome } from '../../../../main/core/paths';

let base: string;
let root: string;
let outside: string;

beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'orrery-paths-'));
  root = path.join(base, 'root');
  outside = path.join(base, 'outside');
  await mkdir(path.join(root, 'inside'), { recursive: true });
  await mkdir(outside, { recursive: true });
  await symlink(outside, path.join(root, 'escape'));
});
afterAll(() => rm(base, { recursive: true, force: true }));

describe('paths', () => {
  it('resolves ORRERY_HOME first, then the OS user-data folder', () => {
    expect(resolveUserHome({ ORRERY_HOME: '/x/y' }, 'linux')).toBe('/x/y');
    expect(resolveUserHome({ XDG_CONFIG_HOME: '/cfg' }, 'linux')).toBe('/cfg/Orrery');
    expect(resolveUserHome({}, 'darwin')).toBe(path.join(os.homedir(), 'Library', 'Application Support', 'Orrery'));
    expect(resolveProjectsDir({ ORRERY_HOME: '/h' })).toBe('/h/projects');
    expect(resolveProjectsDir({ ORRERY_PROJECTS_DIR: '/p', ORRERY_HOME: '/h' })).toBe('/p');
    expect(resolveAllowedRoots({ ORRERY_ROOTS: ['/a', '/b', '/a'].join(path.delimiter) })).toEqual(['/a', '/b']);
  });

  it('isInside compares whole path segments', () => {
    expect(isInside('/a/b', '/a/b')).toBe(true);
    expect(isInside('/a/b', '/a/b/c')).toBe(true);
    expect(isInside('/a/b', '/a/bc')).toBe(false);
    expect(isInside('/a/b', '/a')).toBe(false);
  });

  it('accepts paths inside a root, existing or not', async () => {
    expect(await checkPathInRoots(path.join(root, 'inside'), [root])).toBe(path.join(await realRoot(), 'inside'));
    expect(await checkPathInRoots(path.join(root, 'new', 'deeper'), [root])).toBe(path.join(await realRoot(), 'new', 'deeper'));
  });

  it('refuses paths outside the roots, through .. or through a symlink', async () => {
    for (const candidate of [outside, path.join(root, '..', 'outside'), path.join(root, 'escape'), path.join(root, 'escape', 'x')]) {
      await expect(checkPathInRoots(candidate, [root])).rejects.toMatchObject({ code: 'path_outside_root' });
    }
  });

  it('refuses relative paths and NUL bytes with invalid_input', async () => {
    await expect(checkPathInRoots('relative/dir', [root])).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(checkPathInRoots(`${root}/a\u0000b`, [root])).rejects.toMatchObject({ code: 'invalid_input' });
  });
});

async function realRoot(): Promise<string> {
  const { realpath } = await import('node:fs/promises');
  return realpath(root);
}
