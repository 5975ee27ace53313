import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import type { OrreryBridge } from '../app/contract';
import { Workbench } from './app/workbench';
import { ClientProvider } from './client/context';
import { createClientForPage, removeTokenFromAddress } from './client/start';
import { connectStore, createAppStore, loadAll } from './store/store';
import { StoreProvider } from './store/context';
import './styles/theme.css';
import './styles/workbench.css';
import './styles/palette.css';
import './styles/projects.css';

/** Start-up: the client (preload or WebSocket), the store, the first calls, then the shell — painted before any answer. */
function start(): void {
  const win = window as Window & { orrery?: OrreryBridge };
  removeTokenFromAddress(win);
  const client = createClientForPage(win);
  const store = createAppStore(client);
  connectStore(store, client);
  void loadAll(store);
  const root = document.getElementById('root');
  if (!root) throw new Error('index.html has no #root');
  createRoot(root).render(
    <StrictMode>
      <ClientProvider client={client}>
        <StoreProvider store={store}>
          <Workbench reloadWindow={() => window.location.reload()} />
        </StoreProvider>
      </ClientProvider>
    </StrictMode>,
  );
}

start();
