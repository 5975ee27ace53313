import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';

/** The fields of `/proc/<pid>/stat` the job service uses. */
export interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  readonly pgrp: number;
  readonly session: number;
  readonly state: string;
  /** utime + stime, in clock ticks. */
  readonly cpuTicks: number;
  /** Start time after boot, in clock ticks: with the pid, it names one process for good. */
  readonly startTicks: number;
  /** Resident pages. */
  readonly rssPages: number;
}

/** Parses one `/proc/<pid>/stat` line; the command name may hold spaces and parentheses, so fields count from the last `)`. */
export function parseProcStat(text: string): ProcStat | null {
  const close = text.lastIndexOf(')');
  const open = text.indexOf('(');
  if (close < 0 || open < 0) return null;
  const pid = Number(text.slice(0, open).trim());
  const rest = text.slice(close + 2).trim().split(/\s+/);
  if (rest.length < 22 || !Number.isInteger(pid)) return null;
  const field = (n: number) => Number(rest[n - 3]);
  return {
    pid,
    state: rest[0]!,
    ppid: field(4),
    pgrp: field(5),
    session: field(6),
    cpuTicks: field(14) + field(15),
    startTicks: field(22),
    rssPages: field(24),
  };
}

/** `/proc/<pid>/stat` of one process, or null when it is gone (or this is not Linux). */
export async function readProcStat(pid: number): Promise<ProcStat | null> {
  try {
    return parseProcStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/** Every process of the session or group `leader` (a job is a session of its own: spawned detached, it calls setsid). */
export async function jobProcesses(leader: number): Promise<ProcStat[]> {
  let names: string[];
  try {
    names = await readdir('/proc');
  } catch {
    return [];
  }
  const stats = await Promise.all(names.filter((name) => /^\d+$/.test(name)).map((name) => readProcStat(Number(name))));
  return stats.filter((stat): stat is ProcStat => stat !== null && stat.state !== 'Z' && (stat.session === leader || stat.pgrp === leader));
}

/**
 * True while the process `pid` started at `startTicks` runs: a pid the kernel gave to another process since is
 * not mistaken for the job. Without /proc (macOS) only signal 0 can tell, and `startTicks` is null.
 */
export async function isSameProcessAlive(pid: number, startTicks: number | null): Promise<boolean> {
  const stat = await readProcStat(pid);
  if (stat) return stat.state !== 'Z' && (startTicks === null || stat.startTicks === startTicks);
  if (process.platform === 'linux') return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True while any process is left in the group `pgid`. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Sends a signal to every process of a group; a group already gone is not an error. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // The group is gone already.
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Ends a job's process group: SIGTERM to every member (what Slurm and Kubernetes send, so scripts can save a
 * checkpoint), then SIGKILL after `graceMs` to whatever is left. Answers whether SIGKILL was needed.
 */
export async function killGroup(pgid: number, graceMs: number): Promise<boolean> {
  signalGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (groupAlive(pgid) && Date.now() < deadline) await sleep(50);
  if (!groupAlive(pgid)) return false;
  signalGroup(pgid, 'SIGKILL');
  const hard = Date.now() + 5000;
  while (groupAlive(pgid) && Date.now() < hard) await sleep(20);
  return true;
}

/**
 * The shell wrapper every job runs under: it runs the command and writes its exit status to a file, so an Orrery
 * that re-adopts a job after a restart (and so cannot wait() for it) still learns how it ended.
 */
const wrapper = 'f=$1; shift; "$@"; c=$?; printf "%s" "$c" > "$f"; exit "$c"';

/** What starting a job's process needs. */
export interface SpawnJobOptions {
  readonly python: string;
  readonly script: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly stdoutFd: number;
  readonly stderrFd: number;
  readonly exitFile: string;
}

/**
 * Starts `python -u SCRIPT ARGS` in a session of its own (detached), stdout and stderr straight into the given
 * files, so it outlives Orrery and cancel reaches its whole tree. The child is unref'd: it never holds Orrery open.
 */
export function spawnJob(options: SpawnJobOptions): ChildProcess {
  const child = spawn('/bin/sh', ['-c', wrapper, 'orrery-job', options.exitFile, options.python, '-u', options.script, ...options.args], {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ['ignore', options.stdoutFd, options.stderrFd],
  });
  child.unref();
  return child;
}

/** The exit status the wrapper wrote, or null when it did not (the process was killed, or it still runs). */
export async function readExitFile(file: string): Promise<number | null> {
  try {
    const text = (await readFile(file, 'utf8')).trim();
    return /^\d+$/.test(text) ? Number(text) : null;
  } catch {
    return null;
  }
}
