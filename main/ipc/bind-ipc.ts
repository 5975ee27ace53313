import type { IpcMain, IpcMainEvent, IpcMainInvokeEvent, WebContents } from 'electron';
import { callChannel, callNames, eventChannels, isEventName, type BridgeResult, type EventName } from '../../app/contract';
import type { Dispatch } from '../core/dispatch';
import { anyId, type BusEvent, type EventBus } from '../core/event-bus';
import type { Logger } from '../core/logger';

/** The sender of an IPC message, as far as the binding needs it. */
export type IpcSender = Pick<WebContents, 'id' | 'send' | 'isDestroyed' | 'on' | 'once' | 'removeListener'>;

/** The part of an IPC event the binding reads: who sent it (checked first) and from which frame. */
export type IpcEventLike = Pick<IpcMainEvent | IpcMainInvokeEvent, 'senderFrame'> & { readonly sender: IpcSender };

/** The part of ipcMain the binding registers on (a fake in tests). */
export type IpcMainLike = Pick<IpcMain, 'handle' | 'removeHandler' | 'on' | 'removeListener'>;

/** What the binding needs: Electron's ipcMain, the core's dispatcher and bus, and the sender check. */
export interface BindIpcOptions {
  readonly ipcMain: IpcMainLike;
  readonly dispatch: Dispatch;
  readonly bus: Pick<EventBus, 'subscribe'>;
  /** True when the message comes from the app page's top frame (see createSenderCheck). */
  readonly isTrustedSender: (event: IpcEventLike) => boolean;
  readonly logger: Logger;
}

/** Longest id a subscription may name (the same bound as the WebSocket frames). */
const maxIdLength = 200;

const forbidden: BridgeResult = {
  ok: false,
  error: { code: 'forbidden', message: 'This call came from a page that is not Orrery; it was refused.' },
};

/** The events one window asked for: per event, the ids it wants and the one bus subscription feeding them. */
interface WindowSubscriptions {
  readonly sender: IpcSender;
  readonly byEvent: Map<EventName, { readonly ids: Set<string>; readonly unsubscribe: () => void }>;
  readonly onDestroyed: () => void;
  readonly onNavigation: (details: { readonly isMainFrame: boolean; readonly isSameDocument: boolean }) => void;
}

function frameUrl(event: IpcEventLike): string {
  try {
    return event.senderFrame?.url.slice(0, 200) ?? '(no frame)';
  } catch {
    return '(frame gone)';
  }
}

function readSubscription(request: unknown): { event: EventName; id: string } | null {
  if (typeof request !== 'object' || request === null) return null;
  const { event, id } = request as { event?: unknown; id?: unknown };
  if (!isEventName(event) || typeof id !== 'string' || id.length > maxIdLength) return null;
  return { event, id };
}

/** One `ipcMain.handle` per contract call, in one loop; the sender is checked before the dispatcher runs. */
function bindCalls(options: BindIpcOptions): () => void {
  const { ipcMain, dispatch, isTrustedSender, logger } = options;
  for (const name of callNames) {
    ipcMain.handle(callChannel(name), async (event: IpcMainInvokeEvent, input: unknown): Promise<BridgeResult> => {
      if (!isTrustedSender(event)) {
        logger.warn('refused a call from an untrusted sender', { call: name, url: frameUrl(event) });
        return forbidden;
      }
      return dispatch(name, input, { host: 'electron', clientId: `wc-${event.sender.id}` });
    });
  }
  return () => {
    for (const name of callNames) ipcMain.removeHandler(callChannel(name));
  };
}

/**
 * Event subscriptions per window. One bus subscription per (window, event) over every id; the window's id
 * set filters, so a message reaches a window at most once even when it asked for an id and the wildcard.
 */
class WindowEvents {
  private readonly windows = new Map<number, WindowSubscriptions>();

  constructor(private readonly bus: BindIpcOptions['bus']) {}

  subscribe(sender: IpcSender, event: EventName, id: string): void {
    const subscriptions = this.windowOf(sender);
    const entry = subscriptions.byEvent.get(event);
    if (entry) {
      entry.ids.add(id);
      return;
    }
    const ids = new Set([id]);
    const forward = (message: BusEvent) => {
      if (!ids.has(message.id) && !ids.has(anyId)) return;
      if (sender.isDestroyed()) return;
      sender.send(eventChannels.deliver, { event: message.event, id: message.id, payload: message.payload });
    };
    subscriptions.byEvent.set(event, { ids, unsubscribe: this.bus.subscribe(event, anyId, forward) });
  }

  unsubscribe(sender: IpcSender, event: EventName, id: string): void {
    const subscriptions = this.windows.get(sender.id);
    const entry = subscriptions?.byEvent.get(event);
    if (!subscriptions || !entry) return;
    entry.ids.delete(id);
    if (entry.ids.size > 0) return;
    entry.unsubscribe();
    subscriptions.byEvent.delete(event);
    if (subscriptions.byEvent.size === 0) this.release(subscriptions);
  }

  dispose(): void {
    for (const subscriptions of [...this.windows.values()]) this.release(subscriptions);
  }

  private windowOf(sender: IpcSender): WindowSubscriptions {
    const existing = this.windows.get(sender.id);
    if (existing) return existing;
    const created: WindowSubscriptions = {
      sender,
      byEvent: new Map(),
      onDestroyed: () => this.release(created),
      // A reload or crash starts a new page that subscribes afresh; the old page's subscriptions go.
      onNavigation: (details) => {
        if (details.isMainFrame && !details.isSameDocument) this.release(created);
      },
    };
    sender.once('destroyed', created.onDestroyed);
    sender.once('render-process-gone', created.onDestroyed);
    sender.on('did-start-navigation', created.onNavigation);
    this.windows.set(sender.id, created);
    return created;
  }

  private release(subscriptions: WindowSubscriptions): void {
    for (const entry of subscriptions.byEvent.values()) entry.unsubscribe();
    subscriptions.byEvent.clear();
    subscriptions.sender.removeListener('destroyed', subscriptions.onDestroyed);
    subscriptions.sender.removeListener('render-process-gone', subscriptions.onDestroyed);
    subscriptions.sender.removeListener('did-start-navigation', subscriptions.onNavigation);
    this.windows.delete(subscriptions.sender.id);
  }
}

/** The subscribe/unsubscribe channels: sender checked, event name checked against the contract. */
function bindEvents(options: BindIpcOptions): () => void {
  const { ipcMain, isTrustedSender, logger } = options;
  const events = new WindowEvents(options.bus);
  const onSubscribe = (event: IpcMainEvent, request: unknown) => {
    if (!isTrustedSender(event)) return logger.warn('refused a subscription from an untrusted sender', { url: frameUrl(event) });
    const wanted = readSubscription(request);
    if (!wanted) return logger.warn('ignored a malformed subscription', { request: JSON.stringify(request)?.slice(0, 200) });
    events.subscribe(event.sender, wanted.event, wanted.id);
  };
  const onUnsubscribe = (event: IpcMainEvent, request: unknown) => {
    if (!isTrustedSender(event)) return logger.warn('refused an unsubscription from an untrusted sender', { url: frameUrl(event) });
    const wanted = readSubscription(request);
    if (wanted) events.unsubscribe(event.sender, wanted.event, wanted.id);
  };
  ipcMain.on(eventChannels.subscribe, onSubscribe);
  ipcMain.on(eventChannels.unsubscribe, onUnsubscribe);
  return () => {
    ipcMain.removeListener(eventChannels.subscribe, onSubscribe);
    ipcMain.removeListener(eventChannels.unsubscribe, onUnsubscribe);
    events.dispose();
  };
}

/**
 * Binds the whole contract to Electron IPC: one `ipcMain.handle` per call, registered in one loop; every
 * handler checks the sender before the dispatcher (which parses the input) sees anything. Event
 * subscriptions are kept per window and end when its contents are destroyed, crash or load a new page.
 * Answers dispose().
 */
export function bindContractToIpc(options: BindIpcOptions): () => void {
  const unbindCalls = bindCalls(options);
  const unbindEvents = bindEvents(options);
  return () => {
    unbindCalls();
    unbindEvents();
  };
}
