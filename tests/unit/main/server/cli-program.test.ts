import { describe, expect, it } from 'vitest';
import type { Core } from '../../../../main/core/core';
import type { CallResult } from '../../../../main/core/dispatch';
import { runCli } from '../../../../main/server/cli-program';
import type { CliContext } from '../../../../main/server/cli-context';

/** A CLI context whose core answers every call with `answer` and records what was called. */
function context(answer: CallResult) {
  const calls: Array<{ name: unknown; input: unknown }> = [];
  const out: string[] = [];
  const err: string[] = [];
  let cores = 0;
  let disposed = 0;
  const ctx: CliContext = {
    io: { out: (t) => out.push(t), err: (t) => err.push(t), env: {}, cwd: '/work/here' },
    version: '1.2.3',
    createCore: () => {
      cores++;
      return {
        dispatch: async (name: unknown, input: unknown) => {
          calls.push({ name, input });
          return answer;
        },
        dispose: async () => {
          disposed++;
        },
      } as unknown as Core;
    },
  };
  return { ctx, calls, out, err, counts: () => ({ cores, disposed }) };
}

const project = { id: 'proj_1', name: 'Demo', path: '/work/here/demo', createdAt: 0, openedAt: 0, schemaVersion: 1 };

describe('orrery CLI program', () => {
  it('sends commands through the dispatcher with absolute paths, and disposes the core', async () => {
    const t = context({ ok: true, value: project });
    expect(await runCli(['project', 'open', 'demo', '--json'], t.ctx)).toBe(0);
    expect(t.calls).toEqual([{ name: 'project.open', input: { path: '/work/here/demo' } }]);
    expect(JSON.parse(t.out.join(''))).toEqual(project);
    expect(t.counts()).toEqual({ cores: 1, disposed: 1 });
  });

  it('turns a service error into exit 1 and one `orrery: ` line, even for a multi-line message', async () => {
    const t = context({ ok: false, error: { code: 'not_found', message: 'No project here.\n  Create one first.' } });
    expect(await runCli(['project', 'open', 'demo'], t.ctx)).toBe(1);
    expect(t.err).toEqual(['orrery: No project here. Create one first.\n']);
    expect(t.out).toEqual([]);
    expect(t.counts().disposed).toBe(1);
  });

  it('answers usage errors with 2 before any core is built', async () => {
    const t = context({ ok: true, value: project });
    expect(await runCli(['project', 'info'], t.ctx)).toBe(2);
    expect(await runCli(['nope'], t.ctx)).toBe(2);
    expect(await runCli(['project', 'create', 'x', '--name'], t.ctx)).toBe(2);
    expect(t.counts().cores).toBe(0);
    expect(t.err.join('')).toContain("orrery: unknown command 'nope'");
  });

  it('answers help and version with 0', async () => {
    const t = context({ ok: true, value: project });
    expect(await runCli(['--version'], t.ctx)).toBe(0);
    expect(await runCli(['project', 'info', '--help'], t.ctx)).toBe(0);
    expect(t.out.join('')).toContain('1.2.3');
    expect(t.out.join('')).toContain('Usage: orrery project info');
  });

  it('takes the project from ORRERY_PROJECT when no folder is given', async () => {
    const t = context({ ok: true, value: project });
    const ctx = { ...t.ctx, io: { ...t.ctx.io, env: { ORRERY_PROJECT: 'rel/dir' } } };
    await runCli(['project', 'info', '--json'], ctx);
    expect(t.calls).toEqual([{ name: 'project.info', input: { path: '/work/here/rel/dir' } }]);
  });
});
