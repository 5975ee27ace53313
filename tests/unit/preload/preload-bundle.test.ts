import { readFile } from 'node:fs/promises';
import path from 'node:path';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { callNames } from '../../../app/contract';
import { FakeIpcRenderer, fakeContextBridge } from '../main/platform/fake-electron';

const bundle = path.resolve(__dirname, '..', '..', '..', 'out', 'preload', 'index.cjs');

describe('out/preload/index.cjs (the built preload)', () => {
  it('loads where a sandboxed preload runs: `electron` is the only module it may require, and no Node globals', async () => {
    const code = await readFile(bundle, 'utf8');
    const contextBridge = fakeContextBridge();
    const ipcRenderer = new FakeIpcRenderer();
    const required: string[] = [];
    const module = { exports: {} };
    const sandbox = {
      module,
      exports: module.exports,
      console,
      require: (name: string) => {
        required.push(name);
        if (name === 'electron') return { contextBridge, ipcRenderer };
        throw new Error(`module not found: ${name} (a sandboxed preload can only require electron)`);
      },
    };
    vm.runInNewContext(code, sandbox, { filename: bundle });
    expect(required).toEqual(['electron']);
    const bridge = contextBridge.exposed.get('orrery') as Record<string, unknown>;
    expect(Object.keys(bridge).sort()).toEqual([...callNames, 'subscribe'].sort());
    const subscribe = bridge.subscribe as (event: string, id: string, listener: () => void) => () => void;
    subscribe('terminal.data', 't1', () => undefined)();
    expect(ipcRenderer.sentToMain.map((message) => message.channel)).toEqual(['orrery:subscribe', 'orrery:unsubscribe']);
  });
});
