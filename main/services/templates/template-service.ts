import { copyFile, mkdir, readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { jobTemplateSchema, OrreryError, type CallOutput } from '../../../app/contract';
import type { Logger } from '../../core/logger';
import type { ProjectService } from '../projects/project-service';

/** What the template service needs. */
export interface TemplateServiceDeps {
  readonly logger: Logger;
  readonly projects: ProjectService;
  /** Orrery's resources folder (holds `templates/`). */
  readonly resourcesDir: string;
}

export type JobTemplate = CallOutput<'template.list'>[number];

/**
 * The job templates shipped in `resources/templates`: listed for the new-job wizard, and copied into the open
 * project on first use so the job runs (and the run's lineage records) a script the user owns and can edit.
 */
export class TemplateService {
  private cached: Promise<JobTemplate[]> | null = null;

  constructor(private readonly deps: TemplateServiceDeps) {}

  private get root(): string {
    return path.join(this.deps.resourcesDir, 'templates');
  }

  /** Every template whose `template.json` is valid; a broken one is logged and left out. */
  list(): Promise<JobTemplate[]> {
    this.cached ??= this.read();
    return this.cached;
  }

  /** Copies the template's files into `<project>/templates/<id>/` (files already there are kept). */
  async install(id: string): Promise<CallOutput<'template.install'>> {
    const template = (await this.list()).find((t) => t.id === id);
    if (!template) throw new OrreryError('not_found', `There is no job template "${id}". template.list names the ones there are.`);
    const project = this.deps.projects.requireCurrent().project.path;
    const source = path.join(this.root, id);
    const target = path.join(project, 'templates', id);
    await mkdir(target, { recursive: true });
    let created = false;
    for (const name of await readdir(source)) {
      if (name === 'template.json') continue;
      const to = path.join(target, name);
      if (await stat(to).catch(() => null)) continue;
      await copyFile(path.join(source, name), to);
      created = true;
    }
    const script = path.join(target, template.script);
    if (!(await stat(script).catch(() => null))) throw new OrreryError('not_found', `The template "${id}" has no ${template.script}; reinstall Orrery.`);
    this.deps.logger.info('template installed', { id, target, created });
    return { script, created };
  }

  dispose(): void {}

  private async read(): Promise<JobTemplate[]> {
    const names = await readdir(this.root, { withFileTypes: true }).catch(() => []);
    const templates: JobTemplate[] = [];
    for (const entry of names) {
      if (!entry.isDirectory()) continue;
      const file = path.join(this.root, entry.name, 'template.json');
      try {
        const parsed = jobTemplateSchema.parse(JSON.parse(await readFile(file, 'utf8')));
        if (parsed.id !== entry.name) throw new Error(`its id "${parsed.id}" is not its folder's name`);
        templates.push(parsed);
      } catch (error) {
        this.deps.logger.warn('template skipped', { file, error: error instanceof Error ? error.message : String(error) });
      }
    }
    return templates.sort((a, b) => a.title.localeCompare(b.title));
  }
}
