// The terminal service with real ptys (node-pty, /bin/bash) on a real EventBus, through both pty hosts:
// in this process, and in a forked child running the bundled worker.
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isOrreryError } from '../../app/contract';
import { runningOf } from '../../main/services/terminals/process-tree';
import { createInProcessPtyHost, type PtyHostFactory } from '../../main/services/terminals/pty-host';
import { createChildProcessPtyHost } from '../../main/services/terminals/pty-host-child';
import { createHarness, pidsIn, waitFor, workerBundle, type Harness } from './terminal-harness';

async function codeOf(promise: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    if (isOrreryError(error)) return error.code;
    throw error;
  }
  return 'no error';
}

let worker = '';
beforeAll(async () => {
  worker = await workerBundle();
});

const hosts: [string, () => PtyHostFactory][] = [
  ['in-process host', () => createInProcessPtyHost],
  ['child-process host', () => createChildProcessPtyHost(worker)],
];

describe.each(hosts)('TerminalService with the %s', (_name, factory) => {
  let harness: Harness | null = null;
  const open = async () => (harness = await createHarness(factory()));
  afterEach(async () => {
    await harness?.dispose();
    harness = null;
  });

  it('runs a command in the project folder and streams its output as terminal.data', async () => {
    const h = await open();
    const info = await h.service.create({ cols: 100, rows: 30 });
    expect(info).toMatchObject({ cols: 100, rows: 30, exitCode: null, shell: '/bin/bash' });
    expect(info.pid).toBeGreaterThan(0);
    h.service.write(info.id, 'echo orrery-$((6*7)); pwd; echo "proj=$ORRERY_PROJECT term=$TERM"\r');
    await waitFor('orrery-42', () => h.output(info.id).includes('orrery-42'));
    await waitFor('the env line', () => /proj=\S+ term=xterm-256color/.test(h.output(info.id)));
    expect(h.output(info.id)).toContain(`proj=${h.projectDir}`);
    expect(h.output(info.id)).toContain(`\n${info.cwd}`);
    expect(path.basename(info.cwd)).toBe('project');
    expect(h.service.replay(info.id).data).toContain('orrery-42');
    expect(h.service.list().map((t) => t.id)).toEqual([info.id]);
  });

  it('resizes the pty (stty size sees it)', async () => {
    const h = await open();
    const { id } = await h.service.create({});
    h.service.resize(id, 123, 45);
    h.service.write(id, 'stty size\r');
    await waitFor('45 123', () => h.output(id).includes('45 123'));
    expect(h.service.list()[0]).toMatchObject({ cols: 123, rows: 45 });
  });

  it('reports the exit code and keeps the exited terminal listed until it is closed', async () => {
    const h = await open();
    const { id } = await h.service.create({});
    h.service.write(id, 'exit 3\r');
    await waitFor('terminal.exit', () => h.exits.has(id));
    expect(h.exits.get(id)).toEqual({ exitCode: 3, signal: null });
    expect(h.service.list()).toMatchObject([{ id, exitCode: 3 }]);
    expect(h.service.write(id, 'ignored\r')).toEqual({ ok: true });
    await h.service.kill(id);
    expect(h.service.list()).toEqual([]);
  });

  it('kill ends the whole process tree, background jobs included', async () => {
    const h = await open();
    const { id, pid } = await h.service.create({});
    h.service.write(id, 'sleep 1000 & echo "bg=$!"; (sleep 1001 & echo "orphan=$!"); sleep 1002 | cat & echo "pipe=$!"\r');
    await waitFor('three pids', () => pidsIn(h.output(id), 'bg').length + pidsIn(h.output(id), 'orphan').length + pidsIn(h.output(id), 'pipe').length === 3);
    const pids = [pid, ...['bg', 'orphan', 'pipe'].flatMap((label) => pidsIn(h.output(id), label))];
    expect(await runningOf(pids)).toEqual(pids);
    await h.service.kill(id);
    await waitFor('every pid gone', async () => (await runningOf(pids)).length === 0, 5000);
    expect(h.service.list()).toEqual([]);
    expect(h.exits.has(id)).toBe(true);
  });

  it('refuses a cwd outside the project, accepts one inside', async () => {
    const h = await open();
    expect(await codeOf(h.service.create({ cwd: h.outsideDir }))).toBe('path_outside_root');
    expect(await codeOf(h.service.create({ cwd: path.join(h.projectDir, '..', 'outside') }))).toBe('path_outside_root');
    expect(await codeOf(h.service.create({ cwd: '/' }))).toBe('path_outside_root');
    expect(await codeOf(h.service.create({ cwd: path.join(h.projectDir, 'missing') }))).toBe('not_found');
    const inside = await h.service.create({ cwd: 'sub' });
    expect(inside.cwd).toBe(path.join(h.projectDir, 'sub'));
    h.service.write(inside.id, 'pwd\r');
    await waitFor('pwd', () => h.output(inside.id).includes(`${h.projectDir}/sub\r\n`));
    expect(h.service.list()).toHaveLength(1);
  });

  it('answers not_found for an unknown terminal and no_project without a project', async () => {
    const h = await open();
    expect(await codeOf(() => h.service.write('term_nope', 'x'))).toBe('not_found');
    expect(await codeOf(() => h.service.resize('term_nope', 80, 24))).toBe('not_found');
    expect(await codeOf(() => h.service.replay('term_nope'))).toBe('not_found');
    expect(await codeOf(h.service.kill('term_nope'))).toBe('not_found');
    h.projects.current = null;
    expect(await codeOf(h.service.create({}))).toBe('no_project');
  });

  it('kills every terminal when the project closes or changes', async () => {
    const h = await open();
    const a = await h.service.create({});
    const b = await h.service.create({});
    h.service.write(a.id, 'sleep 1000 & echo "bg=$!"\r');
    await waitFor('bg pid', () => pidsIn(h.output(a.id), 'bg').length === 1);
    const pids = [a.pid, b.pid, ...pidsIn(h.output(a.id), 'bg')];
    h.bus.publish('project.changed', '', { project: null });
    expect(h.service.list()).toEqual([]);
    await waitFor('both exits', () => h.exits.has(a.id) && h.exits.has(b.id));
    await waitFor('every pid gone', async () => (await runningOf(pids)).length === 0, 5000);
  });

  it('dispose ends every terminal and leaves no process behind', async () => {
    const h = await open();
    const terminals = [await h.service.create({}), await h.service.create({})];
    for (const t of terminals) h.service.write(t.id, 'sleep 1000 & echo "bg=$!"\r');
    await waitFor('bg pids', () => terminals.every((t) => pidsIn(h.output(t.id), 'bg').length === 1));
    const pids = terminals.flatMap((t) => [t.pid, ...pidsIn(h.output(t.id), 'bg')]);
    expect(await runningOf(pids)).toHaveLength(4);
    await h.service.dispose();
    expect(await runningOf(pids)).toEqual([]);
    expect(await codeOf(h.service.create({}))).toBe('unavailable');
  });
});
