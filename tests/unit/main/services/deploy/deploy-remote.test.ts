import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as tar from 'tar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { activateCommand, packageCommand, remoteLayout, remoteModelName, unpackCommand } from '../../../../../main/services/deploy/deploy-remote';

/** The device-side commands of a deploy, run with the real POSIX sh on a temp folder (what sshd would run). */

const run = promisify(execFile);
let root = '';

async function sh(command: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('sh', ['-c', command]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** A tar.gz with one top folder, like an edge package, in incoming/; answers its sha256. */
async function incomingPackage(name: string, text: string): Promise<string> {
  const staging = path.join(root, 'staging', name);
  await mkdir(path.join(staging, 'pkg-v1', 'bin'), { recursive: true });
  await writeFile(path.join(staging, 'pkg-v1', 'model.txt'), text);
  await writeFile(path.join(staging, 'pkg-v1', 'bin', 'run'), '#!/bin/sh\necho "$1 of $(cat "$(dirname "$0")/../model.txt")"\n');
  const file = path.join(root, 'm', 'incoming', name);
  await tar.c({ gzip: true, file, cwd: staging }, ['pkg-v1']);
  return createHash('sha256').update(await readFile(file)).digest('hex');
}

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'orrery-remote-'));
  const layout = remoteLayout(root, 'm');
  await mkdir(layout.incoming, { recursive: true });
  await mkdir(layout.versions, { recursive: true });
});
afterEach(() => rm(root, { recursive: true, force: true }));

describe('deploy commands on the device', () => {
  it('lays a model out under the root, with a safe folder name', () => {
    expect(remoteLayout('/srv/models/', 'iris')).toEqual({ modelRoot: '/srv/models/iris', incoming: '/srv/models/iris/incoming', versions: '/srv/models/iris/versions', current: '/srv/models/iris/current' });
    expect(remoteModelName("../we ird'name")).toBe("we-ird-name");
  });

  it('unpacks a package whose SHA-256 matches into <folder>.partial, then activates it atomically', async () => {
    const layout = remoteLayout(root, 'm');
    const sha = await incomingPackage('a.tar.gz', 'one');
    expect((await sh(unpackCommand(layout, 'a.tar.gz', 'pkg-v1.dep_a', sha))).code).toBe(0);
    expect(await readdir(layout.versions)).toEqual(['pkg-v1.dep_a.partial']);
    expect(await readdir(layout.incoming)).toEqual([]);
    expect((await sh(packageCommand(`${layout.versions}/pkg-v1.dep_a.partial`, 'verify'))).stdout).toBe('verify of one\n');
    expect((await sh(activateCommand(layout, 'pkg-v1.dep_a', true))).code).toBe(0);
    expect(await readlink(layout.current)).toBe('versions/pkg-v1.dep_a');
    expect((await sh(`sh ${layout.current}/bin/run self-test`)).stdout).toBe('self-test of one\n');
    // The next version replaces the link in one rename; rolling back names an existing folder.
    const second = await incomingPackage('b.tar.gz', 'two');
    await sh(unpackCommand(layout, 'b.tar.gz', 'pkg-v1.dep_b', second));
    await sh(activateCommand(layout, 'pkg-v1.dep_b', true));
    expect(await readlink(layout.current)).toBe('versions/pkg-v1.dep_b');
    expect((await sh(activateCommand(layout, 'pkg-v1.dep_a', false))).code).toBe(0);
    expect(await readlink(layout.current)).toBe('versions/pkg-v1.dep_a');
    expect((await sh(activateCommand(layout, 'pkg-v1.dep_gone', false))).code).not.toBe(0);
    expect(await readlink(layout.current)).toBe('versions/pkg-v1.dep_a');
  });

  it('refuses a copy whose SHA-256 differs (damaged on the way) and unpacks nothing', async () => {
    const layout = remoteLayout(root, 'm');
    await incomingPackage('a.tar.gz', 'one');
    const result = await sh(unpackCommand(layout, 'a.tar.gz', 'pkg-v1.dep_a', 'f'.repeat(64)));
    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(/damaged on the way/);
    expect(await readdir(layout.versions)).toEqual([]);
  });

  it('quotes paths, so a root with spaces and quotes works', async () => {
    const odd = path.join(root, "it's a root");
    const layout = remoteLayout(odd, 'm');
    await mkdir(layout.versions, { recursive: true });
    await mkdir(path.join(layout.versions, 'v.dep_x.partial'));
    expect((await sh(activateCommand(layout, 'v.dep_x', true))).code).toBe(0);
    expect(await readlink(layout.current)).toBe('versions/v.dep_x');
  });
});
