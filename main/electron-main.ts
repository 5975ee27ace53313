// The Electron entry (bundled to out/main/electron-main.cjs). Everything it does lives in
// main/platform/electron-app.ts, which takes the Electron modules as arguments so tests can replace them.
import { app, BrowserWindow, dialog, ipcMain, safeStorage, screen, session, shell, utilityProcess } from 'electron';
import { runElectronApp } from './platform/electron-app';

// Ctrl+C in the terminal that ran `npm start`, or a service manager's stop: quit cleanly so ptys end.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => app.quit());

runElectronApp({
  electron: { app, BrowserWindow, dialog, ipcMain, safeStorage, screen, session, shell, utilityProcess },
  env: process.env,
  mainDir: __dirname,
}).catch((error: unknown) => {
  process.stderr.write(`Orrery could not start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  app.exit(1);
});
