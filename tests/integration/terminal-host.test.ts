// The pty hosts themselves: output integrity under a flood, the child host's process lifetime, and the worker
// ending its ptys when its parent dies (no orphan shells).
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runningOf } from '../../main/services/terminals/process-tree';
import { createInProcessPtyHost, type PtyHostFactory } from '../../main/services/terminals/pty-host';
import { createChildProcessPtyHost } from '../../main/services/terminals/pty-host-child';
import { createHarness, pidsIn, waitFor, workerBundle, type Harness } from './terminal-harness';

let worker = '';
beforeAll(async () => {
  worker = await workerBundle();
});

/** Children of this test process running the worker bundle. */
async function workerChildren(): Promise<number[]> {
  const stdout = await new Promise<string>((resolve) =>
    execFile('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], (_error, out) => resolve(out ?? '')),
  );
  return stdout
    .split('\n')
    .filter((line) => line.includes(path.basename(worker)))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
}

const hosts: [string, () => PtyHostFactory][] = [
  ['in-process host', () => createInProcessPtyHost],
  ['child-process host', () => createChildProcessPtyHost(worker)],
  ['child-process host (advanced serialization)', () => createChildProcessPtyHost(worker, { serialization: 'advanced' })],
];

describe.each(hosts)('the %s', (_name, factory) => {
  let harness: Harness | null = null;
  afterEach(async () => {
    await harness?.dispose();
    harness = null;
  });

  it('delivers a flood of output whole and in order, all of it before the exit', async () => {
    const h = (harness = await createHarness(factory()));
    const { id } = await h.service.create({});
    const count = 200_000;
    // The marker is computed by the shell, so the echo of the typed line never matches it.
    h.service.write(id, `echo "start-$((6*7))"; seq 1 ${count}; echo "end-$((6*7))"; exit 7\r`);
    await waitFor('exit', () => h.exits.has(id), 20_000);
    expect(h.exits.get(id)?.exitCode).toBe(7);
    const output = h.output(id);
    const body = output.slice(output.indexOf('start-42\r\n') + 'start-42\r\n'.length, output.indexOf('end-42\r\n'));
    expect(body).toBe(Array.from({ length: count }, (_, i) => `${i + 1}\r\n`).join(''));
  });

  it('delivers multi-byte output whole: characters split across reads and batches come out intact', async () => {
    const h = (harness = await createHarness(factory()));
    const dir = await mkdtemp(path.join(os.tmpdir(), 'orrery-utf8-'));
    try {
      // 2-, 3- and 4-byte characters, ~1 MB, so batch and read boundaries fall inside characters.
      const text = 'é漢😀x'.repeat(100_000);
      await writeFile(path.join(dir, 'utf8.txt'), text);
      const { id } = await h.service.create({});
      h.service.write(id, `echo "start-$((6*7))"; cat ${path.join(dir, 'utf8.txt')}; echo; echo "end-$((6*7))"; exit 0\r`);
      await waitFor('exit', () => h.exits.has(id), 20_000);
      const output = h.output(id);
      const body = output.slice(output.indexOf('start-42\r\n') + 'start-42\r\n'.length, output.indexOf('\r\nend-42\r\n'));
      expect(body.length).toBe(text.length);
      expect(body).toBe(text);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe.each(hosts.slice(0, 2))('flow control through the %s', (_name, factory) => {
  let harness: Harness | null = null;
  afterEach(async () => {
    await harness?.dispose();
    harness = null;
  });

  it('pauses the pty while a view lags, resumes on acknowledgement, and loses nothing', async () => {
    const h = (harness = await createHarness(factory(), { highChars: 64 * 1024, lowChars: 16 * 1024, staleMs: 60_000 }));
    const { id } = await h.service.create({});
    h.service.ack(id, 1);
    const count = 100_000;
    h.service.write(id, `echo "start-$((6*7))"; seq 1 ${count}; echo "end-$((6*7))"\r`);
    // Unacknowledged, output stops a little past the high watermark (one batch and the kernel's buffer).
    await waitFor('output to stall', async () => {
      const before = h.output(id).length;
      await new Promise((resolve) => setTimeout(resolve, 300));
      return h.output(id).length === before;
    });
    expect(h.output(id)).not.toContain('end-42');
    expect(h.output(id).length).toBeLessThan(64 * 1024 + 256 * 1024);
    // Acknowledging what arrived lets the rest through, whole and in order.
    let acked = 0;
    await waitFor('end-42', () => {
      const length = h.output(id).length;
      if (length > acked) h.service.ack(id, length - acked);
      acked = length;
      return h.output(id).includes('end-42\r\n');
    }, 20_000);
    const output = h.output(id);
    const body = output.slice(output.indexOf('start-42\r\n') + 'start-42\r\n'.length, output.indexOf('end-42\r\n'));
    expect(body).toBe(Array.from({ length: count }, (_, i) => `${i + 1}\r\n`).join(''));
  });

  it('holds output for a lagging view that said how many lines it keeps, leaving out only lines it could never show', async () => {
    const h = (harness = await createHarness(factory(), { highChars: 64 * 1024, lowChars: 16 * 1024, staleMs: 60_000 }));
    const { id } = await h.service.create({});
    const keepLines = 500;
    h.service.ack(id, 1, keepLines);
    const count = 300_000;
    h.service.write(id, `echo "start-$((6*7))"; seq 1 ${count}; echo "end-$((6*7))"; exit 3\r`);
    // The view acknowledges slowly; the pty is not held back by it, so the command ends first.
    let acked = 0;
    const slowView = setInterval(() => {
      const length = h.output(id).length;
      if (length > acked) h.service.ack(id, Math.min(length - acked, 32 * 1024), keepLines);
      acked = Math.min(length, acked + 32 * 1024);
    }, 50);
    try {
      await waitFor('exit', () => h.exits.has(id), 30_000);
    } finally {
      clearInterval(slowView);
    }
    const output = h.output(id);
    expect(output).toContain('start-42\r\n');
    expect(output).toContain('end-42\r\n');
    // Every byte is accounted for: sent, or left out and counted.
    const numbers = output.split('\r\n').filter((line) => /^\d+$/.test(line)).map(Number);
    const full = Array.from({ length: count }, (_, i) => `${i + 1}\r\n`).join('');
    const sentBody = numbers.map((n) => `${n}\r\n`).join('');
    expect(sentBody.length + h.skipped(id)).toBe(full.length);
    expect(h.skipped(id)).toBeGreaterThan(full.length / 2);
    // What was sent is in order, and the last `keepLines` lines (what the view's scrollback shows: the last numbers,
    // then "end-42" and bash's "exit") are all there, unbroken: only lines scrolled past them were left out.
    expect(numbers.every((n, i) => i === 0 || n > numbers[i - 1]!)).toBe(true);
    const lines = output.split('\r\n');
    if (lines.at(-1) === '') lines.pop();
    const shown = lines.slice(-keepLines).filter((line) => /^\d+$/.test(line)).map(Number);
    expect(shown.length).toBeGreaterThan(keepLines - 5);
    expect(shown).toEqual(Array.from({ length: shown.length }, (_, i) => count - shown.length + 1 + i));
  });

  it('resumes by itself when the view stops acknowledging', async () => {
    const h = (harness = await createHarness(factory(), { highChars: 64 * 1024, lowChars: 16 * 1024, staleMs: 200 }));
    const { id } = await h.service.create({});
    h.service.ack(id, 1);
    h.service.write(id, 'seq 1 100000; echo "end-$((6*7))"\r');
    await waitFor('end-42 without further acks', () => h.output(id).includes('end-42\r\n'), 20_000);
  });
});

describe('the child-process host process', () => {
  let harness: Harness | null = null;
  afterEach(async () => {
    await harness?.dispose();
    harness = null;
  });

  it('starts on the first terminal and exits when the service disposes', async () => {
    const before = await workerChildren();
    const h = (harness = await createHarness(createChildProcessPtyHost(worker)));
    expect(await workerChildren()).toEqual(before);
    await h.service.create({});
    const started = (await workerChildren()).filter((pid) => !before.includes(pid));
    expect(started).toHaveLength(1);
    await h.service.dispose();
    await waitFor('worker gone', async () => (await runningOf(started)).length === 0, 5000);
  });
});

describe('the pty-host worker', () => {
  let dir = '';
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('ends its ptys and itself when its parent is killed, and ignores messages outside the protocol', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'orrery-worker-'));
    const parentScript = path.join(dir, 'parent.cjs');
    await writeFile(
      parentScript,
      `const { fork } = require('node:child_process');
const w = fork(${JSON.stringify(worker)}, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
w.on('message', (m) => {
  if (m.type === 'spawned') console.log('shell=' + m.pid + ' worker=' + w.pid);
  if (m.type === 'data') process.stdout.write(m.data);
});
w.send({ nonsense: true });
w.send({ type: 'spawn', id: 't1', file: '/bin/bash', args: [], cwd: ${JSON.stringify(dir)}, env: { PATH: process.env.PATH, HOME: ${JSON.stringify(dir)} }, cols: 80, rows: 24 });
w.send({ type: 'write', id: 't1', data: 'sleep 1000 & echo "bg=$!"\\r' });
`,
    );
    const parent = spawn(process.execPath, [parentScript], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    parent.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await waitFor('the pids', () => ['shell', 'worker', 'bg'].every((label) => pidsIn(output, label).length === 1));
    } catch (error) {
      parent.kill('SIGKILL');
      throw error;
    }
    const pids = ['shell', 'worker', 'bg'].flatMap((label) => pidsIn(output, label));
    expect(await runningOf(pids)).toEqual(pids);
    parent.kill('SIGKILL');
    await waitFor('worker, shell and job gone', async () => (await runningOf(pids)).length === 0, 8000);
  });
});
