import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { callNames, calls, eventNames, events } from '../../../app/contract';

/** The whole contract as JSON Schema: every call's input and output and every event's payload. */
function surface(): Record<string, unknown> {
  const schema = (type: z.ZodType) => z.toJSONSchema(type, { unrepresentable: 'any', io: 'input' });
  return {
    calls: Object.fromEntries(
      callNames.map((name) => [name, { summary: calls[name].summary, input: schema(calls[name].input), output: schema(calls[name].output) }]),
    ),
    events: Object.fromEntries(eventNames.map((name) => [name, { summary: events[name].summary, payload: schema(events[name].payload) }])),
  };
}

describe('contract surface', () => {
  it('matches the reviewed surface file (update with `npx vitest run -u` and review the diff)', async () => {
    await expect(JSON.stringify(surface(), null, 2) + '\n').toMatchFileSnapshot('./contract-surface.json');
  });

  it('names calls domain.verb and events domain.noun, each once', () => {
    for (const name of [...callNames, ...eventNames]) expect(name).toMatch(/^[a-z]+\.[a-zA-Z]+$/);
    expect(new Set(callNames).size).toBe(callNames.length);
    expect(callNames.filter((n) => (eventNames as string[]).includes(n))).toEqual([]);
  });

  it('rejects unknown keys in object inputs so typos are reported, not ignored', () => {
    expect(calls['project.open'].input.safeParse({ path: '/tmp/x', pth: 1 }).success).toBe(false);
    expect(calls['terminal.resize'].input.safeParse({ id: 't', cols: 80, rows: 24, extra: true }).success).toBe(false);
  });
});
