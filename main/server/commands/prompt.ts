import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { isOrreryError } from '../../../app/contract';
import type { SuiteCell, SuiteEstimate, SuiteResult, SuiteRun, UsageTotal } from '../../../app/contract/prompts';
import type { Core } from '../../core/core';
import { absoluteDir, cliCall, printJson, projectDirFor, usageError, usageExitCode, withCancellableTask, withCore, type CliContext } from '../cli-context';
import { CommandExit } from './jobs';
import { formatTime } from './format';
import { registerProviderCommands } from './prompt-providers';

/** Codes of a suite that cannot be read or resolved: the command line named something wrong (exit 2). */
const usageCodes = new Set(['invalid_input', 'not_found', 'path_outside_root', 'too_large']);
/** Failing cells listed under the matrix; --json has them all. */
const failuresShown = 50;

async function openProject(ctx: CliContext, command: Command, core: Core): Promise<void> {
  await cliCall(core, 'project.open', { path: projectDirFor(ctx, command) ?? ctx.io.cwd });
}

function parseConcurrency(command: Command, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > 64) usageError(command, `--concurrency ${value}: give a whole number from 1 to 64.`);
  return limit;
}

function usd(value: number): string {
  if (value === 0) return '$0';
  return value >= 0.01 ? `$${value.toFixed(4)}` : `$${value.toPrecision(2)}`;
}

function count(value: number): string {
  return value.toLocaleString('en-US');
}

export function describeEstimate(estimate: SuiteEstimate): string {
  const judges = estimate.calls - estimate.cases;
  const lines = [
    `Suite ${estimate.suiteName}: ${estimate.rows} rows × ${estimate.columns} columns = ${count(estimate.cases)} cases, ${count(estimate.calls)} calls${judges > 0 ? ` (${count(judges)} by the judge)` : ''}, concurrency ${estimate.concurrency}`,
    `Estimate: about ${count(estimate.inputTokens)} input + ${count(estimate.outputTokens)} output tokens, ${usd(estimate.costUsd)}${estimate.unpriced.length > 0 ? ` (no price for ${estimate.unpriced.join(', ')}: not counted)` : ''}`,
  ];
  return `${lines.join('\n')}\n`;
}

function verdict(cell: SuiteCell | undefined): string {
  if (!cell) return '-';
  if (cell.pass) return 'PASS';
  if (cell.status === 'cancelled') return 'SKIP';
  if (cell.status !== 'ok') return 'ERROR';
  return 'FAIL';
}

function rowLabel(row: SuiteResult['rows'][number]): string {
  const text = row.description ?? Object.entries(row.vars).map(([key, value]) => `${key}=${value}`).join(', ');
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > 32 ? `${flat.slice(0, 31)}…` : flat;
}

/** Why a cell failed: the first failing assertion (type: message), or the call's error. */
function failureOf(cell: SuiteCell): string {
  const assertion = cell.assertions.find((result) => !result.pass);
  if (cell.status === 'ok' && assertion) return `${assertion.type}: ${assertion.message}`;
  return cell.error ?? assertion?.message ?? cell.status;
}

/** The matrix (rows × columns with PASS / FAIL), the failing cells with their reason, and the totals. */
export function describeResult(result: SuiteResult, usage: UsageTotal | undefined): string {
  const out: string[] = ['', 'Columns:'];
  result.columns.forEach((column, index) => out.push(`  C${index + 1}  ${column.label}`));
  const byCell = new Map(result.cells.map((cell) => [`${cell.row}:${cell.column}`, cell]));
  const labels = result.rows.map((row, index) => `${String(index + 1).padStart(3)} ${rowLabel(row)}`);
  const width = Math.max(6, ...labels.map((label) => label.length));
  const cellWidth = Math.max(5, ...result.columns.map((_, index) => `C${index + 1}`.length));
  out.push('', `${'Row'.padEnd(width)}  ${result.columns.map((_, index) => `C${index + 1}`.padEnd(cellWidth)).join(' ')}`.trimEnd());
  result.rows.forEach((_, row) => {
    const verdicts = result.columns.map((__, column) => verdict(byCell.get(`${row}:${column}`)).padEnd(cellWidth));
    out.push(`${labels[row]!.padEnd(width)}  ${verdicts.join(' ')}`.trimEnd());
  });
  const failing = result.cells.filter((cell) => !cell.pass && cell.status !== 'cancelled');
  if (failing.length > 0) {
    out.push('', 'Failures:');
    for (const cell of failing.slice(0, failuresShown)) out.push(`  row ${cell.row + 1} × C${cell.column + 1}: ${failureOf(cell).replace(/\s*\n\s*/g, ' ')}`);
    if (failing.length > failuresShown) out.push(`  … and ${failing.length - failuresShown} more (--json lists every cell)`);
  }
  const { run } = result;
  const cancelled = run.cases - run.passed - run.failed;
  const tokens = usage ? ` · ${count(usage.inputTokens)} input + ${count(usage.outputTokens)} output tokens${usage.estimated > 0 ? ` (${usage.estimated} calls estimated)` : ''}` : '';
  const unpriced = usage && usage.unpriced > 0 ? ` (${usage.unpriced} calls without a price)` : '';
  out.push(
    '',
    `Totals: ${count(run.cases)} cases, ${count(run.passed)} passed, ${count(run.failed)} failed${cancelled > 0 ? `, ${count(cancelled)} not run` : ''}${tokens} · ${usd(run.costUsd)}${unpriced}`,
    `Run ${run.id} (${run.status}); list runs with: orrery prompt runs ${/^[\w.-]+$/.test(run.suiteName) ? run.suiteName : JSON.stringify(run.suiteName)}`,
  );
  return `${out.join('\n')}\n`;
}

function runLine(run: SuiteRun): string {
  return `${run.id}  ${run.status.padEnd(9)}  ${`${run.passed}/${run.cases}`.padStart(9)} passed  ${usd(run.costUsd).padStart(9)}  ${formatTime(run.startedAt)}  ${run.suiteName}`;
}

/** Asks on the terminal before a run that costs money (only when both ends are a terminal). */
async function confirm(question: string): Promise<boolean> {
  const readline = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await readline.question(question)).trim());
  } finally {
    readline.close();
  }
}

/** Progress on stderr: one line rewritten on a terminal, a line per tenth elsewhere. */
function followProgress(ctx: CliContext, core: Core, taskId: string): () => void {
  const tty = process.stderr.isTTY === true;
  let lastTenth = -1;
  const stop = core.bus.subscribe('task.progress', taskId, ({ payload }) => {
    if (payload.finished !== null || payload.total === null || payload.total === 0) return;
    if (tty) return ctx.io.err(`\r\u001b[2K${payload.message}`);
    const tenth = Math.floor((payload.done / payload.total) * 10);
    if (tenth === lastTenth) return;
    lastTenth = tenth;
    ctx.io.err(`${payload.message}\n`);
  });
  return () => {
    stop();
    if (tty) ctx.io.err('\r\u001b[2K');
  };
}

/** The estimate, or exit 2 with every problem of the suite on its own line. */
async function estimateOrExit(ctx: CliContext, core: Core, path: string): Promise<SuiteEstimate> {
  try {
    return await cliCall(core, 'prompt.suiteEstimate', { path });
  } catch (error) {
    if (!isOrreryError(error) || !usageCodes.has(error.code)) throw error;
    for (const line of error.message.split('\n')) ctx.io.err(`orrery: ${line}\n`);
    throw new CommandExit(usageExitCode);
  }
}

async function runSuite(ctx: CliContext, core: Core, path: string, options: { concurrency?: number; json?: boolean; yes?: boolean }): Promise<SuiteResult> {
  const estimate = await estimateOrExit(ctx, core, path);
  const shown = { ...estimate, concurrency: options.concurrency ?? estimate.concurrency };
  (options.json ? ctx.io.err : ctx.io.out)(describeEstimate(shown));
  if (!options.yes && !options.json && process.stdin.isTTY && process.stderr.isTTY && !(await confirm('Run it? [y/N] '))) {
    ctx.io.err('orrery: not run.\n');
    throw new CommandExit(1);
  }
  const notice = () => ctx.io.err('\norrery: cancelling the suite (cells not run are kept as cancelled)\n');
  return withCancellableTask(
    core,
    async (taskId) => {
      let runId: string | null = null;
      const stopCells = core.bus.subscribe('prompt.suiteCell', taskId, ({ payload }) => (runId = payload.suiteRunId));
      const stopProgress = followProgress(ctx, core, taskId);
      try {
        return await cliCall(core, 'prompt.suiteRun', { source: { path }, taskId, ...(options.concurrency ? { concurrency: options.concurrency } : {}) });
      } catch (error) {
        if (isOrreryError(error) && error.code === 'cancelled' && runId !== null) return cliCall(core, 'prompt.suiteResult', { id: runId });
        throw error;
      } finally {
        stopProgress();
        stopCells();
      }
    },
    notice,
  );
}

/** `orrery prompt test|runs|compare`: prompt suites from the command line (CI: exit 1 when an assertion fails). */
export function registerPromptCommands(program: Command, ctx: CliContext): void {
  const prompt = program.command('prompt').description('The prompt studio: test suites of prompts and models, and the providers they call');
  registerProviderCommands(prompt, ctx);

  prompt
    .command('test')
    .description('Run a suite file (rows × prompt versions × models with assertions); exits 1 when an assertion fails, 2 when the suite has an error')
    .argument('<suite>', 'the suite file (YAML), relative to the current folder')
    .option('--concurrency <n>', "calls at once (default: the suite's concurrency, else 4)")
    .option('--json', 'print the stored result (run, rows, columns, cells) as JSON; the estimate and progress go to stderr')
    .option('-y, --yes', 'do not ask before running (asked only on a terminal)')
    .action(async (suite: string, options: { concurrency?: string; json?: boolean; yes?: boolean }, command: Command) => {
      const concurrency = parseConcurrency(command, options.concurrency);
      const { result, usage } = await withCore(ctx, 'cli', async (core) => {
        await openProject(ctx, command, core);
        const ran = await runSuite(ctx, core, absoluteDir(ctx, suite), { json: options.json === true, yes: options.yes === true, ...(concurrency ? { concurrency } : {}) });
        const totals = await cliCall(core, 'prompt.usage', { groupBy: 'suite', since: ran.run.startedAt - 1 });
        return { result: ran, usage: totals.find((total) => total.key === ran.run.id) };
      });
      if (options.json) printJson(ctx, result);
      else ctx.io.out(describeResult(result, usage));
      if (result.run.status === 'cancelled') throw new CommandExit(130);
      if (result.run.failed > 0 || result.run.status !== 'done') throw new CommandExit(1);
    });

  prompt
    .command('runs')
    .description('Stored suite runs of the project, newest first')
    .argument('[suite]', 'only the runs of this suite (its name)')
    .option('--json', 'print the runs as JSON')
    .action(async (suite: string | undefined, options: { json?: boolean }, command: Command) => {
      const runs = await withCore(ctx, 'cli', async (core) => {
        await openProject(ctx, command, core);
        return cliCall(core, 'prompt.suiteRuns', suite ? { suiteName: suite } : {});
      });
      if (options.json) return printJson(ctx, runs);
      ctx.io.out(runs.length === 0 ? `No suite runs${suite ? ` of ${suite}` : ''} yet: run one with orrery prompt test SUITE.yaml\n` : `${runs.map(runLine).join('\n')}\n`);
    });

  prompt
    .command('compare')
    .description('Compare two stored runs of a suite cell by cell: what now passes, what now fails')
    .argument('<before>', 'the earlier run id')
    .argument('<after>', 'the later run id')
    .option('--json', 'print the comparison as JSON')
    .action(async (before: string, after: string, options: { json?: boolean }, command: Command) => {
      const compared = await withCore(ctx, 'cli', async (core) => {
        await openProject(ctx, command, core);
        return cliCall(core, 'prompt.suiteCompare', { a: before, b: after });
      });
      if (options.json) return printJson(ctx, compared);
      const lines = compared.changes.map((change) => `  row ${change.row + 1} × ${change.column}: ${change.before} → ${change.after}`);
      ctx.io.out(`${compared.fixed} fixed, ${compared.broken} broken, ${compared.changes.length} changed\n${lines.length > 0 ? `${lines.join('\n')}\n` : ''}`);
    });
}
