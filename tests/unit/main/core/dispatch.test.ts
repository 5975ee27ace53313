import { describe, expect, it } from 'vitest';
import { OrreryError } from '../../../../app/contract';
import { createDispatcher, type Handlers } from '../../../../main/core/dispatch';
import { createLogger } from '../../../../main/core/logger';

const context = { host: 'cli', clientId: 'test' } as const;

function recordingLogger() {
  const lines: string[] = [];
  return { lines, logger: createLogger([{ write: (line) => lines.push(line) }], 'debug') };
}

/** Handlers where only the calls under test do something; the rest must never be reached. */
function handlers(overrides: Partial<Record<keyof Handlers, unknown>>): Handlers {
  return new Proxy(overrides, {
    get(target, name) {
      if (name in target) return target[name as keyof Handlers];
      return () => {
        throw new Error(`handler ${String(name)} should not be called`);
      };
    },
  }) as unknown as Handlers;
}

describe('createDispatcher', () => {
  it('parses input before the handler sees it and answers the parsed output', async () => {
    const seen: unknown[] = [];
    const dispatch = createDispatcher(
      handlers({ 'terminal.resize': (input: unknown) => (seen.push(input), { ok: true }) }),
      recordingLogger().logger,
    );
    const result = await dispatch('terminal.resize', { id: 'term_1', cols: 100, rows: 30 }, context);
    expect(result).toEqual({ ok: true, value: { ok: true } });
    expect(seen).toEqual([{ id: 'term_1', cols: 100, rows: 30 }]);
  });

  it('answers invalid_input naming the field, without calling the service', async () => {
    const dispatch = createDispatcher(handlers({}), recordingLogger().logger);
    const result = await dispatch('terminal.resize', { id: 'term_1', cols: 'wide', rows: 30 }, context);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('invalid_input');
    expect(result.error.message).toContain('cols');
  });

  it('answers unknown_call for names outside the contract, including prototype keys', async () => {
    const dispatch = createDispatcher(handlers({}), recordingLogger().logger);
    for (const name of ['nope.call', '__proto__', 'constructor', 'toString', 42, null]) {
      const result = await dispatch(name, {}, context);
      expect(result).toMatchObject({ ok: false, error: { code: 'unknown_call' } });
    }
  });

  it('turns OrreryError into {code, message} and bugs into internal errors that are logged', async () => {
    const { lines, logger } = recordingLogger();
    const dispatch = createDispatcher(
      handlers({
        'project.open': () => {
          throw new OrreryError('not_found', 'No project there; create one.');
        },
        'project.current': () => {
          throw new TypeError('boom');
        },
      }),
      logger,
    );
    expect(await dispatch('project.open', { path: '/tmp/x' }, context)).toEqual({
      ok: false,
      error: { code: 'not_found', message: 'No project there; create one.' },
    });
    const bug = await dispatch('project.current', undefined, context);
    expect(bug).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(lines.some((line) => line.includes('boom'))).toBe(true);
  });

  it('refuses a service answer outside the output schema', async () => {
    const { lines, logger } = recordingLogger();
    const dispatch = createDispatcher(handlers({ 'project.current': () => ({ id: 1 }) }), logger);
    expect(await dispatch('project.current', undefined, context)).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(lines.join('\n')).toContain('outside its schema');
  });
});
