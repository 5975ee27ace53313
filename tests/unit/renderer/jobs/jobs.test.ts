import { describe, expect, it } from 'vitest';
import { ClientError } from '../../../../renderer/client/client-error';
import { describeEnd, formatDuration, splitArgs, templateArgs } from '../../../../renderer/features/jobs/job-format';
import { appendLive, emptyWindow } from '../../../../renderer/features/jobs/job-log';
import { submitInputOf } from '../../../../renderer/features/jobs/new-job-dialog';
import { createAppStore } from '../../../../renderer/store/store';
import type { Job, JobTemplate } from '../../../../renderer/store/jobs-slice';
import { fakeClient } from '../fake-client';

const job = (patch: Partial<Job> = {}): Job => ({
  id: 'job_a', runId: 'r1', name: 'train', script: '/p/train.py', args: [], cwd: '/p', envId: null, gpus: null, state: 'running', attempt: 1,
  retryOf: null, resumeFrom: null, resumePath: null, envLockId: null, pid: 42, exitCode: null, signal: null, error: null,
  createdAt: 1000, startedAt: 2000, endedAt: null, backend: 'local', clusterId: null, externalId: null, engineState: null, reason: null, resources: null,
  sweepId: null, ...patch,
});

const template: JobTemplate = {
  id: 'pytorch-classifier', title: 'PyTorch', description: '', script: 'train.py', requires: ['torch'], gpu: true,
  args: [
    { flag: '--model', label: 'Model', type: 'choice', choices: ['mlp', 'cnn'], default: 'mlp' },
    { flag: '--epochs', label: 'Epochs', type: 'int', default: 20, min: 1 },
    { flag: '--lr', label: 'Learning rate', type: 'float', default: 0.01, min: 0 },
  ],
};

describe('job formatting', () => {
  it('splits arguments as a shell does for words, quotes and escapes', () => {
    expect(splitArgs(`--name "my run" --tag 'a b' x\\ y --empty ""`)).toEqual(['--name', 'my run', '--tag', 'a b', 'x y', '--empty', '']);
    expect(() => splitArgs('--name "open')).toThrow(/unclosed " quote/);
  });

  it("turns a template's form into arguments, checking types, bounds and choices", () => {
    expect(templateArgs(template, { '--epochs': '5' })).toEqual(['--model', 'mlp', '--epochs', '5', '--lr', '0.01']);
    expect(() => templateArgs(template, { '--epochs': '2.5' })).toThrow(/Epochs must be a whole number/);
    expect(() => templateArgs(template, { '--epochs': '0' })).toThrow(/at least 1/);
    expect(() => templateArgs(template, { '--lr': 'fast' })).toThrow(/Learning rate must be a number/);
    expect(() => templateArgs(template, { '--model': 'rnn' })).toThrow(/one of mlp, cnn/);
  });

  it('builds job.submit input from the wizard', () => {
    expect(submitInputOf({ source: 'template', template, values: {}, script: '', args: '', envId: 'e1', gpus: [1], name: ' a ' })).toEqual({
      script: 'train.py', args: ['--model', 'mlp', '--epochs', '20', '--lr', '0.01'], envId: 'e1', gpus: [1], name: 'a',
    });
    expect(submitInputOf({ source: 'script', template: null, values: {}, script: 'x.py', args: '--a 1', envId: '', gpus: null, name: '' })).toEqual({ script: 'x.py', args: ['--a', '1'] });
    expect(() => submitInputOf({ source: 'script', template: null, values: {}, script: ' ', args: '', envId: '', gpus: null, name: '' })).toThrow(/path of the script/);
  });

  it('says how a job ended and for how long it ran', () => {
    expect(describeEnd(job())).toBeNull();
    expect(describeEnd(job({ state: 'failed', exitCode: 2 }))).toBe('exited with 2');
    expect(describeEnd(job({ state: 'cancelled', signal: 'SIGTERM' }))).toBe('killed by SIGTERM');
    expect(formatDuration(65_000)).toBe('1m 05s');
    expect(formatDuration(3_720_000)).toBe('1h 02m');
  });
});

describe('job log window', () => {
  it('appends live output once (overlaps with the fetched tail dropped, by bytes) and keeps a bounded tail', () => {
    let w = { ...emptyWindow, text: 'héllo\n', start: 0, end: 7 };
    w = appendLive(w, 'llo\nworld\n', 3, 0);
    expect(w.text).toBe('héllo\nworld\n');
    expect(w.end).toBe(13);
    expect(appendLive(w, 'world\n', 7, 0)).toBe(w);
    const long = appendLive(w, 'x'.repeat(20), 13, 5, 10);
    expect(long.text).toBe('x'.repeat(10));
    expect(long.start).toBe(23);
    expect(long.skipped).toBe(5);
  });
});

describe('jobs slice', () => {
  it('loads the queue, follows job.changed newest first, and selects the job a retry made', async () => {
    const fake = fakeClient({
      'job.list': () => [job({ id: 'job_b', createdAt: 3000 }), job()],
      'job.concurrency': () => ({ limit: 2 }),
      'job.retry': () => job({ id: 'job_c', createdAt: 5000, state: 'queued', attempt: 2, retryOf: 'job_a' }),
      'job.cancel': () => { throw new ClientError('conflict', 'job_b already ended'); },
    });
    const store = createAppStore(fake.client);
    store.setState({ current: { path: '/p' } } as never);
    await store.getState().loadJobs();
    expect(store.getState().jobs.map((j) => j.id)).toEqual(['job_b', 'job_a']);
    expect(store.getState().jobConcurrency).toBe(2);
    store.getState().applyJobChanged(job({ state: 'succeeded', endedAt: 4000 }));
    expect(store.getState().jobs.find((j) => j.id === 'job_a')?.state).toBe('succeeded');
    await store.getState().jobAction('retry', 'job_a');
    expect(store.getState().jobs[0]?.id).toBe('job_c');
    expect(store.getState().selectedJobId).toBe('job_c');
    await store.getState().jobAction('cancel', 'job_b');
    expect(store.getState().notices.at(-1)?.message).toMatch(/Could not cancel the job: job_b already ended/);
  });

  it('copies a template into the project before submitting it', async () => {
    const fake = fakeClient({
      'template.install': () => ({ script: '/p/templates/pytorch-classifier/train.py', created: true }),
      'job.submit': (input) => job({ id: 'job_t', script: (input as { script: string }).script, state: 'queued' }),
    });
    const store = createAppStore(fake.client);
    const submitted = await store.getState().submitJob({ script: 'train.py', args: [] }, 'pytorch-classifier');
    expect(submitted.script).toBe('/p/templates/pytorch-classifier/train.py');
    expect(fake.calls.map((c) => c.name)).toEqual(['template.install', 'job.submit']);
    expect(store.getState().selectedJobId).toBe('job_t');
  });
});
