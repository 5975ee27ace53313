import type { CallInput, CallName, EventName, EventPayload } from './index';
import type { WireError } from './errors';

/** What the preload answers for a call: the value, or the `{code, message}` error (IPC would lose the code). */
export type BridgeResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: WireError };

/** Handler of one delivered event. */
export type BridgeListener<E extends EventName> = (payload: EventPayload<E>, id: string) => void;

/**
 * `window.orrery` in the Electron renderer: one function per contract call (no generic invoke is exposed; calls without input take no argument),
 * plus `subscribe` for events, which returns the unsubscribe.
 */
export type OrreryBridge = {
  readonly [N in CallName]: (...input: undefined extends CallInput<N> ? [input?: CallInput<N>] : [input: CallInput<N>]) => Promise<BridgeResult>;
} & {
  readonly subscribe: <E extends EventName>(event: E, id: string, listener: BridgeListener<E>) => () => void;
};

/** IPC channel of one call. */
export function callChannel(name: CallName): string {
  return `orrery:call:${name}`;
}

/** IPC channels for events: subscribe/unsubscribe requests and delivered events. */
export const eventChannels = { subscribe: 'orrery:subscribe', unsubscribe: 'orrery:unsubscribe', deliver: 'orrery:event' } as const;
