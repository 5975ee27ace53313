import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import treeKill from 'tree-kill';

/** A process as `ps` lists it; `sid` is the session (Linux only, else 0). */
interface ProcessRow {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  readonly sid: number;
}

/** Lists every process once (`ps -A`), so a whole tree is snapshotted before anything in it dies and reparents. */
async function listProcesses(): Promise<ProcessRow[]> {
  const columns = process.platform === 'linux' ? 'pid=,ppid=,pgid=,sid=' : 'pid=,ppid=,pgid=';
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile('ps', ['-A', '-o', columns], { maxBuffer: 16 * 1024 * 1024 }, (error, out) => (error ? reject(error) : resolve(out)));
  });
  const rows: ProcessRow[] = [];
  for (const line of stdout.split('\n')) {
    const [pid, ppid, pgid, sid] = line.trim().split(/\s+/).map(Number);
    if (pid && ppid !== undefined && pgid !== undefined && !Number.isNaN(ppid)) rows.push({ pid, ppid, pgid, sid: sid ?? 0 });
  }
  return rows;
}

/**
 * The pids of `root` and everything below it, plus every member of their process groups and, on Linux, of the
 * session `root` leads (a pty's shell leads its session; a shell with job control puts `cmd &` in a group of
 * its own, and `(cmd &)` is reparented away from the shell at once).
 */
export async function collectProcessTree(root: number): Promise<number[]> {
  const rows = await listProcesses();
  const children = new Map<number, number[]>();
  for (const row of rows) {
    const list = children.get(row.ppid) ?? [];
    list.push(row.pid);
    children.set(row.ppid, list);
  }
  const found = new Set<number>([root]);
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    for (const child of children.get(pid) ?? []) {
      if (!found.has(child)) {
        found.add(child);
        queue.push(child);
      }
    }
  }
  const groups = new Set(rows.filter((row) => found.has(row.pid)).map((row) => row.pgid));
  groups.add(root);
  for (const row of rows) {
    if ((groups.has(row.pgid) && row.pgid > 1) || row.sid === root) found.add(row.pid);
  }
  return [...found];
}

/**
 * True while a process runs. Signal 0 probes without delivering anything; on Linux a zombie (dead, waiting for
 * a parent that may never reap it, as in some containers) also counts as gone.
 */
export async function isRunning(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (process.platform !== 'linux') return true;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The state follows the parenthesised command name, which may itself hold spaces or parentheses.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The members of `pids` that still run. */
export async function runningOf(pids: readonly number[]): Promise<number[]> {
  const flags = await Promise.all(pids.map(isRunning));
  return pids.filter((_, index) => flags[index]);
}

function signalAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone: that is the goal.
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Ends a process tree: SIGHUP to every member (what closing a terminal means to a shell and its jobs), then
 * SIGKILL after `graceMs` to whatever is still alive. Windows has no signals: tree-kill runs `taskkill /T /F`.
 * Resolves once every member is gone or was sent SIGKILL.
 */
export async function killProcessTree(root: number, graceMs = 1500): Promise<void> {
  if (process.platform === 'win32') {
    await new Promise<void>((resolve) => treeKill(root, 'SIGKILL', () => resolve()));
    return;
  }
  let pids: number[];
  try {
    pids = await collectProcessTree(root);
  } catch {
    pids = [root];
  }
  signalAll(pids, 'SIGHUP');
  const deadline = Date.now() + graceMs;
  let survivors = await runningOf(pids);
  while (survivors.length > 0 && Date.now() < deadline) {
    await sleep(25);
    survivors = await runningOf(survivors);
  }
  if (survivors.length === 0) return;
  // Stopped jobs ignore SIGHUP until continued; SIGKILL ends them either way.
  signalAll(survivors, 'SIGKILL');
}
