import { describe, expect, it } from 'vitest';
import { runStatus, writerPid, type FinishStatus, type WriterState } from '../../../../../main/services/tracking/run-status';

const w = (pid: number | null, finish?: FinishStatus, time = 10): WriterState => ({
  pid,
  startedAt: 1,
  finish: finish ? { status: finish, time, exitCode: finish === 'finished' ? 0 : 1 } : null,
});
const alive = new Set([100]);
const base = { source: 'sdk', runPid: 100, sameHost: true, isAlive: (pid: number) => alive.has(pid) };

describe('runStatus', () => {
  it('is running while a writer lives, finished when all finished, failed/killed win', () => {
    expect(runStatus({ ...base, writers: { a: w(100), b: w(200, 'finished') } })?.status).toBe('running');
    expect(runStatus({ ...base, writers: { a: w(100, 'finished', 5), b: w(200, 'finished', 9) } })).toEqual({ status: 'finished', endedAt: 9 });
    expect(runStatus({ ...base, writers: { a: w(100, 'killed'), b: w(200, 'finished') } })?.status).toBe('killed');
    expect(runStatus({ ...base, writers: { a: w(100, 'killed'), b: w(200, 'failed') } })?.status).toBe('failed');
  });

  it('is crashed when no finish came and every writer on this host is dead, unless the host differs', () => {
    expect(runStatus({ ...base, writers: { a: w(300), b: w(200, 'finished') } })?.status).toBe('crashed');
    expect(runStatus({ ...base, runPid: 300, writers: {} })?.status).toBe('crashed');
    expect(runStatus({ ...base, sameHost: false, writers: { a: w(300) } })?.status).toBe('running');
  });

  it('leaves a job run to the job: running until the job writer finishes', () => {
    const job = { ...base, source: 'job' };
    expect(runStatus({ ...job, writers: {} })).toBeNull();
    expect(runStatus({ ...job, writers: { '300-abcdef12': w(300) } })?.status).toBe('running');
    expect(runStatus({ ...job, writers: { '300-abcdef12': w(300), 'job-j1': w(null, 'failed') } })?.status).toBe('failed');
    // A job whose process ended while no Orrery followed it: the SDK writer never finished, the job service says lost.
    expect(runStatus({ ...job, writers: { '300-abcdef12': w(300), 'job-j1': w(null, 'lost') } })?.status).toBe('lost');
  });

  it('reads pids from writer names', () => {
    expect(writerPid('1234-0a1b2c3d')).toBe(1234);
    expect(writerPid('job-j1')).toBeNull();
  });
});
