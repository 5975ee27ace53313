import { createHmac } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addKnownHost, algorithmsForKeyType, checkHostKey, entryMatchesHost, fingerprint, keyTypeOf, knownHostName, parseKnownHosts, readKnownHosts } from '../../../../../main/services/ssh/known-hosts';

/** A public key blob of the given type (the type string, then some key bytes). */
function blob(type: string, fill: number): Buffer {
  const name = Buffer.from(type);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(name.length);
  return Buffer.concat([length, name, Buffer.alloc(32, fill)]);
}

const keyA = blob('ssh-ed25519', 1);
const keyB = blob('ssh-ed25519', 2);
const line = (hosts: string, key: Buffer, marker = '') => `${marker}${hosts} ${keyTypeOf(key)} ${key.toString('base64')}`;

describe('known_hosts', () => {
  it('names hosts the way ssh does', () => {
    expect(knownHostName('dev.local', 22)).toBe('dev.local');
    expect(knownHostName('127.0.0.1', 2222)).toBe('[127.0.0.1]:2222');
  });

  it('parses plain, bracketed, pattern, negated and marker lines; skips comments and junk', () => {
    const entries = parseKnownHosts(['# c', '', line('a.example,b.example', keyA), line('[127.0.0.1]:2222', keyB), '@revoked * ssh-ed25519 ' + keyA.toString('base64'), '@weird x y z', 'only two', line('*.lan,!bad.lan', keyA)].join('\n'));
    expect(entries).toHaveLength(4);
    expect(entries[0]).toMatchObject({ hosts: ['a.example', 'b.example'], keyType: 'ssh-ed25519', marker: null, line: 3 });
    expect(entries[2]?.marker).toBe('revoked');
    expect(entryMatchesHost(entries[0]!, 'b.example', 22)).toBe(true);
    expect(entryMatchesHost(entries[0]!, 'b.example', 2200)).toBe(false);
    expect(entryMatchesHost(entries[1]!, '127.0.0.1', 2222)).toBe(true);
    expect(entryMatchesHost(entries[1]!, '127.0.0.1', 22)).toBe(false);
    expect(entryMatchesHost(entries[3]!, 'good.lan', 22)).toBe(true);
    expect(entryMatchesHost(entries[3]!, 'bad.lan', 22)).toBe(false);
  });

  it('matches hashed |1|salt|hash entries (HMAC-SHA1 of the name)', () => {
    const salt = Buffer.alloc(20, 7);
    const hash = createHmac('sha1', salt).update('[10.0.0.5]:2022').digest('base64');
    const [entry] = parseKnownHosts(line(`|1|${salt.toString('base64')}|${hash}`, keyA));
    expect(entryMatchesHost(entry!, '10.0.0.5', 2022)).toBe(true);
    expect(entryMatchesHost(entry!, '10.0.0.6', 2022)).toBe(false);
  });

  it('trusts the same key, reports a mismatch with the expected fingerprints, unknown and revoked', () => {
    const entries = parseKnownHosts([line('[h]:1', keyA), line('other', keyB), line('*', keyB, '@revoked ')].join('\n'));
    expect(checkHostKey(entries, 'h', 1, keyA)).toEqual({ status: 'trusted', line: 1 });
    expect(checkHostKey(entries, 'h', 1, blob('ssh-ed25519', 9))).toEqual({ status: 'mismatch', expected: [{ keyType: 'ssh-ed25519', fingerprint: fingerprint(keyA), line: 1 }] });
    expect(checkHostKey(entries, 'nobody', 22, blob('ssh-ed25519', 9))).toEqual({ status: 'unknown' });
    expect(checkHostKey(entries, 'other', 22, keyB)).toEqual({ status: 'revoked', line: 3 });
  });

  it('prints fingerprints like ssh-keygen -l and maps RSA to its SHA-2 algorithms', () => {
    expect(fingerprint(keyA)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(algorithmsForKeyType('ssh-rsa')).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    expect(algorithmsForKeyType('ssh-ed25519')).toEqual(['ssh-ed25519']);
  });

  it('adds a host (plain or hashed) to a new or existing file, which then trusts it', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'orrery-kh-'));
    const file = path.join(dir, 'sub', 'known_hosts');
    expect(await readKnownHosts(file)).toEqual([]);
    await addKnownHost(file, '127.0.0.1', 2222, { keyType: 'ssh-ed25519', key: keyA });
    await writeFile(file, (await readFile(file, 'utf8')).trimEnd());
    await addKnownHost(file, 'dev', 22, { keyType: 'ssh-ed25519', key: keyB }, { hashed: true });
    const text = await readFile(file, 'utf8');
    expect(text.split('\n')[0]).toBe(line('[127.0.0.1]:2222', keyA));
    expect(text).not.toContain(' dev ');
    const entries = await readKnownHosts(file);
    expect(checkHostKey(entries, '127.0.0.1', 2222, keyA).status).toBe('trusted');
    expect(checkHostKey(entries, 'dev', 22, keyB).status).toBe('trusted');
  });
});
