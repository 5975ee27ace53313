// `orrery runs list|show|export|import-mlflow` as users run them (out/main/cli.cjs in a child process): each
// command ingests the project's pending spool first, so a script just run from a terminal shows up.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cliProject, type CliProject } from './cli-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeRun } from './tracking-harness';

let world: CliProject;
const orrery = (...args: string[]) => world.orrery(...args);

beforeAll(async () => {
  world = await cliProject('orrery-cliruns-');
}, 300_000);
afterAll(() => world.dispose());

describe('orrery runs', () => {
  it('lists a run written from a terminal, filters with --query, shows and exports it', async () => {
    const runId = '0123456789abcdef0123456789abcdef';
    writeRun(world.project, runId, ['--name', 'terminal-run', '--keys', 'loss,acc', '--steps', '20', '--params', '{"lr": 0.05}', '--tags', 'baseline']);
    writeRun(world.project, 'f'.repeat(32), ['--name', 'other', '--keys', 'loss', '--steps', '5', '--params', '{"lr": 0.5}']);

    const list = orrery('runs', 'list');
    expect(list.stderr).toBe('');
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/0123456789ab\s+terminal-run\s+finished/);
    expect(list.stdout).toContain('lr=0.05');

    const json = JSON.parse(orrery('runs', 'list', '--query', 'params.lr < 0.1 and tags ~ base', '--json').stdout);
    expect(json.runs.map((r: { id: string }) => r.id)).toEqual([runId]);
    const bad = orrery('runs', 'list', '--query', 'params.lr <');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/orrery: Query error at position 12/);

    const show = orrery('runs', 'show', '0123456789ab');
    expect(show.status).toBe(0);
    expect(show.stdout).toMatch(/Run\s+terminal-run \(0123456789abcdef0123456789abcdef\)/);
    expect(show.stdout).toMatch(/loss\s+last .* at step 19/);
    expect(JSON.parse(orrery('runs', 'show', runId, '--json').stdout).keys).toHaveLength(2);
    expect(orrery('runs', 'show', 'zzz').stderr).toMatch(/No run zzz/);

    const csv = orrery('runs', 'export', runId, '--keys', 'loss');
    expect(csv.status).toBe(0);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toBe('run_id,run_name,key,step,time,value');
    expect(lines).toHaveLength(21);
    expect(lines[1]).toMatch(new RegExp(`^${runId},terminal-run,loss,0,\\d+\\.?\\d*,1$`));
    const out = orrery('runs', 'export', runId, 'ffffffff', '-o', 'out/all.csv');
    expect(out.stderr).toBe('Wrote 45 rows to ' + path.join(world.base, 'out', 'all.csv') + '\n');
    expect((await readFile(path.join(world.base, 'out', 'all.csv'), 'utf8')).trim().split('\n')).toHaveLength(46);
  });

  it('imports an MLflow file store', async () => {
    const mlruns = path.join(world.base, 'mlruns');
    const exp = path.join(mlruns, '1');
    const run = path.join(exp, '5e3f2a1b9c8d4e7f8a6b5c4d3e2f1a0b');
    await mkdir(path.join(run, 'metrics', 'train'), { recursive: true });
    await mkdir(path.join(run, 'params'), { recursive: true });
    await mkdir(path.join(run, 'tags'), { recursive: true });
    await mkdir(path.join(run, 'artifacts', 'model'), { recursive: true });
    await writeFile(path.join(exp, 'meta.yaml'), "artifact_location: file:///tmp/mlruns/1\ncreation_time: 1700000000000\nexperiment_id: '1'\nlast_update_time: 1700000000000\nlifecycle_stage: active\nname: mnist\n");
    await writeFile(
      path.join(run, 'meta.yaml'),
      "artifact_uri: file:///tmp/mlruns/1/5e3f2a1b9c8d4e7f8a6b5c4d3e2f1a0b/artifacts\nend_time: 1700000100000\nentry_point_name: ''\nexperiment_id: '1'\nlifecycle_stage: active\nrun_id: 5e3f2a1b9c8d4e7f8a6b5c4d3e2f1a0b\nrun_name: bright-owl-42\nrun_uuid: 5e3f2a1b9c8d4e7f8a6b5c4d3e2f1a0b\nsource_name: ''\nsource_type: 4\nsource_version: ''\nstart_time: 1700000000000\nstatus: 3\ntags: []\nuser_id: ana\n",
    );
    await writeFile(path.join(run, 'params', 'lr'), '0.003');
    await writeFile(path.join(run, 'params', 'optimizer'), 'adam');
    await writeFile(path.join(run, 'tags', 'mlflow.runName'), 'bright-owl-42');
    await writeFile(path.join(run, 'tags', 'team'), 'vision');
    await writeFile(path.join(run, 'metrics', 'train', 'loss'), '1700000001000 0.9 0\n1700000002000 0.5 1\n1700000003000 nan 2\n');
    await writeFile(path.join(run, 'artifacts', 'model', 'MLmodel'), 'flavors: {}\n');
    const imported = orrery('runs', 'import-mlflow', mlruns);
    expect(imported.stderr).toBe('');
    expect(imported.stdout).toBe('Imported 1 runs\n');
    expect(orrery('runs', 'import-mlflow', mlruns).stdout).toBe('Imported 0 runs (1 already there)\n');
    const detail = JSON.parse(orrery('runs', 'show', '5e3f2a1b9c8d4e7f8a6b5c4d3e2f1a0b', '--json').stdout);
    expect(detail).toMatchObject({ name: 'bright-owl-42', status: 'finished', source: 'mlflow', params: { lr: 0.003, optimizer: 'adam' }, tags: ['mlflow:mnist', 'team=vision'], createdAt: 1700000000000, endedAt: 1700000100000 });
    expect(detail.keys).toEqual([expect.objectContaining({ key: 'train/loss', count: 3, lastStep: 2, lastValue: null, minValue: 0.5 })]);
    expect(detail.artifacts).toEqual([expect.objectContaining({ name: 'model/MLmodel', size: 12 })]);
  });
});
