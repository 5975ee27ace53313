// The snapshot's fallback when hard links are refused (another filesystem, or a filesystem without them): files
// are copied, and a restore still brings back exactly what there was.
import { mkdir, mkdtemp, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  const refuse = async () => {
    throw Object.assign(new Error('EXDEV: cross-device link not permitted'), { code: 'EXDEV' });
  };
  return { ...actual, default: { ...actual, link: refuse }, link: refuse };
});

const { takeSnapshot } = await import('../../../../../main/services/envs/snapshot');

let prefix: string;
const site = () => path.join(prefix, 'lib', 'site-packages');

beforeEach(async () => {
  prefix = await mkdtemp(path.join(os.tmpdir(), 'orrery-snapshot-copy-'));
  await mkdir(path.join(site(), 'pkg'), { recursive: true });
  await writeFile(path.join(site(), 'pkg', '__init__.py'), 'v = 1\n');
});
afterEach(async () => {
  await rm(prefix, { recursive: true, force: true });
});

describe('env snapshot without hard links', () => {
  it('copies the files and restores them', async () => {
    const snapshot = await takeSnapshot(prefix, [site()]);
    expect(snapshot).toMatchObject({ mode: 'copy', files: 1 });
    // A copy, not a link: writing into the file in place (not what pip does, but a copy must survive it) is undone too.
    await writeFile(path.join(site(), 'pkg', '__init__.py'), 'v = 2\n');
    await unlink(path.join(site(), 'pkg', '__init__.py'));
    await mkdir(path.join(site(), 'added'));
    await snapshot.restore();
    expect(await readFile(path.join(site(), 'pkg', '__init__.py'), 'utf8')).toBe('v = 1\n');
    expect(await readdir(site())).toEqual(['pkg']);
    expect(await readdir(prefix)).toEqual(['lib']);
  });
});
