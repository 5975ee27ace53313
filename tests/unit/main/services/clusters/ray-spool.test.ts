import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applySpoolRecords, completeRecordsLength, spoolMark, spoolRecords, stripSpoolRecords } from '../../../../../main/services/clusters/ray/ray-spool';

const record = (file: string, offset: number, data: string) => `${spoolMark}${JSON.stringify({ f: file, o: offset, d: Buffer.from(data).toString('base64') })}\n`;

let dir: string | null = null;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = null;
});

describe('spool records in the Ray driver log', () => {
  it('leaves the script output, even a partial line a record was written into', () => {
    const log = `epoch 1\nepo${record('events.a.jsonl', 0, '{"t":1}\n')}ch 2\n`;
    expect(stripSpoolRecords(log)).toBe('epoch 1\nepoch 2\n');
  });

  it('ends a slice before a record still being written', () => {
    const whole = Buffer.from(`out\n${record('events.a.jsonl', 0, 'x')}`);
    expect(completeRecordsLength(whole)).toBe(whole.length);
    const cut = whole.subarray(0, whole.length - 3);
    expect(completeRecordsLength(cut)).toBe(4);
  });

  it('appends each byte once however often the log is applied, and keeps a run.json written here', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'orrery-spool-'));
    await writeFile(path.join(dir, 'run.json'), '{"mine":true}\n');
    const log = record('events.a.jsonl', 0, 'one\n') + 'noise\n' + record('run.json', 0, '{"theirs":1}\n') + record('events.a.jsonl', 4, 'two\n') + record('../evil', 0, 'x');
    const records = spoolRecords(log);
    expect(records.map((r) => r.file)).toEqual(['events.a.jsonl', 'run.json', 'events.a.jsonl']);
    expect(await applySpoolRecords(records, dir)).toBe(8);
    expect(await applySpoolRecords(spoolRecords(log + record('events.a.jsonl', 8, 'three\n')), dir)).toBe(6);
    expect(await readFile(path.join(dir, 'events.a.jsonl'), 'utf8')).toBe('one\ntwo\nthree\n');
    expect(await readFile(path.join(dir, 'run.json'), 'utf8')).toBe('{"mine":true}\n');
  });
});
