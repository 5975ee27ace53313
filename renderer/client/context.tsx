import { createContext, useContext, type ReactNode } from 'react';
import type { OrreryClient } from './types';

const ClientContext = createContext<OrreryClient | null>(null);

/** Makes the client available to every component below. */
export function ClientProvider({ client, children }: { client: OrreryClient; children: ReactNode }) {
  return <ClientContext.Provider value={client}>{children}</ClientContext.Provider>;
}

/** The typed client; only inside a ClientProvider. */
export function useClient(): OrreryClient {
  const client = useContext(ClientContext);
  if (!client) throw new Error('useClient() outside <ClientProvider>');
  return client;
}
