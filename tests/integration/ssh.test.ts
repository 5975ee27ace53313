import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addKnownHost, knownHostsLine, parseKnownHosts } from '../../main/services/ssh/known-hosts';
import { connectSsh, fetchHostKey, shellQuote, type SshConnection, type SshTarget } from '../../main/services/ssh/ssh-connection';
import { startSshd, type SshdFixture } from '../fixtures/sshd/sshd';

/** The SSH library against a real OpenSSH server on a loopback port. */

let sshd: SshdFixture;

function target(overrides: Partial<SshTarget> = {}): SshTarget {
  return { host: sshd.host, port: sshd.port, username: sshd.username, keyPath: sshd.keyPath, knownHostsPath: sshd.knownHostsPath, ...overrides };
}

beforeAll(async () => {
  sshd = await startSshd();
});

afterAll(async () => {
  await sshd?.stop();
});

describe('connectSsh', () => {
  it('runs commands, passes stdin, reports exit codes and checks the host key', async () => {
    const connection = await connectSsh(target());
    try {
      expect(connection.hostKeyFingerprint).toBe(sshd.hostKeyFingerprint);
      const hello = await connection.exec(`printf %s ${shellQuote("it's here")}; echo err >&2; exit 3`);
      expect(hello).toMatchObject({ code: 3, stdout: "it's here", stderr: 'err\n' });
      const echoed = await connection.exec('cat', { stdin: 'from stdin' });
      expect(echoed.stdout).toBe('from stdin');
    } finally {
      await connection.close();
    }
  });

  it('copies files both ways through a .partial name, reads from an offset, makes folders', async () => {
    const connection = await connectSsh(target());
    try {
      const local = path.join(sshd.dir, 'payload.bin');
      const payload = randomBytes(3 * 1024 * 1024 + 17);
      await writeFile(local, payload);
      const remoteDir = path.join(sshd.dir, 'remote', 'a', 'b');
      await connection.mkdirp(remoteDir);
      await connection.mkdirp(remoteDir);
      const seen: number[] = [];
      await connection.putFile(local, `${remoteDir}/payload.bin`, { onProgress: (done, total) => seen.push(done / total) });
      expect(seen.at(-1)).toBe(1);
      expect((await readFile(`${remoteDir}/payload.bin`)).equals(payload)).toBe(true);
      const listing = await connection.exec(`ls ${shellQuote(remoteDir)}`);
      expect(listing.stdout.trim()).toBe('payload.bin');
      // A second put replaces the file atomically.
      await writeFile(local, 'v2');
      await connection.putFile(local, `${remoteDir}/payload.bin`);
      expect(await readFile(`${remoteDir}/payload.bin`, 'utf8')).toBe('v2');
      const back = path.join(sshd.dir, 'back.bin');
      await connection.getFile(`${remoteDir}/payload.bin`, back);
      expect(await readFile(back, 'utf8')).toBe('v2');
      expect((await connection.readFrom(`${remoteDir}/payload.bin`, 1)).toString()).toBe('2');
      expect((await connection.readFrom(`${remoteDir}/missing.log`, 0)).length).toBe(0);
      const home = await connection.realpath('~');
      expect(await connection.realpath('~/')).toBe(home);
    } finally {
      await connection.close();
    }
  });

  it('times out and cancels remote commands', async () => {
    const connection = await connectSsh(target());
    try {
      await expect(connection.exec('sleep 31.25', { timeoutMs: 300 })).rejects.toMatchObject({ code: 'timeout' });
      // The remote command was killed too (its process group, which it printed first), within a few seconds.
      let left = 'not checked';
      for (let i = 0; i < 50 && left !== ''; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        left = (await connection.exec("pgrep -f 'sleep 31[.]25' || true")).stdout;
      }
      expect(left).toBe('');
      const controller = new AbortController();
      const pending = connection.exec('sleep 30', { signal: controller.signal });
      setTimeout(() => controller.abort(), 100);
      await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
      expect(await connection.exec('echo out; echo err >&2', { timeoutMs: 10_000 })).toMatchObject({ code: 0, stdout: 'out\n', stderr: 'err\n' });
    } finally {
      await connection.close();
    }
  });

  it('fails operations in flight with a clear error when the connection drops mid-copy', async () => {
    const connection = await connectSsh(target());
    const local = path.join(sshd.dir, 'big.bin');
    await writeFile(local, randomBytes(64 * 1024 * 1024));
    const remote = path.join(sshd.dir, 'big-remote.bin');
    let dropped = false;
    const copy = connection.putFile(local, remote, {
      onProgress: (done) => {
        if (!dropped && done > 1024 * 1024) {
          dropped = true;
          void sshd.dropConnections();
        }
      },
    });
    await expect(copy).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/dropped/) });
    await expect(readFile(remote)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(connection.exec('true')).rejects.toMatchObject({ code: 'unavailable' });
    await connection.close();
  });

  it('accepts hashed known_hosts entries and refuses revoked keys', async () => {
    const [, keyType = '', keyBase64 = ''] = (await readFile(sshd.knownHostsPath, 'utf8')).trim().split(' ');
    const hashed = path.join(sshd.dir, 'known_hosts.hashed');
    await writeFile(hashed, `# comment\n${knownHostsLine(sshd.host, sshd.port, { keyType, key: Buffer.from(keyBase64, 'base64') }, true)}\n`);
    expect(parseKnownHosts(await readFile(hashed, 'utf8'))[0]?.hosts[0]).toMatch(/^\|1\|/);
    const connection = await connectSsh(target({ knownHostsPath: hashed }));
    await connection.close();
    const revoked = path.join(sshd.dir, 'known_hosts.revoked');
    await writeFile(revoked, `${await readFile(sshd.knownHostsPath, 'utf8')}@revoked * ${keyType} ${keyBase64}\n`);
    await expect(connectSsh(target({ knownHostsPath: revoked }))).rejects.toMatchObject({ code: 'forbidden', message: expect.stringMatching(/revoked/) });
  });

  it('refuses an unknown host, naming the fingerprint and how to add it; trusting it then works', async () => {
    const empty = path.join(sshd.dir, 'known_hosts.empty');
    const refused = connectSsh(target({ knownHostsPath: empty }));
    await expect(refused).rejects.toMatchObject({ code: 'forbidden' });
    const message = ((await refused.catch((error: Error) => error)) as Error).message;
    expect(message).toContain(sshd.hostKeyFingerprint);
    expect(message).toContain(`ssh-keyscan -p ${sshd.port} 127.0.0.1 >> ${empty}`);
    const presented = await fetchHostKey(sshd.host, sshd.port);
    expect(presented.fingerprint).toBe(sshd.hostKeyFingerprint);
    await addKnownHost(empty, sshd.host, sshd.port, presented);
    const connection = await connectSsh(target({ knownHostsPath: empty }));
    await connection.close();
  });

  it('refuses a changed host key before logging in, naming both fingerprints', async () => {
    const other = await startSshd({ userKeyPath: sshd.keyPath });
    try {
      const wrong = path.join(sshd.dir, 'known_hosts.wrong');
      // known_hosts says the other server's address has this server's key: the key presented is "changed".
      await writeFile(wrong, `[127.0.0.1]:${other.port} ${sshd.hostPublicKey}\n`);
      const refused = connectSsh(target({ port: other.port, knownHostsPath: wrong }));
      const error = (await refused.catch((caught: Error) => caught)) as Error & { code?: string };
      expect(error.code).toBe('forbidden');
      expect(error.message).toContain('HOST KEY MISMATCH');
      expect(error.message).toContain(sshd.hostKeyFingerprint);
      expect(error.message).toContain(other.hostKeyFingerprint);
      // Nothing logged in: the other server saw no accepted key.
      expect(await other.log()).not.toMatch(/Accepted publickey/);
    } finally {
      await other.stop();
    }
  });

  it('names an unreachable port, a refused key, a missing key and a wrong passphrase', async () => {
    const closed = await startSshd();
    const closedPort = closed.port;
    await closed.stop();
    await expect(connectSsh(target({ port: closedPort }))).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/Cannot reach/) });
    const stranger = await startSshd();
    try {
      await expect(connectSsh(target({ keyPath: stranger.keyPath }))).rejects.toMatchObject({ code: 'unauthorized' });
    } finally {
      await stranger.stop();
    }
    await expect(connectSsh(target({ keyPath: path.join(sshd.dir, 'nope') }))).rejects.toMatchObject({ code: 'not_found' });
    const locked = await startSshd({ userKeyPassphrase: 'right horse' });
    try {
      const lockedTarget: SshTarget = { host: locked.host, port: locked.port, username: locked.username, keyPath: locked.keyPath, knownHostsPath: locked.knownHostsPath };
      await expect(connectSsh(lockedTarget)).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/passphrase/) });
      await expect(connectSsh({ ...lockedTarget, passphrase: 'wrong' })).rejects.toMatchObject({ code: 'invalid_input' });
      const connection: SshConnection = await connectSsh({ ...lockedTarget, passphrase: 'right horse' });
      expect((await connection.exec('echo ok')).stdout).toBe('ok\n');
      await connection.close();
    } finally {
      await locked.stop();
    }
  });

  it('times out a handshake with a server that never speaks', async () => {
    const net = await import('node:net');
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as import('node:net').AddressInfo).port;
    try {
      await expect(connectSsh(target({ port, readyTimeoutMs: 500 }))).rejects.toMatchObject({ code: 'timeout' });
    } finally {
      silent.close();
    }
  });
});
