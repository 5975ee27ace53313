import { describe, expect, it } from 'vitest';
import { addressWithoutToken, removeTokenFromAddress, webSocketUrl } from '../../../../renderer/client/start';

describe('page start-up helpers', () => {
  it('derives the WebSocket address from the page origin', () => {
    expect(webSocketUrl('http://127.0.0.1:4123')).toBe('ws://127.0.0.1:4123/ws');
    expect(webSocketUrl('https://box.local:8443')).toBe('wss://box.local:8443/ws');
  });

  it('drops only the token from the address', () => {
    expect(addressWithoutToken('http://127.0.0.1:1/?token=abc')).toBe('/');
    expect(addressWithoutToken('http://127.0.0.1:1/index.html?a=1&token=abc#x')).toBe('/index.html?a=1#x');
    expect(addressWithoutToken('http://127.0.0.1:1/?a=1')).toBeNull();
  });

  it('replaces the history entry (no reload, no new entry) when a token is present', () => {
    const replaced: string[] = [];
    const win = {
      location: { href: 'http://127.0.0.1:9/?token=secret' },
      history: { state: null, replaceState: (_s: unknown, _t: string, url: string) => replaced.push(url) },
    } as unknown as Pick<Window, 'location' | 'history'>;
    removeTokenFromAddress(win);
    expect(replaced).toEqual(['/']);
  });
});
