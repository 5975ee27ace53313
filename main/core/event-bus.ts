import type { EventName, EventPayload } from '../../app/contract';

/** A delivered event: its name, the id it concerns ("" for global events) and its payload. */
export interface BusEvent<E extends EventName = EventName> {
  readonly event: E;
  readonly id: string;
  readonly payload: EventPayload<E>;
}

type Listener = (message: BusEvent) => void;

/** Wildcard id: a subscription that receives the event for every id. */
export const anyId = '*';

/** Typed publish/subscribe keyed by event name and id; listeners run synchronously in publish order. */
export class EventBus {
  private readonly listeners = new Map<string, Set<Listener>>();

  /** Publishes an event to the subscribers of (event, id) and of (event, *). */
  publish<E extends EventName>(event: E, id: string, payload: EventPayload<E>): void {
    const message = { event, id, payload } as BusEvent;
    this.deliver(`${event}\u0000${id}`, message);
    if (id !== anyId) this.deliver(`${event}\u0000${anyId}`, message);
  }

  /** Subscribes to one event for one id (or `anyId`); returns the unsubscribe. */
  subscribe<E extends EventName>(event: E, id: string, listener: (message: BusEvent<E>) => void): () => void {
    const key = `${event}\u0000${id}`;
    let set = this.listeners.get(key);
    if (!set) {
      set = new Set();
      this.listeners.set(key, set);
    }
    const wrapped = listener as Listener;
    set.add(wrapped);
    return () => {
      const current = this.listeners.get(key);
      current?.delete(wrapped);
      if (current?.size === 0) this.listeners.delete(key);
    };
  }

  /** Number of live subscriptions (tests check nothing leaks). */
  get size(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  private deliver(key: string, message: BusEvent): void {
    const set = this.listeners.get(key);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(message);
      } catch (error) {
        // A faulty subscriber must not stop delivery to the others.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
