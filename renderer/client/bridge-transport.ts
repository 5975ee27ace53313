import type { BridgeResult, CallName, ErrorCode, EventName, OrreryBridge } from '../../app/contract';
import { ClientError } from './client-error';
import { ConnectionStateCell } from './connection-source';
import { ListenerRegistry, type RawListener } from './listener-registry';
import type { Transport } from './types';

type BridgeCall = (input: unknown) => Promise<BridgeResult>;
type RawSubscribe = (event: EventName, id: string, listener: RawListener) => () => void;

/** Turns a BridgeResult into the value or a thrown ClientError. */
export function unwrapResult(name: string, result: BridgeResult): unknown {
  if (result.ok) return result.value;
  const code: ErrorCode = typeof result.error?.code === 'string' ? result.error.code : 'internal';
  throw new ClientError(code, result.error?.message ?? `${name} failed.`, name);
}

/**
 * The Electron transport over `window.orrery` (the preload): one function per call, answers are BridgeResults.
 * One preload subscription per (event, id), however many listeners the renderer has on it.
 */
export function createBridgeTransport(bridge: OrreryBridge): Transport {
  const registry = new ListenerRegistry();
  const upstream = new Map<string, () => void>();
  const connection = new ConnectionStateCell('connected');
  const subscribeRaw = bridge.subscribe as unknown as RawSubscribe;

  return {
    connection,
    async call(name: CallName, input: unknown) {
      const fn = (bridge as unknown as Record<string, BridgeCall | undefined>)[name];
      if (typeof fn !== 'function') throw new ClientError('unknown_call', `The preload offers no call named ${name}.`, name);
      let result: BridgeResult;
      try {
        result = await fn(input);
      } catch (error) {
        throw new ClientError('unavailable', `${name} could not reach the main process: ${String(error)}`, name);
      }
      return unwrapResult(name, result);
    },
    subscribe(event, id, listener) {
      const key = `${event}\u0000${id}`;
      if (registry.add(event, id, listener).first) {
        upstream.set(key, subscribeRaw(event, id, (payload, eventId) => registry.deliver(event, id, payload, eventId)));
      }
      let removed = false;
      return () => {
        if (removed) return;
        removed = true;
        if (registry.remove(event, id, listener).last) {
          upstream.get(key)?.();
          upstream.delete(key);
        }
      };
    },
    dispose() {
      for (const unsubscribe of upstream.values()) unsubscribe();
      upstream.clear();
      registry.clear();
    },
  };
}
