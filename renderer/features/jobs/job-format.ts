import type { ClusterProfile, Job, JobTemplate } from '../../store/jobs-slice';

/** `1h 02m`, `3m 05s`, `12s`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** How long a job ran (or has been running, at `now`); null before it started. */
export function jobDuration(job: Job, now: number): number | null {
  if (job.startedAt === null) return null;
  return (job.endedAt ?? now) - job.startedAt;
}

/** Whether a job is over (its process ended or it was cancelled before it started). */
export function isEnded(job: Job): boolean {
  return job.state !== 'queued' && job.state !== 'running';
}

/** The last path segment of a script. */
export function scriptName(script: string): string {
  return script.split(/[\\/]/).pop() ?? script;
}

/** How a job ended, in words: exit code, signal, or the error it carries. */
export function describeEnd(job: Job): string | null {
  if (!isEnded(job)) return null;
  if (job.state === 'succeeded') return 'exited with 0';
  const parts: string[] = [];
  if (job.exitCode !== null) parts.push(`exited with ${job.exitCode}`);
  if (job.signal) parts.push(`killed by ${job.signal}`);
  if (job.state === 'lost') parts.push('its process ended while Orrery was not following it');
  return parts.join(', ') || null;
}

/**
 * Splits a command line into arguments as a POSIX shell would for plain words, single and double quotes and
 * backslash escapes (no variables, globs or substitutions). Throws on an unclosed quote.
 */
export function splitArgs(line: string): string[] {
  const args: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === "'") {
      if (c === "'") quote = null;
      else current += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) current += line[++i];
      else current += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      current += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) args.push(current);
      current = '';
      inWord = false;
    } else {
      current += c;
      inWord = true;
    }
  }
  if (quote) throw new Error(`The arguments have an unclosed ${quote} quote.`);
  if (inWord) args.push(current);
  return args;
}

/** The command-line arguments for a template's form values (a value equal to its default is still passed). */
export function templateArgs(template: JobTemplate, values: Readonly<Record<string, string>>): string[] {
  const args: string[] = [];
  for (const arg of template.args) {
    const raw = (values[arg.flag] ?? String(arg.default)).trim();
    if (raw === '') continue;
    if (arg.type === 'int' && !/^-?\d+$/.test(raw)) throw new Error(`${arg.label} must be a whole number.`);
    if (arg.type === 'float' && !Number.isFinite(Number(raw))) throw new Error(`${arg.label} must be a number.`);
    if ((arg.type === 'int' || arg.type === 'float') && arg.min !== undefined && Number(raw) < arg.min) throw new Error(`${arg.label} must be at least ${arg.min}.`);
    if (arg.type === 'choice' && arg.choices && !arg.choices.includes(raw)) throw new Error(`${arg.label} must be one of ${arg.choices.join(', ')}.`);
    args.push(arg.flag, raw);
  }
  return args;
}

/** Where a job runs, in words: this machine, a sandbox, or the cluster profile's name and engine. */
export function whereLabel(job: Pick<Job, 'backend' | 'clusterId'>, clusters: readonly Pick<ClusterProfile, 'id' | 'name'>[]): string {
  switch (job.backend) {
    case 'local':
      return 'this machine';
    case 'sandbox':
      return 'sandbox';
    case 'slurm':
    case 'ray': {
      const name = clusters.find((c) => c.id === job.clusterId)?.name ?? job.clusterId ?? 'a removed cluster';
      return `${name} (${job.backend === 'slurm' ? 'Slurm' : 'Ray'})`;
    }
  }
}

/** The engine's id with its kind (`Slurm job 123_4`, `Ray submission orrery-job_x`, `container 3f2a…`); null for local jobs. */
export function engineIdLabel(job: Pick<Job, 'backend' | 'externalId'>): string | null {
  if (!job.externalId || job.backend === 'local') return null;
  if (job.backend === 'slurm') return `Slurm job ${job.externalId}`;
  if (job.backend === 'ray') return `Ray submission ${job.externalId}`;
  return `container ${job.externalId.slice(0, 12)}`;
}

/** Resources asked, in words (`4 CPUs · 8 GiB · 1 GPU · 1h 00m · partition gpu`); null when none were asked. */
export function resourcesLabel(resources: Job['resources']): string | null {
  if (!resources) return null;
  const parts: string[] = [];
  if (resources.cpus) parts.push(`${resources.cpus} CPU${resources.cpus === 1 ? '' : 's'}`);
  if (resources.memoryMb) parts.push(resources.memoryMb >= 1024 && resources.memoryMb % 1024 === 0 ? `${resources.memoryMb / 1024} GiB` : `${resources.memoryMb} MiB`);
  if (resources.gpus) parts.push(`${resources.gpus} GPU${resources.gpus === 1 ? '' : 's'}`);
  if (resources.timeLimitMinutes) parts.push(`limit ${formatDuration(resources.timeLimitMinutes * 60_000)}`);
  if (resources.partition) parts.push(`partition ${resources.partition}`);
  return parts.length > 0 ? parts.join(' · ') : null;
}
