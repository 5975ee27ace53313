import type { Job, JobTemplate } from '../../store/jobs-slice';

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
