import { execFile } from 'node:child_process';
import { mkdir, open, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { OrreryError, isOrreryError } from '../../../../app/contract/errors';
import { connectSsh, shellQuote, type SshConnection, type SshTarget } from '../../ssh/ssh-connection';

/** What a command on the Slurm side did. */
export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Where the Slurm commands run and the job's files live: this machine (child processes, the local file system) or a
 * login node over SSH. The backend speaks only through this, so both transports share every other line.
 */
export interface SlurmTransport {
  /** Whether the cluster side sees this machine's files (the project folder, the env's python). */
  readonly sharesFiles: boolean;
  /** Runs `argv` on the cluster side; never throws for a non-zero exit. */
  run(argv: readonly string[], options?: { readonly timeoutMs?: number }): Promise<CommandResult>;
  writeFile(file: string, content: string, mode?: number): Promise<void>;
  /** Bytes of `file` from `start` ('' when it does not exist yet). */
  readFrom(file: string, start: number): Promise<Buffer>;
  mkdirp(folder: string): Promise<void>;
  /** Copies a local file to the cluster side (the same file when the transport shares files). */
  putFile(localPath: string, remotePath: string): Promise<void>;
  /** An absolute path for `~/x` and relative paths on the cluster side. */
  resolve(folder: string): Promise<string>;
  /** Names of the entries of a folder ([] when it does not exist). */
  list(folder: string): Promise<string[]>;
  close(): Promise<void>;
}

/** The transport for Slurm commands on this machine. */
export class LocalTransport implements SlurmTransport {
  readonly sharesFiles = true;

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  run(argv: readonly string[], options: { readonly timeoutMs?: number } = {}): Promise<CommandResult> {
    return new Promise((resolve) => {
      execFile(argv[0]!, argv.slice(1), { env: this.env, timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
        const failure = error as (NodeJS.ErrnoException & { code?: number | string }) | null;
        if (failure && typeof failure.code === 'string') {
          // Not started at all (ENOENT: Slurm's commands are not installed here).
          resolve({ code: null, stdout: '', stderr: `${argv[0]}: ${failure.code === 'ENOENT' ? 'not found on this machine' : failure.message}` });
          return;
        }
        resolve({ code: failure ? (typeof failure.code === 'number' ? failure.code : 1) : 0, stdout, stderr });
      });
    });
  }

  async writeFile(file: string, content: string, mode = 0o644): Promise<void> {
    const tmp = `${file}.partial`;
    await writeFile(tmp, content, { mode });
    await rename(tmp, file);
  }

  async readFrom(file: string, start: number): Promise<Buffer> {
    const handle = await open(file, 'r').catch(() => null);
    if (!handle) return Buffer.alloc(0);
    try {
      const { size } = await handle.stat();
      if (size <= start) return Buffer.alloc(0);
      const buffer = Buffer.alloc(size - start);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }

  async mkdirp(folder: string): Promise<void> {
    await mkdir(folder, { recursive: true });
  }

  async putFile(localPath: string, remotePath: string): Promise<void> {
    if (path.resolve(localPath) === path.resolve(remotePath)) return;
    await mkdir(path.dirname(remotePath), { recursive: true });
    await writeFile(remotePath, await readFile(localPath));
  }

  async resolve(folder: string): Promise<string> {
    if (folder === '~' || folder.startsWith('~/')) return path.join(os.homedir(), folder.slice(1));
    return path.resolve(folder);
  }

  async list(folder: string): Promise<string[]> {
    return readdir(folder).catch(() => []);
  }

  async close(): Promise<void> {}
}

/**
 * The transport over SSH to a login node. The connection is opened on first use and opened again after it
 * dropped: a job on the cluster keeps running meanwhile, and the next poll catches up on its files.
 */
export class SshTransport implements SlurmTransport {
  readonly sharesFiles = false;
  private connection: Promise<SshConnection> | null = null;

  constructor(private readonly target: SshTarget) {}

  async run(argv: readonly string[], options: { readonly timeoutMs?: number } = {}): Promise<CommandResult> {
    // A login shell, so the cluster's own PATH (modules, /opt/slurm/bin) is there as when a user logs in.
    const line = `bash -lc ${shellQuote(argv.map(shellQuote).join(' '))}`;
    const result = await this.use((ssh) => ssh.exec(line, { timeoutMs: options.timeoutMs ?? 60_000 }));
    return { code: result.code, stdout: result.stdout, stderr: result.stderr };
  }

  async writeFile(file: string, content: string, mode = 0o644): Promise<void> {
    const tmp = `${file}.partial`;
    await this.use((ssh) => ssh.exec(`cat > ${shellQuote(tmp)} && chmod ${mode.toString(8)} ${shellQuote(tmp)} && mv -f ${shellQuote(tmp)} ${shellQuote(file)}`, { stdin: content, timeoutMs: 60_000 }).then(check(`writing ${file}`)));
  }

  readFrom(file: string, start: number): Promise<Buffer> {
    return this.use((ssh) => ssh.readFrom(file, start));
  }

  mkdirp(folder: string): Promise<void> {
    return this.use((ssh) => ssh.mkdirp(folder));
  }

  putFile(localPath: string, remotePath: string): Promise<void> {
    return this.use((ssh) => ssh.putFile(localPath, remotePath));
  }

  async resolve(folder: string): Promise<string> {
    if (folder.startsWith('/')) return folder;
    const home = (await this.use((ssh) => ssh.realpath('.'))).replace(/\/+$/, '');
    if (folder === '~' || folder === '') return home;
    return `${home}/${folder.startsWith('~/') ? folder.slice(2) : folder}`;
  }

  async list(folder: string): Promise<string[]> {
    const result = await this.use((ssh) => ssh.exec(`ls -1A ${shellQuote(folder)} 2>/dev/null || true`, { timeoutMs: 30_000 }));
    return result.stdout.split('\n').filter(Boolean);
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = null;
    if (connection) await (await connection.catch(() => null))?.close();
  }

  /** Runs one operation on the connection; a dropped connection is forgotten so the next call reconnects. */
  private async use<T>(operation: (ssh: SshConnection) => Promise<T>): Promise<T> {
    this.connection ??= connectSsh(this.target);
    const current = this.connection;
    let ssh: SshConnection;
    try {
      ssh = await current;
    } catch (error) {
      if (this.connection === current) this.connection = null;
      throw error;
    }
    try {
      return await operation(ssh);
    } catch (error) {
      if (isOrreryError(error) && error.code === 'unavailable' && this.connection === current) {
        this.connection = null;
        await ssh.close().catch(() => undefined);
      }
      throw error;
    }
  }
}

function check(what: string): (result: { code: number | null; stderr: string }) => void {
  return (result) => {
    if (result.code !== 0) throw new OrreryError('process_failed', `Failed ${what} on the login node: ${result.stderr.trim() || `exit ${String(result.code)}`}`);
  };
}
