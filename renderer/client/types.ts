import type { CallInput, CallName, CallOutput, EventName, EventPayload } from '../../app/contract';

/** State of the link to the services: always `connected` over the preload; the WebSocket can drop. */
export type ConnectionState = 'connecting' | 'connected' | 'disconnected';

/** Something whose connection state can be read and watched. */
export interface ConnectionSource {
  /** The state now. */
  get(): ConnectionState;
  /** Calls `listener` on every change; returns the unsubscribe. */
  subscribe(listener: (state: ConnectionState) => void): () => void;
}

/** Handler of one delivered event, with the id it concerns. */
export type EventListener<E extends EventName> = (payload: EventPayload<E>, id: string) => void;

/** An untyped way to reach the services; the client adds the contract's types on top. */
export interface Transport {
  /** Resolves with the call's value; rejects with a ClientError. */
  call(name: CallName, input: unknown): Promise<unknown>;
  /** Delivers (event, id) to `listener` until the returned function is called; `*` means every id. */
  subscribe(event: EventName, id: string, listener: (payload: unknown, id: string) => void): () => void;
  readonly connection: ConnectionSource;
  /** Closes sockets and timers; pending calls reject with `unavailable`. */
  dispose(): void;
}

/** The renderer's typed door to the contract; features receive it through `useClient()`. */
export interface OrreryClient {
  call<N extends CallName>(name: N, input: CallInput<N>): Promise<CallOutput<N>>;
  on<E extends EventName>(event: E, id: string, listener: EventListener<E>): () => void;
  readonly connection: ConnectionSource;
  dispose(): void;
}
