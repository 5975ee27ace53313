import type { Command } from 'commander';
import type { Project, ProjectInfo } from '../../../app/models';
import { absoluteDir, cliCall, printJson, projectDirFor, usageError, withCore, type CliContext } from '../cli-context';
import { formatBytes } from '../../../app/lib/format';
import { formatTime, table } from './format';

function describeProject(project: Project): string {
  return table([
    ['Name', project.name],
    ['Path', project.path],
    ['Id', project.id],
    ['Schema', `v${project.schemaVersion}`],
    ['Created', formatTime(project.createdAt)],
    ['Opened', formatTime(project.openedAt)],
  ]);
}

function describeInfo(info: ProjectInfo): string {
  const tables = info.tables.map((t) => `${t.name} (${t.rows})`).join(', ');
  return table([
    ['Name', info.project.name],
    ['Path', info.project.path],
    ['Id', info.project.id],
    ['Store', `${info.dbPath} (${formatBytes(info.dbBytes)}, journal ${info.journalMode}, schema v${info.project.schemaVersion})`],
    ['Artifacts', `${info.artifactCount} (${formatBytes(info.artifactBytes)})`],
    ['Tables', tables || '(none)'],
    ['Created', formatTime(info.project.createdAt)],
    ['Opened', formatTime(info.project.openedAt)],
  ]);
}

/** `orrery project create|open|info`: the project store through the contract. */
export function registerProjectCommands(program: Command, ctx: CliContext): void {
  const project = program.command('project').description('Create, open and inspect projects (a project is a folder)');

  project
    .command('create')
    .description('Create a project in a folder (made if missing) and make it the current project')
    .argument('<dir>', 'the project folder')
    .option('--name <name>', 'display name (default: the folder name)')
    .option('--sample', 'copy the sample notebooks, training script and dataset into it')
    .option('--json', 'print the project as JSON')
    .action(async (dir: string, options: { name?: string; sample?: boolean; json?: boolean }) => {
      const input = { path: absoluteDir(ctx, dir), ...(options.name !== undefined ? { name: options.name } : {}), ...(options.sample ? { sample: true } : {}) };
      const created = await withCore(ctx, 'cli', (core) => cliCall(core, 'project.create', input));
      if (options.json) return printJson(ctx, created);
      ctx.io.out(`Created project "${created.name}"\n${describeProject(created)}\n`);
    });

  project
    .command('open')
    .description('Open a project: it becomes the current project (the one `orrery serve` opens) and tops the recent list')
    .argument('<dir>', 'the project folder')
    .option('--json', 'print the project as JSON')
    .action(async (dir: string, options: { json?: boolean }) => {
      const opened = await withCore(ctx, 'cli', (core) => cliCall(core, 'project.open', { path: absoluteDir(ctx, dir) }));
      if (options.json) return printJson(ctx, opened);
      ctx.io.out(`Opened project "${opened.name}"\n${describeProject(opened)}\n`);
    });

  project
    .command('info')
    .description('Show facts about a project store (the folder given, else --project, else ORRERY_PROJECT)')
    .argument('[dir]', 'the project folder')
    .option('--json', 'print the info as JSON')
    .action(async (dir: string | undefined, options: { json?: boolean }, command: Command) => {
      const target = projectDirFor(ctx, command, dir);
      if (!target) usageError(command, 'project info needs a folder: give DIR, --project DIR, or set ORRERY_PROJECT.');
      const info = await withCore(ctx, 'cli', (core) => cliCall(core, 'project.info', { path: target }));
      if (options.json) return printJson(ctx, info);
      ctx.io.out(`${describeInfo(info)}\n`);
    });
}
