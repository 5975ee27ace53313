import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** The repository root (the bench runner sets ORRERY_ROOT). */
export const repoRoot = process.env.ORRERY_ROOT ?? path.resolve(__dirname, '..', '..');

/** Median of a list of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The p-th percentile (0..100) by nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Prints a labelled figure line for humans. */
export function figure(label: string, value: number | string, unit = ''): void {
  console.log(`  ${label.padEnd(42)} ${typeof value === 'number' ? round(value) : value}${unit ? ' ' + unit : ''}`);
}

function round(value: number): string {
  if (Math.abs(value) >= 100) return String(Math.round(value));
  return value.toFixed(3).replace(/\.?0+$/, '') || '0';
}

/** Prints the one summary line `NAME key=value ...` the bench runner collects. */
export function summary(name: string, figures: Record<string, number | string | boolean>): void {
  const parts = Object.entries(figures).map(([k, v]) => `${k}=${typeof v === 'number' ? round(v) : String(v)}`);
  console.log(`${name} ${parts.join(' ')}`);
}

/** Starts `orrery serve` on a port of its own with `home` as ORRERY_HOME; answers the process and the URL it printed. */
export async function serveOrrery(home: string, token: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [path.join(repoRoot, 'out', 'main', 'cli.cjs'), 'serve', '--port', '0', '--token', token], {
    env: { ...process.env, ORRERY_HOME: home, ORRERY_PROJECTS_DIR: path.join(home, 'projects'), ORRERY_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`no URL within 30 s: ${buffered}`)), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const match = /Orrery is serving at (http:\/\/\S+)/.exec(buffered);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
  return { child, url };
}

/** Stops a child process: SIGTERM, then SIGKILL after 10 s. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
