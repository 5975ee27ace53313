import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, linkSync, lstatSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import path from 'node:path';
import { OrreryError } from '../../../app/contract/errors';

/** Encrypts provider keys at rest: Electron's safeStorage (OS keychain) or AES-256-GCM with a user-only key file. */
export interface SecretCipher {
  readonly scheme: 'safe-storage' | 'key-file';
  encrypt(plain: string): Buffer;
  decrypt(cipher: Buffer): string;
}

/** The key file's name in the user folder. */
export const keyFileName = 'secrets.key';

const keyBytes = 32;
const ivBytes = 12;
const tagBytes = 16;
/** First byte of every key-file ciphertext: the layout below (version, IV, tag, ciphertext). */
const formatVersion = 1;
/** Bound to every ciphertext, so a blob encrypted for another purpose with the same key does not decrypt here. */
const associatedData = Buffer.from('orrery provider key v1');

/**
 * AES-256-GCM with `<userHome>/secrets.key` (32 random bytes, mode 0600, made on first use). Each secret gets a
 * random 12-byte IV; the 16-byte tag is checked on decrypt, so a changed key file or damaged ciphertext is refused
 * rather than answered as garbage. The key is read (or made) once, on the first encrypt or decrypt; a key file
 * that others can read is refused until it is made private.
 */
export function keyFileCipher(userHome: string): SecretCipher {
  const file = path.join(userHome, keyFileName);
  let key: Buffer | null = null;
  const load = () => (key ??= loadOrCreateKey(file));
  return {
    scheme: 'key-file',
    encrypt(plain) {
      const iv = randomBytes(ivBytes);
      const cipher = createCipheriv('aes-256-gcm', load(), iv, { authTagLength: tagBytes });
      cipher.setAAD(associatedData);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return Buffer.concat([Buffer.from([formatVersion]), iv, cipher.getAuthTag(), body]);
    },
    decrypt(blob) {
      const secret = load();
      if (blob.length < 1 + ivBytes + tagBytes || blob[0] !== formatVersion) {
        throw new OrreryError('invalid_file', `A stored key is not in Orrery's key-file format (${file}); enter the key again.`);
      }
      const iv = blob.subarray(1, 1 + ivBytes);
      const tag = blob.subarray(1 + ivBytes, 1 + ivBytes + tagBytes);
      const decipher = createDecipheriv('aes-256-gcm', secret, iv, { authTagLength: tagBytes });
      decipher.setAAD(associatedData);
      decipher.setAuthTag(tag);
      try {
        return Buffer.concat([decipher.update(blob.subarray(1 + ivBytes + tagBytes)), decipher.final()]).toString('utf8');
      } catch (error) {
        // Node's own message ("Unsupported state or unable to authenticate data") says nothing useful to a user.
        throw new OrreryError(
          'invalid_file',
          `A stored key could not be decrypted with ${file}: the key file was replaced or the stored key is damaged; enter the key again.`,
          { cause: error },
        );
      }
    },
  };
}

/** Reads the key file, making it first when there is none (a race with another process keeps the first one made). */
function loadOrCreateKey(file: string): Buffer {
  const existing = readKeyFile(file);
  if (existing) return existing;
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  createKeyFile(file);
  const made = readKeyFile(file);
  if (!made) throw new OrreryError('internal', `The key file ${file} vanished right after it was made.`);
  return made;
}

/** The key, or null when there is no key file; refuses a file that is not private to this user or not a key. */
function readKeyFile(file: string): Buffer | null {
  let stats: Stats;
  try {
    stats = lstatSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  if (!stats.isFile()) {
    throw new OrreryError('invalid_file', `${file} is not a regular file; move it away (Orrery then makes a new key file) and enter your provider keys again.`);
  }
  if (process.platform !== 'win32') {
    if ((stats.mode & 0o077) !== 0) {
      throw new OrreryError(
        'forbidden',
        `The key file ${file} can be read by other users (mode ${(stats.mode & 0o777).toString(8)}), so Orrery will not use it. Run \`chmod 600 ${file}\`; if someone else may have read it, also change your provider keys.`,
      );
    }
    const uid = process.getuid?.();
    if (uid !== undefined && stats.uid !== uid) {
      throw new OrreryError('forbidden', `The key file ${file} belongs to another user (uid ${stats.uid}); Orrery uses only a key file of its own user.`);
    }
  }
  const key = readFileSync(file);
  if (key.length !== keyBytes) {
    throw new OrreryError('invalid_file', `${file} is not an Orrery key file (it holds ${key.length} bytes, not ${keyBytes}); move it away and enter your provider keys again.`);
  }
  return key;
}

/**
 * Writes 32 random bytes to a private temporary file (created 0600, fsynced) and links it into place: the key
 * file never exists with other permissions or half written, and `link` never replaces a key file another process
 * made meanwhile (whose key may already encrypt something); that one is kept.
 */
function createKeyFile(file: string): void {
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    // The umask can only take bits away; fchmod makes it exactly 0600 either way.
    if (process.platform !== 'win32') fchmodSync(fd, 0o600);
    writeSync(fd, randomBytes(keyBytes));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temporary);
  }
}

/** Encryption through the desktop shell (Electron's safeStorage: the OS keychain); absent in the web host and CLI. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(cipher: Buffer): string;
}

/** A cipher over Electron's safeStorage. */
export function safeStorageCipher(safeStorage: SafeStorageLike): SecretCipher {
  return {
    scheme: 'safe-storage',
    encrypt: (plain) => safeStorage.encryptString(plain),
    decrypt(blob) {
      try {
        return safeStorage.decryptString(blob);
      } catch (error) {
        throw new OrreryError('unavailable', 'A key stored in the OS keychain could not be decrypted (the keychain was reset or is locked); enter the key again.', { cause: error });
      }
    },
  };
}

/**
 * The cipher for new keys (safeStorage where the shell has it, else the key file) and every cipher that can read
 * stored keys (a key stored by the app through safeStorage cannot be read by the CLI: it says so). The key file
 * is only made when a key is first stored or read with it.
 */
export function chooseCiphers(safeStorage: SafeStorageLike | undefined, userHome: string): { primary: SecretCipher; all: SecretCipher[] } {
  const file = keyFileCipher(userHome);
  if (safeStorage?.isEncryptionAvailable()) {
    const safe = safeStorageCipher(safeStorage);
    return { primary: safe, all: [safe, file] };
  }
  return { primary: file, all: [file] };
}
