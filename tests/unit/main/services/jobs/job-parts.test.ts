import { describe, expect, it } from 'vitest';
import type { Gpu } from '../../../../../app/models';
import { completeUtf8Length, leadingContinuation } from '../../../../../main/services/jobs/job-logs';
import { parseProcStat } from '../../../../../main/services/jobs/job-process';
import { encodeFrames } from '../../../../../main/services/jobs/job-spool';
import { systemSeries, TreeSampler } from '../../../../../main/services/jobs/job-telemetry';
import { parseNvidiaSmiCsv } from '../../../../../main/services/system/nvidia-smi';
import { readFileSync } from 'node:fs';
import path from 'node:path';

describe('parseProcStat', () => {
  it('counts fields from the last parenthesis, so odd command names parse', () => {
    const line = '4242 (my (odd) name) S 1 4242 4242 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 3 0 987654 123456789 2048 18446744073709551615';
    expect(parseProcStat(line)).toEqual({ pid: 4242, state: 'S', ppid: 1, pgrp: 4242, session: 4242, cpuTicks: 300, startTicks: 987654, rssPages: 2048 });
    expect(parseProcStat('garbage')).toBeNull();
  });
});

describe('encodeFrames', () => {
  it('writes key length, count, the padded key, then steps, times and values as float64 LE', () => {
    const bytes = encodeFrames([{ key: 'sys/cpu', steps: [1, 2], times: [10, 11], values: [0.5, NaN] }]);
    expect(bytes.length).toBe(8 + 8 + 48);
    expect(bytes.readUInt32LE(0)).toBe(7);
    expect(bytes.readUInt32LE(4)).toBe(2);
    expect(bytes.subarray(8, 15).toString()).toBe('sys/cpu');
    expect(bytes[15]).toBe(0);
    const numbers = new Float64Array(bytes.buffer.slice(bytes.byteOffset + 16, bytes.byteOffset + 64));
    expect([...numbers.slice(0, 5)]).toEqual([1, 2, 10, 11, 0.5]);
    expect(Number.isNaN(numbers[5])).toBe(true);
  });
});

describe('utf8 edges', () => {
  it('leaves a character cut at the end for the next read', () => {
    const euro = Buffer.from('a€', 'utf8');
    expect(completeUtf8Length(euro)).toBe(4);
    expect(completeUtf8Length(euro.subarray(0, 3))).toBe(1);
    expect(completeUtf8Length(euro.subarray(0, 2))).toBe(1);
    expect(leadingContinuation(euro.subarray(2))).toBe(2);
    expect(leadingContinuation(Buffer.from('abc'))).toBe(0);
  });
});

describe('TreeSampler', () => {
  const stat = (pid: number, start: number, ticks: number, rss: number) => ({ pid, ppid: 1, pgrp: 1, session: 1, state: 'S', cpuTicks: ticks, startTicks: start, rssPages: rss });

  it('turns tick totals into percent of one core and sums resident memory', () => {
    const sampler = new TreeSampler(1, { ticksPerSecond: 100, pageBytes: 4096 });
    expect(sampler.compute([stat(1, 5, 100, 256)], 0)).toEqual({ cpuPercent: null, rssMb: 1 });
    // 150 ticks in one second across two processes: 1.5 cores; a new pid counts from zero.
    expect(sampler.compute([stat(1, 5, 200, 256), stat(2, 9, 50, 256)], 1000)).toEqual({ cpuPercent: 150, rssMb: 2 });
    // Pid 1 reused by another process (new start time): its ticks are not a negative delta.
    expect(sampler.compute([stat(1, 77, 10, 256)], 2000)).toEqual({ cpuPercent: 10, rssMb: 1 });
  });
});

describe('systemSeries', () => {
  it('writes one point per reading and skips what a GPU cannot tell', () => {
    const fixture = readFileSync(path.resolve(__dirname, '../../../../fixtures/nvidia-smi/placeholders.csv'), 'utf8');
    const gpus: Gpu[] = parseNvidiaSmiCsv(fixture);
    const keys = systemSeries({ cpuPercent: null, rssMb: 12 }, gpus.slice(0, 1), 3, 1000).map((s) => s.key);
    expect(keys).toEqual(['sys/rss_mb', 'sys/gpu0/mem_used_mb', 'sys/gpu0/temp_c']);
    expect(systemSeries(null, null, 0, 0)).toEqual([]);
  });
});
