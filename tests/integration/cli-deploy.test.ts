// `orrery device ...` and `orrery model deploy|rollback|deployments` against a real loopback sshd: the commands run
// in-process on a program built from their register functions (the same ones cli-program.ts registers), with the
// real core of a CLI command (defaultCoreFactory), a temp ORRERY_HOME and project.
import { mkdir, mkdtemp, readlink, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOrreryError, type Deployment } from '../../app/contract';
import { exitCodeForCommander, type CliContext } from '../../main/server/cli-context';
import { defaultCoreFactory } from '../../main/server/cli-program';
import { registerDeployCommands, registerDeviceCommands } from '../../main/server/commands/model-deploy';
import { registerModelCommands } from '../../main/server/commands/model';
import { registerProjectCommands } from '../../main/server/commands/project';
import { startSshd, type SshdFixture } from '../fixtures/sshd/sshd';
import { encodeModel, mlpModel } from '../unit/main/services/models/onnx-builder';

let base = '';
let project = '';
let sshd: SshdFixture;
let remoteRoot = '';

/** Runs one command line like runCli does: exit 0 ok, 1 failure (one line on stderr), 2 usage. */
async function orrery(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, ORRERY_HOME: path.join(base, 'home'), ORRERY_ROOTS: base, ORRERY_PROJECT: project, ORRERY_LOG_LEVEL: 'warn' };
  const io = { out: (text: string) => void (out += text), err: (text: string) => void (err += text), env, cwd: base };
  const ctx: CliContext = { io, createCore: defaultCoreFactory(io), version: 'test' };
  const program = new Command('orrery').option('--project <dir>').exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
  registerProjectCommands(program, ctx);
  registerModelCommands(program, ctx);
  registerDeployCommands(program.commands.find((command) => command.name() === 'model')!, ctx);
  registerDeviceCommands(program, ctx);
  try {
    await program.parseAsync(args, { from: 'user' });
    return { code: 0, out, err };
  } catch (error) {
    if (error instanceof CommanderError) return { code: exitCodeForCommander(error), out, err };
    if (!isOrreryError(error)) throw error;
    return { code: 1, out, err: `${err}orrery: ${error.message}\n` };
  }
}

beforeAll(async () => {
  base = await realpath(await mkdtemp(path.join(os.tmpdir(), 'orrery-cli-deploy-')));
  project = path.join(base, 'proj');
  await mkdir(path.join(base, 'home'));
  sshd = await startSshd({ parentDir: base });
  remoteRoot = path.join(sshd.dir, 'models');
  expect((await orrery('project', 'create', project)).code).toBe(0);
  for (const seed of [1, 2]) {
    await writeFile(path.join(base, `iris-${seed}.onnx`), encodeModel(mlpModel({ sizes: [4, 8, 3], seed, softmax: true })));
  }
}, 120_000);

afterAll(async () => {
  await sshd?.stop();
  if (base) await rm(base, { recursive: true, force: true });
});

describe('orrery device', () => {
  it('adds, lists and tests a device', async () => {
    const added = await orrery('device', 'add', 'edge', '--host', sshd.host, '--port', String(sshd.port), '--user', sshd.username, '--key', sshd.keyPath, '--known-hosts', sshd.knownHostsPath, '--root', remoteRoot);
    expect(added).toMatchObject({ code: 0, out: expect.stringContaining('Added device edge') });
    expect((await orrery('device', 'list')).out).toMatch(new RegExp(`^edge\\s+${sshd.username}@127\\.0\\.0\\.1:${sshd.port}\\s+linux-x64`));
    const tested = await orrery('device', 'test', 'edge');
    expect(tested.code).toBe(0);
    expect(tested.out).toContain(sshd.hostKeyFingerprint);
    expect(tested.out).toContain(remoteRoot);
  });

  it('trusts an unknown host key only with the right fingerprint', async () => {
    const knownHosts = path.join(base, 'known_hosts');
    expect((await orrery('device', 'add', 'fresh', '--host', sshd.host, '--port', String(sshd.port), '--user', sshd.username, '--key', sshd.keyPath, '--known-hosts', knownHosts)).code).toBe(0);
    const refused = await orrery('device', 'test', 'fresh');
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(`ssh-keyscan -p ${sshd.port} 127.0.0.1 >> ${knownHosts}`);
    // No terminal here: without --fingerprint nothing is recorded.
    const unconfirmed = await orrery('device', 'trust', 'fresh');
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.err).toContain(sshd.hostKeyFingerprint);
    expect((await orrery('device', 'trust', 'fresh', '--fingerprint', `SHA256:${'B'.repeat(43)}`)).code).toBe(1);
    const trusted = await orrery('device', 'trust', 'fresh', '--fingerprint', sshd.hostKeyFingerprint);
    expect(trusted).toMatchObject({ code: 0, out: expect.stringContaining(`Recorded ssh-ed25519 ${sshd.hostKeyFingerprint}`) });
    expect((await orrery('device', 'test', 'fresh')).code).toBe(0);
    expect((await orrery('device', 'remove', 'fresh')).code).toBe(0);
    expect((await orrery('device', 'test', 'fresh')).err).toMatch(/No device named fresh/);
  });

  it('answers usage errors for bad options', async () => {
    expect((await orrery('device', 'add', 'x', '--host', 'h', '--user', 'u', '--key', sshd.keyPath, '--port', '99999')).code).toBe(2);
    expect((await orrery('device', 'add', 'x', '--host', 'h', '--user', 'u', '--key', sshd.keyPath, '--target', 'riscv')).code).toBe(2);
    expect((await orrery('device', 'add', 'x', '--host', 'h', '--user', 'u', '--key', sshd.keyPath, '--passphrase-env', 'ORRERY_UNSET_VARIABLE')).code).toBe(2);
  });
});

describe('orrery model deploy', () => {
  it('deploys two versions, rolls back, and lists the deployments', async () => {
    for (const seed of [1, 2]) expect((await orrery('model', 'register', 'iris', '--file', path.join(base, `iris-${seed}.onnx`))).code).toBe(0);
    const first = await orrery('model', 'deploy', 'iris@1', '--device', 'edge');
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/^Deployed iris@1 to edge: .*iris-v1\.dep_\w+ is active/);
    expect(first.err).toMatch(/… copying/);
    expect(first.err).toMatch(/… running the self-test on the device/);
    const second = await orrery('model', 'deploy', 'iris@2', '--device', 'edge', '--json');
    const deployed = JSON.parse(second.out) as Deployment;
    expect(await readlink(path.join(remoteRoot, 'iris', 'current'))).toBe(`versions/iris-v2.${deployed.id}`);
    const back = await orrery('model', 'rollback', '--device', 'edge');
    expect(back).toMatchObject({ code: 0, out: expect.stringMatching(/^Rolled iris on edge back to version 1/) });
    expect(await readlink(path.join(remoteRoot, 'iris', 'current'))).toMatch(/^versions\/iris-v1\./);
    const listed = await orrery('model', 'deployments', '--device', 'edge');
    expect(listed.out.trim().split('\n').map((line) => line.split(/\s+/).slice(2, 4).join(' '))).toEqual(['rollback iris@1', 'deploy iris@2', 'deploy iris@1']);
   }, 240_000);

  it('fails with exit 1 and one clear line for an unknown device, 2 for a bad target', async () => {
    const ghost = await orrery('model', 'deploy', 'iris@1', '--device', 'ghost');
    expect(ghost).toMatchObject({ code: 1, err: expect.stringContaining('No device named ghost') });
    expect((await orrery('model', 'deploy', 'iris@1', '--device', 'edge', '--target', 'sparc')).code).toBe(2);
    expect((await orrery('model', 'rollback', '--device', 'ghost')).code).toBe(2);
  });
});
