import { appendFile, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { SlurmTransport } from './transport';

/**
 * Copies what a run wrote on the cluster side since the last sync into the local run folder. Spool files only
 * grow (events and metrics are appended, run.json is written once), so each file continues from the local copy's
 * size: a sync interrupted by a dropped connection is simply done again, and nothing is copied twice or lost.
 */
export async function syncRunFolder(transport: SlurmTransport, remoteFolder: string, localFolder: string): Promise<number> {
  const names = (await transport.list(remoteFolder)).filter((name) => /^(events\..+\.jsonl|metrics\..+\.bin|run\.json)$/.test(name));
  if (names.length === 0) return 0;
  await mkdir(localFolder, { recursive: true });
  let copied = 0;
  for (const name of names) {
    const local = path.join(localFolder, name);
    const size = (await stat(local).catch(() => null))?.size ?? 0;
    // run.json is the job service's own (written before the job started): never replaced.
    if (name === 'run.json' && size > 0) continue;
    const bytes = await transport.readFrom(`${remoteFolder}/${name}`, size);
    if (bytes.length === 0) continue;
    await appendFile(local, bytes);
    copied += bytes.length;
  }
  return copied;
}
