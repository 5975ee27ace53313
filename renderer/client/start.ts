import type { OrreryBridge } from '../../app/contract';
import { createBridgeTransport } from './bridge-transport';
import { createClient } from './client';
import type { OrreryClient } from './types';
import { createWebSocketTransport } from './websocket-transport';

/** Path of the web host's WebSocket (app/contract/wire.ts `webSocketPath`; repeated so the bundle stays free of zod). */
export const webSocketPath = '/ws';

/** The WebSocket address for a page served from `origin` (http → ws, https → wss). */
export function webSocketUrl(origin: string): string {
  return `${origin.replace(/^http/, 'ws')}${webSocketPath}`;
}

/** The address without its `token` query parameter, or null when it has none. */
export function addressWithoutToken(href: string): string | null {
  const url = new URL(href);
  if (!url.searchParams.has('token')) return null;
  url.searchParams.delete('token');
  return url.pathname + url.search + url.hash;
}

/** Drops `?token=` from the address bar once the page has loaded: the host's HttpOnly cookie carries it from now on. */
export function removeTokenFromAddress(win: Pick<Window, 'location' | 'history'>): void {
  const clean = addressWithoutToken(win.location.href);
  if (clean !== null) win.history.replaceState(win.history.state, '', clean);
}

/** The client for this page: the preload's bridge inside Electron, else the web host's WebSocket. */
export function createClientForPage(win: Window & { orrery?: OrreryBridge }): OrreryClient {
  if (win.orrery) return createClient(createBridgeTransport(win.orrery));
  return createClient(createWebSocketTransport(webSocketUrl(win.location.origin)));
}
