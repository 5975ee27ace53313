import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemInfoSchema } from '../../../../../app/contract';
import { silentLogger } from '../../../../../main/core/logger';
import type { ProcessRunner, RunResult } from '../../../../../main/core/process-runner';
import { nvidiaSmiArgs, parseNvidiaSmiCsv } from '../../../../../main/services/system/nvidia-smi';
import { SystemService } from '../../../../../main/services/system/system-service';

const fixtures = path.resolve(__dirname, '..', '..', '..', '..', 'fixtures', 'nvidia-smi');
const fixture = (name: string) => readFileSync(path.join(fixtures, name), 'utf8');

/** A runner that answers from a script and records its calls. */
function fakeRunner(answer: () => RunResult | Promise<RunResult>): ProcessRunner & { calls: { file: string; args: readonly string[]; timeoutMs?: number }[] } {
  const calls: { file: string; args: readonly string[]; timeoutMs?: number }[] = [];
  return {
    calls,
    async run(file, args, options) {
      calls.push({ file, args, timeoutMs: options?.timeoutMs });
      return answer();
    },
  };
}

describe('parseNvidiaSmiCsv', () => {
  it('reads the 8 × H100 80GB HBM3 capture', () => {
    const gpus = parseNvidiaSmiCsv(fixture('h100-80gb-hbm3-x8.csv'));
    expect(gpus).toHaveLength(8);
    expect(gpus.map((g) => g.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(gpus[0]).toEqual({
      index: 0,
      name: 'NVIDIA H100 80GB HBM3',
      uuid: 'GPU-b42dd28e-ffdd-8720-1df0-98bd8cdc05b1',
      memoryTotalMiB: 81559,
      memoryUsedMiB: 1,
      utilizationPercent: 0,
      temperatureC: 30,
      powerW: 100.89,
    });
    expect(gpus[7]!.powerW).toBe(75.09);
    expect(new Set(gpus.map((g) => g.uuid)).size).toBe(8);
  });

  it('reads the 4 × A100-SXM4-80GB capture', () => {
    const gpus = parseNvidiaSmiCsv(fixture('a100-sxm4-80gb-x4.csv'));
    expect(gpus.map((g) => [g.index, g.name, g.memoryTotalMiB, g.temperatureC, g.powerW])).toEqual([
      [0, 'NVIDIA A100-SXM4-80GB', 81920, 25, 59.77],
      [1, 'NVIDIA A100-SXM4-80GB', 81920, 22, 60.31],
      [2, 'NVIDIA A100-SXM4-80GB', 81920, 23, 58.78],
      [3, 'NVIDIA A100-SXM4-80GB', 81920, 23, 62.21],
    ]);
  });

  it('turns placeholders into null (0 MiB for memory), trims spaces, skips blank lines', () => {
    const gpus = parseNvidiaSmiCsv(fixture('placeholders.csv'));
    expect(gpus).toEqual([
      { index: 0, name: 'NVIDIA GeForce RTX 3060', uuid: 'GPU-00000000-0000-0000-0000-000000000001', memoryTotalMiB: 12288, memoryUsedMiB: 0, utilizationPercent: null, temperatureC: 41, powerW: null },
      { index: 1, name: 'Tesla K80', uuid: 'GPU-00000000-0000-0000-0000-000000000002', memoryTotalMiB: 11441, memoryUsedMiB: 0, utilizationPercent: null, temperatureC: null, powerW: null },
      { index: 2, name: 'NVIDIA Jetson Orin', uuid: '', memoryTotalMiB: 0, memoryUsedMiB: 0, utilizationPercent: null, temperatureC: 38, powerW: 4.52 },
    ]);
  });

  it('ignores lines that are not GPU rows', () => {
    expect(parseNvidiaSmiCsv(fixture('driver-failure.stdout.txt'))).toEqual([]);
    expect(parseNvidiaSmiCsv('')).toEqual([]);
    expect(parseNvidiaSmiCsv('x, NVIDIA H100, GPU-1, 1, 1, 1, 1, 1\n0, too, few\n')).toEqual([]);
  });

  it('every parsed GPU fits the contract schema', () => {
    for (const name of ['h100-80gb-hbm3-x8.csv', 'a100-sxm4-80gb-x4.csv', 'placeholders.csv']) {
      for (const gpu of parseNvidiaSmiCsv(fixture(name))) expect(systemInfoSchema.shape.gpus.element.safeParse(gpu).success).toBe(true);
    }
  });
});

describe('SystemService', () => {
  it('answers CPUs, memory and the GPUs nvidia-smi lists, asking with the exact query and a 5 s timeout', async () => {
    const runner = fakeRunner(() => ({ code: 0, stdout: fixture('h100-80gb-hbm3-x8.csv'), stderr: '' }));
    const info = await new SystemService({ runner, logger: silentLogger }).info();
    expect(systemInfoSchema.safeParse(info).success).toBe(true);
    expect(info.cpuCount).toBeGreaterThanOrEqual(1);
    expect(info.cpuModel.length).toBeGreaterThan(0);
    expect(info.memoryTotalBytes).toBe(os.totalmem());
    expect(info.gpus).toHaveLength(8);
    expect(info.gpuNote).toBeNull();
    expect(runner.calls).toEqual([
      {
        file: 'nvidia-smi',
        args: ['--query-gpu=index,name,uuid,memory.total,memory.used,utilization.gpu,temperature.gpu,power.draw', '--format=csv,noheader,nounits'],
        timeoutMs: 5000,
      },
    ]);
    expect(nvidiaSmiArgs).toEqual(runner.calls[0]!.args);
  });

  it('says so when nvidia-smi is not installed (ENOENT)', async () => {
    const runner = fakeRunner(() => ({ code: null, stdout: '', stderr: 'ENOENT: spawn nvidia-smi ENOENT' }));
    const info = await new SystemService({ runner, logger: silentLogger }).info();
    expect(info.gpus).toEqual([]);
    expect(info.gpuNote).toBe('nvidia-smi not found: no NVIDIA GPU or driver on this machine');
  });

  it('reports the first line of a failed run (driver not loaded, exit 9)', async () => {
    const runner = fakeRunner(() => ({ code: 9, stdout: fixture('driver-failure.stdout.txt'), stderr: '' }));
    const info = await new SystemService({ runner, logger: silentLogger }).info();
    expect(info.gpus).toEqual([]);
    expect(info.gpuNote).toBe(
      "nvidia-smi failed: NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.",
    );
    const stderrRunner = fakeRunner(() => ({ code: 6, stdout: '', stderr: '\nFailed to initialize NVML: Driver/library version mismatch\nmore\n' }));
    expect((await new SystemService({ runner: stderrRunner, logger: silentLogger }).info()).gpuNote).toBe(
      'nvidia-smi failed: Failed to initialize NVML: Driver/library version mismatch',
    );
  });

  it('asks nvidia-smi at most once per 5 s, concurrent callers included', async () => {
    let now = 0;
    const runner = fakeRunner(() => ({ code: 0, stdout: fixture('a100-sxm4-80gb-x4.csv'), stderr: '' }));
    const service = new SystemService({ runner, logger: silentLogger, now: () => now });
    await Promise.all([service.info(), service.info(), service.info()]);
    now = 4_999;
    await service.info();
    expect(runner.calls).toHaveLength(1);
    now = 5_000;
    expect((await service.info()).gpus).toHaveLength(4);
    expect(runner.calls).toHaveLength(2);
  });

  it('runs the real nvidia-smi lookup on this machine without failing', async () => {
    const { createProcessRunner } = await import('../../../../../main/core/process-runner');
    const info = await new SystemService({ runner: createProcessRunner(), logger: silentLogger }).info();
    expect(systemInfoSchema.safeParse(info).success).toBe(true);
    // Either GPUs are listed, or a note says why not.
    expect(info.gpus.length > 0 || (info.gpuNote ?? '').length > 0).toBe(true);
  });
});
