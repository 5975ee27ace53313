import { readFile, stat } from 'node:fs/promises';
import { Client, utils, type ClientChannel, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import { OrreryError, isOrreryError } from '../../../app/contract/errors';
import { algorithmsForKeyType, checkHostKey, entriesForHost, fingerprint, keyTypeOf, readKnownHosts, type HostKey } from './known-hosts';
import { connectError, defaultReadyTimeoutMs, describe, hostKeyRefusal } from './ssh-errors';

/**
 * One SSH connection (ssh2) to a device or a cluster login node: key authentication, the host key checked against
 * a known_hosts file (an unknown or changed key is refused), commands, and file copies over SFTP.
 * Shared by edge deploys (main/services/deploy) and Slurm over SSH (main/services/jobs).
 */

/** Where to connect and how to prove who we are. */
export interface SshTarget {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  /** The private key file (OpenSSH or PEM format). */
  readonly keyPath: string;
  readonly passphrase?: string;
  /** The known_hosts file the host key must be found in (hashed entries and [host]:port forms understood). */
  readonly knownHostsPath: string;
  readonly readyTimeoutMs?: number;
}

/** What a remote command did. */
export interface SshExecResult {
  readonly code: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface SshExecOptions {
  readonly stdin?: string | Buffer;
  readonly timeoutMs?: number;
  readonly onStdout?: (chunk: string) => void;
  readonly onStderr?: (chunk: string) => void;
  readonly signal?: AbortSignal;
}

/** An open connection; `close()` ends it. */
export interface SshConnection {
  /** The SHA256 fingerprint of the host key the server proved it holds. */
  readonly hostKeyFingerprint: string;
  exec(command: string, options?: SshExecOptions): Promise<SshExecResult>;
  /** Copies a local file to `remotePath` through `remotePath + '.partial'` and a rename, so no half file is left under the name. */
  putFile(localPath: string, remotePath: string, options?: { readonly mode?: number; readonly onProgress?: (done: number, total: number) => void }): Promise<void>;
  getFile(remotePath: string, localPath: string): Promise<void>;
  /** Reads a remote file from byte `start` (for following logs); '' when it does not exist yet. */
  readFrom(remotePath: string, start: number): Promise<Buffer>;
  mkdirp(remotePath: string): Promise<void>;
  /** The absolute remote path (`~/x` and relative paths resolved against the login's home folder). */
  realpath(remotePath: string): Promise<string>;
  close(): Promise<void>;
}

/** Prefix of the line a stoppable command prints first on stderr: its process group id. */
const pidMarker = 'ORRERY-SSH-PGID=';
/** SFTP status code for "no such file". */
const sftpNoSuchFile = 2;

/** Opens a connection; OrreryError with a clear message on an unreachable host, a refused key or a host key mismatch. */
export async function connectSsh(target: SshTarget): Promise<SshConnection> {
  const privateKey = await readPrivateKey(target);
  const entries = await readKnownHosts(target.knownHostsPath);
  const known = entriesForHost(entries, target.host, target.port).filter((entry) => entry.marker === null);
  const client = new Client();
  let refusal: OrreryError | null = null;
  let presented: Buffer | null = null;
  const config: ConnectConfig = {
    host: target.host,
    port: target.port,
    username: target.username,
    privateKey,
    passphrase: target.passphrase,
    readyTimeout: target.readyTimeoutMs ?? defaultReadyTimeoutMs,
    keepaliveInterval: 10_000,
    keepaliveCountMax: 3,
    hostVerifier: (key: Buffer) => {
      presented = key;
      refusal = hostKeyRefusal(target, checkHostKey(entries, target.host, target.port, key), key);
      return refusal === null;
    },
  };
  // Ask only for key types known_hosts has for this host: otherwise a server holding several keys could present
  // one we have no line for, and a known host would read as unknown.
  if (known.length > 0) config.algorithms = { serverHostKey: [...new Set(known.flatMap((entry) => algorithmsForKeyType(entry.keyType)))] as never };
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('ready', () => resolve());
      // `on`, not `once`: ssh2 may report a second error (a reset after a refusal), which must not go unhandled.
      client.on('error', (error: Error & { level?: string }) => reject(refusal ?? connectError(target, error)));
      client.connect(config);
    });
  } catch (error) {
    client.destroy();
    throw error;
  }
  if (!presented) throw new OrreryError('internal', `The SSH server at ${describe(target)} never presented a host key.`);
  return new Ssh2Connection(client, target, fingerprint(presented));
}

/** Reads and parses the private key, so a wrong passphrase or a missing file is named before any network talk. */
async function readPrivateKey(target: SshTarget): Promise<Buffer> {
  let data: Buffer;
  try {
    data = await readFile(target.keyPath);
  } catch (error) {
    throw new OrreryError('not_found', `The SSH key ${target.keyPath} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}); give the path of a private key (for example ~/.ssh/id_ed25519).`, { cause: error });
  }
  const parsed = utils.parseKey(data, target.passphrase);
  if (parsed instanceof Error) {
    const encrypted = /encrypted|passphrase/i.test(parsed.message);
    const advice = encrypted
      ? target.passphrase
        ? 'the passphrase is wrong; enter it again.'
        : 'it is protected by a passphrase; give the passphrase.'
      : 'it is not a private key Orrery can read (OpenSSH or PEM: RSA, ECDSA or Ed25519).';
    throw new OrreryError('invalid_input', `The SSH key ${target.keyPath} cannot be used: ${advice}`, { cause: parsed });
  }
  return data;
}

/** The connection over ssh2; operations in flight fail with a clear error when the connection drops. */
class Ssh2Connection implements SshConnection {
  private sftpSession: Promise<SFTPWrapper> | null = null;
  private readonly pending = new Set<(error: OrreryError) => void>();
  private closedError: OrreryError | null = null;

  constructor(
    private readonly client: Client,
    private readonly target: SshTarget,
    readonly hostKeyFingerprint: string,
  ) {
    const dropped = (cause?: Error) => {
      this.closedError ??= new OrreryError('unavailable', `The SSH connection to ${describe(target)} dropped${cause ? ` (${cause.message})` : ''}.`, { cause });
      for (const reject of this.pending) reject(this.closedError);
      this.pending.clear();
    };
    client.on('error', dropped);
    client.on('close', () => dropped());
  }

  exec(command: string, options: SshExecOptions = {}): Promise<SshExecResult> {
    return this.guard((resolve, reject) => {
      // A command that may be stopped first prints its process group (sshd makes each session its own) on
      // stderr, so stopping can kill the whole group: sshd ignores signal requests and a closed channel alone.
      const stoppable = options.timeoutMs !== undefined || options.signal !== undefined;
      const wrapped = stoppable ? `printf '${pidMarker}%s\\n' "$$" >&2; ${command}` : command;
      this.client.exec(wrapped, (error, channel) => {
        if (error) return reject(new OrreryError('unavailable', `${describe(this.target)} refused to run a command: ${error.message}`, { cause: error }));
        const kill = (group: number) => void this.exec(`kill -KILL -- -${group} 2>/dev/null || kill -KILL ${group} 2>/dev/null`).catch(() => undefined);
        collectChannel(channel, command, options, { resolve, reject, kill: stoppable ? kill : null });
        if (options.stdin !== undefined) channel.end(options.stdin);
        else channel.end();
      });
    });
  }

  async putFile(localPath: string, remotePath: string, options: { readonly mode?: number; readonly onProgress?: (done: number, total: number) => void } = {}): Promise<void> {
    const sftp = await this.sftp();
    const partial = `${remotePath}.partial`;
    const total = (await stat(localPath)).size;
    await this.guard<void>((resolve, reject) => {
      sftp.fastPut(localPath, partial, { mode: options.mode, step: (done: number) => options.onProgress?.(done, total) }, (error) =>
        error ? reject(this.transferError(`copying ${localPath} to ${remotePath}`, error)) : resolve(),
      );
    });
    await this.guard<void>((resolve, reject) => {
      sftp.ext_openssh_rename(partial, remotePath, (error) => (error ? reject(this.transferError(`renaming ${partial} to ${remotePath}`, error)) : resolve()));
    });
  }

  async getFile(remotePath: string, localPath: string): Promise<void> {
    const sftp = await this.sftp();
    await this.guard<void>((resolve, reject) => {
      sftp.fastGet(remotePath, localPath, (error) => (error ? reject(this.transferError(`copying ${remotePath} from the host`, error)) : resolve()));
    });
  }

  async readFrom(remotePath: string, start: number): Promise<Buffer> {
    const sftp = await this.sftp();
    return this.guard<Buffer>((resolve, reject) => {
      sftp.open(remotePath, 'r', (openError, handle) => {
        if (openError) return (openError as { code?: number }).code === sftpNoSuchFile ? resolve(Buffer.alloc(0)) : reject(this.transferError(`opening ${remotePath}`, openError));
        readRest(sftp, handle, start, (readError, data) => {
          sftp.close(handle, () => (readError ? reject(this.transferError(`reading ${remotePath}`, readError)) : resolve(data)));
        });
      });
    });
  }

  async mkdirp(remotePath: string): Promise<void> {
    const sftp = await this.sftp();
    const absolute = await this.realpathOf(sftp, remotePath.replace(/\/+$/, ''), true);
    let current = '';
    for (const part of absolute.split('/').filter(Boolean)) {
      current += `/${part}`;
      const folder = current;
      await this.guard<void>((resolve, reject) => {
        sftp.mkdir(folder, (error) => {
          if (!error) return resolve();
          // Exists already (as a folder) is fine; anything else is named.
          sftp.stat(folder, (statError, stats) => (!statError && stats.isDirectory() ? resolve() : reject(this.transferError(`making the folder ${folder}`, error))));
        });
      });
    }
  }

  async realpath(remotePath: string): Promise<string> {
    return this.realpathOf(await this.sftp(), remotePath, false);
  }

  async close(): Promise<void> {
    if (this.closedError) return;
    await new Promise<void>((resolve) => {
      this.client.once('close', () => resolve());
      this.client.end();
    });
  }

  /** Resolves `~`, `~/x` and relative paths against the home folder; `allowMissing` keeps the unresolved tail. */
  private async realpathOf(sftp: SFTPWrapper, remotePath: string, allowMissing: boolean): Promise<string> {
    const home = await this.guard<string>((resolve, reject) => sftp.realpath('.', (error, absolute) => (error ? reject(this.transferError('finding the home folder', error)) : resolve(absolute))));
    let absolute = remotePath;
    if (remotePath === '~' || remotePath === '') absolute = home;
    else if (remotePath.startsWith('~/')) absolute = `${home}/${remotePath.slice(2)}`;
    else if (!remotePath.startsWith('/')) absolute = `${home}/${remotePath}`;
    if (allowMissing) return absolute;
    return this.guard<string>((resolve, reject) => sftp.realpath(absolute, (error, resolved) => (error ? reject(this.transferError(`resolving ${remotePath}`, error)) : resolve(resolved))));
  }

  private sftp(): Promise<SFTPWrapper> {
    this.sftpSession ??= this.guard<SFTPWrapper>((resolve, reject) => {
      this.client.sftp((error, sftp) => (error ? reject(new OrreryError('unavailable', `${describe(this.target)} has no SFTP subsystem (${error.message}); enable \`Subsystem sftp\` in its sshd_config.`, { cause: error })) : resolve(sftp)));
    });
    return this.sftpSession;
  }

  private transferError(what: string, error: Error): OrreryError {
    if (this.closedError) return new OrreryError('unavailable', `The SSH connection to ${describe(this.target)} dropped while ${what}.`, { cause: error });
    return new OrreryError('process_failed', `SFTP failed while ${what} on ${describe(this.target)}: ${error.message}`, { cause: error });
  }

  /** Runs one operation, failing it when the connection is (or becomes) closed instead of hanging. */
  private guard<T>(run: (resolve: (value: T) => void, reject: (error: unknown) => void) => void): Promise<T> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise<T>((resolve, reject) => {
      const onDrop = (error: OrreryError) => reject(error);
      this.pending.add(onDrop);
      const settle = <A>(fn: (a: A) => void) => (a: A) => {
        this.pending.delete(onDrop);
        fn(a);
      };
      try {
        run(settle(resolve), settle((error: unknown) => reject(isOrreryError(error) || !this.closedError ? error : this.closedError)));
      } catch (error) {
        settle(reject)(error);
      }
    });
  }
}

/** How a command's result is handed back, and how its remote process group is killed (null: not stoppable). */
interface ChannelSink {
  readonly resolve: (result: SshExecResult) => void;
  readonly reject: (error: unknown) => void;
  readonly kill: ((group: number) => void) | null;
}

/** Gathers a channel's output and exit, with a timeout and an abort that kill the remote command. */
function collectChannel(channel: ClientChannel, command: string, options: SshExecOptions, sink: ChannelSink): void {
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  let group: number | null = null;
  let stderrHead = sink.kill ? '' : null;
  let stopped = false;
  // Answer at once; the group is killed as soon as it is known (it may not have printed it yet).
  const stop = (error: OrreryError) => {
    if (stopped) return;
    stopped = true;
    if (timer) clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    if (group !== null) sink.kill?.(group);
    channel.close();
    sink.reject(error);
  };
  const timer = options.timeoutMs ? setTimeout(() => stop(new OrreryError('timeout', `The remote command did not finish in ${options.timeoutMs} ms: ${command}`)), options.timeoutMs) : null;
  const onAbort = () => stop(new OrreryError('cancelled', `The remote command was cancelled: ${command}`));
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();
  const onStderr = (chunk: Buffer) => {
    stderr.push(chunk);
    options.onStderr?.(chunk.toString('utf8'));
  };
  channel.on('data', (chunk: Buffer) => {
    stdout.push(chunk);
    options.onStdout?.(chunk.toString('utf8'));
  });
  // Until the marker line is seen, stderr is held back; the line is taken out, the rest is the command's own.
  const flushHead = () => {
    if (stderrHead) onStderr(Buffer.from(stderrHead, 'latin1'));
    stderrHead = null;
  };
  channel.stderr.on('data', (chunk: Buffer) => {
    if (stderrHead === null) return onStderr(chunk);
    stderrHead += chunk.toString('latin1');
    const match = new RegExp(`(^|\\n)${pidMarker}(\\d+)\\n`).exec(stderrHead);
    if (!match) {
      if (stderrHead.length > 4096) flushHead();
      return;
    }
    group = Number(match[2]);
    stderrHead = stderrHead.slice(0, match.index + match[1]!.length) + stderrHead.slice(match.index + match[0].length);
    flushHead();
    if (stopped) sink.kill?.(group);
  });
  channel.on('close', (code: number | null | undefined, signal: string | null | undefined) => {
    flushHead();
    if (timer) clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    if (stopped) return;
    sink.resolve({ code: code ?? null, signal: signal ?? null, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') });
  });
}

/** Reads a handle from `start` to its current end. */
function readRest(sftp: SFTPWrapper, handle: Buffer, start: number, done: (error: Error | null, data: Buffer) => void): void {
  sftp.fstat(handle, (statError, stats) => {
    if (statError) return done(statError, Buffer.alloc(0));
    const length = Math.max(0, (stats.size ?? 0) - start);
    if (length === 0) return done(null, Buffer.alloc(0));
    const buffer = Buffer.alloc(length);
    let offset = 0;
    const next = () => {
      sftp.read(handle, buffer, offset, length - offset, start + offset, (error, bytesRead) => {
        if (error) return done(error, Buffer.alloc(0));
        offset += bytesRead;
        if (bytesRead === 0 || offset >= length) return done(null, buffer.subarray(0, offset));
        next();
      });
    };
    next();
  });
}

/** The key a host presents, read without logging in (for `orrery device trust`: shown to the user before it is recorded). */
export async function fetchHostKey(host: string, port: number, timeoutMs = defaultReadyTimeoutMs): Promise<HostKey & { readonly fingerprint: string }> {
  const client = new Client();
  let presented: Buffer | null = null;
  await new Promise<void>((resolve, reject) => {
    client.on('error', (error: Error & { level?: string }) => {
      if (presented) resolve();
      else reject(connectError({ host, port, username: '(none)', keyPath: '', knownHostsPath: '', readyTimeoutMs: timeoutMs }, error));
    });
    client.once('ready', () => resolve());
    client.connect({
      host,
      port,
      username: 'orrery-host-key-probe',
      readyTimeout: timeoutMs,
      hostVerifier: (key: Buffer) => {
        presented = key;
        return false;
      },
    });
  });
  client.destroy();
  if (!presented) throw new OrreryError('unavailable', `${host}:${port} presented no host key.`);
  const key: Buffer = presented;
  return { keyType: keyTypeOf(key), key, fingerprint: fingerprint(key) };
}

/** Quotes one word for a POSIX shell. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
