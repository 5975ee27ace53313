import { existsSync, readdirSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isOrreryError, type OrreryError } from '../../../../../app/contract/errors';
import { chooseCiphers, keyFileCipher, keyFileName, type SafeStorageLike } from '../../../../../main/services/prompts/secrets';

const secret = 'sk-proj-VERY-secret-0123456789abcdef';
const posix = process.platform !== 'win32';

/** The error a call throws (fails the test when it throws none). */
function thrown(run: () => unknown): OrreryError {
  try {
    run();
  } catch (error) {
    if (isOrreryError(error)) return error;
    throw error;
  }
  throw new Error('expected an error');
}

/**
 * Electron's safeStorage cannot run here (no Electron binary): a stand-in with its contract (an opaque buffer that
 * only this instance decrypts; decryptString throws on anything else), so the choice between ciphers is what is tested.
 */
function fakeSafeStorage(available: boolean): SafeStorageLike & { readonly calls: string[] } {
  const calls: string[] = [];
  const mask = 0x5a;
  return {
    calls,
    isEncryptionAvailable: () => available,
    encryptString(plain) {
      calls.push('encrypt');
      return Buffer.concat([Buffer.from('v10'), Buffer.from(plain, 'utf8').map((byte) => byte ^ mask)]);
    },
    decryptString(cipher) {
      calls.push('decrypt');
      if (cipher.subarray(0, 3).toString() !== 'v10') throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return Buffer.from(cipher.subarray(3).map((byte) => byte ^ mask)).toString('utf8');
    },
  };
}

describe('keyFileCipher', () => {
  let dir: string;
  let home: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'orrery-secrets-'));
    home = path.join(dir, 'home');
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('encrypts with AES-256-GCM: a round trip, a fresh IV each time, no plain text in the bytes', () => {
    const cipher = keyFileCipher(home);
    expect(cipher.scheme).toBe('key-file');
    const a = cipher.encrypt(secret);
    const b = cipher.encrypt(secret);
    // version byte + 12-byte IV + 16-byte tag + ciphertext as long as the UTF-8 text
    expect(a.length).toBe(1 + 12 + 16 + Buffer.byteLength(secret));
    expect(a.subarray(1, 13).equals(b.subarray(1, 13))).toBe(false);
    expect(a.equals(b)).toBe(false);
    expect(a.includes(Buffer.from(secret))).toBe(false);
    expect(cipher.decrypt(a)).toBe(secret);
    expect(cipher.decrypt(b)).toBe(secret);
    expect(cipher.decrypt(cipher.encrypt('ключ 🔑'))).toBe('ключ 🔑');
  });

  it('makes the key file on first use only: 32 bytes, mode 0600, in a folder made 0700', async () => {
    const cipher = keyFileCipher(home);
    expect(existsSync(home)).toBe(false);
    const blob = cipher.encrypt(secret);
    const file = path.join(home, keyFileName);
    expect((await readFile(file)).length).toBe(32);
    if (posix) {
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect((await stat(home)).mode & 0o777).toBe(0o700);
    }
    // No temporary file is left beside it.
    expect(readdirSync(home)).toEqual([keyFileName]);
    // Another cipher over the same folder reads the same key.
    expect(keyFileCipher(home).decrypt(blob)).toBe(secret);
  });

  it.runIf(posix)('makes the key file 0600 whatever the umask', async () => {
    const previous = process.umask(0o000);
    try {
      keyFileCipher(home).encrypt(secret);
    } finally {
      process.umask(previous);
    }
    expect((await stat(path.join(home, keyFileName))).mode & 0o777).toBe(0o600);
  });

  it('refuses a changed ciphertext, a changed tag and another key file, saying to enter the key again', async () => {
    const cipher = keyFileCipher(home);
    const blob = cipher.encrypt(secret);
    const changedBody = Buffer.from(blob);
    changedBody[changedBody.length - 1]! ^= 0x01;
    const changedTag = Buffer.from(blob);
    changedTag[20]! ^= 0x80;
    for (const bad of [changedBody, changedTag, blob.subarray(0, 10), Buffer.concat([Buffer.from([9]), blob.subarray(1)])]) {
      const error = thrown(() => cipher.decrypt(bad));
      expect(error.code).toBe('invalid_file');
      expect(error.message).toMatch(/enter the key again/);
      expect(error.message).not.toContain(secret);
    }
    const other = path.join(dir, 'other');
    expect(thrown(() => keyFileCipher(other).decrypt(blob)).message).toContain(path.join(other, keyFileName));
  });

  it.runIf(posix)('refuses a key file that others can read, naming the chmod that fixes it', async () => {
    const cipher = keyFileCipher(home);
    const blob = cipher.encrypt(secret);
    const file = path.join(home, keyFileName);
    await chmod(file, 0o644);
    const error = thrown(() => keyFileCipher(home).decrypt(blob));
    expect(error.code).toBe('forbidden');
    expect(error.message).toContain(`chmod 600 ${file}`);
    expect(thrown(() => keyFileCipher(home).encrypt(secret)).code).toBe('forbidden');
    await chmod(file, 0o640);
    expect(thrown(() => keyFileCipher(home).decrypt(blob)).code).toBe('forbidden');
    await chmod(file, 0o600);
    expect(keyFileCipher(home).decrypt(blob)).toBe(secret);
  });

  it('refuses a key file of the wrong size rather than use or replace it', async () => {
    keyFileCipher(home).encrypt(secret);
    const file = path.join(home, keyFileName);
    await writeFile(file, Buffer.alloc(16), { mode: 0o600 });
    const error = thrown(() => keyFileCipher(home).encrypt(secret));
    expect(error.code).toBe('invalid_file');
    expect(error.message).toContain('16 bytes');
    expect((await readFile(file)).length).toBe(16);
  });
});

describe('chooseCiphers', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'orrery-ciphers-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stores new keys through safeStorage when the shell has it, and still reads key-file keys', () => {
    const fileBlob = keyFileCipher(dir).encrypt(secret);
    const safe = fakeSafeStorage(true);
    const { primary, all } = chooseCiphers(safe, dir);
    expect(primary.scheme).toBe('safe-storage');
    expect(all.map((cipher) => cipher.scheme)).toEqual(['safe-storage', 'key-file']);
    const blob = primary.encrypt(secret);
    expect(blob.includes(Buffer.from(secret))).toBe(false);
    expect(primary.decrypt(blob)).toBe(secret);
    expect(all.find((cipher) => cipher.scheme === 'key-file')!.decrypt(fileBlob)).toBe(secret);
    expect(safe.calls).toEqual(['encrypt', 'decrypt']);
  });

  it('makes no key file until a key is stored or read with it', () => {
    const home = path.join(dir, 'home');
    chooseCiphers(fakeSafeStorage(true), home).primary.encrypt(secret);
    chooseCiphers(undefined, home);
    expect(existsSync(path.join(home, keyFileName))).toBe(false);
    chooseCiphers(undefined, home).primary.encrypt(secret);
    expect(existsSync(path.join(home, keyFileName))).toBe(true);
  });

  it('uses the key file where safeStorage is absent or cannot encrypt', () => {
    for (const safe of [undefined, fakeSafeStorage(false)]) {
      const { primary, all } = chooseCiphers(safe, dir);
      expect(primary.scheme).toBe('key-file');
      expect(all.map((cipher) => cipher.scheme)).toEqual(['key-file']);
      expect(primary.decrypt(primary.encrypt(secret))).toBe(secret);
    }
  });

  it('answers a keychain that cannot decrypt with a clear error, without the key', () => {
    const { primary } = chooseCiphers(fakeSafeStorage(true), dir);
    const error = thrown(() => primary.decrypt(Buffer.from('garbage')));
    expect(error.code).toBe('unavailable');
    expect(error.message).toMatch(/OS keychain.*enter the key again/);
  });
});
