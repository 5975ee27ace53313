import type { Command } from 'commander';
import { OrreryError, type RunDetail, type RunSummary } from '../../../app/contract';
import { formatBytes } from '../../../app/lib/format';
import type { Core } from '../../core/core';
import { absoluteDir, cliCall, printJson, projectDirFor, usageError, withCore, type CliContext } from '../cli-context';
import { formatTime, table } from './format';

/** Opens the project of --project / ORRERY_PROJECT and ingests its pending spool, so a script just run shows up. */
async function openAndIngest(ctx: CliContext, command: Command, core: Core): Promise<void> {
  const dir = projectDirFor(ctx, command);
  if (!dir) usageError(command, 'runs commands work on a project: give --project DIR or set ORRERY_PROJECT.');
  await cliCall(core, 'project.open', { path: dir });
  await core.services.tracking.ingestAll();
}

function shortValue(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toPrecision(4);
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 24 ? `${text.slice(0, 23)}…` : text;
}

function runLine(run: RunSummary): string {
  const params = Object.entries(run.params)
    .slice(0, 4)
    .map(([k, v]) => `${k}=${shortValue(v)}`)
    .join(' ');
  const metrics = Object.entries(run.metrics)
    .slice(0, 4)
    .map(([k, v]) => `${k}=${v === null ? 'NaN' : shortValue(v)}`)
    .join(' ');
  return `${run.id.slice(0, 12).padEnd(12)}  ${run.name.slice(0, 24).padEnd(24)}  ${run.status.padEnd(8)}  ${formatTime(run.createdAt)}  ${params}${params && metrics ? '  ' : ''}${metrics}`;
}

function describeRun(run: RunDetail): string {
  const lines = [
    table([
      ['Run', `${run.name} (${run.id})`],
      ['Status', run.status],
      ['Source', run.source + (run.jobId ? ` (job ${run.jobId})` : '')],
      ['Created', formatTime(run.createdAt)],
      ['Started', run.startedAt === null ? '-' : formatTime(run.startedAt)],
      ['Ended', run.endedAt === null ? '-' : formatTime(run.endedAt)],
      ['Command', run.meta.argv.join(' ') || '-'],
      ['Host', `${run.meta.host ?? '-'} (pid ${run.meta.pid ?? '-'}, Python ${run.meta.python ?? '-'})`],
      ['Git commit', run.lineage.gitCommit ?? '-'],
      ['Env lock', run.lineage.envLockId ?? '-'],
      ['Tags', run.tags.join(', ') || '-'],
      ['Notes', run.notes ?? '-'],
    ]),
  ];
  const params = Object.entries(run.params);
  if (params.length > 0) lines.push('Params', table(params.map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])));
  if (run.keys.length > 0) {
    lines.push(
      'Metrics',
      table(
        run.keys.map((k) => [
          k.key,
          `last ${k.lastValue ?? 'NaN'} at step ${k.lastStep ?? '-'}  min ${k.minValue ?? '-'}  max ${k.maxValue ?? '-'}  (${k.count} points)`,
        ]),
      ),
    );
  }
  if (run.artifacts.length > 0) lines.push('Artifacts', table(run.artifacts.map((a) => [a.name, `${a.kind}, ${formatBytes(a.size)}, sha256 ${a.sha256.slice(0, 12)}`])));
  if (run.events.length > 0) lines.push('Events', table(run.events.map((e) => [e.level, e.message])));
  return lines.join('\n');
}

/** `orrery runs list|show|export|import-mlflow`: experiment runs of a project, ingested from its spool first. */
export function registerRunsCommands(program: Command, ctx: CliContext): void {
  const runs = program.command('runs').description('Experiment runs recorded by the Python SDK and jobs (on --project or ORRERY_PROJECT)');

  runs
    .command('list')
    .description('List runs, newest first; --query filters (params.lr > 0.01 and metrics.loss < 0.5 and tags ~ "x" and status = finished)')
    .option('--query <q>', 'a filter in the run query language')
    .option('--limit <n>', 'how many runs (default 100)')
    .option('--json', 'print the contract output as JSON')
    .action(async (options: { query?: string; limit?: string; json?: boolean }, command: Command) => {
      const limit = options.limit === undefined ? 100 : Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) usageError(command, `--limit ${options.limit}: give a whole number from 1 to 1000.`);
      const result = await withCore(ctx, 'cli', async (core) => {
        await openAndIngest(ctx, command, core);
        return cliCall(core, 'runs.list', { ...(options.query ? { query: options.query } : {}), limit });
      });
      if (options.json) return printJson(ctx, result);
      if (result.runs.length === 0) return ctx.io.out(options.query ? 'No run matches the query.\n' : 'No runs yet: log one with `import orrery` in a script.\n');
      ctx.io.out(`${result.runs.map(runLine).join('\n')}\n`);
      if (result.total > result.runs.length) ctx.io.out(`(${result.runs.length} of ${result.total} runs; use --limit)\n`);
    });

  runs
    .command('show')
    .description('Everything about a run: params, tags, metrics, artifacts, events')
    .argument('<run>', 'the run id (or a unique prefix of it)')
    .option('--json', 'print the contract output as JSON')
    .action(async (run: string, options: { json?: boolean }, command: Command) => {
      const detail = await withCore(ctx, 'cli', async (core) => {
        await openAndIngest(ctx, command, core);
        return cliCall(core, 'runs.get', { id: await resolveRunId(core, run) });
      });
      if (options.json) return printJson(ctx, detail);
      ctx.io.out(`${describeRun(detail)}\n`);
    });

  runs
    .command('export')
    .description('Write the points of runs as CSV (run_id, run_name, key, step, time, value) to stdout or a file')
    .argument('<runs...>', 'run ids (or unique prefixes)')
    .option('--keys <a,b>', 'only these metric keys (comma-separated)')
    .option('-o, --output <file>', 'write the CSV to this file instead of stdout')
    .action(async (ids: string[], options: { keys?: string; output?: string }, command: Command) => {
      const keys = options.keys
        ?.split(',')
        .map((k) => k.trim())
        .filter(Boolean);
      const result = await withCore(ctx, 'cli', async (core) => {
        await openAndIngest(ctx, command, core);
        const runIds = await Promise.all(ids.map((id) => resolveRunId(core, id)));
        return cliCall(core, 'runs.export', { runIds, ...(keys ? { keys } : {}), ...(options.output ? { path: absoluteDir(ctx, options.output) } : {}) });
      });
      if (result.csv !== undefined) ctx.io.out(result.csv);
      else ctx.io.err(`Wrote ${result.rows} rows to ${result.path}\n`);
    });

  runs
    .command('import-mlflow')
    .description('Import the runs of an MLflow file store (an mlruns folder) into the project')
    .argument('<dir>', 'the mlruns folder')
    .action(async (dir: string, _options: unknown, command: Command) => {
      const result = await withCore(ctx, 'cli', async (core) => {
        await openAndIngest(ctx, command, core);
        return cliCall(core, 'runs.importMlflow', { path: absoluteDir(ctx, dir) });
      });
      ctx.io.out(`Imported ${result.imported.length} runs${result.skipped ? ` (${result.skipped} already there)` : ''}\n`);
    });
}

/** A run id from an id or a unique prefix of one (ids are long; the list shows 12 characters). */
export async function resolveRunId(core: Core, reference: string): Promise<string> {
  const { runs } = await cliCall(core, 'runs.list', { query: `id ~ "${reference.replace(/["\\]/g, '')}"`, limit: 1000 });
  const exact = runs.find((r) => r.id === reference);
  if (exact) return exact.id;
  const matches = runs.filter((r) => r.id.startsWith(reference));
  if (matches.length === 1) return matches[0]!.id;
  if (matches.length > 1) throw new OrreryError('invalid_input', `"${reference}" matches ${matches.length} runs; give more of the id.`);
  return reference;
}
