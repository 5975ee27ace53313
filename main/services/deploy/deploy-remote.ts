import { OrreryError } from '../../../app/contract';
import type { DeployStep } from '../../../app/contract/deploy';
import { shellQuote, type SshConnection, type SshExecResult } from '../ssh/ssh-connection';

/**
 * What a deploy does on the device, as shell commands over one SSH connection. A model's folder on the device:
 *   <root>/<model>/incoming/<deployId>-<package>.tar.gz   (copied through a .partial name)
 *   <root>/<model>/versions/<model>-v<N>.<deployId>[.partial]   (unpacked, verified and self-tested under .partial)
 *   <root>/<model>/current -> versions/<model>-v<N>.<deployId>   (switched with rename(2): never missing, never half)
 */

/** Where one model's files lie on the device (absolute paths). */
export interface RemoteLayout {
  readonly modelRoot: string;
  readonly incoming: string;
  readonly versions: string;
  readonly current: string;
}

/** A step that failed on the device: which one, and what the device said. */
export class StepError extends OrreryError {
  constructor(
    readonly step: DeployStep,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('process_failed', message, options);
  }
}

/** How long a remote step may take before it counts as hung. */
const stepTimeoutMs = 5 * 60_000;

/** The folder name of a model on the device (the package's top folder name without `-v<N>`). */
export function remoteModelName(modelName: string): string {
  return modelName.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[.-]+/, '') || 'model';
}

/** The layout under an absolute root. */
export function remoteLayout(root: string, modelName: string): RemoteLayout {
  const modelRoot = `${root.replace(/\/+$/, '')}/${remoteModelName(modelName)}`;
  return { modelRoot, incoming: `${modelRoot}/incoming`, versions: `${modelRoot}/versions`, current: `${modelRoot}/current` };
}

/** Makes the model's folders (resolving `~/` against the login's home) and answers the layout. */
export async function prepareLayout(connection: SshConnection, remoteRoot: string, modelName: string): Promise<RemoteLayout> {
  await connection.mkdirp(remoteRoot);
  const layout = remoteLayout(await connection.realpath(remoteRoot), modelName);
  await connection.mkdirp(layout.incoming);
  await connection.mkdirp(layout.versions);
  return layout;
}

/** Runs one step's command; a non-zero exit becomes a StepError naming the step and the device's last words. */
export async function runStep(connection: SshConnection, step: DeployStep, command: string, log: (line: string) => void, signal?: AbortSignal): Promise<SshExecResult> {
  log(`$ ${command.replace(/\n/g, '\n  ')}`);
  const result = await connection.exec(command, { timeoutMs: stepTimeoutMs, ...(signal ? { signal } : {}) }).catch((error: unknown) => {
    throw error instanceof OrreryError && !(error instanceof StepError) ? new StepError(step, error.message, { cause: error }) : error;
  });
  if (result.stdout.trim()) log(result.stdout.trimEnd());
  if (result.stderr.trim()) log(result.stderr.trimEnd());
  if (result.code !== 0) {
    const said = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-6).join('\n');
    throw new StepError(step, `${step} failed on the device (exit ${result.code ?? result.signal}): ${said || 'no output'}`);
  }
  return result;
}

/** The command that checks the copied tar.gz's SHA-256 and unpacks it into `<folder>.partial` (its top folder stripped). */
export function unpackCommand(layout: RemoteLayout, tarName: string, folder: string, sha256: string): string {
  const tar = shellQuote(`${layout.incoming}/${tarName}`);
  const partial = shellQuote(`${layout.versions}/${folder}.partial`);
  return [
    'set -e',
    `sum=$( (sha256sum ${tar} 2>/dev/null || shasum -a 256 ${tar}) | cut -d ' ' -f 1)`,
    `if [ "$sum" != ${shellQuote(sha256)} ]; then echo "the copied package has SHA-256 $sum, not ${sha256}: it was damaged on the way" >&2; exit 5; fi`,
    `rm -rf ${partial}`,
    `mkdir -p ${partial}`,
    `tar -xzf ${tar} -C ${partial} --strip-components=1`,
    `rm -f ${tar}`,
  ].join('\n');
}

/** `bin/run verify` or `bin/run self-test` inside a version folder. */
export function packageCommand(folderPath: string, command: 'verify' | 'self-test'): string {
  return `cd ${shellQuote(folderPath)} && sh bin/run ${command}`;
}

/** What `current` points to now (relative, as written by activate), or null when there is none. */
export async function readCurrent(connection: SshConnection, layout: RemoteLayout): Promise<string | null> {
  const result = await connection.exec(`readlink ${shellQuote(layout.current)} || true`, { timeoutMs: 30_000 });
  const target = result.stdout.trim();
  if (!target) return null;
  return target.startsWith('/') ? target : `${layout.modelRoot}/${target}`;
}

/**
 * Gives the verified folder its final name (when it still has `.partial`) and points `current` at it: a new link
 * `current.new` renamed over `current` (rename(2) is atomic: a reader sees the old or the new version, never none).
 */
export function activateCommand(layout: RemoteLayout, folder: string, fromPartial: boolean): string {
  const final = `${layout.versions}/${folder}`;
  return [
    'set -e',
    `cd ${shellQuote(layout.modelRoot)}`,
    ...(fromPartial ? [`mv ${shellQuote(`${final}.partial`)} ${shellQuote(final)}`] : [`test -d ${shellQuote(final)}`]),
    'rm -f current.new',
    `ln -s ${shellQuote(`versions/${folder}`)} current.new`,
    'mv -T current.new current',
  ].join('\n');
}

/** Removes what a failed deploy left (best effort: the connection may be gone). */
export async function cleanUp(connection: SshConnection, layout: RemoteLayout, tarName: string, folder: string): Promise<void> {
  const paths = [`${layout.incoming}/${tarName}`, `${layout.incoming}/${tarName}.partial`, `${layout.versions}/${folder}.partial`].map(shellQuote).join(' ');
  await connection.exec(`rm -rf ${paths}`, { timeoutMs: 30_000 }).catch(() => undefined);
}
