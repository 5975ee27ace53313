import { describe, expect, it } from 'vitest';
import { formatServeUrl, lanAddresses, servingLine } from '../../../../main/server/urls';

describe('serve URLs', () => {
  it('prints the exact serving line', () => {
    expect(servingLine('127.0.0.1', 4870, 'tok-abc_123')).toBe('Orrery is serving at http://127.0.0.1:4870/?token=tok-abc_123');
  });

  it('brackets IPv6 hosts', () => {
    expect(formatServeUrl('::1', 5000, 'tokentoken')).toBe('http://[::1]:5000/?token=tokentoken');
  });

  it('lists only external IPv4 addresses for the LAN URL', () => {
    const interfaces = {
      lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true, netmask: '255.0.0.0', mac: '', cidr: null }],
      eth0: [
        { address: '192.168.1.5', family: 'IPv4', internal: false, netmask: '255.255.255.0', mac: '', cidr: null },
        { address: 'fe80::1', family: 'IPv6', internal: false, netmask: 'ffff::', mac: '', cidr: null, scopeid: 1 },
      ],
    } as unknown as Parameters<typeof lanAddresses>[0];
    expect(lanAddresses(interfaces)).toEqual(['192.168.1.5']);
  });

  it('names both URLs on one line when listening on every interface', () => {
    const line = servingLine('0.0.0.0', 4870, 'tokentoken');
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toContain('http://127.0.0.1:4870/?token=tokentoken');
  });
});
