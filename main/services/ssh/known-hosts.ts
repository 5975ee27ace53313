import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { OrreryError } from '../../../app/contract/errors';

/**
 * OpenSSH known_hosts files: parsing, matching a host (plain names, `[host]:port`, hashed `|1|salt|hash` entries,
 * `*`/`?` patterns and `!` negations), SHA-256 fingerprints as `ssh-keygen -l` prints them, and adding an entry.
 */

/** One key line of a known_hosts file. */
export interface KnownHostEntry {
  /** `@revoked` lines refuse the key; `@cert-authority` lines are kept but never match a plain host key. */
  readonly marker: 'revoked' | 'cert-authority' | null;
  /** The host patterns of the line (comma separated in the file), or the hashed form. */
  readonly hosts: readonly string[];
  readonly keyType: string;
  /** The public key blob (the base64 field decoded). */
  readonly key: Buffer;
  /** 1-based line number, for messages. */
  readonly line: number;
}

/** A host's public key as a server presented it. */
export interface HostKey {
  readonly keyType: string;
  readonly key: Buffer;
}

/** Parses a known_hosts text; comments, blank lines and lines it cannot read are skipped (as ssh does). */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'] = null;
    if (fields[0]?.startsWith('@')) {
      const name = fields.shift();
      if (name === '@revoked') marker = 'revoked';
      else if (name === '@cert-authority') marker = 'cert-authority';
      else return;
    }
    const [hostField, keyType, keyBase64] = fields;
    if (!hostField || !keyType || !keyBase64 || !/^[A-Za-z0-9+/]+=*$/.test(keyBase64)) return;
    entries.push({ marker, hosts: hostField.split(','), keyType, key: Buffer.from(keyBase64, 'base64'), line: index + 1 });
  });
  return entries;
}

/** How a host is named in known_hosts: `host` on port 22, `[host]:port` otherwise. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** True when one host field of a line (plain, pattern or hashed) names this host. */
function patternMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (!salt || !hash) return false;
    const expected = Buffer.from(hash, 'base64');
    const actual = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest();
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return regex.test(name);
}

/** True when the line's host list names the host (a matching `!pattern` excludes it, as in ssh). */
export function entryMatchesHost(entry: KnownHostEntry, host: string, port: number): boolean {
  const name = knownHostName(host, port);
  let matched = false;
  for (const pattern of entry.hosts) {
    if (pattern.startsWith('!')) {
      if (patternMatches(pattern.slice(1), name)) return false;
    } else if (patternMatches(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

/** The key lines for a host (plain key lines first, no cert-authority lines). */
export function entriesForHost(entries: readonly KnownHostEntry[], host: string, port: number): KnownHostEntry[] {
  return entries.filter((entry) => entry.marker !== 'cert-authority' && entryMatchesHost(entry, host, port));
}

/** `SHA256:<base64 without padding>`, the form `ssh-keygen -lf` and ssh's own warnings print. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The key type written inside a public key blob (its first SSH string). */
export function keyTypeOf(key: Buffer): string {
  if (key.length < 4) return 'unknown';
  const length = key.readUInt32BE(0);
  return key.subarray(4, 4 + length).toString('ascii');
}

/** The outcome of looking a presented host key up. */
export type HostKeyCheck =
  | { readonly status: 'trusted'; readonly line: number }
  | { readonly status: 'unknown' }
  | { readonly status: 'revoked'; readonly line: number }
  | { readonly status: 'mismatch'; readonly expected: readonly { readonly keyType: string; readonly fingerprint: string; readonly line: number }[] };

/**
 * Checks a presented key against the host's lines: revoked beats everything; a line with the same key trusts it;
 * lines for the host with other keys make it a mismatch (a changed key, or someone in between); none → unknown.
 */
export function checkHostKey(entries: readonly KnownHostEntry[], host: string, port: number, presented: Buffer): HostKeyCheck {
  const lines = entriesForHost(entries, host, port);
  const revoked = lines.find((entry) => entry.marker === 'revoked' && entry.key.equals(presented));
  if (revoked) return { status: 'revoked', line: revoked.line };
  const keys = lines.filter((entry) => entry.marker === null);
  const same = keys.find((entry) => entry.key.equals(presented));
  if (same) return { status: 'trusted', line: same.line };
  if (keys.length === 0) return { status: 'unknown' };
  return { status: 'mismatch', expected: keys.map((entry) => ({ keyType: entry.keyType, fingerprint: fingerprint(entry.key), line: entry.line })) };
}

/** Reads a known_hosts file; a missing file reads as empty (every host then counts as unknown). */
export async function readKnownHosts(file: string): Promise<KnownHostEntry[]> {
  try {
    return parseKnownHosts(await readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new OrreryError('invalid_file', `The known_hosts file ${file} could not be read: ${(error as Error).message}`, { cause: error });
  }
}

/** The known_hosts line for a host key, hashed like `ssh-keygen -H` makes it when `hashed` is set. */
export function knownHostsLine(host: string, port: number, hostKey: HostKey, hashed = false): string {
  const name = knownHostName(host, port);
  let field = name;
  if (hashed) {
    const salt = randomBytes(20);
    field = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
  }
  return `${field} ${hostKey.keyType} ${hostKey.key.toString('base64')}`;
}

/**
 * Appends a host key to a known_hosts file (made with mode 0600, folder 0700, when missing). Only call it after
 * the user confirmed the fingerprint: this is what makes Orrery trust the host.
 */
export async function addKnownHost(file: string, host: string, port: number, hostKey: HostKey, options: { readonly hashed?: boolean } = {}): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  let prefix = '';
  try {
    const existing = await readFile(file, 'utf8');
    if (existing.length > 0 && !existing.endsWith('\n')) prefix = '\n';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await appendFile(file, `${prefix}${knownHostsLine(host, port, hostKey, options.hashed)}\n`, { mode: 0o600 });
}

/** The ssh2 host key algorithms that can present a key of a known_hosts key type (RSA keys sign with SHA-2 too). */
export function algorithmsForKeyType(keyType: string): string[] {
  if (keyType === 'ssh-rsa') return ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
  return [keyType];
}
