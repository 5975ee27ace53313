import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { tokenCookieName } from '../../app/contract';

/** Where a request's token came from; a Bearer header marks a non-browser client. */
export type TokenSource = 'query' | 'bearer' | 'cookie';

/** A token offered by a request and where it was found. */
export interface OfferedToken {
  readonly token: string;
  readonly source: TokenSource;
}

/** Characters a token may hold: URL-safe without escaping, so it can be printed in the URL as is. */
const tokenPattern = /^[A-Za-z0-9._~-]{8,512}$/;

/** A fresh random token: 32 bytes, base64url. */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/** True when a user-given token can be used (8–512 URL-safe characters). */
export function isUsableToken(token: string): boolean {
  return tokenPattern.test(token);
}

/** Compares two tokens in constant time (hashing first makes the lengths equal). */
export function tokensEqual(offered: string, expected: string): boolean {
  const a = createHash('sha256').update(offered, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** Parses a Cookie header into name → value (values URI-decoded when they can be). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at < 0) continue;
    const name = part.slice(0, at).trim();
    const raw = part.slice(at + 1).trim();
    if (!name || cookies.has(name)) continue;
    try {
      cookies.set(name, decodeURIComponent(raw));
    } catch {
      cookies.set(name, raw);
    }
  }
  return cookies;
}

/** The query string's `token` parameter of a raw request URL, if any. */
export function queryToken(rawUrl: string): string | null {
  const at = rawUrl.indexOf('?');
  if (at < 0) return null;
  return new URLSearchParams(rawUrl.slice(at + 1)).get('token');
}

/** Every token a request offers, in the order they are checked: query, Bearer header, cookie. */
export function offeredTokens(request: IncomingMessage): OfferedToken[] {
  const offered: OfferedToken[] = [];
  const fromQuery = queryToken(request.url ?? '');
  if (fromQuery !== null) offered.push({ token: fromQuery, source: 'query' });
  const authorization = request.headers.authorization;
  if (authorization && /^bearer\s+/i.test(authorization)) {
    offered.push({ token: authorization.replace(/^bearer\s+/i, '').trim(), source: 'bearer' });
  }
  const fromCookie = parseCookies(request.headers.cookie).get(tokenCookieName);
  if (fromCookie !== undefined) offered.push({ token: fromCookie, source: 'cookie' });
  return offered;
}

/**
 * Checks a request's token. The first offered token decides (query, then Bearer, then cookie): a new
 * URL opened after a restart wins over a stale cookie, and a wrong one is never rescued by another.
 */
export function authenticate(request: IncomingMessage, expected: string): { readonly ok: boolean; readonly source: TokenSource | null } {
  const first = offeredTokens(request)[0];
  if (!first) return { ok: false, source: null };
  return { ok: tokensEqual(first.token, expected), source: first.source };
}

/** The Set-Cookie value that lets the page's later requests (assets, WebSocket) carry the token. */
export function tokenCookie(token: string): string {
  return `${tokenCookieName}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
}
