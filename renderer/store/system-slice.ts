import type { StateCreator } from 'zustand';
import type { SystemInfo } from '../../app/models';
import { errorMessage } from '../client/client-error';
import type { OrreryClient } from '../client/types';
import type { AppState } from './store';

/** Facts about the machine (system.info) for the status bar. */
export interface SystemSlice {
  readonly system: SystemInfo | null;
  readonly systemError: string | null;
  loadSystem(): Promise<void>;
}

/** The system slice over a client. */
export function createSystemSlice(client: OrreryClient): StateCreator<AppState, [], [], SystemSlice> {
  return (set) => ({
    system: null,
    systemError: null,
    async loadSystem() {
      try {
        set({ system: await client.call('system.info', undefined), systemError: null });
      } catch (error) {
        set({ systemError: errorMessage(error) });
      }
    },
  });
}

/** The status bar's GPU text: "GPU: none", "GPU: NVIDIA A100" or "GPUs: 2× NVIDIA A100". */
export function describeGpus(system: SystemInfo | null): string {
  if (!system) return 'GPU: …';
  const { gpus } = system;
  if (gpus.length === 0) return 'GPU: none';
  const names = [...new Set(gpus.map((gpu) => gpu.name))];
  if (gpus.length === 1) return `GPU: ${gpus[0]?.name ?? 'unknown'}`;
  if (names.length === 1) return `GPUs: ${gpus.length}× ${names[0]}`;
  return `GPUs: ${gpus.length} (${names.join(', ')})`;
}
