import { performance } from 'node:perf_hooks';
import type { EventBus } from '../../main/core/event-bus';
import type { KernelService } from '../../main/services/kernels/kernel-service';

/** Round trips of `1+1` through KernelService: execute → the cell's `ok` event, `count` times, in ms. */
export async function executeTimes(service: KernelService, bus: EventBus, kernelId: string, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const cellId = `c${i % 4}`;
    const started = performance.now();
    const done = new Promise<void>((resolve) => {
      const stop = bus.subscribe('kernel.cell', kernelId, ({ payload }) => {
        if (payload.cellId === cellId && payload.state === 'ok') {
          stop();
          resolve();
        }
      });
    });
    await service.execute({ kernelId, cellId, code: '1+1' });
    await done;
    times.push(performance.now() - started);
  }
  return times;
}
