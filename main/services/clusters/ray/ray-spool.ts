import { appendFile, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** Start of a spool record inside the driver log (an ASCII record separator, then a tag). */
export const spoolMark = '\x1eorrery-spool ';

/** The driver's file name inside the uploaded package (beside the SDK). */
export const driverFileName = 'orrery_ray_driver.py';

/**
 * Runs the job's command on the Ray worker. Where ORRERY_PROJECT is a project there (a file system shared with the
 * workstation), it simply becomes the command. Elsewhere the SDK records into a project folder inside the working
 * dir, and every second the new bytes of the run's spool files go to stdout as one-line records (at most ~4 KB,
 * so a line is never torn by the script's own output), which Orrery reads back from the driver log: Ray's Jobs API
 * has no way to fetch files. SIGTERM (Ray's stop, or the time limit) is passed on to the command.
 */
export const driverSource = String.raw`import base64, json, os, re, signal, subprocess, sys, threading

MARK = "\x1eorrery-spool "
SPOOL = re.compile(r"^(events\..+\.jsonl|metrics\..+\.bin|run\.json)$")
CHUNK = 2900


def main():
    command = sys.argv[1:]
    project = os.environ.get("ORRERY_PROJECT", "")
    if project and os.path.isfile(os.path.join(project, ".orrery", "project.db")):
        os.execvp(command[0], command)
    local = os.path.join(os.getcwd(), ".orrery-remote")
    os.makedirs(os.path.join(local, ".orrery"), exist_ok=True)
    open(os.path.join(local, ".orrery", "project.db"), "a").close()
    folder = os.path.join(local, ".orrery", "tracking", os.environ.get("ORRERY_RUN_ID", ""))
    child = subprocess.Popen(command, env=dict(os.environ, ORRERY_PROJECT=local))
    signal.signal(signal.SIGTERM, lambda *_: child.send_signal(signal.SIGTERM))
    sent = {}
    stop = threading.Event()

    def ship():
        try:
            names = sorted(os.listdir(folder))
        except FileNotFoundError:
            return
        for name in filter(SPOOL.match, names):
            start = sent.get(name, 0)
            with open(os.path.join(folder, name), "rb") as handle:
                handle.seek(start)
                data = handle.read()
            for at in range(0, len(data), CHUNK):
                piece = data[at:at + CHUNK]
                record = {"f": name, "o": start + at, "d": base64.b64encode(piece).decode()}
                os.write(1, (MARK + json.dumps(record) + "\n").encode())
            sent[name] = start + len(data)

    def pump():
        while not stop.wait(1.0):
            ship()

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    code = child.wait()
    stop.set()
    thread.join()
    ship()
    sys.exit(code if code >= 0 else 128 - code)


main()
`;

/** One spool record: `length` bytes of `file` from `offset`. */
interface SpoolRecord {
  readonly file: string;
  readonly offset: number;
  readonly data: Buffer;
}

const recordPattern = /\x1eorrery-spool (\{[^\n\x1e]*\})\n/g;
const spoolFile = /^(events\..+\.jsonl|metrics\..+\.bin|run\.json)$/;

/** The driver log without its spool records (the script's own output, as the user wrote it). */
export function stripSpoolRecords(text: string): string {
  return text.replace(recordPattern, '');
}

/** Where a log slice must end so that it never cuts a spool record in half: before a record without its newline yet. */
export function completeRecordsLength(bytes: Buffer): number {
  const mark = bytes.lastIndexOf(0x1e);
  if (mark < 0) return bytes.length;
  return bytes.indexOf(0x0a, mark) < 0 ? mark : bytes.length;
}

/** Every complete spool record in a driver log, in order; a record that does not parse is skipped. */
export function spoolRecords(log: string): SpoolRecord[] {
  const records: SpoolRecord[] = [];
  for (const match of log.matchAll(recordPattern)) {
    try {
      const parsed = JSON.parse(match[1] ?? '') as { f?: unknown; o?: unknown; d?: unknown };
      if (typeof parsed.f !== 'string' || !spoolFile.test(parsed.f) || typeof parsed.o !== 'number' || typeof parsed.d !== 'string') continue;
      records.push({ file: parsed.f, offset: parsed.o, data: Buffer.from(parsed.d, 'base64') });
    } catch {
      // Not one of ours (a script printing the same bytes): its output stays in the log as it is.
    }
  }
  return records;
}

/**
 * Appends to the local run folder what the records hold beyond each local file's size. Records carry their
 * offsets, so applying the whole log again (each tick, or after a restart) copies nothing twice and skips nothing.
 */
export async function applySpoolRecords(records: readonly SpoolRecord[], localFolder: string): Promise<number> {
  if (records.length === 0) return 0;
  await mkdir(localFolder, { recursive: true });
  const sizes = new Map<string, number>();
  let copied = 0;
  for (const record of records) {
    const local = path.join(localFolder, record.file);
    if (!sizes.has(record.file)) {
      const size = (await stat(local).catch(() => null))?.size ?? 0;
      // A run.json already here is the job service's: the worker's copy is never written over it.
      sizes.set(record.file, record.file === 'run.json' && size > 0 ? Number.POSITIVE_INFINITY : size);
    }
    const size = sizes.get(record.file) ?? 0;
    const end = record.offset + record.data.length;
    if (end <= size || record.offset > size) continue;
    const fresh = record.data.subarray(size - record.offset);
    await appendFile(local, fresh);
    sizes.set(record.file, end);
    copied += fresh.length;
  }
  return copied;
}
