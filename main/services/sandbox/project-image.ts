import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { OrreryError } from '../../../app/contract';
import { followProgress, imageId, type ImageProgress } from './images';

/** What the project image is built from. */
export interface ProjectImageInput {
  readonly resourcesDir: string;
  readonly baseTag: string;
  readonly tag: string;
  /** `pip freeze` lines of the env's lock. */
  readonly requirements: string;
  /** A folder whose *.whl files pip installs from with --no-index (the usual, offline case). */
  readonly wheelsDir?: string;
  /** A package index instead (the build then has the network). */
  readonly indexUrl?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly progress?: ImageProgress;
}

/** The tag of a project's image: one per project, rebuilt in place. */
export function projectImageTag(projectId: string): string {
  return `orrery/project-${projectId.toLowerCase().replace(/[^a-z0-9_.-]/g, '-')}:latest`;
}

/**
 * Lines of a lock that can be installed inside the image: editable installs and `name @ file://…`
 * point at host paths and are left out (returned so the caller can say so).
 */
export function installableRequirements(lock: string): { lines: string[]; left: string[] } {
  const lines: string[] = [];
  const left: string[] = [];
  for (const raw of lock.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    if (line.startsWith('-e ') || /@\s*file:/.test(line)) left.push(line);
    else lines.push(line);
  }
  return { lines, left };
}

/** pip's source: the local wheels offline, or the index the user named. */
export function pipSource(input: { wheelsDir?: string; indexUrl?: string }): string {
  if (input.indexUrl) {
    if (!/^https?:\/\/[^\s'"\\]+$/.test(input.indexUrl)) throw new OrreryError('invalid_input', `Index URL ${input.indexUrl} must be an http(s) URL without quotes or spaces.`);
    return `--index-url '${input.indexUrl}'`;
  }
  return '--no-index --find-links /wheels';
}

/**
 * Builds the project image: the Dockerfile template (resources/sandbox/project.Dockerfile) FROM the base,
 * the lock as requirements.txt and the local wheels in the context. Without an index URL the build runs
 * with the network off, so nothing can reach PyPI even by accident.
 */
export async function buildProjectImage(docker: Docker, input: ProjectImageInput): Promise<{ tag: string; id: string }> {
  if (!(await imageId(docker, input.baseTag))) throw new OrreryError('not_found', `The base image ${input.baseTag} is missing; build it first (sandbox.buildImage target base).`);
  const context = await mkdtemp(path.join(os.tmpdir(), 'orrery-image-'));
  try {
    const files = await writeContext(context, input);
    const stream = (await docker.buildImage(
      { context, src: files },
      { t: input.tag, labels: { ...input.labels }, networkmode: input.indexUrl ? 'default' : 'none', rm: true, forcerm: true, pull: false },
    )) as Readable;
    await followProgress(docker, stream, (event) => {
      if (!event.stream) return;
      input.progress?.output?.('stdout', event.stream);
      const step = /^Step (\d+)\/(\d+)/.exec(event.stream);
      if (step) input.progress?.progress?.(Number(step[1]), Number(step[2]), event.stream.trim().slice(0, 200));
    });
  } finally {
    await rm(context, { recursive: true, force: true });
  }
  const id = await imageId(docker, input.tag);
  if (!id) throw new OrreryError('process_failed', `The build of ${input.tag} ended without an image.`);
  return { tag: input.tag, id };
}

async function writeContext(context: string, input: ProjectImageInput): Promise<string[]> {
  const template = await readFile(path.join(input.resourcesDir, 'sandbox', 'project.Dockerfile'), 'utf8');
  const dockerfile = template.replaceAll('{{BASE}}', input.baseTag).replaceAll('{{PIP_SOURCE}}', pipSource(input));
  await writeFile(path.join(context, 'Dockerfile'), dockerfile);
  await writeFile(path.join(context, 'requirements.txt'), `${installableRequirements(input.requirements).lines.join('\n')}\n`);
  const wheels = path.join(context, 'wheels');
  await mkdir(wheels);
  const src = ['Dockerfile', 'requirements.txt', 'wheels/.keep'];
  await writeFile(path.join(wheels, '.keep'), '');
  if (input.wheelsDir && !input.indexUrl) {
    const names = (await readdir(input.wheelsDir).catch((error: unknown) => {
      throw new OrreryError('not_found', `Wheels folder ${input.wheelsDir} cannot be read; name a folder of .whl files.`, { cause: error });
    })).filter((name) => name.endsWith('.whl'));
    for (const name of names) {
      await copyFile(path.join(input.wheelsDir, name), path.join(wheels, name));
      src.push(`wheels/${name}`);
    }
  }
  return src;
}
