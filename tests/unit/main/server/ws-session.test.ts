import { describe, expect, it } from 'vitest';
import { parseFrame } from '../../../../main/server/ws-session';

describe('WebSocket frame parsing', () => {
  it('reads calls, subscriptions and unsubscriptions', () => {
    expect(parseFrame('{"t":"call","seq":1,"name":"app.info","input":{}}')).toEqual({
      kind: 'frame',
      frame: { t: 'call', seq: 1, name: 'app.info', input: {} },
    });
    expect(parseFrame('{"t":"sub","event":"terminal.data","id":"t1"}').kind).toBe('frame');
  });

  it('answers bad JSON with an invalid_input error frame', () => {
    const parsed = parseFrame('{not json');
    expect(parsed.kind).toBe('error');
    if (parsed.kind === 'error') expect(parsed.error.code).toBe('invalid_input');
  });

  it('answers a call with a usable seq but a bad field as that call, naming the field', () => {
    const parsed = parseFrame('{"t":"call","seq":5,"name":42}');
    expect(parsed).toEqual({ kind: 'bad-call', seq: 5, error: { code: 'invalid_input', message: expect.stringContaining('name') } });
  });

  it('answers frames without a usable seq with an error frame naming the field', () => {
    const parsed = parseFrame('{"t":"call","seq":-1,"name":"app.info"}');
    expect(parsed.kind).toBe('error');
    if (parsed.kind === 'error') expect(parsed.error.message).toContain('seq');
    expect(parseFrame('[1,2]').kind).toBe('error');
    expect(parseFrame('{"t":"nope"}').kind).toBe('error');
  });

  it('does not let __proto__ keys reach the prototype', () => {
    const parsed = parseFrame('{"t":"call","seq":2,"name":"app.info","input":{"__proto__":{"polluted":true}}}');
    expect(parsed.kind).toBe('frame');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
