import { OrreryError } from '../../../app/contract/errors';
import { fingerprint, keyTypeOf, knownHostName, type HostKeyCheck } from './known-hosts';
import type { SshTarget } from './ssh-connection';

/** The errors an SSH connection answers with: each says what happened and what the user can do. */

/** How long a handshake may take unless the target says otherwise. */
export const defaultReadyTimeoutMs = 20_000;

/** The error for a host key that is not trusted, or null when it is. */
export function hostKeyRefusal(target: SshTarget, check: HostKeyCheck, key: Buffer): OrreryError | null {
  const name = knownHostName(target.host, target.port);
  const seen = `${keyTypeOf(key)} ${fingerprint(key)}`;
  switch (check.status) {
    case 'trusted':
      return null;
    case 'unknown':
      return new OrreryError(
        'forbidden',
        `The host key of ${name} is not in ${target.knownHostsPath}, so Orrery will not connect. The server presented ${seen}. ` +
          `Check that fingerprint on the device (\`ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub\` there), then add it: ` +
          `\`ssh-keyscan -p ${target.port} ${target.host} >> ${target.knownHostsPath}\` or \`orrery device trust NAME\` (which shows the fingerprint and asks before recording it).`,
      );
    case 'revoked':
      return new OrreryError('forbidden', `The host key ${seen} of ${name} is marked @revoked in ${target.knownHostsPath} (line ${check.line}); Orrery will not connect.`);
    case 'mismatch': {
      const expected = check.expected.map((entry) => `${entry.keyType} ${entry.fingerprint} (line ${entry.line})`).join(', ');
      return new OrreryError(
        'forbidden',
        `HOST KEY MISMATCH for ${name}: ${target.knownHostsPath} expects ${expected} but the server presented ${seen}. ` +
          `Someone may be intercepting the connection, or the device's key changed. Nothing was sent. If the change is expected, ` +
          `remove the old line (\`ssh-keygen -R '${name}' -f ${target.knownHostsPath}\`) and trust the new key after checking it on the device.`,
      );
    }
  }
}

/** Turns an ssh2 connect error into what the user can do about it. */
export function connectError(target: SshTarget, error: Error & { level?: string; code?: string }): OrreryError {
  const where = describe(target);
  if (error.level === 'client-authentication') {
    return new OrreryError('unauthorized', `${where} refused the key ${target.keyPath} for user ${target.username}; add its public key (${target.keyPath}.pub) to ~/.ssh/authorized_keys on the device.`, { cause: error });
  }
  if (error.level === 'client-timeout') {
    return new OrreryError('timeout', `${where} did not complete the SSH handshake in ${target.readyTimeoutMs ?? defaultReadyTimeoutMs} ms; check that the device is up and that the port is SSH.`, { cause: error });
  }
  if (error.level === 'client-socket' || error.level === 'client-dns' || error.code) {
    return new OrreryError('unavailable', `Cannot reach ${where}: ${error.message}. Check the host, the port and that sshd runs on the device.`, { cause: error });
  }
  return new OrreryError('unavailable', `The SSH connection to ${where} failed: ${error.message}.`, { cause: error });
}

export function describe(target: SshTarget): string {
  return `${target.username}@${target.host}:${target.port}`;
}
