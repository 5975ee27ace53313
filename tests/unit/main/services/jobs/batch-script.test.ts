import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { BackendSubmission } from '../../../../../main/services/jobs/backend';
import { batchScript, sbatchDirectives, slurmTimeLimit, taskArgsFile, taskEnvFile } from '../../../../../main/services/jobs/slurm/batch-script';

const run = promisify(execFile);
let dir: string | null = null;

afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = null;
});

const submission = (overrides: Partial<BackendSubmission> = {}): BackendSubmission => ({
  jobId: 'job_a',
  runId: 'run_a',
  name: 'train it.py',
  script: '/p/train.py',
  args: ['--epochs', "it's 3"],
  cwd: '/p',
  python: '/usr/bin/python3',
  env: { ORRERY_PROJECT: '/p', PYTHONUNBUFFERED: '1', 'BAD-NAME': 'x' },
  resources: {},
  ...overrides,
});

describe('sbatch directives', () => {
  it('writes name, cpus, memory, GPUs, time, partition, output files and the array', () => {
    const layout = { submitDir: '/r/out', taskDirs: ['/r/a'], script: '/p/train.py', cwd: '/p', python: 'python3' };
    expect(sbatchDirectives('train it.py', { cpus: 2, memoryMb: 512, gpus: 1, timeLimitMinutes: 90, partition: 'gpu' }, layout, 6)).toEqual([
      '#SBATCH --job-name=train_it.py',
      '#SBATCH --cpus-per-task=2',
      '#SBATCH --mem=512M',
      '#SBATCH --gres=gpu:1',
      '#SBATCH --time=01:30:00',
      '#SBATCH --partition=gpu',
      '#SBATCH --output=/r/out/slurm-%A_%a.out',
      '#SBATCH --error=/r/out/slurm-%A_%a.out',
      '#SBATCH --array=0-5',
    ]);
    expect(sbatchDirectives('x', {}, layout, null)).toEqual(['#SBATCH --job-name=x', '#SBATCH --output=/r/out/slurm-%j.out', '#SBATCH --error=/r/out/slurm-%j.out']);
  });

  it('formats time limits as Slurm reads them', () => {
    expect(slurmTimeLimit(1)).toBe('1');
    expect(slurmTimeLimit(59)).toBe('59');
    expect(slurmTimeLimit(60)).toBe('01:00:00');
    expect(slurmTimeLimit(1441)).toBe('1-00:01:00');
  });
});

describe('batch script', () => {
  it('runs the task picked by SLURM_ARRAY_TASK_ID with its variables and arguments, and writes its exit file', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'orrery-batch-'));
    const tasks = [path.join(dir, 't0'), path.join(dir, 't1')];
    for (const task of tasks) await mkdir(task);
    const script = path.join(dir, 'show.py');
    await writeFile(script, 'import os, sys\nprint(sys.argv[1:], os.environ["ORRERY_PROJECT"], os.environ.get("ORRERY_PARAMS"))\nsys.exit(4)\n');
    await writeFile(path.join(tasks[1]!, 'env.sh'), taskEnvFile({ ORRERY_PARAMS: '{"lr": 0.1}' }));
    await writeFile(path.join(tasks[1]!, 'args.sh'), taskArgsFile(['--lr', '0.1']));
    const text = batchScript(submission({ script, cwd: dir, array: { count: 2, runIds: ['r0', 'r1'] } }), {}, { submitDir: dir, taskDirs: tasks, script, cwd: dir, python: '/usr/bin/python3' });
    expect(text).not.toContain('BAD-NAME');
    const file = path.join(dir, 'job.sbatch');
    await writeFile(file, text);
    const result = await run('bash', [file], { env: { PATH: process.env.PATH, SLURM_ARRAY_TASK_ID: '1' } }).catch((error: { code: number }) => error);
    expect((result as { code: number }).code).toBe(4);
    expect(await readFile(path.join(tasks[1]!, 'stdout.log'), 'utf8')).toBe(`['--epochs', "it's 3", '--lr', '0.1'] /p {"lr": 0.1}\n`);
    expect(await readFile(path.join(tasks[1]!, 'exit-code'), 'utf8')).toMatch(/^4 \d+$/);
    expect(await readFile(path.join(tasks[1]!, 'started'), 'utf8')).toMatch(/^\d+\n$/);
    await expect(readFile(path.join(tasks[0]!, 'exit-code'), 'utf8')).rejects.toThrow();
  });

  it('records 143 when the job is terminated (Slurm at the time limit, or scancel)', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'orrery-batch-'));
    const task = path.join(dir, 't0');
    await mkdir(task);
    const script = path.join(dir, 'sleep.py');
    await writeFile(script, 'import time\nprint("up", flush=True)\ntime.sleep(30)\n');
    const file = path.join(dir, 'job.sbatch');
    await writeFile(file, batchScript(submission({ script, cwd: dir, args: [] }), {}, { submitDir: dir, taskDirs: [task], script, cwd: dir, python: '/usr/bin/python3' }));
    const child = execFile('bash', [file], { env: { PATH: process.env.PATH } });
    const deadline = Date.now() + 10_000;
    while (!(await readFile(path.join(task, 'stdout.log'), 'utf8').catch(() => '')).includes('up') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(await readFile(path.join(task, 'exit-code'), 'utf8')).toMatch(/^143 \d+$/);
  });
});
