// The job templates run for real on Debian's Python (torch, scikit-learn, xgboost) with the SDK on PYTHONPATH,
// and leave a run in the tracking spool: run.json, metric frames for the keys they promise, a checkpoint.
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMetricFrames, readFrom } from '../../main/services/tracking/spool-reader';

const run = promisify(execFile);
const repoRoot = path.resolve(__dirname, '..', '..');
const python = '/usr/bin/python3';
let project = '';

beforeAll(async () => {
  project = await mkdtemp(path.join(os.tmpdir(), 'orrery-templates-'));
  await mkdir(path.join(project, '.orrery'));
  await run(python, ['-c', 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).close()', path.join(project, '.orrery', 'project.db')]);
});
afterAll(() => rm(project, { recursive: true, force: true }));

/** Keys of the metric frames in one writer file, read by the tracking service's own parser. */
async function frameKeys(file: string): Promise<Set<string>> {
  const parsed = parseMetricFrames(await readFrom(file, 0, Number.MAX_SAFE_INTEGER), 0);
  expect(parsed.error).toBeUndefined();
  return new Set(parsed.frames.map((frame) => frame.key));
}

async function runTemplate(id: string, args: string[]): Promise<{ stdout: string; runJson: Record<string, unknown>; keys: Set<string>; events: Array<Record<string, unknown>> }> {
  const runId = `${id.replace(/[^a-z]/g, '')}${Date.now()}`;
  const script = path.join(repoRoot, 'resources', 'templates', id, 'train.py');
  const { stdout } = await run(python, [script, ...args], {
    cwd: project,
    env: { ...process.env, PYTHONPATH: path.join(repoRoot, 'resources', 'python'), ORRERY_PROJECT: project, ORRERY_RUN_ID: runId },
    timeout: 120_000,
  });
  const folder = path.join(project, '.orrery', 'tracking', runId);
  const files = await readdir(folder);
  const keys = new Set<string>();
  const events: Array<Record<string, unknown>> = [];
  for (const file of files) {
    if (file.startsWith('metrics.')) for (const key of await frameKeys(path.join(folder, file))) keys.add(key);
    if (file.startsWith('events.')) {
      for (const line of (await readFile(path.join(folder, file), 'utf8')).split('\n').filter(Boolean)) events.push(JSON.parse(line) as Record<string, unknown>);
    }
  }
  return { stdout, runJson: JSON.parse(await readFile(path.join(folder, 'run.json'), 'utf8')) as Record<string, unknown>, keys, events };
}

describe('job templates', () => {
  it('pytorch-classifier trains an MLP and a CNN, logs per epoch and per batch, checkpoints, and resumes', async () => {
    const mlp = await runTemplate('pytorch-classifier', ['--epochs', '2', '--samples', '1000', '--device', 'cpu']);
    expect(mlp.stdout).toMatch(/epoch 2\/2 train_loss=/);
    expect((mlp.runJson['params'] as Record<string, unknown>)['model']).toBe('mlp');
    for (const key of ['batch/loss', 'epoch/train/loss', 'epoch/val/loss', 'epoch/val/acc', 'epoch/lr', 'epoch/samples_per_s']) expect(mlp.keys).toContain(key);
    const checkpoints = mlp.events.filter((e) => e['t'] === 'artifact' && e['kind'] === 'checkpoint');
    expect(checkpoints.map((e) => e['step'])).toEqual([0, 1]);
    expect(mlp.events.at(-1)).toMatchObject({ t: 'finish', status: 'finished' });

    const blob = path.join(project, '.orrery', 'artifacts', 'sha256', String(checkpoints[1]!['sha256']).slice(0, 2), String(checkpoints[1]!['sha256']).slice(2));
    const resumed = await run(python, [path.join(repoRoot, 'resources', 'templates', 'pytorch-classifier', 'train.py'), '--epochs', '3', '--samples', '1000', '--device', 'cpu'], {
      cwd: project,
      env: { ...process.env, PYTHONPATH: path.join(repoRoot, 'resources', 'python'), ORRERY_PROJECT: project, ORRERY_RESUME: blob },
      timeout: 120_000,
    });
    expect(resumed.stdout).toMatch(/resumed from .* at epoch 2/);
    expect(resumed.stdout).not.toMatch(/epoch 1\/3/);
    expect(resumed.stdout).toMatch(/epoch 3\/3/);

    const cnn = await runTemplate('pytorch-classifier', ['--model', 'cnn', '--epochs', '1', '--samples', '400', '--device', 'cpu']);
    expect(cnn.keys).toContain('epoch/val/acc');
  }, 240_000);

  it.each(['xgboost', 'sklearn'])('sklearn-classifier boosts with %s, logs every round and stores the model', async (library) => {
    const result = await runTemplate('sklearn-classifier', ['--library', library, '--estimators', '5', '--samples', '1000']);
    expect(result.stdout).toMatch(new RegExp(`boosting 5 rounds with ${library}`));
    for (const key of ['train/logloss', 'val/logloss', 'train/acc', 'val/acc', 'fit_seconds']) expect(result.keys).toContain(key);
    expect(result.events.filter((e) => e['t'] === 'artifact' && e['kind'] === 'checkpoint')).toHaveLength(1);
    expect(result.events.at(-1)).toMatchObject({ t: 'finish', status: 'finished' });
  }, 240_000);
});
