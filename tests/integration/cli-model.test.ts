// `orrery model register|list|show|stage|alias|card|delete` as users run them (out/main/cli.cjs in a child
// process), on a run just written by the real Python SDK from a terminal (ingested by the command itself).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliProject, type CliProject } from './cli-harness';
import { commitProject, train } from './models-harness';

let world: CliProject;
const orrery = (...args: string[]) => world.orrery(...args);

beforeAll(async () => {
  world = await cliProject('orrery-climodel-');
}, 300_000);
afterAll(() => world.dispose());

describe('orrery model', () => {
  it('registers from a run, lists, shows, stages, aliases, writes the card and deletes', async () => {
    const commit = await commitProject(world.project);
    const runId = train(world.project);

    const registered = orrery('model', 'register', 'tiny', '--run', runId.slice(0, 10), '--notes', 'from the CLI', '--dataset', 'proj/data/train.csv');
    expect(registered.stderr).toBe('');
    expect(registered.status).toBe(0);
    expect(registered.stdout).toMatch(/^Registered tiny@1 \(mver_[a-z0-9]+\): epoch2\.pt, pytorch, 18 B\n$/);
    const second = JSON.parse(orrery('model', 'register', 'tiny', '--run', runId, '--artifact', 'model.onnx', '--json').stdout);
    expect(second).toMatchObject({ version: 2, format: 'onnx', lineage: { gitCommit: commit, runId } });
    const file = orrery('model', 'register', 'other', '--file', 'proj/train.py', '--format', 'other');
    expect(file.stdout).toMatch(/^Registered other@1 .*train\.py, other/);

    const list = orrery('model', 'list');
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/^other\s+v1\s+/m);
    expect(list.stdout).toMatch(/^tiny\s+v2\s+/m);

    const show = orrery('model', 'show', 'tiny');
    expect(show.status).toBe(0);
    expect(show.stdout).toMatch(/Model\s+tiny \(mdl_/);
    expect(show.stdout).toMatch(/v2\s+onnx .*model\.onnx/);
    expect(show.stdout).toMatch(/v1\s+pytorch .*epoch2\.pt\s+\(run [0-9a-f]{12}\)/);

    const showVersion = orrery('model', 'show', 'tiny@1');
    expect(showVersion.status).toBe(0);
    expect(showVersion.stdout).toMatch(/Version\s+tiny@1/);
    expect(showVersion.stdout).toContain(`Git commit  ${commit}`);
    expect(showVersion.stdout).toMatch(/Datasets\n\s+data\/train\.csv\s+12 B, sha256 [0-9a-f]{64}/);
    expect(showVersion.stdout).toMatch(/Params\n[\s\S]*lr\s+0\.05/);
    expect(showVersion.stdout).toMatch(/Metrics\n[\s\S]*val_acc\s+0\.7/);
    expect(showVersion.stdout).toMatch(/Notes\s+from the CLI/);

    expect(orrery('model', 'stage', 'tiny@1', 'production').stdout).toBe('tiny@1 is now in production\n');
    expect(orrery('model', 'alias', 'tiny', 'champion', '2').stdout).toBe('tiny@champion → v2\n');
    expect(JSON.parse(orrery('model', 'show', 'tiny@production', '--json').stdout)).toMatchObject({ version: 1, stage: 'production' });
    expect(JSON.parse(orrery('model', 'show', 'tiny@champion', '--json').stdout)).toMatchObject({ version: 2, aliases: ['champion'] });

    const card = orrery('model', 'card', 'tiny@production', '-o', 'out/card.html');
    expect(card.status).toBe(0);
    expect(card.stderr).toMatch(/Wrote the model card to .*out\/card\.html/);
    const html = await readFile(path.join(world.base, 'out', 'card.html'), 'utf8');
    expect(html).toContain('<title>Model card: tiny v1</title>');
    expect(html).toContain(commit);
    expect(orrery('model', 'card', 'tiny@1').stdout).toContain('<title>Model card: tiny v1</title>');

    expect(orrery('model', 'alias', 'tiny', 'champion', '--remove').stdout).toBe('Removed alias champion of tiny\n');
    expect(orrery('model', 'delete', 'tiny@2').stdout).toMatch(/^Deleted tiny@2 \(mver_/);
    expect(JSON.parse(orrery('model', 'show', 'tiny', '--json').stdout).versions).toHaveLength(1);
  });

  it('answers usage errors with exit 2 and unknown references with exit 1, saying what to do', () => {
    const neither = orrery('model', 'register', 'x');
    expect(neither.status).toBe(2);
    expect(neither.stderr).toMatch(/give either --run RUN .* or --file FILE/);
    const badFormat = orrery('model', 'register', 'x', '--file', 'proj/train.py', '--format', 'keras');
    expect(badFormat.status).toBe(2);
    expect(badFormat.stderr).toMatch(/--format keras: give one of onnx, pytorch, torchscript, sklearn, other/);
    const badStage = orrery('model', 'stage', 'tiny@1', 'live');
    expect(badStage.status).toBe(2);
    expect(badStage.stderr).toMatch(/stage live: give one of none, staging, production, archived/);
    const wholeModel = orrery('model', 'delete', 'tiny');
    expect(wholeModel.status).toBe(2);
    expect(wholeModel.stderr).toMatch(/name one version \(tiny@3, or its id\)/);
    const unknown = orrery('model', 'show', 'tiny@9');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/Model tiny has no version "9"; it has 1/);
    const noModel = orrery('model', 'card', 'ghost@1');
    expect(noModel.status).toBe(1);
    expect(noModel.stderr).toMatch(/No model "ghost@1" in this project; list models with `orrery model list`/);
  });
});
