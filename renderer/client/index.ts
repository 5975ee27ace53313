export { ClientError, errorMessage, isClientError } from './client-error';
export { createClient } from './client';
export { createBridgeTransport, unwrapResult } from './bridge-transport';
export { createWebSocketTransport, backoffDelay, type SocketLike, type SocketConstructor, type WebSocketTransportOptions } from './websocket-transport';
export { createClientForPage, removeTokenFromAddress, addressWithoutToken, webSocketUrl } from './start';
export { ClientProvider, useClient } from './context';
export type { ConnectionSource, ConnectionState, EventListener, OrreryClient, Transport } from './types';
