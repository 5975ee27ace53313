import os from 'node:os';
import { isWildcardHost } from './origin';

/** Host part of a URL: IPv6 addresses in brackets. */
export function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** The page URL `orrery serve` prints: `http://<host>:<port>/?token=<token>`. */
export function formatServeUrl(host: string, port: number, token: string): string {
  return `http://${urlHost(host)}:${port}/?token=${encodeURIComponent(token)}`;
}

/** This machine's non-internal IPv4 addresses (for the LAN URL of `--host 0.0.0.0`). */
export function lanAddresses(interfaces: ReturnType<typeof os.networkInterfaces> = os.networkInterfaces()): string[] {
  const found: string[] = [];
  for (const list of Object.values(interfaces)) {
    for (const item of list ?? []) {
      if (!item.internal && item.family === 'IPv4') found.push(item.address);
    }
  }
  return found;
}

/** The one line `orrery serve` prints once it listens (LAN and loopback URLs when on every interface). */
export function servingLine(host: string, port: number, token: string): string {
  if (!isWildcardHost(host)) return `Orrery is serving at ${formatServeUrl(host, port, token)}`;
  const loopback = formatServeUrl(host === '::' ? '::1' : '127.0.0.1', port, token);
  const lan = lanAddresses()[0];
  if (!lan) return `Orrery is serving at ${loopback} (no LAN address found on this machine)`;
  return `Orrery is serving at ${formatServeUrl(lan, port, token)} (this machine: ${loopback})`;
}
