import type { Command } from 'commander';
import { packageTargets, type EdgePackage, type PackageTarget, type PackageVerifyResult } from '../../../app/contract';
import { formatBytes } from '../../../app/lib/format';
import { absoluteDir, cliCall, printJson, usageError, withCancellableTask, withCore, type CliContext } from '../cli-context';
import { CommandExit } from './jobs';
import { openModelProject, versionOf } from './model-common';

/** Exit code of `orrery model verify-package` when a file fails its checksum (the package's own bin/run uses 3 too). */
export const verifyFailedExitCode = 3;

interface PackageOptions {
  target: string;
  out?: string;
  golden?: string;
  json?: boolean;
}

/** A package as lines: file, size, sha256, where it lies. */
export function describePackage(item: EdgePackage): string {
  return [
    `Packaged ${item.modelName}@${item.version} for ${item.target} (${item.id}): ${item.fileName}, ${formatBytes(item.size)}`,
    `  sha256 ${item.sha256}`,
    `  stored at ${item.path}`,
  ].join('\n');
}

/** A verification as one line (and the bad file when there is one). */
export function describeVerification(result: PackageVerifyResult): string {
  if (result.ok) return `OK ${result.file}: ${result.checked} files match SHA256SUMS (sha256 ${result.sha256})`;
  return `FAILED ${result.file}: ${result.bad?.path ?? '?'}: ${result.bad?.problem ?? 'unknown problem'}`;
}

function targetOf(command: Command, value: string): PackageTarget {
  if (!(packageTargets as readonly string[]).includes(value)) usageError(command, `--target ${value}: give ${packageTargets.join(' or ')}.`);
  return value as PackageTarget;
}

/** `orrery model package` and `orrery model verify-package`. */
export function registerPackageCommands(model: Command, ctx: CliContext): void {
  model
    .command('package')
    .description('Build an edge package (tar.gz) of a version for a device: the ONNX model, its manifest, Node and Python runners, a golden self-test and SHA256SUMS')
    .argument('<ref>', 'the version (name@3, name@production, a version id)')
    .requiredOption('--target <target>', `the device: ${packageTargets.join(' or ')}`)
    .option('--out <file>', "also write the tar.gz here (default: only the project's artifact store)")
    .option('--golden <n>', 'how many golden self-test cases to record (default 3)')
    .option('--json', 'print the contract output as JSON')
    .action(async (ref: string, options: PackageOptions, command: Command) => {
      const target = targetOf(command, options.target);
      const golden = options.golden === undefined ? undefined : Number(options.golden);
      if (golden !== undefined && (!Number.isInteger(golden) || golden < 1 || golden > 32)) usageError(command, `--golden ${options.golden}: give a whole number from 1 to 32.`);
      const out = options.out !== undefined ? absoluteDir(ctx, options.out) : undefined;
      const built = await withCore(ctx, 'cli', async (core) => {
        await openModelProject(ctx, command, core);
        const version = await versionOf(core, ref);
        return withCancellableTask(core, async (taskId) => {
          const stop = core.bus.subscribe('task.progress', taskId, (event) => {
            if (event.payload.finished === null) ctx.io.err(`… ${event.payload.message}\n`);
          });
          try {
            return await cliCall(core, 'model.package', { versionId: version.id, target, taskId, ...(out !== undefined ? { out } : {}), ...(golden !== undefined ? { goldenCases: golden } : {}) });
          } finally {
            stop();
          }
        });
      });
      if (options.json) return printJson(ctx, built);
      ctx.io.out(`${describePackage(built)}${out !== undefined ? `\n  written to ${out}` : ''}\n`);
    });

  model
    .command('verify-package')
    .description("Check a package's files against its SHA256SUMS; names the first bad file and exits 3 when one differs, is missing or is not listed")
    .argument('<file>', 'the .tar.gz')
    .option('--json', 'print the contract output as JSON')
    .action(async (file: string, options: { json?: boolean }) => {
      const result = await withCore(ctx, 'cli', (core) => cliCall(core, 'model.verifyPackage', { file: absoluteDir(ctx, file) }));
      if (options.json) printJson(ctx, result);
      else if (result.ok) ctx.io.out(`${describeVerification(result)}\n`);
      else ctx.io.err(`${describeVerification(result)}\n`);
      if (!result.ok) throw new CommandExit(verifyFailedExitCode);
    });
}
