import type { IncomingMessage } from 'node:http';
import { tokensEqual } from './auth';

const loopbackNames = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
const wildcardHosts = new Set(['0.0.0.0', '::', '[::]']);

/** True for the names of this machine's loopback interface. */
export function isLoopbackHost(host: string): boolean {
  return loopbackNames.has(host.toLowerCase()) || /^127(\.\d{1,3}){3}$/.test(host);
}

/** True when the host listens on every interface (a LAN demo). */
export function isWildcardHost(host: string): boolean {
  return wildcardHosts.has(host);
}

/** Where the web host listens, as its origin check needs it. */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

function hostnameAllowed(hostname: string, listen: ListenAddress): boolean {
  if (isWildcardHost(listen.host)) return true;
  if (isLoopbackHost(listen.host)) return isLoopbackHost(hostname);
  return hostname.toLowerCase() === listen.host.toLowerCase() || `[${listen.host.toLowerCase()}]` === hostname.toLowerCase();
}

/**
 * Decides whether a WebSocket upgrade comes from the page this host served. A browser always sends
 * Origin: it must be `http://` + the request's own Host, naming this host's port and an address it
 * listens on (which also defeats DNS rebinding on loopback). No Origin is accepted only from
 * non-browser clients that authenticate with a Bearer header.
 */
export function originAllowed(request: IncomingMessage, listen: ListenAddress, token: string): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) {
    const authorization = request.headers.authorization ?? '';
    const match = /^bearer\s+(.+)$/i.exec(authorization);
    return match !== null && tokensEqual(match[1]!.trim(), token);
  }
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'http:' || parsed.username || parsed.password) return false;
  const hostHeader = (request.headers.host ?? '').toLowerCase();
  if (parsed.host.toLowerCase() !== hostHeader) return false;
  const port = parsed.port === '' ? 80 : Number(parsed.port);
  return port === listen.port && hostnameAllowed(parsed.hostname, listen);
}
