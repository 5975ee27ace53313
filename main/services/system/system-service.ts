import os from 'node:os';
import type { Gpu, SystemInfo } from '../../../app/models';
import type { Logger } from '../../core/logger';
import type { ProcessRunner, RunResult } from '../../core/process-runner';
import { nvidiaSmiArgs, parseNvidiaSmiCsv } from './nvidia-smi';

/** How long one nvidia-smi answer is reused: the status bar polls, nvidia-smi takes ~100 ms or more. */
export const gpuCacheMs = 5000;
const nvidiaSmiTimeoutMs = 5000;

interface GpuReport {
  readonly gpus: Gpu[];
  readonly gpuNote: string | null;
}

/** Facts about this machine: CPUs and memory from the OS, NVIDIA GPUs from nvidia-smi. */
export class SystemService {
  private cached: { at: number; report: Promise<GpuReport> } | null = null;

  constructor(private readonly deps: { runner: ProcessRunner; logger: Logger; now?: () => number }) {}

  /** CPUs, memory and GPUs (the GPU part cached for `gpuCacheMs`). */
  async info(): Promise<SystemInfo> {
    const cpus = os.cpus();
    const { gpus, gpuNote } = await this.gpuReport();
    return {
      cpuCount: os.availableParallelism?.() ?? Math.max(1, cpus.length),
      cpuModel: cpus[0]?.model.trim() || 'unknown',
      memoryTotalBytes: os.totalmem(),
      gpus,
      gpuNote,
    };
  }

  private gpuReport(): Promise<GpuReport> {
    const now = (this.deps.now ?? Date.now)();
    if (!this.cached || now - this.cached.at >= gpuCacheMs) {
      this.cached = { at: now, report: this.queryGpus() };
    }
    return this.cached.report;
  }

  private async queryGpus(): Promise<GpuReport> {
    let result: RunResult;
    try {
      result = await this.deps.runner.run('nvidia-smi', nvidiaSmiArgs, { timeoutMs: nvidiaSmiTimeoutMs });
    } catch (error) {
      this.deps.logger.warn('nvidia-smi could not be run', { error });
      return { gpus: [], gpuNote: `nvidia-smi could not be run: ${(error as Error).message}` };
    }
    return gpuReportFrom(result);
  }
}

/** Turns an nvidia-smi run into GPUs, or into a note saying why there are none. */
export function gpuReportFrom(result: RunResult): GpuReport {
  if (result.code === null && /^ENOENT\b/.test(result.stderr)) {
    return { gpus: [], gpuNote: 'nvidia-smi not found: no NVIDIA GPU or driver on this machine' };
  }
  if (result.code !== 0) {
    const reason = firstLine(result.stderr) ?? firstLine(result.stdout) ?? `exit code ${String(result.code)}`;
    return { gpus: [], gpuNote: `nvidia-smi failed: ${reason}` };
  }
  const gpus = parseNvidiaSmiCsv(result.stdout);
  return { gpus, gpuNote: gpus.length === 0 ? 'nvidia-smi lists no GPU' : null };
}

function firstLine(text: string): string | null {
  return text.split(/\r?\n/).map((line) => line.trim()).find((line) => line.length > 0) ?? null;
}
