/** Listener of one (event, id) pair. */
export type RawListener = (payload: unknown, id: string) => void;

/** Wildcard id: listeners under it receive the event for every id. */
export const anyEventId = '*';

function keyOf(event: string, id: string): string {
  return `${event}\u0000${id}`;
}

/**
 * Listeners per (event, id), reference-counted: the transport subscribes upstream when the first listener of a
 * pair arrives and unsubscribes when the last one leaves.
 */
export class ListenerRegistry {
  private readonly byKey = new Map<string, { event: string; id: string; listeners: Set<RawListener> }>();

  /** Adds a listener; `first` is true when the pair had none before. */
  add(event: string, id: string, listener: RawListener): { first: boolean } {
    const key = keyOf(event, id);
    let entry = this.byKey.get(key);
    const first = !entry;
    if (!entry) {
      entry = { event, id, listeners: new Set() };
      this.byKey.set(key, entry);
    }
    entry.listeners.add(listener);
    return { first };
  }

  /** Removes a listener; `last` is true when the pair has none left. Removing twice is harmless. */
  remove(event: string, id: string, listener: RawListener): { last: boolean } {
    const key = keyOf(event, id);
    const entry = this.byKey.get(key);
    if (!entry || !entry.listeners.delete(listener)) return { last: false };
    if (entry.listeners.size > 0) return { last: false };
    this.byKey.delete(key);
    return { last: true };
  }

  /** Every pair with at least one listener (to subscribe again after a reconnect). */
  pairs(): Array<{ event: string; id: string }> {
    return [...this.byKey.values()].map(({ event, id }) => ({ event, id }));
  }

  /**
   * Delivers to the listeners registered under (event, `registeredId`); `id` is the id the event concerns
   * (they differ for `*` listeners). A throwing listener does not stop the others.
   */
  deliver(event: string, registeredId: string, payload: unknown, id = registeredId): void {
    const entry = this.byKey.get(keyOf(event, registeredId));
    if (!entry) return;
    for (const listener of [...entry.listeners]) {
      try {
        listener(payload, id);
      } catch (error) {
        console.error(`orrery: a listener of ${event} failed`, error);
      }
    }
  }

  /** Number of pairs with listeners. */
  get size(): number {
    return this.byKey.size;
  }

  clear(): void {
    this.byKey.clear();
  }
}
