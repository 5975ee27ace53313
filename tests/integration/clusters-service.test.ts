// Cluster profiles through the contract on a real core: stored in user.db with the secret encrypted (the db file is
// read to prove it), and `cluster.test` against the real one-node Slurm on loopback (scripts/slurm-cluster.sh),
// over a real loopback sshd, and against the Ray Jobs API test server.
import { mkdtemp, readdir, readFile, realpath, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calls, isOrreryError, type CallOutput } from '../../app/contract';
import type { clusterCalls } from '../../app/contract/clusters';
import { systemClock } from '../../main/core/clock';
import { EventBus } from '../../main/core/event-bus';
import { silentLogger } from '../../main/core/logger';
import { headlessPlatform } from '../../main/core/platform';
import { TaskRegistry } from '../../main/core/tasks';
import { ClusterService } from '../../main/services/clusters/cluster-service';
import { clusterHandlers } from '../../main/services/clusters/handlers';
import type { ProjectService } from '../../main/services/projects/project-service';
import { UserStore } from '../../main/services/user/user-store';
import { startSshd, type SshdFixture } from '../fixtures/sshd/sshd';
import { closedPort, startRayServer, type RayServer } from '../ray-server/start-ray-server';

let base: string;
let user: UserStore;
let clusters: ClusterService;
let ray: RayServer;

beforeAll(async () => {
  base = await realpath(await mkdtemp(path.join(os.tmpdir(), 'orrery-clusters-')));
  const bus = new EventBus();
  const userHome = path.join(base, 'home');
  user = new UserStore({ userHome, logger: silentLogger, clock: systemClock, bus });
  clusters = new ClusterService({
    bus,
    logger: silentLogger,
    clock: systemClock,
    // Profiles are per user: the service never looks at a project.
    projects: {} as ProjectService,
    user,
    tasks: new TaskRegistry(bus),
    platform: headlessPlatform,
    env: { PATH: process.env.PATH, HOME: base },
    userHome,
  });
  ray = await startRayServer({ token: 'ray-token-0123456789' });
});

afterAll(async () => {
  clusters?.dispose();
  user?.dispose();
  await ray?.stop();
  if (base) await rm(base, { recursive: true, force: true });
});

type ClusterCall = keyof typeof clusterCalls;

/** A call as a host makes it: input parsed by the contract, the handler, the output checked; errors as `{code, message}`. */
async function call<N extends ClusterCall>(name: N, input: unknown): Promise<CallOutput<N>> {
  const handler = clusterHandlers(clusters)[name] as (parsed: unknown, context: unknown) => unknown;
  try {
    const value = await handler(calls[name].input.parse(input), { host: 'cli', clientId: 'test' });
    return calls[name].output.parse(value) as CallOutput<N>;
  } catch (error) {
    if (isOrreryError(error)) throw Object.assign(new Error(error.message), { code: error.code });
    throw error;
  }
}

describe('cluster profiles', () => {
  it('stores a profile per user with its secret encrypted: never in clear in user.db', async () => {
    const secret = 'passphrase-that-must-not-leak-7f3a';
    const added = await call('cluster.add', { name: 'lab', kind: 'slurm', host: '127.0.0.1', user: 'alice', keyPath: '/tmp/id_ed25519', partition: 'gpu', secret, defaults: { cpus: 4, timeLimitMinutes: 60 } });
    expect(added).toMatchObject({ name: 'lab', kind: 'slurm', transport: 'ssh', port: 22, partition: 'gpu', secretStore: 'key-file', defaults: { cpus: 4, timeLimitMinutes: 60 } });
    expect(JSON.stringify(added)).not.toContain(secret);
    const files = await readdir(path.join(base, 'home'));
    const bytes = Buffer.concat(await Promise.all(files.filter((file) => file.startsWith('user.db')).map((file) => readFile(path.join(base, 'home', file)))));
    expect(bytes.includes(Buffer.from('alice'))).toBe(true);
    expect(bytes.includes(Buffer.from(secret))).toBe(false);
    expect(await clusters.secret(added.id)).toBe(secret);
    expect(clusters.profile('LAB')).toMatchObject({ id: added.id, kind: 'slurm', host: '127.0.0.1', user: 'alice', partition: 'gpu' });
  });

  it('refuses a second profile of the same name and names the profiles there are when one is missing', async () => {
    await expect(call('cluster.add', { name: 'Lab', kind: 'slurm' })).rejects.toMatchObject({ code: 'already_exists' });
    expect(() => clusters.profile('nope')).toThrow(/No cluster profile named nope \(there are: lab\)/);
  });

  it('says what a profile lacks', async () => {
    await expect(call('cluster.add', { name: 'r', kind: 'ray' })).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('--address') });
    await expect(call('cluster.add', { name: 's', kind: 'slurm', transport: 'ssh', host: 'h' })).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('user, key'),
    });
    await expect(call('cluster.add', { name: 'r', kind: 'ray', address: 'ftp://x' })).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('updates fields given, keeps the others, and forgets the secret on request', async () => {
    const lab = clusters.profile('lab');
    const updated = await call('cluster.update', { id: lab.id, partition: 'debug' });
    expect(updated).toMatchObject({ partition: 'debug', user: 'alice', secretStore: 'key-file' });
    const cleared = await call('cluster.update', { id: lab.id, clearSecret: true });
    expect(cleared.secretStore).toBeNull();
    expect(await clusters.secret(lab.id)).toBeNull();
  });

  it('removes a profile and its secret', async () => {
    const added = await call('cluster.add', { name: 'temp', kind: 'ray', address: '127.0.0.1:8265', secret: 'tok' });
    expect(added.address).toBe('http://127.0.0.1:8265');
    await call('cluster.remove', { id: 'temp' });
    expect((await call('cluster.list', {})).map((profile) => profile.name)).toEqual(['lab']);
    const db = user.database();
    expect(db.prepare('SELECT count(*) AS n FROM cluster_secrets').get()).toEqual({ n: 0 });
  });
});

describe('cluster.test', () => {
  it('runs sinfo on this machine and reports the partitions and nodes of the loopback cluster', async () => {
    await call('cluster.add', { name: 'loopback', kind: 'slurm', transport: 'local' });
    const result = await call('cluster.test', { id: 'loopback' });
    expect(result.kind).toBe('slurm');
    expect(result.version).toMatch(/^slurm/);
    expect(result.partitions.find((partition) => partition.isDefault)?.name).toBe('debug');
    expect(result.nodes.length).toBeGreaterThanOrEqual(1);
    expect(result.nodes[0]!.cpus).toBeGreaterThanOrEqual(1);
    expect(result.summary).toContain('debug*');
  });

  describe('over SSH', () => {
    let sshd: SshdFixture;
    beforeAll(async () => {
      sshd = await startSshd();
    });
    afterAll(async () => {
      await sshd?.stop();
    });

    it('runs sinfo on the login node', async () => {
      await call('cluster.add', { name: 'login', kind: 'slurm', host: sshd.host, port: sshd.port, user: sshd.username, keyPath: sshd.keyPath, knownHostsPath: sshd.knownHostsPath });
      const result = await call('cluster.test', { id: 'login' });
      expect(result.partitions.map((partition) => partition.name)).toContain('debug');
      expect(result.nodes.length).toBeGreaterThanOrEqual(1);
    });

    it('says clearly that a login node is unreachable', async () => {
      await call('cluster.add', { name: 'down', kind: 'slurm', host: '127.0.0.1', port: await closedPort(), user: sshd.username, keyPath: sshd.keyPath, knownHostsPath: sshd.knownHostsPath });
      await expect(call('cluster.test', { id: 'down' })).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/^Cannot reach \S+@127\.0\.0\.1:\d+: .*ECONNREFUSED/) });
    });
  });

  it('asks a Ray cluster for its version with the stored token', async () => {
    await call('cluster.add', { name: 'ray', kind: 'ray', address: ray.address, secret: 'ray-token-0123456789' });
    const result = await call('cluster.test', { id: 'ray' });
    expect(result).toMatchObject({ kind: 'ray', version: '0.0.0+orrery-test-server', partitions: [], nodes: [] });
    expect(result.summary).toContain(ray.address);
  });

  it('reports a wrong Ray token and an unreachable Ray address', async () => {
    await call('cluster.add', { name: 'ray-wrong', kind: 'ray', address: ray.address, secret: 'wrong' });
    await expect(call('cluster.test', { id: 'ray-wrong' })).rejects.toMatchObject({ code: 'unauthorized', message: expect.stringContaining('token') });
    const down = `http://127.0.0.1:${await closedPort()}`;
    await call('cluster.add', { name: 'ray-down', kind: 'ray', address: down });
    await expect(call('cluster.test', { id: 'ray-down' })).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringContaining(`Cannot reach the Ray Jobs API at ${down} (ECONNREFUSED)`),
    });
  });
});
