import type { Gpu } from '../../../app/models';
import type { ProcessRunner } from '../../core/process-runner';
import { nvidiaSmiArgs, parseNvidiaSmiCsv } from '../system/nvidia-smi';
import { jobProcesses, type ProcStat } from './job-process';
import type { MetricSeries } from './job-spool';

/** Clock ticks a second and page size on Linux, asked of `getconf` once (the usual 100 and 4096 when it fails). */
export interface ProcUnits {
  readonly ticksPerSecond: number;
  readonly pageBytes: number;
}

/** Reads the kernel's units once. */
export async function procUnits(runner: ProcessRunner): Promise<ProcUnits> {
  const ask = async (name: string, fallback: number) => {
    const result = await runner.run('getconf', [name], { timeoutMs: 5000 }).catch(() => null);
    const value = result?.code === 0 ? Number(result.stdout.trim()) : NaN;
    return Number.isFinite(value) && value > 0 ? value : fallback;
  };
  const [ticksPerSecond, pageBytes] = await Promise.all([ask('CLK_TCK', 100), ask('PAGESIZE', 4096)]);
  return { ticksPerSecond, pageBytes };
}

/** CPU ticks seen per process at the last sample, to turn totals into a rate. */
interface CpuMark {
  readonly at: number;
  readonly ticks: Map<string, number>;
}

/**
 * CPU (percent of one core, so 4 busy cores read 400) and resident memory of a job's whole process tree, from
 * /proc. A process is keyed by pid and start time, so a child that ended and a new one on its pid are not mixed.
 */
export class TreeSampler {
  private mark: CpuMark | null = null;

  constructor(
    private readonly leader: number,
    private readonly units: ProcUnits,
  ) {}

  async sample(nowMs: number): Promise<{ cpuPercent: number | null; rssMb: number } | null> {
    const processes = await jobProcesses(this.leader);
    if (processes.length === 0) return null;
    return this.compute(processes, nowMs);
  }

  /** Pure part of `sample`: the first call has no earlier mark and answers cpuPercent null. */
  compute(processes: readonly ProcStat[], nowMs: number): { cpuPercent: number | null; rssMb: number } {
    const ticks = new Map(processes.map((p) => [`${p.pid}:${p.startTicks}`, p.cpuTicks]));
    const rssMb = processes.reduce((sum, p) => sum + p.rssPages, 0) * (this.units.pageBytes / (1024 * 1024));
    let cpuPercent: number | null = null;
    if (this.mark && nowMs > this.mark.at) {
      let used = 0;
      for (const [key, total] of ticks) used += Math.max(0, total - (this.mark.ticks.get(key) ?? 0));
      cpuPercent = (used / this.units.ticksPerSecond / ((nowMs - this.mark.at) / 1000)) * 100;
    }
    this.mark = { at: nowMs, ticks };
    return { cpuPercent, rssMb };
  }
}

/** The GPUs nvidia-smi lists now; null when it is missing or fails (then no GPU metrics are written). */
export async function sampleGpus(runner: ProcessRunner, env: NodeJS.ProcessEnv): Promise<Gpu[] | null> {
  const result = await runner.run('nvidia-smi', nvidiaSmiArgs, { timeoutMs: 5000, env }).catch(() => null);
  if (!result || result.code !== 0) return null;
  return parseNvidiaSmiCsv(result.stdout);
}

/** The `sys/*` series of one sample: one point each at `step` (seconds since the job started) and `timeS`. */
export function systemSeries(
  sample: { cpuPercent: number | null; rssMb: number } | null,
  gpus: readonly Gpu[] | null,
  step: number,
  timeS: number,
): MetricSeries[] {
  const out: MetricSeries[] = [];
  const add = (key: string, value: number | null) => {
    if (value !== null && Number.isFinite(value)) out.push({ key, steps: [step], times: [timeS], values: [value] });
  };
  if (sample) {
    add('sys/cpu_percent', sample.cpuPercent);
    add('sys/rss_mb', sample.rssMb);
  }
  for (const gpu of gpus ?? []) {
    add(`sys/gpu${gpu.index}/util`, gpu.utilizationPercent);
    add(`sys/gpu${gpu.index}/mem_used_mb`, gpu.memoryUsedMiB);
    add(`sys/gpu${gpu.index}/temp_c`, gpu.temperatureC);
    add(`sys/gpu${gpu.index}/power_w`, gpu.powerW);
  }
  return out;
}
