// The Jupyter wire protocol: HMAC-SHA256 signatures (checked against Python's hmac), frames, tampering refused.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createMessage, deserialize, serialize, sign, verify, WireError } from '../../../../../main/services/kernels/wire';

describe('wire protocol', () => {
  const key = 'c0ffee-key';

  it('signs header, parent, metadata and content with HMAC-SHA256 (hex)', () => {
    const parts = ['{"a":1}', '{}', '{}', '{"code":"1+1"}'];
    const expected = createHmac('sha256', key).update(parts.join('')).digest('hex');
    expect(sign(key, parts)).toBe(expected);
    expect(verify(key, Buffer.from(expected), parts.map((p) => Buffer.from(p)))).toBe(true);
    expect(verify(key, Buffer.from(expected.replace(/^./, '0')), parts.map((p) => Buffer.from(p)))).toBe(expected.startsWith('0'));
    expect(sign('', parts)).toBe('');
  });

  it('round-trips a message through frames, skipping routing identities', () => {
    const message = createMessage('session-1', 'execute_request', { code: 'print("é")' }, { msg_id: 'parent' });
    const frames = serialize(message, key);
    expect(frames[0]!.toString()).toBe('<IDS|MSG>');
    const back = deserialize([Buffer.from('identity'), ...frames], key);
    expect(back.header).toEqual(message.header);
    expect(back.header.version).toBe('5.3');
    expect(back.parent_header).toEqual({ msg_id: 'parent' });
    expect(back.content).toEqual({ code: 'print("é")' });
  });

  it('refuses a tampered message, a wrong key and a frame list without the delimiter', () => {
    const frames = serialize(createMessage('s', 'execute_request', { code: 'safe()' }), key);
    const tampered = [...frames];
    tampered[5] = Buffer.from(JSON.stringify({ code: 'evil()' }));
    expect(() => deserialize(tampered, key)).toThrow(WireError);
    expect(() => deserialize(frames, 'other-key')).toThrow(/signature/);
    expect(() => deserialize(frames.slice(1), key)).toThrow(/delimiter/);
  });
});
