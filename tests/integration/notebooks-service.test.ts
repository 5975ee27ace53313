// NotebookService on real files: lossless against files written by Debian's python3 nbformat (byte-identical
// re-serialization, 4.4 and 4.5), schema validation naming cell and field, and every bad input from the issue.
import { execFileSync } from 'node:child_process';
import { copyFile, mkdtemp, open, readFile, realpath, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOrreryError } from '../../app/contract';
import { joinSource } from '../../app/lib/notebook';
import type { NotebookDoc } from '../../app/models';
import { systemClock } from '../../main/core/clock';
import { EventBus } from '../../main/core/event-bus';
import { silentLogger } from '../../main/core/logger';
import type { KernelService } from '../../main/services/kernels/kernel-service';
import { serializeNotebook } from '../../main/services/notebooks/ipynb-format';
import { NotebookService } from '../../main/services/notebooks/notebook-service';
import type { ProjectService } from '../../main/services/projects/project-service';

const repoRoot = path.resolve(__dirname, '..', '..');
let dir = '';
let service: NotebookService;

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isOrreryError(error)) return `${error.code}: ${error.message}`;
    throw error;
  }
  return 'no error';
}

beforeAll(async () => {
  dir = await realpath(await mkdtemp(path.join(os.tmpdir(), 'orrery-nb-')));
  execFileSync('/usr/bin/python3', [path.join(repoRoot, 'tests', 'fixtures', 'notebooks', 'write-nbformat.py'), dir]);
  const kernels = { sessionFor: () => ({ kernel: null, runs: [], pendingInput: null }), specs: async () => [] } as unknown as KernelService;
  service = new NotebookService({
    bus: new EventBus(), logger: silentLogger, clock: systemClock, kernels, allowedRoots: [dir],
    projects: { requireCurrent: () => ({ project: { path: dir } }) } as unknown as ProjectService,
    resourcesDir: path.join(repoRoot, 'resources'),
  });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('lossless .ipynb', () => {
  it.each(['v45.ipynb', 'v44.ipynb', 'empty.ipynb'])('re-serializes %s written by nbformat byte for byte', async (name) => {
    const file = path.join(dir, name);
    const bytes = await readFile(file, 'utf8');
    const opened = await service.open(file);
    expect(serializeNotebook(opened.notebook)).toBe(bytes);
    // Saving without edits leaves the file identical, and nbformat still reads and validates it.
    await service.save({ path: file, notebook: opened.notebook, expectedMtimeMs: opened.mtimeMs });
    expect(await readFile(file, 'utf8')).toBe(bytes);
    execFileSync('/usr/bin/python3', ['-c', 'import sys, nbformat; nbformat.validate(nbformat.read(sys.argv[1], as_version=4))', file]);
  });

  it('saves a patch (changed cells, references to the rest) to exactly the bytes a whole save writes', async () => {
    const file = path.join(dir, 'patched45.ipynb');
    await copyFile(path.join(dir, 'v45.ipynb'), file);
    const opened = await service.open(file);
    const cells = opened.notebook.cells;
    const { cells: _cells, ...rest } = opened.notebook;
    const edited = { ...cells[1]!, source: 'edited = True' };
    // No change at all: the file and its mtime are left alone.
    const same = await service.save({ path: file, patch: { rest, cells: cells.map((_, keep) => ({ keep })) }, expectedMtimeMs: opened.mtimeMs });
    expect(same.mtimeMs).toBe(opened.mtimeMs);
    const patched = await service.save({
      path: file,
      patch: { rest, cells: [edited, ...cells.map((_, keep) => ({ keep })).filter((_, i) => i !== 1).reverse()] },
      expectedMtimeMs: opened.mtimeMs,
    });
    const expected = serializeNotebook({ ...opened.notebook, cells: [edited, ...cells.filter((_, i) => i !== 1).reverse()] });
    expect(await readFile(file, 'utf8')).toBe(expected);
    expect(patched.size).toBe(Buffer.byteLength(expected));
    execFileSync('/usr/bin/python3', ['-c', 'import sys, nbformat; nbformat.validate(nbformat.read(sys.argv[1], as_version=4))', file]);
    // A second patch builds on the version the first one wrote.
    await service.save({ path: file, patch: { rest, cells: [{ keep: 0 }] }, expectedMtimeMs: patched.mtimeMs });
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ ...opened.notebook, cells: [edited] });
  });

  it('opens the first cells of a notebook and serves the rest of that version in pages, until it is saved over', async () => {
    const file = path.join(dir, 'paged.ipynb');
    const source = JSON.parse(await readFile(path.join(dir, 'v45.ipynb'), 'utf8')) as NotebookDoc;
    const cells = Array.from({ length: 7 }, (_, i) => ({ ...source.cells[i % source.cells.length]!, id: `p${i}` }));
    await writeFile(file, serializeNotebook({ ...source, cells }));
    const opened = await service.open(file, 3);
    expect(opened.totalCells).toBe(7);
    expect(opened.notebook.cells.map((c) => c.id)).toEqual(['p0', 'p1', 'p2']);
    const page = await service.cells({ path: file, mtimeMs: opened.mtimeMs, from: 3, count: 3 });
    expect(page).toEqual({ cells: cells.slice(3, 6), totalCells: 7 });
    expect((await service.cells({ path: file, mtimeMs: opened.mtimeMs, from: 6, count: 100 })).cells.map((c) => c.id)).toEqual(['p6']);
    // Whole when the notebook is smaller than the first window.
    expect((await service.open(file, 50)).notebook.cells).toHaveLength(7);
    // The pages are of the version read at that mtime: after a save (a new version) the old one is gone.
    const { cells: _all, ...rest } = opened.notebook;
    const saved = await service.save({ path: file, patch: { rest, cells: [...cells.slice(0, 6).map((_, keep) => ({ keep })), { ...cells[6]!, source: 'changed' }] }, expectedMtimeMs: opened.mtimeMs });
    expect(await codeOf(service.cells({ path: file, mtimeMs: opened.mtimeMs, from: 3, count: 3 }))).toMatch(/^not_found: .*no longer held .*Open the notebook again/);
    expect((await service.cells({ path: file, mtimeMs: saved.mtimeMs, from: 6, count: 1 })).cells[0]!.source).toBe('changed');
  });

  it('refuses a patch on a version it does not hold, one past the kept cells, and one that breaks the schema (file untouched)', async () => {
    const file = path.join(dir, 'patched44.ipynb');
    await copyFile(path.join(dir, 'v44.ipynb'), file);
    const bytes = await readFile(file, 'utf8');
    const opened = await service.open(file);
    const { cells: _cells, ...rest } = opened.notebook;
    expect(await codeOf(service.save({ path: file, patch: { rest, cells: [{ keep: 0 }] }, expectedMtimeMs: opened.mtimeMs + 5_000, force: true }))).toMatch(
      /^not_found: .*no longer held in memory; send the whole notebook/,
    );
    expect(await codeOf(service.save({ path: file, patch: { rest, cells: [{ keep: 99 }] }, expectedMtimeMs: opened.mtimeMs }))).toMatch(/^invalid_input: patch\.cells\[0\]: keep 99 is past/);
    const broken = { cell_type: 'markdown', source: 'no metadata' } as unknown as NotebookDoc['cells'][number];
    expect(await codeOf(service.save({ path: file, patch: { rest, cells: [broken] }, expectedMtimeMs: opened.mtimeMs }))).toMatch(/^invalid_file: .*Nothing was written/);
    expect(await readFile(file, 'utf8')).toBe(bytes);
  });

  it('leaves a file untouched when saved without edits, even where JS would print its floats differently', async () => {
    const file = path.join(dir, 'floaty.ipynb');
    const bytes = await readFile(file, 'utf8');
    expect(bytes).toContain('"ratio": 1.0');
    const opened = await service.open(file);
    await service.save({ path: file, notebook: opened.notebook, expectedMtimeMs: opened.mtimeMs });
    expect(await readFile(file, 'utf8')).toBe(bytes);
    expect((await stat(file)).mtimeMs).toBe(opened.mtimeMs);
  });

  it('keeps cell ids, attachments, unknown metadata and non-ASCII text', async () => {
    const { notebook } = await service.open(path.join(dir, 'v45.ipynb'));
    expect(notebook.cells.every((c) => typeof c.id === 'string')).toBe(true);
    expect(notebook.cells[0]!.attachments).toHaveProperty('a.png');
    expect(notebook.metadata.custom_tool).toEqual({ nested: { y: 1, x: [3, 2, 1] }, emoji: '🪐' });
    expect(joinSource(notebook.cells[0]!.source)).toContain('数学');
  });

  it('writes an edited notebook that nbformat reads back unchanged', async () => {
    const file = path.join(dir, 'edited.ipynb');
    const opened = await service.open(path.join(dir, 'v45.ipynb'));
    const doc = structuredClone(opened.notebook) as NotebookDoc;
    doc.cells[1]!.source = ['x = "ü"\n', 'x'];
    await service.save({ path: file, notebook: doc });
    const roundTrip = execFileSync('/usr/bin/python3', ['-c', 'import sys, nbformat; nb = nbformat.read(sys.argv[1], as_version=4); nbformat.write(nb, sys.stdout)', file], { encoding: 'utf8' });
    expect(roundTrip.trimEnd()).toBe((await readFile(file, 'utf8')).trimEnd());
  });
});

describe('bad input', () => {
  it('refuses a file that is not JSON, with the position', async () => {
    const file = path.join(dir, 'broken.ipynb');
    await writeFile(file, '{"cells": [\n  {"cell_type": "code",,}\n');
    expect(await codeOf(service.open(file))).toMatch(/^invalid_file: .*not valid JSON \(line 2/);
  });

  it('refuses nbformat 3 and says how to convert it', async () => {
    const file = path.join(dir, 'v3.ipynb');
    await writeFile(file, JSON.stringify({ nbformat: 3, nbformat_minor: 0, metadata: {}, worksheets: [] }));
    expect(await codeOf(service.open(file))).toMatch(/^invalid_file: .*nbformat 3.*jupyter nbconvert --to notebook --nbformat 4/);
  });

  it('names the cell and field of a schema violation, on open and on save (file untouched)', async () => {
    const good = await service.open(path.join(dir, 'v45.ipynb'));
    const bad = structuredClone(good.notebook) as NotebookDoc;
    (bad.cells[1]!.outputs as Record<string, unknown>[])[1]!.execution_count = 'three';
    const file = path.join(dir, 'schema.ipynb');
    await writeFile(file, JSON.stringify(bad));
    const cellId = bad.cells[1]!.id!;
    expect(await codeOf(service.open(file))).toMatch(new RegExp(`^invalid_file: .*cell 2 \\(code, id ${cellId}\\) field outputs\\[1\\]\\.execution_count: must be integer`));
    const before = await readFile(path.join(dir, 'v45.ipynb'), 'utf8');
    const noMeta = structuredClone(good.notebook) as Record<string, unknown> & NotebookDoc;
    delete (noMeta.cells[0] as Record<string, unknown>).metadata;
    expect(await codeOf(service.save({ path: path.join(dir, 'v45.ipynb'), notebook: noMeta }))).toMatch(/cell 1 \(markdown.*missing required field "metadata".*Nothing was written/);
    expect(await readFile(path.join(dir, 'v45.ipynb'), 'utf8')).toBe(before);
  });

  it('refuses a 200 MB notebook with too_large and leaves it untouched', async () => {
    const file = path.join(dir, 'huge.ipynb');
    const handle = await open(file, 'w');
    await handle.truncate(200 * 1024 * 1024);
    await handle.close();
    const before = await stat(file);
    expect(await codeOf(service.open(file))).toMatch(/^too_large: .*200 MB.*up to 100 MB/);
    const after = await stat(file);
    expect([after.size, after.mtimeMs]).toEqual([before.size, before.mtimeMs]);
  });

  it('opens a notebook holding a 50 MB output', async () => {
    const { notebook } = await service.open(path.join(dir, 'empty.ipynb'));
    const doc = structuredClone(notebook) as NotebookDoc;
    doc.cells[0] = { cell_type: 'code', id: 'big', metadata: {}, source: 'x', execution_count: 1, outputs: [{ output_type: 'stream', name: 'stdout', text: 'y'.repeat(50 * 1024 * 1024) }] };
    const file = path.join(dir, 'big-output.ipynb');
    await service.save({ path: file, notebook: doc });
    const opened = await service.open(file);
    expect(((opened.notebook.cells[0]!.outputs as { text: string }[])[0]!.text).length).toBe(50 * 1024 * 1024);
  });

  it('answers not_found for a file that vanished, and conflict when saving over it', async () => {
    const file = path.join(dir, 'gone.ipynb');
    const opened = await service.create({ path: file });
    await rm(file);
    expect(await codeOf(service.open(file))).toMatch(/^not_found: .*does not exist/);
    expect(await codeOf(service.save({ path: file, notebook: opened.notebook, expectedMtimeMs: opened.mtimeMs }))).toMatch(/^conflict: .*deleted or moved/);
    await service.save({ path: file, notebook: opened.notebook, expectedMtimeMs: opened.mtimeMs, force: true });
    expect((await service.open(file)).notebook.cells).toHaveLength(1);
  });

  it('answers conflict when the file changed on disk since it was opened, unless forced', async () => {
    const file = path.join(dir, 'conflict.ipynb');
    const opened = await service.create({ path: file });
    await utimes(file, new Date(), new Date(Date.now() + 5000));
    expect(await codeOf(service.save({ path: file, notebook: opened.notebook, expectedMtimeMs: opened.mtimeMs }))).toMatch(/^conflict: .*changed on disk/);
    const saved = await service.save({ path: file, notebook: opened.notebook, expectedMtimeMs: opened.mtimeMs, force: true });
    expect(saved.size).toBe((await stat(file)).size);
  });

  it('refuses paths outside the allowed roots and an existing file on create', async () => {
    expect(await codeOf(service.open('/etc/passwd'))).toMatch(/^path_outside_root/);
    expect(await codeOf(service.create({ path: path.join(dir, 'v45.ipynb') }))).toMatch(/^already_exists/);
    expect(await codeOf(service.create({ path: path.join(dir, 'x.txt') }))).toMatch(/^invalid_input/);
  });

  it('leaves no temp file behind after a failed save, and lists notebooks', async () => {
    const list = await service.list();
    expect(list.map((n) => n.relativePath)).toContain('v45.ipynb');
    const { readdir } = await import('node:fs/promises');
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
