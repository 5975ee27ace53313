// The tracking service over real spool files written by a real python3 process (the layout of
// docs/tracking-spool.md) and a real project store: ingest, queries, two writers, order, NaN/Inf, torn
// writes, crashed runs, live ingest while the script still writes.
import { spawnSync } from 'node:child_process';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOrreryError } from '../../app/contract';
import { anyId } from '../../main/core/event-bus';
import { startRun, trackingWorld, until, writeRun, type TrackingWorld } from './tracking-harness';

let world: TrackingWorld;
beforeAll(async () => {
  world = await trackingWorld();
});
afterAll(() => world.dispose());

const spool = (runId: string) => path.join(world.project, '.orrery', 'tracking', runId);

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isOrreryError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('tracking ingest', () => {
  it('ingests a finished run with params, tags, metrics, artifacts and events, and answers the queries', async () => {
    const checkpoint = path.join(world.base, 'model.pt');
    await writeFile(checkpoint, 'weights'.repeat(1000));
    writeRun(world.project, 'a'.repeat(32), ['--name', 'first', '--keys', 'loss,acc,sys/cpu', '--steps', '1000', '--flush', '7', '--params', '{"lr": 0.1, "opt": "adam"}', '--tags', 'baseline,cnn', '--artifact', checkpoint]);
    const changed: string[] = [];
    const stop = world.core.bus.subscribe('run.changed', anyId, (e) => changed.push(e.payload.runId));
    const done = await world.core.services.tracking.ingestAll();
    stop();
    // The folder watch may have taken the run first; either way it is in the store once.
    expect(done.runs).toBe(1);
    expect(changed).toContain('a'.repeat(32));

    const list = await world.call('runs.list', {});
    const run = list.runs.find((r) => r.id === 'a'.repeat(32))!;
    expect(run).toMatchObject({ name: 'first', status: 'finished', source: 'sdk', params: { lr: 0.1, opt: 'adam' }, tags: ['baseline', 'cnn'] });
    expect(run.metrics.loss).toBeCloseTo(Math.exp(-999 / 1000));
    expect(run.metrics['sys/cpu']).toBeUndefined();
    expect(list.paramKeys).toEqual(expect.arrayContaining(['lr', 'opt']));
    expect(list.metricKeys).toEqual(expect.arrayContaining(['acc', 'loss']));

    const detail = await world.call('runs.get', { id: 'a'.repeat(32) });
    expect(detail.keys.map((k) => [k.key, k.count, k.system])).toEqual([['acc', 1000, false], ['loss', 1000, false], ['sys/cpu', 1000, true]]);
    expect(detail.artifacts).toEqual([expect.objectContaining({ name: 'model.pt', kind: 'checkpoint', size: 7000, step: 1000 })]);
    expect(detail.events).toEqual([expect.objectContaining({ level: 'error', message: 'Could not store artifact missing.bin: No such file' })]);
    expect(detail.meta.argv[0]).toContain('tracking-spool-writer.py');
    expect(detail.writers).toHaveLength(1);
    expect(detail.startedAt).not.toBeNull();

    const { series } = await world.call('runs.series', { runIds: ['a'.repeat(32)], keys: ['loss', 'nope'], maxPoints: 100 });
    expect(series[0]).toMatchObject({ key: 'loss', points: 1000, nonFinite: 0 });
    expect(series[0]!.x.length).toBeLessThanOrEqual(100);
    expect(series[1]).toMatchObject({ key: 'nope', points: 0, x: [] });
    const relative = await world.call('runs.series', { runIds: ['a'.repeat(32)], keys: ['loss'], x: 'relative', method: 'lttb', maxPoints: 10 });
    expect(relative.series[0]!.x[0]).toBeGreaterThanOrEqual(-1);
    expect(relative.series[0]!.x[0]).toBeLessThan(60);

    // A second pass finds nothing new: every byte is accounted for by the stored offsets.
    const again = await world.core.services.tracking.ingestRun('a'.repeat(32));
    expect(again?.points).toBe(0);
    const offsets = world.core.services.projects.requireCurrent().db.prepare('SELECT file, offset FROM spool_offsets WHERE run_id = ?').all('a'.repeat(32)) as { file: string; offset: number }[];
    for (const { file, offset } of offsets) expect(offset).toBe((await stat(path.join(spool('a'.repeat(32)), file))).size);
  });

  it('filters, sorts and pages runs.list with the query language, and reports query errors by position', async () => {
    writeRun(world.project, 'b'.repeat(32), ['--name', 'second', '--steps', '10', '--params', '{"lr": 0.001}', '--tags', 'exp', '--finish', 'failed']);
    await world.core.services.tracking.ingestAll();
    const ids = async (query: string) => (await world.call('runs.list', { query, sort: { by: 'params.lr', dir: 'asc' } })).runs.map((r) => r.name);
    expect(await ids('params.lr > 0.01')).toEqual(['first']);
    expect(await ids('tags ~ "base" or status = failed')).toEqual(['second', 'first']);
    expect(await ids('metrics.loss < 0.38')).toEqual(['first']);
    expect(await ids('metrics.loss < 0.3')).toEqual([]);
    const page = await world.call('runs.list', { limit: 1, offset: 1, sort: { by: 'name', dir: 'asc' } });
    expect(page.runs.map((r) => r.name)).toEqual(['second']);
    expect(page.total).toBeGreaterThanOrEqual(2);
    expect((await world.call('runs.list', { search: 'seco' })).runs.map((r) => r.name)).toEqual(['second']);
    expect(await failure(world.call('runs.list', { query: 'params.lr >> 1' }))).toEqual({ code: 'invalid_input', message: expect.stringMatching(/position 12/) });
  });

  it('makes one run of two writers: running until both finish, and a failure wins', async () => {
    const runId = 'c'.repeat(32);
    const gate = path.join(world.base, 'gate-c');
    const one = startRun(world.project, runId, ['--keys', 'loss', '--steps', '50', '--wait-file', gate]);
    const two = startRun(world.project, runId, ['--keys', 'acc', '--steps', '60', '--finish', 'failed']);
    await new Promise((resolve) => two.once('close', resolve));
    await until(async () => (await readFile(path.join(spool(runId), 'run.json'), 'utf8').catch(() => '')).length > 0);
    await until(async () => (await world.core.services.tracking.ingestRun(runId)) !== null && (await world.call('runs.get', { id: runId })).keys.length === 2);
    expect((await world.call('runs.get', { id: runId })).status).toBe('running');
    expect(await failure(world.call('runs.delete', { id: runId }))).toEqual({ code: 'conflict', message: expect.stringMatching(/still running/) });
    await writeFile(gate, '');
    await new Promise((resolve) => one.once('close', resolve));
    await world.core.services.tracking.ingestRun(runId);
    const detail = await world.call('runs.get', { id: runId });
    expect(detail.status).toBe('failed');
    expect(detail.writers.map((w) => w.status).sort()).toEqual(['failed', 'finished']);
    expect(detail.keys.map((k) => [k.key, k.count])).toEqual([['acc', 60], ['loss', 50]]);
  });

  it('keeps out-of-order steps sorted on read and counts NaN/Inf without drawing them', async () => {
    const runId = 'd'.repeat(32);
    writeRun(world.project, runId, ['--keys', 'loss,acc', '--steps', '100', '--flush', '10', '--reverse', '--nan-at', '20']);
    await world.core.services.tracking.ingestRun(runId);
    const detail = await world.call('runs.get', { id: runId });
    expect(detail.keys.every((k) => !k.sorted && k.count === 100 && k.lastStep === 99)).toBe(true);
    const loss = detail.keys.find((k) => k.key === 'loss')!;
    expect(loss.minValue).toBeCloseTo(Math.exp(-99 / 100));
    const { series } = await world.call('runs.series', { runIds: [runId], keys: ['loss', 'acc'] });
    expect(series[0]).toMatchObject({ points: 100, nonFinite: 1 });
    expect(series[0]!.x).toEqual([...Array(100).keys()].filter((s) => s !== 20));
    expect(series[1]).toMatchObject({ points: 100, nonFinite: 1 });
    const zoom = await world.call('runs.series', { runIds: [runId], keys: ['loss'], range: { from: 10, to: 29 } });
    expect(zoom.series[0]).toMatchObject({ points: 20, nonFinite: 1 });
    const csv = (await world.call('runs.export', { runIds: [runId], keys: ['loss'] })).csv!;
    expect(csv.split('\n')[0]).toBe('run_id,run_name,key,step,time,value');
    expect(csv).toContain(`${runId},${detail.name},loss,20,`);
    expect(csv.split('\n').find((l) => l.includes(',loss,20,'))!.endsWith(',NaN')).toBe(true);
  });

  it('stops before a torn line and a torn frame, and calls a run crashed when its writer died without finishing', async () => {
    const runId = 'e'.repeat(32);
    writeRun(world.project, runId, ['--keys', 'loss', '--steps', '30', '--torn', '--finish', 'none']);
    await world.core.services.tracking.ingestRun(runId);
    const detail = await world.call('runs.get', { id: runId });
    expect(detail.status).toBe('crashed');
    expect(detail.keys.map((k) => k.key)).toEqual(['loss']);
    expect(detail.events).toEqual([]);
    const db = world.core.services.projects.requireCurrent().db;
    const offsets = db.prepare('SELECT file, offset FROM spool_offsets WHERE run_id = ?').all(runId) as { file: string; offset: number }[];
    for (const { file, offset } of offsets.filter((o) => o.file !== 'run.json')) expect(offset).toBeLessThan((await stat(path.join(spool(runId), file))).size);
    expect(await failure(world.call('runs.get', { id: 'f'.repeat(32) }))).toMatchObject({ code: 'not_found' });
  });

  it('ingests live while the script writes (run.metrics events), then sees it finish', async () => {
    const runId = '1'.repeat(32);
    const metrics: number[] = [];
    const stop = world.core.bus.subscribe('run.metrics', runId, (e) => metrics.push(e.payload.counts.loss ?? 0));
    const gate = path.join(world.base, 'gate-live');
    const child = startRun(world.project, runId, ['--keys', 'loss', '--steps', '400', '--flush', '20', '--sleep', '0.1', '--wait-file', gate]);
    const tracking = world.core.services.tracking;
    await until(async () => (await stat(path.join(spool(runId), 'run.json')).catch(() => null)) !== null);
    tracking.watch(runId);
    await until(() => metrics.length >= 3 && metrics[metrics.length - 1]! > 0);
    expect((await world.call('runs.get', { id: runId })).status).toBe('running');
    await until(() => metrics[metrics.length - 1] === 400);
    await writeFile(gate, '');
    await new Promise((resolve) => child.once('close', resolve));
    await tracking.unwatch(runId);
    stop();
    expect(metrics.length).toBeGreaterThanOrEqual(3);
    const detail = await world.call('runs.get', { id: runId });
    expect(detail.status).toBe('finished');
    expect(detail.keys[0]!.count).toBe(400);
    // Live appends of 20 points were folded into one chunk, not 20.
    const chunks = world.core.services.projects.requireCurrent().db.prepare('SELECT count(*) FROM metric_chunks c JOIN metric_keys k ON k.id = c.key_id WHERE k.run_id = ?').pluck().get(runId);
    expect(chunks).toBe(1);
  });

  it('ingests a single frame larger than one pass reads', async () => {
    const runId = '2'.repeat(32);
    writeRun(world.project, runId, ['--keys', 'big', '--steps', '800000', '--flush', '800000']);
    expect((await stat(path.join(spool(runId), (await readdir(spool(runId))).find((f) => f.startsWith('metrics.'))!))).size).toBeGreaterThan(16 * 1024 * 1024);
    await world.core.services.tracking.ingestRun(runId);
    const detail = await world.call('runs.get', { id: runId });
    expect(detail.keys.map((k) => [k.key, k.count, k.lastStep])).toEqual([['big', 800_000, 799_999]]);
  });

  it('picks up a run started from a terminal while the project is open, without being asked', async () => {
    const runId = '3'.repeat(32);
    const seen: string[] = [];
    const stop = world.core.bus.subscribe('run.changed', runId, (e) => seen.push(e.payload.status ?? ''));
    writeRun(world.project, runId, ['--keys', 'loss', '--steps', '10']);
    // The folder watch (or the 2 s poll) notices the new folder; nothing here calls ingest.
    await until(() => seen.includes('finished'), 15_000);
    stop();
    expect((await world.call('runs.get', { id: runId })).keys[0]!.count).toBe(10);
  });

  it('updates, exports to a file and deletes a run with its spool folder', async () => {
    const runId = 'b'.repeat(32);
    const updated = await world.call('runs.update', { id: runId, name: 'renamed', notes: 'lr too low', tags: ['x', 'x', 'y'] });
    expect(updated).toMatchObject({ name: 'renamed', notes: 'lr too low', tags: ['x', 'y'] });
    // A rename survives a re-ingest (run.json is read once).
    await world.core.services.tracking.ingestRun(runId);
    expect((await world.call('runs.get', { id: runId })).name).toBe('renamed');
    const file = path.join(world.base, 'out', 'b.csv');
    expect(await world.call('runs.export', { runIds: [runId], path: file })).toEqual({ rows: 10, path: file });
    expect((await readFile(file, 'utf8')).split('\n')).toHaveLength(12);
    expect(await failure(world.call('runs.export', { runIds: [runId], path: '/etc/x.csv' }))).toMatchObject({ code: 'path_outside_root' });
    await world.call('runs.delete', { id: runId });
    expect(await stat(spool(runId)).catch(() => null)).toBeNull();
    await world.core.services.tracking.ingestAll();
    expect(await failure(world.call('runs.get', { id: runId }))).toMatchObject({ code: 'not_found' });
  });
});

describe('tracking ingest of the Python SDK', () => {
  it('ingests a run logged with `import orrery` (params, tags, metrics, a checkpoint, finish)', async () => {
    const script = path.join(world.base, 'train_sdk.py');
    await writeFile(
      script,
      [
        'import orrery',
        'run = orrery.init(name="sdk-run", params={"lr": 0.02, "layers": 3}, tags=["sdk"])',
        'for step in range(2500):',
        '    run.log({"loss": 1.0 / (step + 1), "acc": step / 2500}, step=step)',
        'open("ckpt.bin", "wb").write(b"x" * 4096)',
        'run.save_checkpoint("ckpt.bin", step=2499)',
        'run.finish()',
        'print(run.id)',
      ].join('\n'),
    );
    const result = spawnSync('python3', [script], {
      cwd: world.base,
      encoding: 'utf8',
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ORRERY_PROJECT: world.project, PYTHONPATH: path.join(__dirname, '..', '..', 'resources', 'python') },
      timeout: 60_000,
    });
    expect(result.stderr).toBe('');
    const runId = result.stdout.trim();
    await world.core.services.tracking.ingestAll();
    const detail = await world.call('runs.get', { id: runId });
    expect(detail).toMatchObject({ name: 'sdk-run', status: 'finished', params: { lr: 0.02, layers: 3 }, tags: ['sdk'] });
    expect(detail.keys.map((k) => [k.key, k.count, k.lastStep])).toEqual([['acc', 2500, 2499], ['loss', 2500, 2499]]);
    expect(detail.artifacts).toEqual([expect.objectContaining({ name: 'ckpt.bin', kind: 'checkpoint', size: 4096 })]);
    expect((await world.call('runs.list', { query: 'params.layers = 3 and tags = sdk' })).runs.map((r) => r.id)).toEqual([runId]);
  });
});
