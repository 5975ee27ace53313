import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { modelFormats, modelStages, type EdgePackage, type Model, type ModelExport, type ModelFormat, type ModelStage, type ModelVersion } from '../../../app/contract';
import { formatBytes } from '../../../app/lib/format';
import { absoluteDir, cliCall, printJson, usageError, withCore, type CliContext } from '../cli-context';
import { formatTime, table } from './format';
import { registerExportCommands } from './model-export';
import { openModelProject, versionOf } from './model-common';
import { registerOnnxCommands } from './model-onnx';
import { registerPackageCommands } from './model-package';
import { registerServeModelCommand } from './model-serve';
import { resolveRunId } from './runs';

function modelLine(model: Model): string {
  const aliases = Object.entries(model.aliases)
    .map(([alias, version]) => `@${alias}=v${version}`)
    .join(' ');
  return `${model.name.slice(0, 32).padEnd(32)}  ${`v${model.latestVersion ?? '-'}`.padEnd(5)}  ${formatTime(model.updatedAt)}  ${aliases}`.trimEnd();
}

function versionLine(version: ModelVersion): string {
  const tags = [version.stage !== 'none' ? version.stage : '', ...version.aliases.map((alias) => `@${alias}`)].filter(Boolean).join(' ');
  const run = version.lineage.runId ? `run ${version.lineage.runId.slice(0, 12)}` : 'file';
  return `  v${String(version.version).padEnd(4)} ${version.format.padEnd(11)} ${formatBytes(version.size).padStart(10)}  ${formatTime(version.createdAt)}  ${version.fileName}  (${run})${tags ? `  ${tags}` : ''}`;
}

function exportLine(item: ModelExport): string {
  const parity = item.parity
    ? `parity ${item.parity.passed ? 'passed' : 'FAILED'} (max abs ${item.parity.maxAbs.toExponential(2)}, max rel ${item.parity.maxRel.toExponential(2)}, tolerance ${item.parity.tolerance})`
    : 'parity not checked';
  return `${item.kind}, opset ${item.opset ?? '-'}, ${formatBytes(item.size)}, ${parity}  (${item.id})`;
}

/** A version in full: identity, lineage (run, git, env snapshot, datasets), params, metrics, exports. */
export function describeVersion(version: ModelVersion, exports: readonly ModelExport[], packages: readonly EdgePackage[] = []): string {
  const { lineage } = version;
  const lines = [
    table([
      ['Version', `${version.modelName}@${version.version} (${version.id})`],
      ['Format', version.format],
      ['File', `${version.fileName}, ${formatBytes(version.size)}`],
      ['sha256', version.sha256],
      ['Stage', version.stage],
      ['Aliases', version.aliases.join(', ') || '-'],
      ['Registered', formatTime(version.createdAt)],
      ['Source', version.source === 'run-artifact' ? `run ${lineage.runName ?? ''} (${lineage.runId ?? '-'})` : 'a file'],
      ['Git commit', lineage.gitCommit ?? '-'],
      ['Env lock', lineage.envLockId ?? '-'],
      ['Notes', version.notes ?? '-'],
    ]),
  ];
  if (lineage.datasets.length > 0) lines.push('Datasets', table(lineage.datasets.map((dataset) => [dataset.path, `${formatBytes(dataset.size)}, sha256 ${dataset.sha256}`])));
  const params = Object.entries(lineage.params);
  if (params.length > 0) lines.push('Params', table(params.map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)])));
  const metrics = Object.entries(lineage.metrics);
  if (metrics.length > 0) lines.push('Metrics', table(metrics.map(([key, value]) => [key, String(value)])));
  if (exports.length > 0) lines.push('Exports', table(exports.map((item) => [formatTime(item.createdAt), exportLine(item)])));
  if (packages.length > 0) lines.push('Packages', table(packages.map((item) => [formatTime(item.createdAt), `${item.target}  ${item.fileName}  ${formatBytes(item.size)}  sha256 ${item.sha256.slice(0, 16)}…`] as const)));
  return lines.join('\n');
}

/** True when a reference names one version rather than a model: an id, or `name@…`. */
function isVersionRef(ref: string): boolean {
  return ref.includes('@') || /^mver_[a-z0-9]+$/.test(ref);
}

function parseFormat(command: Command, value: string | undefined): ModelFormat | undefined {
  if (value === undefined) return undefined;
  if (!(modelFormats as readonly string[]).includes(value)) usageError(command, `--format ${value}: give one of ${modelFormats.join(', ')}.`);
  return value as ModelFormat;
}

function parseStage(command: Command, value: string): ModelStage {
  if (!(modelStages as readonly string[]).includes(value)) usageError(command, `stage ${value}: give one of ${modelStages.join(', ')}.`);
  return value as ModelStage;
}

/** Writes text to a file through a temporary name, so a failed write leaves no half page under the asked name. */
async function writeAtomically(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.part`;
  await writeFile(temporary, text);
  await rename(temporary, file);
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * `orrery model register|list|show|stage|alias|card|delete` (the registry), plus the ONNX commands (inspect, bench)
 * and export, registered by their own files on the same `model` command.
 */
export function registerModelCommands(program: Command, ctx: CliContext): void {
  const model = program.command('model').description('The model registry: versions with lineage, aliases and stages, model cards, ONNX and export (on --project or ORRERY_PROJECT)');

  model
    .command('register')
    .description("Register a version of a model from a run's artifact or checkpoint (lineage and metrics copied from the run), or from a file")
    .argument('<name>', 'the model name, such as iris-classifier (created on its first version)')
    .option('--run <run>', 'the run (id or unique prefix) whose file to register')
    .option('--artifact <name>', "the run's artifact or checkpoint name (default: its last checkpoint)")
    .option('--file <file>', 'a model file to register instead of a run file')
    .option('--format <format>', `the file's format (${modelFormats.join(', ')}); default: from its name and content`)
    .option('--notes <text>', 'notes kept with the version')
    .option('--dataset <file>', 'a dataset file the model was trained on, hashed into the lineage (repeatable)', collect)
    .option('--json', 'print the contract output as JSON')
    .action(
      async (
        name: string,
        options: { run?: string; artifact?: string; file?: string; format?: string; notes?: string; dataset?: string[]; json?: boolean },
        command: Command,
      ) => {
        if ((options.run === undefined) === (options.file === undefined)) usageError(command, 'give either --run RUN (with --artifact NAME or its last checkpoint) or --file FILE.');
        if (options.artifact !== undefined && options.run === undefined) usageError(command, '--artifact names a file of a run; give --run too.');
        const format = parseFormat(command, options.format);
        const version = await withCore(ctx, 'cli', async (core) => {
          await openModelProject(ctx, command, core, { ingest: options.run !== undefined });
          return cliCall(core, 'model.register', {
            name,
            ...(options.run !== undefined ? { runId: await resolveRunId(core, options.run) } : {}),
            ...(options.artifact !== undefined ? { artifact: options.artifact } : {}),
            ...(options.file !== undefined ? { file: absoluteDir(ctx, options.file) } : {}),
            ...(format ? { format } : {}),
            ...(options.notes !== undefined ? { notes: options.notes } : {}),
            ...(options.dataset ? { datasets: options.dataset.map((file) => absoluteDir(ctx, file)) } : {}),
          });
        });
        if (options.json) return printJson(ctx, version);
        ctx.io.out(`Registered ${version.modelName}@${version.version} (${version.id}): ${version.fileName}, ${version.format}, ${formatBytes(version.size)}\n`);
      },
    );

  model
    .command('list')
    .description('Registered models, most recently changed first')
    .option('--json', 'print the contract output as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const models = await withCore(ctx, 'cli', async (core) => {
        await openModelProject(ctx, command, core);
        return cliCall(core, 'model.list', undefined);
      });
      if (options.json) return printJson(ctx, models);
      if (models.length === 0) return ctx.io.out('No models yet: register one with `orrery model register NAME --run RUN` or `--file FILE`.\n');
      ctx.io.out(`${models.map(modelLine).join('\n')}\n`);
    });

  model
    .command('show')
    .description('A model and its versions (REF is a name), or one version in full (name@3, name@alias, name@production, a version id)')
    .argument('<ref>', 'a model name, or a version reference')
    .option('--json', 'print the contract output as JSON')
    .action(async (ref: string, options: { json?: boolean }, command: Command) => {
      const shown = await withCore(ctx, 'cli', async (core) => {
        await openModelProject(ctx, command, core);
        if (isVersionRef(ref)) {
          const version = await versionOf(core, ref);
          return { kind: 'version' as const, version, exports: await cliCall(core, 'model.exports', { versionId: version.id }), packages: await cliCall(core, 'model.packages', { versionId: version.id }) };
        }
        return { kind: 'model' as const, ...(await cliCall(core, 'model.get', { id: ref })) };
      });
      if (shown.kind === 'version') {
        if (options.json) return printJson(ctx, { ...shown.version, exports: shown.exports, packages: shown.packages });
        return ctx.io.out(`${describeVersion(shown.version, shown.exports, shown.packages)}\n`);
      }
      if (options.json) return printJson(ctx, { model: shown.model, versions: shown.versions });
      const aliases = Object.entries(shown.model.aliases).map(([alias, version]) => `${alias} → v${version}`);
      ctx.io.out(
        `${table([
          ['Model', `${shown.model.name} (${shown.model.id})`],
          ['Description', shown.model.description ?? '-'],
          ['Aliases', aliases.join(', ') || '-'],
          ['Updated', formatTime(shown.model.updatedAt)],
        ])}\nVersions\n${shown.versions.map(versionLine).join('\n')}\n`,
      );
    });

  model
    .command('stage')
    .description(`Move a version to a stage (${modelStages.join(', ')})`)
    .argument('<ref>', 'the version (name@3, a version id, …)')
    .argument('<stage>', modelStages.join(' | '))
    .option('--json', 'print the contract output as JSON')
    .action(async (ref: string, stageName: string, options: { json?: boolean }, command: Command) => {
      const stage = parseStage(command, stageName);
      const version = await withCore(ctx, 'cli', async (core) => {
        await openModelProject(ctx, command, core);
        const found = await versionOf(core, ref);
        return cliCall(core, 'model.update', { versionId: found.id, stage });
      });
      if (options.json) return printJson(ctx, version);
      ctx.io.out(`${version.modelName}@${version.version} is now in ${version.stage}\n`);
    });

  model
    .command('alias')
    .description('Point an alias (champion, candidate, …) of a model at one of its versions, or remove it with --remove')
    .argument('<model>', 'the model name')
    .argument('<alias>', 'the alias: lowercase letters, digits, _ and -')
    .argument('[ref]', 'the version: a number, name@3, or a version id')
    .option('--remove', 'remove the alias instead')
    .option('--json', 'print the contract output as JSON')
    .action(async (modelName: string, alias: string, ref: string | undefined, options: { remove?: boolean; json?: boolean }, command: Command) => {
      if ((ref === undefined) === !options.remove) usageError(command, 'give the version the alias points at, or --remove to remove the alias.');
      const updated = await withCore(ctx, 'cli', async (core) => {
        await openModelProject(ctx, command, core);
        const { model: found } = await cliCall(core, 'model.get', { id: modelName });
        const versionId = ref === undefined ? null : (await versionOf(core, /^\d+$/.test(ref) ? `${found.name}@${ref}` : ref)).id;
        return cliCall(core, 'model.alias', { modelId: found.id, alias, versionId });
      });
      if (options.json) return printJson(ctx, updated);
      const version = updated.aliases[alias];
      ctx.io.out(version === undefined ? `Removed alias ${alias} of ${updated.name}\n` : `${updated.name}@${alias} → v${version}\n`);
    });

  model
    .command('card')
    .description('The model card of a version: a self-contained HTML page (lineage, metrics, signature, exports, latency)')
    .argument('<ref>', 'the version (name@3, name@production, a version id, …)')
    .option('-o, --output <file>', 'write the page to this file instead of stdout')
    .action(async (ref: string, options: { output?: string }, command: Command) => {
      const card = await withCore(ctx, 'cli', async (core) => {
        await openModelProject(ctx, command, core);
        const version = await versionOf(core, ref);
        return cliCall(core, 'model.card', { versionId: version.id });
      });
      if (options.output === undefined) return ctx.io.out(card.html);
      const file = absoluteDir(ctx, options.output);
      await writeAtomically(file, card.html);
      ctx.io.err(`Wrote the model card to ${file}\n`);
    });

  model
    .command('delete')
    .description('Delete a version with its exports and benchmarks (the files stay in the artifact store); the model goes with its last version')
    .argument('<ref>', 'the version (name@3 or a version id); a bare name is refused')
    .action(async (ref: string, _options: unknown, command: Command) => {
      if (!isVersionRef(ref)) usageError(command, `${ref}: name one version (${ref}@3, or its id); a model is deleted with its last version.`);
      const deleted = await withCore(ctx, 'cli', async (core) => {
        await openModelProject(ctx, command, core);
        const version = await versionOf(core, ref);
        await cliCall(core, 'model.deleteVersion', { versionId: version.id });
        return version;
      });
      ctx.io.out(`Deleted ${deleted.modelName}@${deleted.version} (${deleted.id})\n`);
    });

  registerOnnxCommands(model, ctx);
  registerExportCommands(model, ctx);
  registerServeModelCommand(model, ctx);
  registerPackageCommands(model, ctx);
}

