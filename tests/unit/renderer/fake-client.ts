import type { CallName } from '../../../app/contract';
import { ClientError } from '../../../renderer/client/client-error';
import { createClient } from '../../../renderer/client/client';
import { ConnectionStateCell } from '../../../renderer/client/connection-source';
import { ListenerRegistry } from '../../../renderer/client/listener-registry';
import type { OrreryClient } from '../../../renderer/client/types';

/** A handler of one call in the fake: answers a value or throws a ClientError. */
export type FakeHandler = (input: unknown) => unknown;

/** A client over an in-memory transport: tests give handlers per call, emit events and flip the connection. */
export function fakeClient(handlers: Partial<Record<CallName, FakeHandler>>) {
  const registry = new ListenerRegistry();
  const connection = new ConnectionStateCell('connected');
  const calls: Array<{ name: CallName; input: unknown }> = [];
  const client: OrreryClient = createClient({
    connection,
    async call(name, input) {
      calls.push({ name, input });
      const handler = handlers[name];
      if (!handler) throw new ClientError('unknown_call', `no fake for ${name}`, name);
      return handler(input);
    },
    subscribe(event, id, listener) {
      registry.add(event, id, listener);
      return () => void registry.remove(event, id, listener);
    },
    dispose() {
      registry.clear();
    },
  });
  return {
    client,
    calls,
    registry,
    emit: (event: string, id: string, payload: unknown) => registry.deliver(event, id, payload),
    setConnection: (state: 'connecting' | 'connected' | 'disconnected') => connection.set(state),
    namesCalled: () => calls.map((c) => c.name),
  };
}

/** Lets pending promise callbacks run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}
