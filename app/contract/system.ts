import { z } from 'zod';
import { ack, call, event, noInput } from './define';

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

/**
 * Id of a long operation. A client may choose it (and subscribe to its events) before making the call that
 * starts the work, so no progress or output is missed; calls that start long work take an optional `taskId`.
 */
export const taskIdSchema = z
  .string()
  .min(1)
  .max(80)
  .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only');

/** Calls about the machine Orrery runs on, and about long operations. */
export const systemCalls = {
  'system.info': call('CPUs, memory and NVIDIA GPUs (nvidia-smi) of this machine', noInput, systemInfoSchema),
  'task.cancel': call(
    'Cancel a long operation (an install, an env creation, a discovery); its last task.progress says cancelled',
    z.object({ id: taskIdSchema }).strict(),
    ack,
  ),
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
  'task.output': event(
    'Output of the program a long operation runs (pip, conda, venv), streamed live, per task id',
    z.object({ stream: z.enum(['stdout', 'stderr']), text: z.string() }),
  ),
} as const;
