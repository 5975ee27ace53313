import { describe, expect, it } from 'vitest';
import { killReason, mapSlurmState, parseExitRecord, parseSqueue, statusOf, type SqueueEntry } from '../../../../../main/services/jobs/slurm/slurm-states';

// Lines as this cluster's squeue 22.05 printed them with -h -r -t all -o '%i|%T|%r|%S|%e'.
const recorded = [
  '1|COMPLETED|None|2026-11-22T01:43:00|2026-11-22T01:43:00',
  '3|FAILED|JobLaunchFailure|2026-11-22T01:43:00|2026-11-22T01:43:01',
  '2|TIMEOUT|TimeLimit|2026-11-22T01:43:00|2026-11-22T01:44:27',
  '17_4|PENDING|Resources|N/A|N/A',
  '17_0|RUNNING|None|2026-11-22T01:50:00|Unknown',
  'squeue: warning: something',
  '',
].join('\n');

const entry = (id: string, state: string, reason = 'None'): SqueueEntry => ({ id, state, reason, startMs: 1000, endMs: 2000 });

describe('squeue parsing', () => {
  it('reads jobs and array tasks, skipping what is not a job line', () => {
    const entries = parseSqueue(recorded);
    expect(entries.map((e) => [e.id, e.state, e.reason])).toEqual([
      ['1', 'COMPLETED', 'None'],
      ['3', 'FAILED', 'JobLaunchFailure'],
      ['2', 'TIMEOUT', 'TimeLimit'],
      ['17_4', 'PENDING', 'Resources'],
      ['17_0', 'RUNNING', 'None'],
    ]);
    expect(entries[3]!.startMs).toBeNull();
    expect(entries[4]!.endMs).toBeNull();
    expect(entries[2]!.endMs! - entries[2]!.startMs!).toBe(87_000);
  });
});

describe('state mapping', () => {
  it.each([
    ['PENDING', 'queued'],
    ['CONFIGURING', 'queued'],
    ['RUNNING', 'running'],
    ['COMPLETING', 'running'],
    ['COMPLETED', 'succeeded'],
    ['FAILED', 'failed'],
    ['CANCELLED', 'cancelled'],
    ['CANCELLED+', 'cancelled'],
    ['TIMEOUT', 'failed'],
    ['OUT_OF_MEMORY', 'failed'],
    ['NODE_FAIL', 'lost'],
    ['PREEMPTED', 'lost'],
    ['SOMETHING_NEW', 'failed'],
  ])('%s → %s', (word, state) => {
    expect(mapSlurmState(word)).toBe(state);
  });

  it('gives the readable reason of a time limit, a memory kill and a node failure', () => {
    expect(statusOf({ entry: entry('2', 'TIMEOUT', 'TimeLimit'), exit: { code: 143, endMs: 5 }, slurmOutput: '', started: true, startedMs: null })).toMatchObject({ state: 'failed', engineState: 'TIMEOUT', reason: 'time limit', exitCode: 143 });
    expect(statusOf({ entry: entry('4', 'OUT_OF_MEMORY'), exit: null, slurmOutput: '', started: true, startedMs: null })).toMatchObject({ state: 'failed', reason: 'memory limit' });
    expect(statusOf({ entry: entry('5', 'NODE_FAIL'), exit: null, slurmOutput: '', started: true, startedMs: null })).toMatchObject({ state: 'lost', reason: 'node failure' });
  });

  it('reads a memory kill from slurmstepd when Slurm says only FAILED (no cgroups: jobacct_gather kills it)', () => {
    const output = 'slurmstepd-vm: error: StepId=3.batch exceeded memory limit (363429888 > 52428800), being killed\nslurmstepd-vm: error: Exceeded job memory limit\n';
    expect(killReason(output)).toEqual({ engineState: 'OUT_OF_MEMORY', reason: 'memory limit' });
    expect(statusOf({ entry: entry('3', 'FAILED', 'JobLaunchFailure'), exit: null, slurmOutput: output, started: true, startedMs: null })).toMatchObject({ state: 'failed', engineState: 'OUT_OF_MEMORY', reason: 'memory limit' });
  });

  it('keeps a pending job queued with its wait reason, and a running one with its start', () => {
    expect(statusOf({ entry: { ...entry('7', 'PENDING', 'Resources'), startMs: null }, exit: null, slurmOutput: '', started: false, startedMs: null })).toEqual({ state: 'queued', engineState: 'PENDING', reason: 'Resources', startedAt: null });
    expect(statusOf({ entry: entry('7', 'RUNNING'), exit: null, slurmOutput: '', started: true, startedMs: null })).toMatchObject({ state: 'running', startedAt: 1000 });
  });

  it('ends a job by its exit file while Slurm still says RUNNING or COMPLETING (its epilog)', () => {
    expect(statusOf({ entry: entry('9', 'COMPLETING'), exit: { code: 0, endMs: 3000 }, slurmOutput: '', started: true, startedMs: null })).toMatchObject({ state: 'succeeded', engineState: 'COMPLETED', exitCode: 0, endedAt: 3000 });
    const timeout = 'slurmstepd-vm: error: *** JOB 2 ON vm CANCELLED AT 2026-11-22T01:44:27 DUE TO TIME LIMIT ***\n';
    expect(statusOf({ entry: entry('2', 'RUNNING'), exit: { code: 143, endMs: 3000 }, slurmOutput: timeout, started: true, startedMs: null })).toMatchObject({ state: 'failed', engineState: 'TIMEOUT', reason: 'time limit' });
    const cancelled = 'slurmstepd-vm: error: *** JOB 7 ON vm CANCELLED AT 2026-11-22T02:10:00 ***\n';
    expect(statusOf({ entry: entry('7', 'RUNNING'), exit: { code: 143, endMs: 3000 }, slurmOutput: cancelled, started: true, startedMs: null })).toMatchObject({ state: 'cancelled', engineState: 'CANCELLED' });
  });

  it('fails a COMPLETED job whose script exited non-zero', () => {
    expect(statusOf({ entry: entry('8', 'COMPLETED'), exit: { code: 3, endMs: null }, slurmOutput: '', started: true, startedMs: null })).toMatchObject({ state: 'failed', exitCode: 3 });
  });

  it('ends a job the controller forgot by its exit file, or finds it lost without one', () => {
    expect(statusOf({ entry: null, exit: { code: 0, endMs: 9000 }, slurmOutput: '', started: true, startedMs: 1000 })).toMatchObject({ state: 'succeeded', exitCode: 0, endedAt: 9000 });
    expect(statusOf({ entry: null, exit: { code: 1, endMs: 9000 }, slurmOutput: '', started: true, startedMs: 1000 })).toMatchObject({ state: 'failed', exitCode: 1 });
    expect(statusOf({ entry: null, exit: null, slurmOutput: '', started: true, startedMs: 1000 })).toMatchObject({ state: 'lost', engineState: 'UNKNOWN' });
  });

  it('parses the exit file and refuses a torn one', () => {
    expect(parseExitRecord('0 1795311779')).toEqual({ code: 0, endMs: 1_795_311_779_000 });
    expect(parseExitRecord('143')).toEqual({ code: 143, endMs: null });
    expect(parseExitRecord('')).toBeNull();
    expect(parseExitRecord('1 17x')).toBeNull();
  });
});
