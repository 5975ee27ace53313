import type { ConnectionSource, ConnectionState } from './types';

/** A connection state holder with change notification; the transports own one each. */
export class ConnectionStateCell implements ConnectionSource {
  private state: ConnectionState;
  private readonly listeners = new Set<(state: ConnectionState) => void>();

  constructor(initial: ConnectionState) {
    this.state = initial;
  }

  get(): ConnectionState {
    return this.state;
  }

  subscribe(listener: (state: ConnectionState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Changes the state and tells the listeners (only on an actual change). */
  set(next: ConnectionState): void {
    if (next === this.state) return;
    this.state = next;
    for (const listener of [...this.listeners]) listener(next);
  }
}
