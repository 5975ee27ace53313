// Stand-ins for the Electron modules (no Electron binary can run on this machine). Each records what the
// code under test did with it, and emits the events Electron would, so the tests drive the real code paths.
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import path from 'node:path';

/** An event object like Electron's: preventDefault flips defaultPrevented. */
export interface FakeEvent {
  defaultPrevented: boolean;
  preventDefault(): void;
  readonly [extra: string]: unknown;
}

/** Builds an Electron-like event with extra fields (url, isMainFrame…). */
export function fakeEvent(fields: Record<string, unknown> = {}): FakeEvent {
  const event = {
    ...fields,
    defaultPrevented: false,
    preventDefault() {
      event.defaultPrevented = true;
    },
  };
  return event;
}

/** A frame (WebFrameMain) with its URL and parent (null for a top frame). */
export function fakeFrame(url: string, parent: unknown = null): { url: string; parent: unknown } {
  return { url, parent };
}

let nextContentsId = 1;

/** A WebContents: records sends and the window-open handler; destroy() emits 'destroyed'. */
export class FakeWebContents extends EventEmitter {
  readonly id = nextContentsId++;
  readonly sent: { channel: string; args: unknown[] }[] = [];
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  private destroyed = false;

  send(channel: string, ...args: unknown[]): void {
    if (this.destroyed) throw new Error('Object has been destroyed');
    this.sent.push({ channel, args });
  }

  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  destroy(): void {
    this.destroyed = true;
    this.emit('destroyed');
  }

  /** A renderer-initiated navigation; answers the event so tests can see whether it was prevented. */
  navigate(url: string, kind: 'will-navigate' | 'will-redirect' = 'will-navigate'): FakeEvent {
    const event = fakeEvent({ url, isMainFrame: true, isSameDocument: false });
    this.emit(kind, event, url);
    return event;
  }
}

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A BrowserWindow: keeps its constructor options, bounds and maximized flag; records loads. */
export class FakeBrowserWindow extends EventEmitter {
  static readonly instances: FakeBrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  readonly options: Record<string, unknown>;
  readonly loaded: { file?: string; url?: string }[] = [];
  readonly calls: string[] = [];
  bounds: Rect;
  maximized = false;
  minimized = false;
  visible = false;
  private destroyed = false;

  constructor(options: Record<string, unknown>) {
    super();
    this.options = options;
    this.bounds = {
      x: typeof options.x === 'number' ? options.x : 100,
      y: typeof options.y === 'number' ? options.y : 100,
      width: Number(options.width ?? 800),
      height: Number(options.height ?? 600),
    };
    FakeBrowserWindow.instances.push(this);
  }

  getNormalBounds(): Rect {
    return { ...this.bounds };
  }
  isMaximized(): boolean {
    return this.maximized;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  maximize(): void {
    this.calls.push('maximize');
    this.maximized = true;
    this.emit('maximize');
  }
  unmaximize(): void {
    this.maximized = false;
    this.emit('unmaximize');
  }
  minimize(): void {
    this.minimized = true;
  }
  restore(): void {
    this.calls.push('restore');
    this.minimized = false;
  }
  show(): void {
    this.calls.push('show');
    this.visible = true;
  }
  focus(): void {
    this.calls.push('focus');
  }
  setBounds(bounds: Rect): void {
    this.bounds = { ...bounds };
    this.emit('move');
    this.emit('resize');
  }
  async loadFile(file: string): Promise<void> {
    this.loaded.push({ file });
  }
  async loadURL(url: string): Promise<void> {
    this.loaded.push({ url });
  }
  /** Closes like Electron: 'close' (window still readable), then 'closed', then destroyed. */
  close(): void {
    this.emit('close', fakeEvent());
    this.destroyed = true;
    this.emit('closed');
    this.webContents.destroy();
  }
}

/** A session: keeps the permission handlers and the onHeadersReceived listener. */
export class FakeSession {
  permissionRequestHandler: ((contents: unknown, permission: string, callback: (granted: boolean) => void) => void) | null = null;
  permissionCheckHandler: ((contents: unknown, permission: string) => boolean) | null = null;
  headersListener: ((details: { url: string; responseHeaders?: Record<string, string[]> }, callback: (response: { responseHeaders?: Record<string, string | string[]> }) => void) => void) | null = null;
  readonly webRequest = {
    onHeadersReceived: (listener: NonNullable<FakeSession['headersListener']>) => {
      this.headersListener = listener;
    },
  };
  setPermissionRequestHandler(handler: FakeSession['permissionRequestHandler']): void {
    this.permissionRequestHandler = handler;
  }
  setPermissionCheckHandler(handler: FakeSession['permissionCheckHandler']): void {
    this.permissionCheckHandler = handler;
  }
  /** Asks for a permission the way a page would; answers whether it was granted. */
  request(permission: string): boolean {
    let granted: boolean | null = null;
    this.permissionRequestHandler?.(null, permission, (answer) => (granted = answer));
    if (granted === null) throw new Error('the permission request was never answered');
    return granted;
  }
}

/** shell: records the URLs it was asked to open. */
export function fakeShell(): { opened: string[]; openExternal(url: string): Promise<void> } {
  const opened: string[] = [];
  return {
    opened,
    openExternal: async (url: string) => {
      opened.push(url);
    },
  };
}

/** screen with the given work areas. */
export function fakeScreen(workAreas: Rect[]): { getAllDisplays(): { workArea: Rect }[] } {
  return { getAllDisplays: () => workAreas.map((workArea) => ({ workArea })) };
}

/** ipcMain: handlers by channel (a second handle on one channel throws, as in Electron) plus listeners. */
export class FakeIpcMain extends EventEmitter {
  readonly handlers = new Map<string, (event: unknown, ...args: unknown[]) => unknown>();
  readonly handleCounts = new Map<string, number>();

  handle(channel: string, handler: (event: unknown, ...args: unknown[]) => unknown): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
    this.handleCounts.set(channel, (this.handleCounts.get(channel) ?? 0) + 1);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** What ipcRenderer.invoke would get back. */
  async invoke(channel: string, event: unknown, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return handler(event, ...args);
  }
}

/** The IPC event main receives from a page: its sender contents and frame. */
export function ipcEvent(sender: FakeWebContents, frame: { url: string; parent: unknown } | null): { sender: FakeWebContents; senderFrame: typeof frame } {
  return { sender, senderFrame: frame };
}

/** ipcRenderer: records invokes and sends; `deliver` plays a message from main to the 'on' listeners. */
export class FakeIpcRenderer extends EventEmitter {
  readonly invoked: { channel: string; args: unknown[] }[] = [];
  readonly sentToMain: { channel: string; args: unknown[] }[] = [];
  answer: (channel: string, ...args: unknown[]) => Promise<unknown> = async () => ({ ok: true, value: null });

  invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    this.invoked.push({ channel, args });
    return this.answer(channel, ...args);
  }
  send(channel: string, ...args: unknown[]): void {
    this.sentToMain.push({ channel, args });
  }
  deliver(channel: string, message: unknown): void {
    this.emit(channel, { sender: this }, message);
  }
}

/** contextBridge: records what was exposed under which key. */
export function fakeContextBridge(): { exposed: Map<string, unknown>; exposeInMainWorld(key: string, api: unknown): void } {
  const exposed = new Map<string, unknown>();
  return {
    exposed,
    exposeInMainWorld(key: string, api: unknown) {
      if (exposed.has(key)) throw new Error(`Cannot bind an API on top of an existing property on the window object: ${key}`);
      exposed.set(key, api);
    },
  };
}

/** app: paths, the single-instance lock, ready, and quit with a preventable 'before-quit'. */
export class FakeApp extends EventEmitter {
  readonly paths = new Map<string, string>();
  readonly calls: string[] = [];
  name = 'orrery';
  isPackaged = false;
  hasLock = true;
  quitCount = 0;
  quitted = false;
  private readonly ready: Promise<void>;
  private markReady!: () => void;

  constructor(userData: string) {
    super();
    this.paths.set('userData', userData);
    this.ready = new Promise((resolve) => (this.markReady = resolve));
  }
  setName(name: string): void {
    this.name = name;
  }
  setPath(name: string, value: string): void {
    this.paths.set(name, value);
  }
  getPath(name: string): string {
    const value = this.paths.get(name);
    if (!value) throw new Error(`no path ${name}`);
    return value;
  }
  getVersion(): string {
    return '9.9.9-test';
  }
  requestSingleInstanceLock(): boolean {
    this.calls.push('requestSingleInstanceLock');
    return this.hasLock;
  }
  whenReady(): Promise<void> {
    return this.ready;
  }
  becomeReady(): void {
    this.markReady();
  }
  quit(): void {
    this.quitCount += 1;
    const event = fakeEvent();
    this.emit('before-quit', event);
    if (!event.defaultPrevented) this.quitted = true;
  }
  exit(): void {
    this.quitted = true;
  }
}

/** dialog: records showOpenDialog calls and answers the configured result. */
export function fakeDialog(result: { canceled: boolean; filePaths: string[] }): {
  calls: unknown[][];
  showOpenDialog(...args: unknown[]): Promise<{ canceled: boolean; filePaths: string[] }>;
} {
  const calls: unknown[][] = [];
  return {
    calls,
    showOpenDialog: async (...args: unknown[]) => {
      calls.push(args);
      return result;
    },
  };
}

/**
 * utilityProcess.fork for real: a Node child process whose `process.parentPort` is emulated over the IPC
 * channel by a preloaded shim (what Electron provides natively), so the real worker runs unmodified and
 * speaks over parentPort exactly as under Electron. The returned object has UtilityProcess's surface.
 */
export class FakeUtilityProcessModule {
  readonly forks: { modulePath: string; args: string[] | undefined; options: unknown; child: FakeUtilityChild }[] = [];

  fork(modulePath: string, args?: string[], options?: unknown): FakeUtilityChild {
    const child = new FakeUtilityChild(modulePath, args ?? []);
    this.forks.push({ modulePath, args, options, child });
    return child;
  }
}

/** One forked utility process (see FakeUtilityProcessModule). */
export class FakeUtilityChild extends EventEmitter {
  readonly process: ChildProcess;
  private spawned = false;
  private readonly queue: unknown[] = [];

  constructor(modulePath: string, args: string[]) {
    super();
    const shim = path.join(__dirname, 'fixtures', 'parent-port-shim.cjs');
    this.process = fork(modulePath, args, { execArgv: ['--require', shim], stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
    this.process.on('spawn', () => {
      this.spawned = true;
      for (const message of this.queue.splice(0)) this.process.send(message as object);
      this.emit('spawn');
    });
    this.process.on('message', (message) => this.emit('message', message));
    this.process.on('exit', (code, signal) => this.emit('exit', code ?? (signal ? 1 : 0)));
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  postMessage(message: unknown): void {
    // Electron queues messages posted before the process is up; so does this.
    if (this.spawned && this.process.connected) this.process.send(message as object);
    else if (!this.spawned) this.queue.push(message);
  }

  kill(): boolean {
    return this.process.kill('SIGTERM');
  }
}

/** Polls `probe` every 20 ms until it answers something truthy; throws naming `what` after `limitMs`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false, limitMs = 15_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
