import type { ChildProcess } from 'node:child_process';
import type { BackendHandle, BackendLogSlice, BackendStatus, BackendSubmission, BackendSubmitted, JobBackend } from './backend';
import { completeUtf8Length, exitFile, JobLogs } from './job-logs';
import { isSameProcessAlive, killGroup, readExitFile, readProcStat, spawnJob } from './job-process';

/** How a local process ended, as far as Orrery knows. */
export interface LocalOutcome {
  readonly exitCode: number | null;
  readonly signal: string | null;
}

/** What the local backend needs. */
export interface LocalBackendOptions {
  /** SIGTERM → SIGKILL grace period of a cancel. */
  readonly graceMs: number;
  /** Cap of one log stream on disk. */
  readonly logCapBytes: number;
  /** The job's folder (`.orrery/jobs/<id>`): its log files and exit file. */
  readonly folderOf: (jobId: string) => string;
  /** Told of a process error after the spawn (the exit or the status still says how the job ended). */
  readonly onProcessError: (jobId: string, error: Error) => void;
}

/**
 * This machine as a backend: a job is `python -u SCRIPT` in a session of its own (detached, so it outlives Orrery),
 * its output straight into the job's log files, its exit status written by a wrapper shell. The handle's id is
 * `pid:start-ticks`, which names one process for good (a pid the kernel gave away since is not mistaken for it).
 * The local queue (slots, GPUs, log rotation, telemetry) lives in JobRunner, which starts and ends jobs here.
 */
export class LocalBackend implements JobBackend {
  readonly kind = 'local' as const;
  private readonly exits = new Map<string, Promise<LocalOutcome>>();

  constructor(private readonly options: LocalBackendOptions) {}

  async submit(submission: BackendSubmission): Promise<BackendSubmitted> {
    const folder = this.options.folderOf(submission.jobId);
    const fds = await new JobLogs(folder, this.options.logCapBytes).openForChild();
    let child: ChildProcess;
    try {
      child = spawnJob({
        python: submission.python,
        script: submission.script,
        args: submission.args,
        cwd: submission.cwd,
        env: submission.env,
        stdoutFd: fds.stdout,
        stderrFd: fds.stderr,
        exitFile: exitFile(folder),
      });
    } finally {
      await fds.close();
    }
    const exited = new Promise<LocalOutcome>((resolve) => child.once('exit', (code, signal) => resolve({ exitCode: code, signal })));
    child.on('error', (error) => this.options.onProcessError(submission.jobId, error));
    const pid = child.pid;
    if (pid === undefined) throw await new Promise<Error>((resolve) => child.once('error', resolve));
    const startTicks = (await readProcStat(pid))?.startTicks ?? null;
    const handle: BackendSubmitted = { backend: 'local', externalId: localExternalId(pid, startTicks), workDir: folder };
    this.exits.set(handle.externalId, exited);
    void exited.then(() => this.exits.delete(handle.externalId));
    return handle;
  }

  /** The exit of a process this backend started and still waits for; null for one adopted after a restart. */
  exited(handle: BackendHandle): Promise<LocalOutcome> | null {
    return this.exits.get(handle.externalId) ?? null;
  }

  /** Running while the same process lives; then the wrapper's exit file says how it ended; without one it was lost. */
  async status(handle: BackendHandle): Promise<BackendStatus> {
    const { pid, startTicks } = parseLocalId(handle.externalId);
    if (pid !== null && (await isSameProcessAlive(pid, startTicks))) return { state: 'running' };
    const exitCode = handle.workDir ? await readExitFile(exitFile(handle.workDir)) : null;
    if (exitCode === null) return { state: 'lost', exitCode: null, reason: 'the process ended and left no exit status (killed, or the machine restarted)' };
    return { state: exitCode === 0 ? 'succeeded' : 'failed', exitCode };
  }

  async logs(handle: BackendHandle, stream: 'stdout' | 'stderr', offset: number): Promise<BackendLogSlice> {
    if (!handle.workDir) return { text: '', nextOffset: offset };
    const read = await new JobLogs(handle.workDir, this.options.logCapBytes).read(stream, offset, 256 * 1024);
    const whole = completeUtf8Length(read.bytes);
    return { text: read.bytes.subarray(0, whole).toString('utf8'), nextOffset: read.offset + whole };
  }

  /** SIGTERM to the job's process group, SIGKILL after the grace period; only while it is still the same process. */
  async cancel(handle: BackendHandle): Promise<void> {
    const { pid, startTicks } = parseLocalId(handle.externalId);
    if (pid !== null && (this.exits.has(handle.externalId) || (await isSameProcessAlive(pid, startTicks)))) await killGroup(pid, this.options.graceMs);
  }

  async dispose(): Promise<void> {
    this.exits.clear();
  }
}

/** `pid:start-ticks` (start ticks empty where /proc is missing). */
export function localExternalId(pid: number, startTicks: number | null): string {
  return `${pid}:${startTicks ?? ''}`;
}

function parseLocalId(externalId: string): { pid: number | null; startTicks: number | null } {
  const [pid, ticks] = externalId.split(':');
  const parsed = Number(pid);
  return { pid: Number.isInteger(parsed) && parsed > 0 ? parsed : null, startTicks: ticks ? Number(ticks) : null };
}
