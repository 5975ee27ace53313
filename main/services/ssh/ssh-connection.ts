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
  exec(command: string, options?: SshExecOptions): Promise<SshExecResult>;
  /** Copies a local file to `remotePath` through `remotePath + '.partial'` and a rename, so no half file is left under the name. */
  putFile(localPath: string, remotePath: string, options?: { readonly mode?: number; readonly onProgress?: (done: number, total: number) => void }): Promise<void>;
  getFile(remotePath: string, localPath: string): Promise<void>;
  /** Reads a remote file from byte `start` (for following logs); '' when it does not exist yet. */
  readFrom(remotePath: string, start: number): Promise<Buffer>;
  mkdirp(remotePath: string): Promise<void>;
  close(): Promise<void>;
}

/** Opens a connection; OrreryError with a clear message on an unreachable host, a refused key or a host key mismatch. */
export async function connectSsh(target: SshTarget): Promise<SshConnection> {
  void target;
  throw new Error('connectSsh: not built yet');
}

/** Quotes one word for a POSIX shell. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
