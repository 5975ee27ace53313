// Job templates: the shipped ones parse; a broken template.json is skipped; install copies into the project and
// keeps the user's edits.
import { mkdtemp, mkdir, readFile, rm, writeFile, cp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isOrreryError } from '../../../../../app/contract';
import { silentLogger } from '../../../../../main/core/logger';
import type { ProjectService } from '../../../../../main/services/projects/project-service';
import { TemplateService } from '../../../../../main/services/templates/template-service';

const repoRoot = path.resolve(__dirname, '..', '..', '..', '..', '..');
const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function setup(resourcesDir = path.join(repoRoot, 'resources')) {
  const project = await mkdtemp(path.join(os.tmpdir(), 'orrery-tpl-'));
  dirs.push(project);
  const projects = { requireCurrent: () => ({ project: { path: project } }) } as unknown as ProjectService;
  return { project, service: new TemplateService({ logger: silentLogger, projects, resourcesDir }) };
}

describe('TemplateService', () => {
  it('lists the shipped templates with their forms', async () => {
    const { service } = await setup();
    const templates = await service.list();
    expect(templates.map((t) => t.id).sort()).toEqual(['pytorch-classifier', 'sklearn-classifier']);
    const torch = templates.find((t) => t.id === 'pytorch-classifier')!;
    expect(torch.gpu).toBe(true);
    expect(torch.args.find((a) => a.flag === '--model')?.choices).toEqual(['mlp', 'cnn']);
  });

  it('skips a template whose template.json is broken', async () => {
    const resources = await mkdtemp(path.join(os.tmpdir(), 'orrery-res-'));
    dirs.push(resources);
    await cp(path.join(repoRoot, 'resources', 'templates'), path.join(resources, 'templates'), { recursive: true });
    await mkdir(path.join(resources, 'templates', 'broken'));
    await writeFile(path.join(resources, 'templates', 'broken', 'template.json'), '{"id": "broken", "title": 3}');
    const { service } = await setup(resources);
    expect((await service.list()).map((t) => t.id)).not.toContain('broken');
  });

  it('copies a template into the project once, keeping edits, and refuses an unknown one', async () => {
    const { project, service } = await setup();
    const first = await service.install('pytorch-classifier');
    expect(first).toEqual({ script: path.join(project, 'templates', 'pytorch-classifier', 'train.py'), created: true });
    await writeFile(first.script, '# edited\n');
    const again = await service.install('pytorch-classifier');
    expect(again.created).toBe(false);
    expect(await readFile(first.script, 'utf8')).toBe('# edited\n');
    const error = await service.install('nope').catch((e: unknown) => e);
    expect(isOrreryError(error) && error.code).toBe('not_found');
  });
});
