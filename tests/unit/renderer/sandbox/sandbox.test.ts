import { describe, expect, it } from 'vitest';
import type { SandboxSession } from '../../../../app/contract/sandbox';
import { ClientError } from '../../../../renderer/client/client-error';
import { choiceValue, sandboxKernelOptions } from '../../../../renderer/features/notebooks/kernel-picker';
import { filterSessions, formatLimits, formatSessionDuration } from '../../../../renderer/features/sandbox/audit-log';
import { upsertSession } from '../../../../renderer/store/sandbox-slice';
import { createAppStore } from '../../../../renderer/store/store';
import { fakeClient, settle } from '../fake-client';

const limits = { memoryMb: 1024, cpus: 1, pids: 256, timeoutS: 600, network: false, tmpMb: 256 };
const session = (patch: Partial<SandboxSession> = {}): SandboxSession => ({
  id: 'sbx_a', kind: 'kernel', command: 'ipykernel (sandbox:base)', image: 'orrery/base:bookworm-1', limits, network: false,
  startedAt: 1000, endedAt: null, exitCode: null, status: 'running', durationMs: null, outputTruncated: false, artifacts: [], skipped: [],
  containerId: null, message: null, ...patch,
});
const up = { available: true, problem: null, message: 'Docker 20.10 is running.', version: '20.10', gpu: false, baseImage: { tag: 'orrery/base:bookworm-1', present: true } };
const down = { ...up, available: false, problem: 'not_running', message: 'The Docker daemon is not running: start it with `sudo systemctl start docker` or `sudo dockerd &`.', version: null };
const project = { id: 'p1', name: 'P', path: '/p', createdAt: 1, openedAt: 1, schemaVersion: 9 };

describe('the Sandbox choice in the kernel picker', () => {
  it('offers the base and project images, enabled only while Docker answers, with the reason otherwise', () => {
    const ready = sandboxKernelOptions({ available: true, message: '' });
    expect(ready.map((o) => [o.value, o.disabled])).toEqual([
      ['spec:|sandbox:base', false],
      ['spec:|sandbox:project', false],
    ]);
    expect(ready[0]!.choice).toEqual({ specName: 'sandbox:base' });
    expect(choiceValue(ready[0]!.choice)).toBe(ready[0]!.value);
    const missing = sandboxKernelOptions({ available: false, message: down.message });
    expect(missing.every((o) => o.disabled && o.label.endsWith('(Docker is not available)') && o.prefix === down.message)).toBe(true);
    expect(sandboxKernelOptions(null).every((o) => o.disabled)).toBe(true);
  });
});

describe('the audit log view', () => {
  it('filters by kind and by text in command, image, status or id', () => {
    const sessions = [session(), session({ id: 'sbx_b', kind: 'exec', command: 'python3 -c print(1)', status: 'ok' }), session({ id: 'sbx_c', kind: 'exec', status: 'oom', command: 'x' })];
    expect(filterSessions(sessions, '', 'exec').map((s) => s.id)).toEqual(['sbx_b', 'sbx_c']);
    expect(filterSessions(sessions, 'OOM', '').map((s) => s.id)).toEqual(['sbx_c']);
    expect(filterSessions(sessions, 'ipykernel', '').map((s) => s.id)).toEqual(['sbx_a']);
    expect(filterSessions(sessions, 'nothing', '')).toEqual([]);
  });

  it('formats limits (no timeout for a kernel) and durations (ticking while running)', () => {
    expect(formatLimits(session())).toBe('1024 MiB · 1 CPU · 256 pids');
    expect(formatLimits(session({ kind: 'exec' }))).toBe('1024 MiB · 1 CPU · 256 pids · 600 s');
    expect(formatSessionDuration(session({ durationMs: 1234 }), 0)).toBe('1.2 s');
    expect(formatSessionDuration(session({ durationMs: 125_000 }), 0)).toBe('2 min 5 s');
    expect(formatSessionDuration(session(), 4000)).toBe('3.0 s');
  });
});

describe('the sandbox slice', () => {
  it('keeps sessions newest first, an update replacing the older record', () => {
    const first = session({ id: 'a', startedAt: 1 });
    const second = session({ id: 'b', startedAt: 2 });
    const ended = { ...first, status: 'ok' as const, endedAt: 5 };
    expect(upsertSession(upsertSession([first], second), ended).map((s) => [s.id, s.status])).toEqual([
      ['b', 'running'],
      ['a', 'ok'],
    ]);
  });

  it('loads status, images, containers, pool and the audit log when Docker answers', async () => {
    const pool = { size: 2, idle: 2, starting: 0, image: 'orrery/base:bookworm-1', limits };
    const fake = fakeClient({
      'sandbox.status': () => up,
      'sandbox.images': () => [{ id: 'sha256:1', tags: ['orrery/base:bookworm-1'], size: 431e6, created: 1, orrery: 'base', containers: 0 }],
      'sandbox.ps': () => [],
      'sandbox.pool': () => pool,
      'sandbox.sessions': () => [session()],
    });
    const store = createAppStore(fake.client);
    store.setState({ current: project });
    await store.getState().loadSandbox();
    const state = store.getState();
    expect(state.sandboxStatus?.available).toBe(true);
    expect(state.sandboxImages).toHaveLength(1);
    expect(state.sandboxPool).toEqual(pool);
    expect(state.sandboxSessions.map((s) => s.id)).toEqual(['sbx_a']);
    expect(fake.calls.find((c) => c.name === 'sandbox.sessions')?.input).toEqual({ limit: 500 });
  });

  it('with Docker down keeps the advice and asks nothing of Docker; without a project lists no sessions', async () => {
    const fake = fakeClient({ 'sandbox.status': () => down });
    const store = createAppStore(fake.client);
    await store.getState().loadSandbox();
    expect(store.getState().sandboxStatus).toMatchObject({ available: false, message: down.message });
    expect(fake.namesCalled()).toEqual(['sandbox.status']);
    expect(store.getState().sandboxError).toBeNull();
  });

  it('turns failures of actions into notices and clears the busy flag', async () => {
    const fake = fakeClient({
      'sandbox.buildImage': () => {
        throw new ClientError('forbidden', 'Building the sandbox base image runs debootstrap, which needs root.', 'sandbox.buildImage');
      },
      'sandbox.exportAudit': () => ({ format: 'csv', filename: 'sandbox-audit.csv', content: 'id\r\n', count: 0 }),
    });
    const store = createAppStore(fake.client);
    await store.getState().buildSandboxImage('base');
    await settle();
    expect(store.getState().sandboxBusy).toBeNull();
    expect(store.getState().notices.at(-1)?.message).toMatch(/Could not build the base image: .*needs root/);
    expect(await store.getState().exportSandboxAudit('csv')).toEqual({ filename: 'sandbox-audit.csv', content: 'id\r\n' });
  });
});
