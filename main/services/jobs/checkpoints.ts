import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { isSha256 } from '../store/artifact-store';
import type { Db } from '../store/open-database';
import { runFolder } from './job-spool';

/** The newest checkpoint of a run: its blob's sha256 and when it was saved (seconds since the epoch). */
export interface Checkpoint {
  readonly sha256: string;
  readonly time: number;
  readonly name: string;
}

/** The newest checkpoint the tracking service ingested (`run_artifacts`, kind checkpoint). */
export function ingestedCheckpoint(db: Db, runId: string): Checkpoint | null {
  const row = db
    .prepare("SELECT sha256, created_at AS time, name FROM run_artifacts WHERE run_id = ? AND kind = 'checkpoint' ORDER BY created_at DESC, id DESC LIMIT 1")
    .get(runId) as Checkpoint | undefined;
  return row ?? null;
}

/** The newest checkpoint named in the run's spool (`artifact` events of every writer), ingested or not. */
export async function spoolCheckpoint(projectPath: string, runId: string): Promise<Checkpoint | null> {
  const folder = runFolder(projectPath, runId);
  const names = await readdir(folder).catch(() => [] as string[]);
  let best: Checkpoint | null = null;
  for (const name of names.filter((n) => n.startsWith('events.') && n.endsWith('.jsonl'))) {
    const text = await readFile(path.join(folder, name), 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      const found = checkpointOf(line);
      if (found && (!best || found.time >= best.time)) best = found;
    }
  }
  return best;
}

function checkpointOf(line: string): Checkpoint | null {
  if (!line.includes('"checkpoint"')) return null;
  try {
    const event = JSON.parse(line) as Record<string, unknown>;
    if (event.t !== 'artifact' || event.kind !== 'checkpoint' || !isSha256(event.sha256)) return null;
    const time = typeof event.time === 'number' ? event.time : 0;
    return { sha256: event.sha256, time, name: typeof event.name === 'string' ? event.name : '' };
  } catch {
    return null;
  }
}

/** The newest checkpoint of a run, from the store or, when newer or not ingested yet, from the spool. */
export async function lastCheckpoint(db: Db, projectPath: string, runId: string): Promise<Checkpoint | null> {
  let stored: Checkpoint | null = null;
  try {
    stored = ingestedCheckpoint(db, runId);
  } catch {
    stored = null;
  }
  const spooled = await spoolCheckpoint(projectPath, runId);
  if (!stored) return spooled;
  if (!spooled) return stored;
  return spooled.time > stored.time ? spooled : stored;
}
