import type { Gpu } from '../../../app/models';

/** The fields asked of nvidia-smi, in the order its CSV answers them. */
export const nvidiaSmiFields = ['index', 'name', 'uuid', 'memory.total', 'memory.used', 'utilization.gpu', 'temperature.gpu', 'power.draw'] as const;

/** The arguments of the query (`--format=csv,noheader,nounits`: one line per GPU, values only). */
export const nvidiaSmiArgs: readonly string[] = [`--query-gpu=${nvidiaSmiFields.join(',')}`, '--format=csv,noheader,nounits'];

/**
 * Parses the CSV nvidia-smi prints for `nvidiaSmiArgs`. Readings a GPU cannot give ("[N/A]", "[Not Supported]",
 * "[Unknown Error]", "N/A" of older drivers) become null, or 0 MiB for memory; lines that are not GPU rows
 * (a warning, a blank line, the wrong number of fields) are skipped.
 */
export function parseNvidiaSmiCsv(stdout: string): Gpu[] {
  const gpus: Gpu[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const fields = line.split(',').map((field) => field.trim());
    if (fields.length !== nvidiaSmiFields.length) continue;
    const [index, name, uuid, memoryTotal, memoryUsed, utilization, temperature, power] = fields as [string, string, string, string, string, string, string, string];
    const gpuIndex = reading(index);
    if (gpuIndex === null || !Number.isInteger(gpuIndex) || name === '') continue;
    gpus.push({
      index: gpuIndex,
      name,
      uuid: isPlaceholder(uuid) ? '' : uuid,
      memoryTotalMiB: reading(memoryTotal) ?? 0,
      memoryUsedMiB: reading(memoryUsed) ?? 0,
      utilizationPercent: reading(utilization),
      temperatureC: reading(temperature),
      powerW: reading(power),
    });
  }
  return gpus;
}

/** A number, or null for a placeholder such as "[N/A]" or anything else that is not a plain number. */
function reading(field: string): number | null {
  if (field === '' || isPlaceholder(field)) return null;
  const value = Number(field);
  return Number.isFinite(value) ? value : null;
}

function isPlaceholder(field: string): boolean {
  return /^\[.*\]$/.test(field) || /^n\/a$/i.test(field) || /^not supported$/i.test(field);
}
