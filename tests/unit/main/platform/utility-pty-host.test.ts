import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../main/core/logger';
import { createUtilityPtyHost, type UtilityForker } from '../../../../main/platform/utility-pty-host';
import type { PtyHost } from '../../../../main/services/terminals/pty-host';
import type { PtyMessage } from '../../../../main/services/terminals/pty-protocol';
import { FakeUtilityProcessModule, waitFor } from './fake-electron';

// The real bundled worker (built by the test setup), run as a utility process would run it.
const workerPath = path.resolve(__dirname, '..', '..', '..', '..', 'out', 'main', 'pty-host.cjs');

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

let dir: string;
let utility: FakeUtilityProcessModule;
let host: PtyHost;
let messages: PtyMessage[];

beforeEach(async () => {
  expect(existsSync(workerPath), `${workerPath} (run node scripts/build.mjs)`).toBe(true);
  dir = await mkdtemp(path.join(os.tmpdir(), 'orrery-utility-pty-'));
  utility = new FakeUtilityProcessModule();
  host = createUtilityPtyHost({ utilityProcess: utility as unknown as UtilityForker, workerPath })({ logger: silentLogger });
  messages = [];
  host.onMessage((message) => messages.push(message));
});

afterEach(async () => {
  await host.dispose();
  for (const { child } of utility.forks) expect(child.process.exitCode !== null || child.process.signalCode !== null, 'utility process left running').toBe(true);
  await rm(dir, { recursive: true, force: true });
});

const shellEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: os.homedir(), TERM: 'xterm-256color', PS1: '$ ' };

function output(id: string): string {
  return messages.filter((m): m is Extract<PtyMessage, { type: 'data' }> => m.type === 'data' && m.id === id).map((m) => m.data).join('');
}

describe('createUtilityPtyHost', () => {
  it('starts no process until the first terminal', () => {
    expect(utility.forks).toEqual([]);
  });

  it('runs a real shell in the utility process: output, input, exit code', async () => {
    host.spawn({ id: 't1', file: '/bin/sh', args: [], cwd: dir, env: shellEnv, cols: 80, rows: 24 });
    expect(utility.forks).toHaveLength(1);
    expect(utility.forks[0]!.modulePath).toBe(workerPath);
    expect(utility.forks[0]!.options).toMatchObject({ serviceName: 'Orrery terminals' });
    const spawned = await waitFor('spawned', () => messages.find((m) => m.type === 'spawned' && m.id === 't1'));
    expect(spawned.type === 'spawned' && spawned.pid).toBeGreaterThan(0);
    host.write('t1', 'echo orrery-$((6*7)); pwd\n');
    await waitFor('orrery-42', () => output('t1').includes('orrery-42'));
    expect(output('t1')).toContain(dir);
    host.write('t1', 'exit 3\n');
    const exit = await waitFor('exit', () => messages.find((m) => m.type === 'exit' && m.id === 't1'));
    expect(exit).toEqual({ type: 'exit', id: 't1', exitCode: 3, signal: null });
  });

  it('dispose ends the shells and the utility process', async () => {
    host.spawn({ id: 't1', file: '/bin/sh', args: [], cwd: dir, env: shellEnv, cols: 80, rows: 24 });
    const spawned = await waitFor('spawned', () => messages.find((m) => m.type === 'spawned'));
    const shellPid = spawned.type === 'spawned' ? spawned.pid : 0;
    expect(isAlive(shellPid)).toBe(true);
    await host.dispose();
    const child = utility.forks[0]!.child.process;
    expect(child.exitCode !== null || child.signalCode !== null).toBe(true);
    await waitFor('shell gone', () => !isAlive(shellPid), 5000);
  });

  it('when the utility process dies, its terminals are reported exited and the next terminal starts a new one', async () => {
    host.spawn({ id: 't1', file: '/bin/sh', args: [], cwd: dir, env: shellEnv, cols: 80, rows: 24 });
    const spawned = await waitFor('spawned', () => messages.find((m) => m.type === 'spawned'));
    const shellPid = spawned.type === 'spawned' ? spawned.pid : 0;
    utility.forks[0]!.child.process.kill('SIGKILL');
    await waitFor('exit of t1', () => messages.find((m) => m.type === 'exit' && m.id === 't1'));
    expect(messages.find((m) => m.type === 'exit' && m.id === 't1')).toEqual({ type: 'exit', id: 't1', exitCode: -1, signal: null });
    expect(messages.some((m) => m.type === 'error' && m.id === '' && m.message.includes('terminal host process ended'))).toBe(true);
    // The pty's master side closed with the process: the shell got SIGHUP and is gone too.
    await waitFor('orphan shell gone', () => !isAlive(shellPid), 5000);

    host.spawn({ id: 't2', file: '/bin/sh', args: [], cwd: dir, env: shellEnv, cols: 80, rows: 24 });
    await waitFor('spawned t2', () => messages.find((m) => m.type === 'spawned' && m.id === 't2'));
    expect(utility.forks).toHaveLength(2);
    host.write('t2', 'echo second-$((2+3))\n');
    await waitFor('second-5', () => output('t2').includes('second-5'));
  });
});
