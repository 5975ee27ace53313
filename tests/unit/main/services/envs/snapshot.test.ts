// The hard-link snapshot pip runs under: restore brings back exactly the files, links and folders there were.
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, unlink, writeFile, readlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { takeSnapshot } from '../../../../../main/services/envs/snapshot';

let prefix: string;
const site = () => path.join(prefix, 'lib', 'site-packages');
const bin = () => path.join(prefix, 'bin');

beforeEach(async () => {
  prefix = await mkdtemp(path.join(os.tmpdir(), 'orrery-snapshot-'));
  await mkdir(path.join(site(), 'pkg'), { recursive: true });
  await mkdir(bin());
  await writeFile(path.join(site(), 'pkg', '__init__.py'), 'v = 1\n');
  await writeFile(path.join(bin(), 'tool'), '#!/bin/sh\n');
  await symlink('/usr/bin/python3', path.join(bin(), 'python'));
});
afterEach(async () => {
  await rm(prefix, { recursive: true, force: true });
});

describe('env snapshot', () => {
  it('restores replaced, removed and added files and links, and leaves no snapshot folder', async () => {
    const snapshot = await takeSnapshot(prefix, [site(), bin(), '/usr/lib/outside']);
    expect(snapshot).toMatchObject({ mode: 'link', files: 2 });
    // What pip does: replace a file (unlink + write), remove one, add a package and a script.
    await unlink(path.join(site(), 'pkg', '__init__.py'));
    await writeFile(path.join(site(), 'pkg', '__init__.py'), 'v = 2\n');
    await unlink(path.join(bin(), 'tool'));
    await mkdir(path.join(site(), 'newpkg'));
    await writeFile(path.join(site(), 'newpkg', 'x.py'), '');
    await snapshot.restore();
    expect(await readFile(path.join(site(), 'pkg', '__init__.py'), 'utf8')).toBe('v = 1\n');
    expect(await readFile(path.join(bin(), 'tool'), 'utf8')).toBe('#!/bin/sh\n');
    expect(await readlink(path.join(bin(), 'python'))).toBe('/usr/bin/python3');
    expect(await readdir(site())).toEqual(['pkg']);
    expect((await readdir(prefix)).sort()).toEqual(['bin', 'lib']);
  });

  it('removes what was added at the top of the prefix (a wheel\'s data files in a folder of their own)', async () => {
    const snapshot = await takeSnapshot(prefix, [site(), bin(), path.join(prefix, 'share')]);
    await mkdir(path.join(prefix, 'share', 'pkgdata'), { recursive: true });
    await writeFile(path.join(prefix, 'share', 'pkgdata', 'x.txt'), 'data');
    await mkdir(path.join(prefix, 'toplevel'));
    await writeFile(path.join(prefix, 'pyvenv.cfg.bak'), '');
    await snapshot.restore();
    expect((await readdir(prefix)).sort()).toEqual(['bin', 'lib']);
  });

  it('discards without touching the env, and snapshots a folder that did not exist yet', async () => {
    const scripts = path.join(prefix, 'Scripts');
    const snapshot = await takeSnapshot(prefix, [site(), scripts]);
    await mkdir(scripts);
    await writeFile(path.join(scripts, 'new'), '');
    await snapshot.restore();
    await expect(stat(scripts)).rejects.toThrow();
    const again = await takeSnapshot(prefix, [site()]);
    await writeFile(path.join(site(), 'kept.py'), '');
    await again.discard();
    expect((await readdir(site())).sort()).toEqual(['kept.py', 'pkg']);
    expect((await readdir(prefix)).sort()).toEqual(['bin', 'lib']);
  });
});
