import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { authenticate, generateToken, isUsableToken, parseCookies, tokenCookie, tokensEqual } from '../../../../main/server/auth';

function request(url: string, headers: Record<string, string> = {}): IncomingMessage {
  return { url, headers } as unknown as IncomingMessage;
}

describe('web host tokens', () => {
  it('generates 32 random bytes as base64url, usable in a URL as is', () => {
    const a = generateToken();
    const b = generateToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(isUsableToken(a)).toBe(true);
  });

  it('refuses user tokens that are short or need escaping', () => {
    expect(isUsableToken('short')).toBe(false);
    expect(isUsableToken('has space inside')).toBe(false);
    expect(isUsableToken('semi;colon=1234')).toBe(false);
    expect(isUsableToken('demo-token-1')).toBe(true);
  });

  it('compares tokens of any length without throwing', () => {
    expect(tokensEqual('abc', 'abc')).toBe(true);
    expect(tokensEqual('abc', 'abcd')).toBe(false);
    expect(tokensEqual('', 'abc')).toBe(false);
  });

  it('reads the token from the query, a Bearer header, or the cookie', () => {
    const token = 'the-right-token';
    expect(authenticate(request(`/?token=${token}`), token)).toEqual({ ok: true, source: 'query' });
    expect(authenticate(request('/', { authorization: `Bearer ${token}` }), token)).toEqual({ ok: true, source: 'bearer' });
    expect(authenticate(request('/', { cookie: `a=b; orrery_token=${token}` }), token)).toEqual({ ok: true, source: 'cookie' });
    expect(authenticate(request('/'), token)).toEqual({ ok: false, source: null });
  });

  it('lets the first offered token decide: a wrong URL token is not rescued by a right cookie', () => {
    const token = 'the-right-token';
    expect(authenticate(request('/?token=wrong-one', { cookie: `orrery_token=${token}` }), token).ok).toBe(false);
    expect(authenticate(request(`/?token=${token}`, { cookie: 'orrery_token=stale-token' }), token).ok).toBe(true);
  });

  it('sets an HttpOnly, SameSite=Strict cookie for the whole host', () => {
    expect(tokenCookie('abc.def')).toBe('orrery_token=abc.def; HttpOnly; SameSite=Strict; Path=/');
    expect(parseCookies('x=1; orrery_token=abc%2Edef; y').get('orrery_token')).toBe('abc.def');
    expect(parseCookies('bad=%E0%A4%A').get('bad')).toBe('%E0%A4%A');
  });
});
