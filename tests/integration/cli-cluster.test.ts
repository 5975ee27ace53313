// `orrery cluster add|list|test|remove` as users run them (out/main/cli.cjs in a child process): the loopback Slurm
// cluster (scripts/slurm-cluster.sh) tested with sinfo, a Ray profile whose token comes from a variable and is
// stored encrypted, against the Ray Jobs API test server.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, realpath, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, startRayServer, type RayServer } from '../ray-server/start-ray-server';
import { bundledCli } from './cli-harness';

const token = 'cli-ray-token-5e1d';
let base: string;
let ray: RayServer;
let cli: string;

beforeAll(async () => {
  cli = bundledCli();
  base = await realpath(await mkdtemp(path.join(os.tmpdir(), 'orrery-clicluster-')));
  await mkdir(path.join(base, 'home'));
  ray = await startRayServer({ token });
}, 300_000);

afterAll(async () => {
  await ray?.stop();
  if (base) await rm(base, { recursive: true, force: true });
});

function orrery(...args: string[]) {
  const env = { PATH: process.env.PATH, HOME: base, LANG: 'C.UTF-8', ORRERY_HOME: path.join(base, 'home'), ORRERY_ROOTS: base, RAY_TOKEN: token };
  return spawnSync(process.execPath, [cli, ...args], { cwd: base, env, encoding: 'utf8', timeout: 120_000 });
}

describe('orrery cluster', () => {
  it('adds, lists, tests and removes the loopback Slurm cluster', () => {
    const added = orrery('cluster', 'add', 'loopback', '--partition', 'debug', '--cpus', '1', '--mem', '1G', '--time', '00:10:00');
    expect(added.stderr).toBe('');
    expect(added.status).toBe(0);
    expect(added.stdout).toMatch(/^loopback\s+slurm\s+this machine\s+\(partition debug\)\s+id clu_/);
    const listed = JSON.parse(orrery('cluster', 'list', '--json').stdout) as { name: string; defaults: unknown }[];
    expect(listed).toEqual([expect.objectContaining({ name: 'loopback', defaults: { cpus: 1, memoryMb: 1024, timeLimitMinutes: 10 } })]);
    const tested = orrery('cluster', 'test', 'loopback');
    expect(tested.stderr).toBe('');
    expect(tested.status).toBe(0);
    expect(tested.stdout).toMatch(/^ok in \d+ ms: slurm/);
    expect(tested.stdout).toMatch(/partition debug \(default\): up, 1 node\(s\)/);
    expect(tested.stdout).toMatch(/node \S+: \w+, \d+ CPUs, \d+ MiB/);
    const removed = orrery('cluster', 'remove', 'loopback');
    expect(removed.status).toBe(0);
    expect(orrery('cluster', 'list').stdout).toMatch(/^No cluster profiles yet/);
  });

  it('stores a Ray token from a variable encrypted, and tests with it', async () => {
    const added = orrery('cluster', 'add', 'ray', '--address', ray.address, '--secret-from', 'RAY_TOKEN');
    expect(added.status).toBe(0);
    expect(added.stdout).toContain('secret stored encrypted');
    const files = (await readdir(path.join(base, 'home'))).filter((file) => file.startsWith('user.db'));
    const bytes = Buffer.concat(await Promise.all(files.map((file) => readFile(path.join(base, 'home', file)))));
    expect(bytes.includes(Buffer.from(token))).toBe(false);
    const tested = orrery('cluster', 'test', 'ray', '--json');
    expect(tested.status).toBe(0);
    expect(JSON.parse(tested.stdout)).toMatchObject({ kind: 'ray', version: '0.0.0+orrery-test-server' });
  });

  it('fails clearly: an unreachable address, an unset variable, a bad time', async () => {
    const down = `http://127.0.0.1:${await closedPort()}`;
    orrery('cluster', 'add', 'gone', '--address', down);
    const unreachable = orrery('cluster', 'test', 'gone');
    expect(unreachable.status).toBe(1);
    expect(unreachable.stderr).toContain(`orrery: Cannot reach the Ray Jobs API at ${down} (ECONNREFUSED)`);
    const unset = orrery('cluster', 'add', 'x', '--address', ray.address, '--secret-from', 'NOT_SET_ANYWHERE');
    expect(unset.status).toBe(2);
    expect(unset.stderr).toContain('NOT_SET_ANYWHERE: that environment variable is not set');
    const badTime = orrery('cluster', 'add', 'y', '--time', 'soon');
    expect(badTime.status).toBe(2);
    expect(badTime.stderr).toContain('--time soon');
    expect(orrery('cluster', 'test', 'nope').stderr).toMatch(/No cluster profile named nope/);
  });
});
