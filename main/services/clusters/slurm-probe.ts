import { OrreryError } from '../../../app/contract/errors';
import type { ClusterTestResult } from '../../../app/contract/clusters';

/** Runs one command where Slurm's client tools are (this machine, or the login node over SSH). */
export type SlurmExec = (program: string, args: readonly string[]) => Promise<{ code: number | null; stdout: string; stderr: string }>;

/** `sinfo` output formats: one partition a line, then one node a line, `|`-separated. */
const partitionFormat = '%P|%a|%D|%T';
const nodeFormat = '%N|%T|%c|%m';

/**
 * Asks Slurm what it has: `sinfo --version`, the partitions and the nodes. A missing sinfo or a controller
 * that does not answer is an `unavailable` error carrying Slurm's own words.
 */
export async function probeSlurm(exec: SlurmExec, where: string): Promise<Omit<ClusterTestResult, 'elapsedMs'>> {
  const version = await sinfo(exec, ['--version'], where);
  const partitions = parsePartitions(await sinfo(exec, ['-h', '-o', partitionFormat], where));
  const nodes = parseNodes(await sinfo(exec, ['-h', '-N', '-o', nodeFormat], where));
  const states = [...new Set(nodes.map((node) => node.state))].join(', ');
  const summary = `${version.trim()}: ${plural(partitions.length, 'partition')} (${partitions.map((p) => p.name + (p.isDefault ? '*' : '')).join(', ')}), ${plural(nodes.length, 'node')}${states ? ` ${states}` : ''}`;
  return { ok: true, kind: 'slurm', version: version.trim() || null, partitions, nodes, summary };
}

async function sinfo(exec: SlurmExec, args: readonly string[], where: string): Promise<string> {
  const result = await exec('sinfo', args);
  if (result.code === 0) return result.stdout;
  const said = (result.stderr || result.stdout).trim().split('\n').slice(-3).join(' ');
  if (result.code === null || result.code === 127 || /ENOENT|not found/.test(said)) {
    throw new OrreryError('unavailable', `sinfo is not installed ${where} (${said}); install Slurm's client tools there, or use a login node that has them.`);
  }
  throw new OrreryError('unavailable', `Slurm ${where} does not answer: sinfo exited ${result.code}: ${said}; check that slurmctld runs and slurm.conf points at it.`);
}

/** `debug*|up|1|idle` → the partition (a `*` marks the default one). */
export function parsePartitions(text: string): ClusterTestResult['partitions'] {
  return lines(text).map((line) => {
    const [name = '', available = '', count = '0', state = ''] = line.split('|');
    const isDefault = name.endsWith('*');
    return { name: isDefault ? name.slice(0, -1) : name, isDefault, available, nodes: Number.parseInt(count, 10) || 0, state };
  });
}

/** `node1|idle|2|18079` → the node; a node in several partitions is listed once. */
export function parseNodes(text: string): ClusterTestResult['nodes'] {
  const seen = new Map<string, ClusterTestResult['nodes'][number]>();
  for (const line of lines(text)) {
    const [name = '', state = '', cpus = '', memory = ''] = line.split('|');
    if (!seen.has(name)) seen.set(name, { name, state, cpus: toInt(cpus), memoryMb: toInt(memory) });
  }
  return [...seen.values()];
}

function lines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}

function toInt(text: string): number | null {
  const value = Number.parseInt(text, 10);
  return Number.isFinite(value) ? value : null;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}
