// Deploys of real edge packages (H1's builder) to a real OpenSSH server on a loopback port, through the core:
// devices, deploy (copy, remote verify and self-test, atomic switch), rollback, and the failure cases the issue
// names — a failed self-test, a connection dropped mid-copy, a host-key mismatch — each leaving `current` on the
// previous version, which still runs.
import { execFileSync } from 'node:child_process';
import { readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrreryError, type Deployment, type ModelVersion } from '../../app/contract';
import { encodeModel, mlpModel } from '../unit/main/services/models/onnx-builder';
import { startSshd, type SshdFixture } from '../fixtures/sshd/sshd';
import { trackingWorld, type TrackingWorld } from './tracking-harness';

let world: TrackingWorld;
let sshd: SshdFixture;
let v1: ModelVersion;
let v2: ModelVersion;
let remoteRoot = '';
let firstDeploy: Deployment;
const extraDirs: string[] = [];

async function failure(work: Promise<unknown>): Promise<OrreryError> {
  const error = await work.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(OrreryError);
  return error as OrreryError;
}

/** Runs the active version of iris on the "device" the way a user there would. */
function predictOnDevice(): { outputs: unknown } {
  const out = execFileSync('sh', [path.join(remoteRoot, 'iris', 'current', 'bin', 'run'), 'predict', '--input', JSON.stringify({ x: [[5.1, 3.5, 1.4, 0.2]] })], {
    encoding: 'utf8',
    env: { PATH: '/usr/bin:/bin' },
    cwd: '/',
  });
  return JSON.parse(out.trim().split('\n').pop()!) as { outputs: unknown };
}

async function currentTarget(): Promise<string> {
  return readlink(path.join(remoteRoot, 'iris', 'current'));
}

/** Folders under versions/: every final name must be a deployed version; `.partial` ones are leftovers. */
async function versionFolders(): Promise<string[]> {
  return (await readdir(path.join(remoteRoot, 'iris', 'versions'))).sort();
}

beforeAll(async () => {
  world = await trackingWorld('orrery-deploy-');
  sshd = await startSshd({ parentDir: world.base });
  remoteRoot = path.join(sshd.dir, 'models');
  for (const [seed, file] of [
    [1, 'iris-1.onnx'],
    [2, 'iris-2.onnx'],
  ] as const) {
    await writeFile(path.join(world.project, file), encodeModel(mlpModel({ sizes: [4, 16, 3], seed, softmax: true, metadata: { labels: 'setosa,versicolor,virginica' } })));
  }
  v1 = await world.call('model.register', { name: 'iris', file: path.join(world.project, 'iris-1.onnx') });
  v2 = await world.call('model.register', { name: 'iris', file: path.join(world.project, 'iris-2.onnx') });
  await world.call('device.add', { name: 'edge-1', host: sshd.host, port: sshd.port, username: sshd.username, keyPath: sshd.keyPath, knownHostsPath: sshd.knownHostsPath, remoteRoot });
}, 300_000);

afterAll(async () => {
  await sshd?.stop();
  for (const dir of extraDirs) await rm(dir, { recursive: true, force: true });
  await world?.dispose();
});

describe('devices', () => {
  it('lists, tests and refuses bad devices', async () => {
    const [device] = await world.call('device.list', {});
    expect(device).toMatchObject({ name: 'edge-1', port: sshd.port, remoteRoot, target: 'linux-x64', hasPassphrase: false });
    const tested = await world.call('device.test', { name: 'edge-1' });
    expect(tested).toMatchObject({ ok: true, hostKeyFingerprint: sshd.hostKeyFingerprint, targetMatches: true, remoteRoot });
    expect(tested.node).toMatch(/^v\d+/);
    expect((await failure(world.call('device.add', { name: 'edge-1', host: 'x', username: 'u', keyPath: sshd.keyPath, knownHostsPath: sshd.knownHostsPath }))).code).toBe('already_exists');
    expect((await failure(world.call('device.add', { name: 'nokey', host: 'x', username: 'u', keyPath: path.join(sshd.dir, 'missing'), knownHostsPath: sshd.knownHostsPath }))).code).toBe('not_found');
    expect((await failure(world.call('device.add', { name: 'outside', host: 'x', username: 'u', keyPath: '/etc/ssh/ssh_host_ed25519_key', knownHostsPath: sshd.knownHostsPath }))).code).toBe('path_outside_root');
    expect((await failure(world.call('device.test', { name: 'ghost' }))).message).toMatch(/orrery device add ghost/);
  });

  it('stores a passphrase only encrypted and uses it to connect', async () => {
    const locked = await startSshd({ userKeyPassphrase: 'open sesame', parentDir: world.base });
    extraDirs.push(locked.dir);
    try {
      await world.call('device.add', { name: 'locked', host: locked.host, port: locked.port, username: locked.username, keyPath: locked.keyPath, knownHostsPath: locked.knownHostsPath, passphrase: 'open sesame' });
      const db = world.core.services.user.database();
      const row = db.prepare("SELECT passphrase_cipher FROM devices WHERE name = 'locked'").get() as { passphrase_cipher: Buffer };
      expect(row.passphrase_cipher.toString('latin1')).not.toContain('open sesame');
      expect((await world.call('device.test', { name: 'locked' })).ok).toBe(true);
    } finally {
      await locked.stop();
      await world.call('device.remove', { name: 'locked' });
    }
  });

  it('refuses an unknown host key until the user confirms its fingerprint', async () => {
    const knownHosts = path.join(sshd.dir, 'known_hosts.fresh');
    await world.call('device.add', { name: 'fresh', host: sshd.host, port: sshd.port, username: sshd.username, keyPath: sshd.keyPath, knownHostsPath: knownHosts, remoteRoot });
    const refused = await failure(world.call('device.test', { name: 'fresh' }));
    expect(refused.code).toBe('forbidden');
    expect(refused.message).toContain(`ssh-keyscan -p ${sshd.port} 127.0.0.1 >> ${knownHosts}`);
    const presented = await world.call('device.hostKey', { name: 'fresh' });
    expect(presented).toMatchObject({ fingerprint: sshd.hostKeyFingerprint, status: 'unknown' });
    const wrong = `SHA256:${'A'.repeat(43)}`;
    expect((await failure(world.call('device.trust', { name: 'fresh', fingerprint: wrong }))).code).toBe('forbidden');
    expect((await world.call('device.trust', { name: 'fresh', fingerprint: presented.fingerprint })).status).toBe('trusted');
    expect((await world.call('device.test', { name: 'fresh' })).hostKeyFingerprint).toBe(sshd.hostKeyFingerprint);
    await world.call('device.remove', { name: 'fresh' });
  });
});

describe('deploy and rollback', () => {
  it('deploys a version: copied, verified and self-tested remotely, switched atomically, recorded', async () => {
    firstDeploy = await world.call('model.deploy', { versionId: v1.id, device: 'edge-1' });
    expect(firstDeploy).toMatchObject({ action: 'deploy', result: 'ok', failedStep: null, deviceName: 'edge-1', versionId: v1.id, modelName: 'iris', version: 1, target: 'linux-x64', previousPath: null });
    const [pkg] = await world.call('model.packages', { versionId: v1.id });
    expect(firstDeploy.packageSha256).toBe(pkg!.sha256);
    expect(firstDeploy.remotePath).toBe(path.join(remoteRoot, 'iris', 'versions', `iris-v1.${firstDeploy.id}`));
    expect(await currentTarget()).toBe(`versions/iris-v1.${firstDeploy.id}`);
    expect(firstDeploy.log).toMatch(/"ok":\s*true/);
    expect(await versionFolders()).toEqual([`iris-v1.${firstDeploy.id}`]);
    expect(await readdir(path.join(remoteRoot, 'iris', 'incoming'))).toEqual([]);
    expect(predictOnDevice().outputs).toBeTruthy();
  });

  it('deploys the next version over it, and rolls back to the previous one', async () => {
    const second = await world.call('model.deploy', { versionId: v2.id, device: 'edge-1' });
    expect(second).toMatchObject({ result: 'ok', version: 2, previousPath: firstDeploy.remotePath });
    expect(await currentTarget()).toBe(`versions/iris-v2.${second.id}`);
    const v2Prediction = predictOnDevice();
    const back = await world.call('model.rollback', { device: 'edge-1', model: 'iris' });
    expect(back).toMatchObject({ action: 'rollback', result: 'ok', versionId: v1.id, remotePath: firstDeploy.remotePath, previousPath: second.remotePath });
    expect(await currentTarget()).toBe(`versions/iris-v1.${firstDeploy.id}`);
    expect(predictOnDevice()).not.toEqual(v2Prediction);
    const further = await failure(world.call('model.rollback', { device: 'edge-1', model: 'iris' }));
    expect(further.code).toBe('not_found');
    expect(await currentTarget()).toBe(`versions/iris-v1.${firstDeploy.id}`);
  });

  it('does not switch when the self-test fails on the device (an arm64 package on an x64 device)', async () => {
    const before = await versionFolders();
    const failed = await failure(world.call('model.deploy', { versionId: v2.id, device: 'edge-1', target: 'linux-arm64' }));
    expect(failed.message).toMatch(/failed at step self-test/);
    expect(failed.message).toContain(`still runs ${firstDeploy.remotePath}`);
    expect(await currentTarget()).toBe(`versions/iris-v1.${firstDeploy.id}`);
    expect(await versionFolders()).toEqual(before);
    const [record] = await world.call('model.deployments', { device: 'edge-1' });
    expect(record).toMatchObject({ result: 'failed', failedStep: 'self-test', target: 'linux-arm64', remotePath: null });
    expect(predictOnDevice().outputs).toBeTruthy();
  });

  it('fails cleanly when the connection drops mid-copy: no version under a final name, the previous one still runs', async () => {
    const before = await versionFolders();
    const taskId = 'task_dropcopy';
    let dropped = 0;
    const stop = world.core.bus.subscribe('task.progress', taskId, (event) => {
      const match = /copying .*: (\d+) %/.exec(event.payload.message);
      if (match && Number(match[1]) >= 1 && dropped === 0) {
        dropped += 1;
        void sshd.dropConnections();
      }
    });
    const failed = await failure(world.call('model.deploy', { versionId: v2.id, device: 'edge-1', taskId }));
    stop();
    expect(dropped).toBeGreaterThan(0);
    expect(failed.code).toBe('unavailable');
    expect(failed.message).toMatch(/failed at step copy: .*dropped/);
    expect(await currentTarget()).toBe(`versions/iris-v1.${firstDeploy.id}`);
    expect((await versionFolders()).filter((name) => !name.endsWith('.partial'))).toEqual(before);
    expect(predictOnDevice().outputs).toBeTruthy();
    const [record] = await world.call('model.deployments', { device: 'edge-1' });
    expect(record).toMatchObject({ result: 'failed', failedStep: 'copy', remotePath: null });
  });

  it('cancels a deploy mid-copy: nothing switched, recorded as cancelled', async () => {
    const taskId = 'task_cancelcopy';
    let cancelled = false;
    const stop = world.core.bus.subscribe('task.progress', taskId, (event) => {
      if (cancelled || !/copying .*: \d+ %/.test(event.payload.message)) return;
      cancelled = true;
      void world.call('task.cancel', { id: taskId });
    });
    const failed = await failure(world.call('model.deploy', { versionId: v2.id, device: 'edge-1', taskId }));
    stop();
    expect(failed.code).toBe('cancelled');
    expect(await currentTarget()).toBe(`versions/iris-v1.${firstDeploy.id}`);
    const [record] = await world.call('model.deployments', { device: 'edge-1' });
    expect(record).toMatchObject({ result: 'failed', failedStep: 'copy', message: 'cancelled by the user' });
  });

  it('refuses a host with another key before anything is copied', async () => {
    const port = sshd.port;
    const original = { hostKeyPath: sshd.hostKeyPath, userKeyPath: sshd.keyPath, knownHostsPath: sshd.knownHostsPath, dir: sshd.dir };
    await sshd.stop({ keepDir: true });
    extraDirs.push(original.dir);
    const imposter = await startSshd({ port, userKeyPath: original.userKeyPath, parentDir: world.base });
    let failed: OrreryError;
    try {
      failed = await failure(world.call('model.deploy', { versionId: v2.id, device: 'edge-1' }));
      expect(await imposter.log()).not.toMatch(/Accepted publickey/);
    } finally {
      await imposter.stop();
    }
    expect(failed.code).toBe('forbidden');
    expect(failed.message).toMatch(/failed at step connect: HOST KEY MISMATCH/);
    expect(failed.message).toContain(imposter.hostKeyFingerprint);
    expect(await currentTarget()).toBe(`versions/iris-v1.${firstDeploy.id}`);
    const [record] = await world.call('model.deployments', { device: 'edge-1' });
    expect(record).toMatchObject({ result: 'failed', failedStep: 'connect' });
    // The real device comes back with its own key: deploys work again.
    sshd = await startSshd({ port, hostKeyPath: original.hostKeyPath, userKeyPath: original.userKeyPath, parentDir: world.base });
    expect(await readFile(sshd.knownHostsPath, 'utf8')).toBe(await readFile(original.knownHostsPath, 'utf8'));
    const again = await world.call('model.deploy', { versionId: v2.id, device: 'edge-1' });
    expect(again.result).toBe('ok');
    expect(await currentTarget()).toBe(`versions/iris-v2.${again.id}`);
  });

  it('lists deployments newest first, per device, model and version', async () => {
    const all = await world.call('model.deployments', {});
    expect(all.map((item) => `${item.action}:${item.result}:${item.failedStep ?? '-'}`)).toEqual([
      'deploy:ok:-',
      'deploy:failed:connect',
      'deploy:failed:copy',
      'deploy:failed:copy',
      'deploy:failed:self-test',
      'rollback:ok:-',
      'deploy:ok:-',
      'deploy:ok:-',
    ]);
    expect(await world.call('model.deployments', { versionId: v1.id })).toHaveLength(2);
    expect(await world.call('model.deployments', { model: 'nope' })).toEqual([]);
  });
});
