import { OrreryError } from '../../../app/contract';
import type { Device } from '../../../app/contract/deploy';
import type { PackageTarget } from '../../../app/contract/packages';
import { newId } from '../../../app/lib/ids';
import type { SecretCipher } from '../prompts/secrets';
import type { SshTarget } from '../ssh/ssh-connection';
import type { Db } from '../store/open-database';

interface DeviceRow {
  id: string;
  name: string;
  host: string;
  port: number;
  username: string;
  key_path: string;
  known_hosts_path: string;
  remote_root: string;
  target: PackageTarget;
  passphrase_scheme: SecretCipher['scheme'] | null;
  passphrase_cipher: Buffer | null;
  created_at: number;
}

/** A device as `device.add` stores it (paths already absolute). */
export interface NewDevice {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly keyPath: string;
  readonly knownHostsPath: string;
  readonly remoteRoot: string;
  readonly target: PackageTarget;
  readonly passphrase?: string;
}

/**
 * The user's devices (user.db `devices`). A key passphrase is stored only encrypted, with the cipher provider keys
 * use (safeStorage in the app, else the user-only key file), and is decrypted only to connect.
 */
export class DeviceStore {
  constructor(private readonly deps: { db: Db; cipher: SecretCipher; ciphers: readonly SecretCipher[]; now: () => number }) {}

  list(): Device[] {
    const rows = this.deps.db.prepare('SELECT * FROM devices ORDER BY name').all() as DeviceRow[];
    return rows.map(deviceOf);
  }

  get(name: string): Device {
    return deviceOf(this.row(name));
  }

  add(input: NewDevice): Device {
    const exists = this.deps.db.prepare('SELECT 1 FROM devices WHERE name = ?').get(input.name);
    if (exists) throw new OrreryError('already_exists', `A device named ${input.name} exists already; remove it first (orrery device remove ${input.name}) or pick another name.`);
    const cipher = input.passphrase !== undefined ? this.deps.cipher.encrypt(input.passphrase) : null;
    this.deps.db
      .prepare(
        `INSERT INTO devices (id, name, host, port, username, key_path, known_hosts_path, remote_root, target, passphrase_scheme, passphrase_cipher, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(newId('dev'), input.name, input.host, input.port, input.username, input.keyPath, input.knownHostsPath, input.remoteRoot, input.target, cipher ? this.deps.cipher.scheme : null, cipher, this.deps.now());
    return this.get(input.name);
  }

  remove(name: string): void {
    this.row(name);
    this.deps.db.prepare('DELETE FROM devices WHERE name = ?').run(name);
  }

  /** What connectSsh needs for the device, the passphrase decrypted. */
  sshTarget(name: string): SshTarget {
    const row = this.row(name);
    let passphrase: string | undefined;
    if (row.passphrase_cipher && row.passphrase_scheme) {
      const cipher = this.deps.ciphers.find((candidate) => candidate.scheme === row.passphrase_scheme);
      if (!cipher) {
        throw new OrreryError('unavailable', `The passphrase of device ${name} was stored through the desktop app's keychain, which this host cannot read; use the app, or add the device again here.`);
      }
      passphrase = cipher.decrypt(row.passphrase_cipher);
    }
    return { host: row.host, port: row.port, username: row.username, keyPath: row.key_path, knownHostsPath: row.known_hosts_path, ...(passphrase !== undefined ? { passphrase } : {}) };
  }

  private row(name: string): DeviceRow {
    const row = this.deps.db.prepare('SELECT * FROM devices WHERE name = ?').get(name) as DeviceRow | undefined;
    if (!row) throw new OrreryError('not_found', `No device named ${name}; add it with \`orrery device add ${name} --host HOST --user USER --key KEYFILE\` (orrery device list shows the known ones).`);
    return row;
  }
}

function deviceOf(row: DeviceRow): Device {
  return {
    id: row.id,
    name: row.name,
    host: row.host,
    port: row.port,
    username: row.username,
    keyPath: row.key_path,
    knownHostsPath: row.known_hosts_path,
    remoteRoot: row.remote_root,
    target: row.target,
    hasPassphrase: row.passphrase_cipher !== null,
    createdAt: row.created_at,
  };
}
