import { z } from 'zod';
import { call, event, noInput } from './define';

export const gpuSchema = z.object({
  index: z.number().int(),
  name: z.string(),
  uuid: z.string(),
  memoryTotalMiB: z.number(),
  memoryUsedMiB: z.number(),
  utilizationPercent: z.number().nullable(),
  temperatureC: z.number().nullable(),
  powerW: z.number().nullable(),
});

export const systemInfoSchema = z.object({
  cpuCount: z.number().int(),
  cpuModel: z.string(),
  memoryTotalBytes: z.number(),
  gpus: z.array(gpuSchema),
  /** Why no GPU is listed, when none is (no nvidia-smi, driver error). */
  gpuNote: z.string().nullable(),
});

/** Calls about the machine Orrery runs on. */
export const systemCalls = {
  'system.info': call('CPUs, memory and NVIDIA GPUs (nvidia-smi) of this machine', noInput, systemInfoSchema),
} as const;

/** Events shared by every long operation. */
export const systemEvents = {
  'task.progress': event(
    'Progress of a long operation, delivered per task id',
    z.object({
      done: z.number(),
      total: z.number().nullable(),
      message: z.string(),
      /** Set once, on the last event of a task. */
      finished: z.enum(['ok', 'failed', 'cancelled']).nullable(),
    }),
  ),
} as const;
