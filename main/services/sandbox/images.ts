import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { OrreryError } from '../../../app/contract';
import { dockerMessage, dockerStatus } from './docker';

/** The offline base image recipe (resources/sandbox/base-image.json). */
export interface BaseRecipe {
  readonly tag: string;
  readonly suite: string;
  readonly variant: string;
  readonly include: readonly string[];
  readonly defaultMirror: string;
  /** Dockerfile instructions applied by `docker import` (labels, ENV, CMD). */
  readonly changes: readonly string[];
}

/** Where long image work reports (a Task from the registry fits). */
export interface ImageProgress {
  readonly signal?: AbortSignal;
  progress?(done: number, total: number | null, message: string): void;
  output?(stream: 'stdout' | 'stderr', text: string): void;
}

/** An image as listed: tags, size, and whether Orrery made it (label `orrery.image`). */
export interface ImageSummary {
  readonly id: string;
  readonly tags: string[];
  readonly size: number;
  readonly created: number;
  /** `base`, `project`, or null for an image Orrery did not build. */
  readonly orrery: string | null;
  readonly containers: number;
}

/** The tag of the base image every sandbox starts from unless another is named. */
export const baseImageLabel = 'orrery.image';

/** Reads the recipe that ships in resources/sandbox. */
export async function readBaseRecipe(resourcesDir: string): Promise<BaseRecipe> {
  const file = path.join(resourcesDir, 'sandbox', 'base-image.json');
  return JSON.parse(await readFile(file, 'utf8')) as BaseRecipe;
}

/** The Debian mirror apt uses on this machine (one-line or deb822 sources), so debootstrap works offline of the internet. */
export async function aptMirror(fallback: string, sourcesDir = '/etc/apt'): Promise<string> {
  const files = [path.join(sourcesDir, 'sources.list')];
  try {
    const listDir = path.join(sourcesDir, 'sources.list.d');
    files.push(...(await readdir(listDir)).filter((name) => /\.(list|sources)$/.test(name)).map((name) => path.join(listDir, name)));
  } catch {
    // No sources.list.d.
  }
  for (const file of files) {
    const text = await readFile(file, 'utf8').catch(() => '');
    const mirror = debianMirrorIn(text);
    if (mirror) return mirror;
  }
  return fallback;
}

/** The first Debian archive URI (not -security, not a third-party repo) in a sources file's text. */
export function debianMirrorIn(text: string): string | null {
  const uris = [
    ...[...text.matchAll(/^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)/gm)].map((m) => m[1]!),
    ...[...text.matchAll(/^\s*URIs:\s*(.+)$/gim)].flatMap((m) => m[1]!.trim().split(/\s+/)),
  ];
  return uris.find((uri) => /\/debian\/?$/.test(uri) && /^(https?|file):/.test(uri)) ?? null;
}

/** The image's id when present locally, else null. */
export async function imageId(docker: Docker, tag: string): Promise<string | null> {
  try {
    return (await docker.getImage(tag).inspect()).Id;
  } catch (error) {
    if (dockerStatus(error) === 404) return null;
    throw error;
  }
}

/**
 * The base image, built once: debootstrap (minbase, python3 + ipykernel + pip) from the apt mirror into a
 * temporary root filesystem, then `docker import` with the recipe's labels. Present already → nothing is built.
 */
export async function ensureBaseImage(
  docker: Docker,
  options: { resourcesDir: string; progress?: ImageProgress; mirror?: string },
): Promise<{ tag: string; id: string; built: boolean }> {
  const recipe = await readBaseRecipe(options.resourcesDir);
  const existing = await imageId(docker, recipe.tag);
  if (existing) return { tag: recipe.tag, id: existing, built: false };
  if (process.getuid?.() !== 0) {
    throw new OrreryError(
      'forbidden',
      `Building the sandbox base image runs debootstrap, which needs root: run \`sudo orrery sandbox images --build-base\` once (or load an image tagged ${recipe.tag}).`,
    );
  }
  const mirror = options.mirror ?? (await aptMirror(recipe.defaultMirror));
  const rootfs = await mkdtemp(path.join(os.tmpdir(), 'orrery-rootfs-'));
  try {
    await debootstrap(recipe, rootfs, mirror, options.progress);
    options.progress?.progress?.(90, 100, `Importing ${recipe.tag}`);
    const id = await importRootfs(docker, rootfs, recipe);
    options.progress?.progress?.(100, 100, `Built ${recipe.tag}`);
    return { tag: recipe.tag, id, built: true };
  } finally {
    await rm(rootfs, { recursive: true, force: true });
  }
}

/** Debootstrap's phases with the share of the build they start at, for a progress bar. */
const phases: readonly (readonly [RegExp, number, string])[] = [
  [/^I: (Retrieving|Validating) (InRelease|Release|Packages)/, 2, 'Fetching the package index'],
  [/^I: Retrieving /, 5, 'Downloading packages'],
  [/^I: Validating /, 30, 'Validating packages'],
  [/^I: Extracting /, 40, 'Extracting the root filesystem'],
  [/^I: Installing core packages/, 50, 'Installing core packages'],
  [/^I: Unpacking /, 55, 'Unpacking packages'],
  [/^I: Configuring /, 70, 'Configuring packages'],
  [/^I: Base system installed successfully/, 89, 'Root filesystem ready'],
];

async function debootstrap(recipe: BaseRecipe, rootfs: string, mirror: string, progress?: ImageProgress): Promise<void> {
  const args = [`--variant=${recipe.variant}`, `--include=${recipe.include.join(',')}`, recipe.suite, rootfs, mirror];
  progress?.progress?.(0, 100, `debootstrap ${recipe.suite} from ${mirror}`);
  let share = 0;
  await runProgram('debootstrap', args, progress, (line) => {
    for (const [pattern, at, label] of phases) {
      if (pattern.test(line) && at >= share) {
        share = at;
        progress?.progress?.(at, 100, `${label}: ${line.slice(3, 120)}`);
        break;
      }
    }
  });
}

/** Runs a program, streaming its lines; rejects with `process_failed` and its last lines when it fails. */
export async function runProgram(program: string, args: readonly string[], progress: ImageProgress | undefined, onLine?: (line: string) => void): Promise<void> {
  const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'], signal: progress?.signal });
  const tail: string[] = [];
  const take = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    progress?.output?.(stream, text);
    for (const line of text.split('\n').filter(Boolean)) {
      onLine?.(line);
      tail.push(line);
      if (tail.length > 20) tail.shift();
    }
  };
  child.stdout.on('data', take('stdout'));
  child.stderr.on('data', take('stderr'));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', (error) => reject(spawnError(program, error, progress?.signal)));
    child.once('close', (status) => resolve(status));
  });
  if (code !== 0) throw new OrreryError('process_failed', `${program} failed (exit ${String(code)}):\n${tail.join('\n')}`);
}

function spawnError(program: string, error: Error, signal?: AbortSignal): OrreryError {
  if (signal?.aborted) return new OrreryError('cancelled', `${program}: cancelled.`, { cause: error });
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
    return new OrreryError('unavailable', `${program} is not installed: apt-get install ${program}.`, { cause: error });
  }
  return new OrreryError('process_failed', `${program} could not start: ${error.message}`, { cause: error });
}

/** Streams the root filesystem as a tar (system tar keeps owners, modes, devices and hard links) into `docker import`. */
async function importRootfs(docker: Docker, rootfs: string, recipe: BaseRecipe): Promise<string> {
  const tar = spawn('tar', ['--numeric-owner', '-C', rootfs, '-c', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let tarError = '';
  tar.stderr.on('data', (chunk: Buffer) => {
    tarError = (tarError + chunk.toString('utf8')).slice(-2000);
  });
  const [repo, tag] = splitTag(recipe.tag);
  const response = (await docker.importImage(tar.stdout, { repo, tag, changes: [...recipe.changes] })) as Readable;
  await followProgress(docker, response);
  const tarCode = await new Promise<number | null>((resolve) => (tar.exitCode !== null ? resolve(tar.exitCode) : tar.once('close', resolve)));
  if (tarCode !== 0) throw new OrreryError('process_failed', `tar of the root filesystem failed: ${tarError}`);
  const id = await imageId(docker, recipe.tag);
  if (!id) throw new OrreryError('process_failed', `docker import finished but ${recipe.tag} is not there.`);
  return id;
}

/** `repo:tag` → [repo, tag] (a registry port's colon is not a tag). */
export function splitTag(reference: string): [string, string] {
  const slash = reference.lastIndexOf('/');
  const colon = reference.lastIndexOf(':');
  return colon > slash ? [reference.slice(0, colon), reference.slice(colon + 1)] : [reference, 'latest'];
}

/** Reads a JSON-lines progress stream (import, build, pull) to its end; rejects with the daemon's error. */
export async function followProgress(docker: Docker, stream: Readable, onEvent?: (event: ProgressEvent) => void): Promise<ProgressEvent[]> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (error: Error | null, events: ProgressEvent[]) => {
        const failed = events?.find((event) => event.error || event.errorDetail);
        if (error || failed) reject(new OrreryError('process_failed', `Docker: ${failed?.error ?? failed?.errorDetail?.message ?? dockerMessage(error)}`));
        else resolve(events);
      },
      (event: ProgressEvent) => onEvent?.(event),
    );
  });
}

/** One line of Docker's JSON progress stream. */
export interface ProgressEvent {
  readonly status?: string;
  readonly stream?: string;
  readonly progress?: string;
  readonly id?: string;
  readonly error?: string;
  readonly errorDetail?: { readonly message?: string };
  readonly aux?: { readonly ID?: string };
}

/** Every local image with its size; Orrery's own are marked by their label. */
export async function listImages(docker: Docker): Promise<ImageSummary[]> {
  const images = await docker.listImages({ all: false });
  return images
    .map((image) => ({
      id: image.Id,
      tags: (image.RepoTags ?? []).filter((tag) => tag !== '<none>:<none>'),
      size: image.Size,
      created: image.Created * 1000,
      orrery: image.Labels?.[baseImageLabel] ?? null,
      containers: image.Containers,
    }))
    .sort((a, b) => b.created - a.created);
}

/**
 * Removes Orrery's images no container uses (project images, and the base too when `includeBase`);
 * images Orrery did not build are never touched.
 */
export async function pruneImages(docker: Docker, options: { includeBase?: boolean } = {}): Promise<{ removed: string[]; reclaimed: number }> {
  const filters: Record<string, string[]> = { label: [baseImageLabel], dangling: ['false'] };
  if (!options.includeBase) filters['label!'] = [`${baseImageLabel}=base`];
  const result = (await docker.pruneImages({ filters })) as { ImagesDeleted?: { Deleted?: string; Untagged?: string }[] | null; SpaceReclaimed?: number };
  const removed = (result.ImagesDeleted ?? []).map((entry) => entry.Untagged ?? entry.Deleted ?? '').filter(Boolean);
  return { removed, reclaimed: result.SpaceReclaimed ?? 0 };
}

/** Makes sure a user-named image is here; no registry is contacted here unless the user allows a pull. */
export async function requireImage(docker: Docker, reference: string, options: { pull?: boolean; progress?: ImageProgress } = {}): Promise<string> {
  const id = await imageId(docker, reference);
  if (id) return id;
  if (!options.pull) {
    throw new OrreryError('not_found', `Image ${reference} is not on this machine; pull it (\`docker pull ${reference}\`) or build Orrery's base image with \`orrery sandbox images --build-base\`.`);
  }
  try {
    const stream = (await docker.pull(reference)) as Readable;
    await followProgress(docker, stream, (event) => event.status && options.progress?.progress?.(0, null, `${event.status} ${event.id ?? ''}`.trim()));
  } catch (error) {
    throw new OrreryError('unavailable', `Could not pull ${reference}: ${dockerMessage(error)}. Without registry access, use Orrery's base image or build a project image.`, { cause: error });
  }
  const pulled = await imageId(docker, reference);
  if (!pulled) throw new OrreryError('not_found', `Pulling ${reference} finished but the image is not there.`);
  return pulled;
}
