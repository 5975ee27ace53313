import type { CallInput, CallName, CallOutput, EventName } from '../../app/contract';
import type { EventListener, OrreryClient, Transport } from './types';

/** Adds the contract's types to a transport; the one client the renderer uses. */
export function createClient(transport: Transport): OrreryClient {
  return {
    connection: transport.connection,
    call<N extends CallName>(name: N, input: CallInput<N>): Promise<CallOutput<N>> {
      return transport.call(name, input) as Promise<CallOutput<N>>;
    },
    on<E extends EventName>(event: E, id: string, listener: EventListener<E>): () => void {
      return transport.subscribe(event, id, listener as (payload: unknown, id: string) => void);
    },
    dispose() {
      transport.dispose();
    },
  };
}
