import { access, constants } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { OrreryError, type ParsedInput } from '../../../app/contract';
import type { Device, DeviceHostKey, DeviceTest } from '../../../app/contract/deploy';
import type { PackageTarget } from '../../../app/contract/packages';
import { checkPathInRoots } from '../../core/paths';
import { chooseCiphers } from '../prompts/secrets';
import { addKnownHost, checkHostKey, readKnownHosts } from '../ssh/known-hosts';
import { connectSsh, fetchHostKey, type SshConnection } from '../ssh/ssh-connection';
import type { DeployServiceDeps } from './deploy-service';
import { DeviceStore } from './device-store';

/** `uname -m` answers that fit each package target. */
const machinesOf: Record<PackageTarget, readonly string[]> = { 'linux-x64': ['x86_64', 'amd64'], 'linux-arm64': ['aarch64', 'arm64'] };

/** The user's devices: adding one (paths checked), testing the connection, and trusting its host key after the user checked it. */
export class DeviceService {
  constructor(private readonly deps: DeployServiceDeps) {}

  list(): Device[] {
    return this.store().list();
  }

  get(name: string): Device {
    return this.store().get(name);
  }

  /** Adds a device; its key and known_hosts files must lie inside the allowed roots, like every path a call names. */
  async add(input: ParsedInput<'device.add'>): Promise<Device> {
    const keyPath = await checkPathInRoots(this.expand(input.keyPath), this.deps.allowedRoots, 'keyPath');
    const knownHostsPath = await checkPathInRoots(this.expand(input.knownHostsPath ?? '~/.ssh/known_hosts'), this.deps.allowedRoots, 'knownHostsPath');
    try {
      await access(keyPath, constants.R_OK);
    } catch (error) {
      throw new OrreryError('not_found', `The SSH key ${keyPath} cannot be read; give the path of the private key the device accepts (make one with ssh-keygen -t ed25519).`, { cause: error });
    }
    return this.store().add({
      name: input.name,
      host: input.host,
      port: input.port,
      username: input.username,
      keyPath,
      knownHostsPath,
      remoteRoot: input.remoteRoot,
      target: input.target,
      ...(input.passphrase !== undefined ? { passphrase: input.passphrase } : {}),
    });
  }

  remove(name: string): { ok: true } {
    this.store().remove(name);
    return { ok: true };
  }

  /** Opens a connection to a device (host key checked; OrreryError naming what to do when refused). */
  connect(name: string): Promise<SshConnection> {
    return connectSsh(this.store().sshTarget(name));
  }

  /** Logs in, and reports the system, the runtimes a package can use and the models folder. */
  async test(name: string): Promise<DeviceTest> {
    const device = this.get(name);
    const started = performance.now();
    const connection = await this.connect(name);
    try {
      const latencyMs = performance.now() - started;
      const probe = await connection.exec(
        'uname -sm; (command -v node >/dev/null && node --version) || echo -; (command -v python3 >/dev/null && python3 --version 2>&1) || echo -',
        { timeoutMs: 30_000 },
      );
      const [system = '', node = '-', python = '-'] = probe.stdout.trim().split('\n').map((line) => line.trim());
      await connection.mkdirp(device.remoteRoot);
      const machine = system.split(/\s+/).at(-1) ?? '';
      return {
        ok: true,
        hostKeyFingerprint: connection.hostKeyFingerprint,
        system,
        targetMatches: machinesOf[device.target].includes(machine),
        node: node === '-' ? null : node,
        python: python === '-' ? null : python,
        remoteRoot: await connection.realpath(device.remoteRoot),
        latencyMs,
      };
    } finally {
      await connection.close();
    }
  }

  /** The key the device presents now, and what its known_hosts file says of it. */
  async hostKey(name: string): Promise<DeviceHostKey> {
    const device = this.get(name);
    const presented = await fetchHostKey(device.host, device.port);
    const check = checkHostKey(await readKnownHosts(device.knownHostsPath), device.host, device.port, presented.key);
    return { host: device.host, port: device.port, keyType: presented.keyType, fingerprint: presented.fingerprint, status: check.status, knownHostsPath: device.knownHostsPath };
  }

  /**
   * Records the presented key in the device's known_hosts, only when it is the one the user confirmed (its
   * fingerprint given) and the file has no other key for the host (a changed key is never overwritten here).
   */
  async trust(input: ParsedInput<'device.trust'>): Promise<DeviceHostKey> {
    const device = this.get(input.name);
    const presented = await fetchHostKey(device.host, device.port);
    if (presented.fingerprint !== input.fingerprint) {
      throw new OrreryError('forbidden', `${device.host}:${device.port} now presents ${presented.fingerprint}, not the ${input.fingerprint} you confirmed; nothing was recorded. Check the device's key again.`);
    }
    const current = await this.hostKey(input.name);
    if (current.status === 'mismatch' || current.status === 'revoked') {
      throw new OrreryError('conflict', `${device.knownHostsPath} holds another key for ${device.host}:${device.port} (or revokes this one); remove that line first (ssh-keygen -R) if the change is expected.`);
    }
    if (current.status === 'unknown') await addKnownHost(device.knownHostsPath, device.host, device.port, presented);
    return { ...current, status: 'trusted' };
  }

  /** `~/x` → the OS home; relative → absolute (from the process's folder, as a CLI user expects). */
  private expand(file: string): string {
    const home = this.deps.env.HOME ?? os.homedir();
    if (file === '~') return home;
    if (file.startsWith('~/')) return path.join(home, file.slice(2));
    return path.resolve(file);
  }

  private store(): DeviceStore {
    const { primary, all } = chooseCiphers(this.deps.platform.safeStorage, this.deps.userHome);
    return new DeviceStore({ db: this.deps.user.database(), cipher: primary, ciphers: all, now: () => this.deps.clock.now() });
  }
}
