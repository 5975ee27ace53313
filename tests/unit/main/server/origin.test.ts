import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { originAllowed } from '../../../../main/server/origin';

const token = 'the-right-token';
const loopback = { host: '127.0.0.1', port: 4870 };

function upgrade(headers: Record<string, string>): IncomingMessage {
  return { url: '/ws', headers } as unknown as IncomingMessage;
}

describe('WebSocket origin check', () => {
  it('accepts the page this host served', () => {
    expect(originAllowed(upgrade({ origin: 'http://127.0.0.1:4870', host: '127.0.0.1:4870' }), loopback, token)).toBe(true);
    expect(originAllowed(upgrade({ origin: 'http://localhost:4870', host: 'localhost:4870' }), loopback, token)).toBe(true);
  });

  it('refuses foreign origins, other ports, https, and DNS-rebound names on loopback', () => {
    expect(originAllowed(upgrade({ origin: 'http://evil.example', host: '127.0.0.1:4870' }), loopback, token)).toBe(false);
    expect(originAllowed(upgrade({ origin: 'http://127.0.0.1:9999', host: '127.0.0.1:4870' }), loopback, token)).toBe(false);
    expect(originAllowed(upgrade({ origin: 'https://127.0.0.1:4870', host: '127.0.0.1:4870' }), loopback, token)).toBe(false);
    expect(originAllowed(upgrade({ origin: 'http://evil.example:4870', host: 'evil.example:4870' }), loopback, token)).toBe(false);
    expect(originAllowed(upgrade({ origin: 'null', host: '127.0.0.1:4870' }), loopback, token)).toBe(false);
    expect(originAllowed(upgrade({ origin: 'http://localhost:4870', host: '127.0.0.1:4870' }), loopback, token)).toBe(false);
  });

  it('accepts a missing Origin only with a valid Bearer header (non-browser clients)', () => {
    expect(originAllowed(upgrade({ host: '127.0.0.1:4870' }), loopback, token)).toBe(false);
    expect(originAllowed(upgrade({ host: '127.0.0.1:4870', authorization: 'Bearer wrong-token' }), loopback, token)).toBe(false);
    expect(originAllowed(upgrade({ host: '127.0.0.1:4870', authorization: `Bearer ${token}` }), loopback, token)).toBe(true);
  });

  it('on every interface, accepts any name of this host at its port, matching Host', () => {
    const lan = { host: '0.0.0.0', port: 4870 };
    expect(originAllowed(upgrade({ origin: 'http://192.168.1.20:4870', host: '192.168.1.20:4870' }), lan, token)).toBe(true);
    expect(originAllowed(upgrade({ origin: 'http://192.168.1.20:4870', host: '192.168.1.21:4870' }), lan, token)).toBe(false);
    expect(originAllowed(upgrade({ origin: 'http://192.168.1.20:80', host: '192.168.1.20:80' }), lan, token)).toBe(false);
  });
});
