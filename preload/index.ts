// The sandboxed preload: only `electron` is available here, so this file and the contract are bundled
// by esbuild into out/preload/index.cjs. It exposes `window.orrery` and nothing else.
import { contextBridge, ipcRenderer } from 'electron';
import { createBridge } from './bridge';

contextBridge.exposeInMainWorld('orrery', createBridge(ipcRenderer));
