import type { IpcRenderer, IpcRendererEvent } from 'electron';
import {
  callChannel,
  callNames,
  eventChannels,
  isEventName,
  type BridgeListener,
  type BridgeResult,
  type CallName,
  type EventName,
  type OrreryBridge,
} from '../app/contract';

/** The part of ipcRenderer the bridge uses (a fake in tests). */
export type IpcRendererLike = Pick<IpcRenderer, 'invoke' | 'send' | 'on'>;

type AnyListener = (payload: unknown, id: string) => void;

const maxIdLength = 200;
const wildcard = '*';

function keyOf(event: string, id: string): string {
  return `${event}\u0000${id}`;
}

function callFunction(ipc: IpcRendererLike, name: CallName): (input: unknown) => Promise<BridgeResult> {
  return async (input) => {
    try {
      return (await ipc.invoke(callChannel(name), input)) as BridgeResult;
    } catch (error) {
      // IPC itself failed (input that cannot be cloned, main process going away): still answer a result.
      const reason = error instanceof Error ? error.message : String(error);
      return { ok: false, error: { code: 'internal', message: `${name} did not reach the main process: ${reason}` } };
    }
  };
}

/**
 * Builds `window.orrery`: one function per contract call and `subscribe`. All events arrive on one IPC
 * listener and fan out here; main is asked once per (event, id) however many listeners the page adds.
 */
export function createBridge(ipc: IpcRendererLike): OrreryBridge {
  const listeners = new Map<string, Set<AnyListener>>();

  const fanOut = (key: string, payload: unknown, id: string) => {
    const set = listeners.get(key);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(payload, id);
      } catch (error) {
        // One faulty listener must not stop delivery to the others; the page's console still shows it.
        console.error(`orrery: a listener of ${key.replace('\u0000', ' #')} threw`, error);
      }
    }
  };

  ipc.on(eventChannels.deliver, (_event: IpcRendererEvent, message: unknown) => {
    if (typeof message !== 'object' || message === null) return;
    const { event, id, payload } = message as { event?: unknown; id?: unknown; payload?: unknown };
    if (typeof event !== 'string' || typeof id !== 'string') return;
    fanOut(keyOf(event, id), payload, id);
    if (id !== wildcard) fanOut(keyOf(event, wildcard), payload, id);
  });

  const subscribe = <E extends EventName>(event: E, id: string, listener: BridgeListener<E>): (() => void) => {
    if (!isEventName(event)) throw new TypeError(`There is no event named ${JSON.stringify(event)}.`);
    if (typeof id !== 'string' || id.length > maxIdLength) throw new TypeError('An event id is a string of at most 200 characters.');
    if (typeof listener !== 'function') throw new TypeError('subscribe needs a listener function.');
    const key = keyOf(event, id);
    let set = listeners.get(key);
    if (!set) {
      set = new Set();
      listeners.set(key, set);
      ipc.send(eventChannels.subscribe, { event, id });
    }
    // Wrapped so the same function subscribed twice gets two independent subscriptions.
    const entry: AnyListener = (payload, from) => (listener as AnyListener)(payload, from);
    set.add(entry);
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      const current = listeners.get(key);
      if (!current?.delete(entry) || current.size > 0) return;
      listeners.delete(key);
      ipc.send(eventChannels.unsubscribe, { event, id });
    };
  };

  const bridge: Record<string, unknown> = {};
  for (const name of callNames) bridge[name] = callFunction(ipc, name);
  bridge.subscribe = subscribe;
  return Object.freeze(bridge) as OrreryBridge;
}
