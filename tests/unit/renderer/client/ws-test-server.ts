import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/** A frame the test server received, parsed. */
export type Received = { t: string; seq?: number; name?: string; input?: unknown; event?: string; id?: string };

/**
 * A real WebSocket server on loopback that records every frame and lets a test answer them; stands in for the
 * web host so the transport is tested over a real socket.
 */
export class TestWsServer {
  readonly frames: Received[] = [];
  readonly sockets: WebSocket[] = [];
  private readonly waiters: Array<() => void> = [];
  private constructor(private readonly server: WebSocketServer) {
    server.on('connection', (socket) => {
      this.sockets.push(socket);
      socket.on('message', (data) => {
        this.frames.push(JSON.parse(String(data)) as Received);
        for (const wake of this.waiters.splice(0)) wake();
      });
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  static async start(): Promise<TestWsServer> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(server, 'listening');
    return new TestWsServer(server);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}/ws`;
  }

  /** The newest connection. */
  get socket(): WebSocket {
    const socket = this.sockets[this.sockets.length - 1];
    if (!socket) throw new Error('no connection yet');
    return socket;
  }

  send(frame: unknown, socket: WebSocket = this.socket): void {
    socket.send(JSON.stringify(frame));
  }

  /** Waits (bounded) until `check` holds; re-checked on every frame and connection, and every 20 ms. */
  async until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; frames: ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 20);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  framesOf(t: string): Received[] {
    return this.frames.filter((frame) => frame.t === t);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.terminate();
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }
}
