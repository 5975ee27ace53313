import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import type { TerminalInfo } from '../../../app/models';
import type { OrreryClient } from '../../client/types';
import { defaultPumpOptions, OutputPump, utf8Length, type OutputKind } from './output-pump';
import { clipboardKeys } from './terminal-keys';
import { terminalFontFamily, terminalTheme } from './terminal-theme';
import { keepLinesFor, terminalScrollback } from '../../../app/lib/terminal-lines';

/** What a session needs from its surroundings. */
export interface SessionOptions {
  readonly theme: 'dark' | 'light';
  readonly fontSize: number;
  readonly mac: boolean;
  /** The shell ended (an event, or it had ended before the page loaded). */
  readonly onExit: (exitCode: number) => void;
}

/** The line written when the shell ends. */
export function exitLine(exitCode: number): string {
  return `\r\n\x1b[2m[process exited with code ${exitCode}]\x1b[0m\r\n`;
}

const resizeDebounceMs = 80;
const progressIntervalMs = 100;
/** The contract's limit for one `terminal.write`; larger pastes go in pieces, in order. */
const maxWriteChars = 64 * 1024;
/** Live output processed is acknowledged to main in steps of this many characters (and whenever xterm is idle). */
const ackStepChars = 128 * 1024;

/**
 * One terminal on the page: an xterm.js Terminal bound to a main-side terminal through the client. Output from
 * before the page loaded comes from `terminal.replay`; live output from `terminal.data`, subscribed first and
 * held until the replay is written so nothing is lost. The container gets `data-terminal-id` and
 * `data-bytes-written` (output bytes xterm.js has processed, updated at most every 100 ms).
 */
export class TerminalSession {
  private readonly term: Terminal;
  private readonly fit = new FitAddon();
  private pump: OutputPump;
  private readonly stops: (() => void)[] = [];
  private exitShown = false;
  private bytesWritten = 0;
  /** Bytes main left out of the output not yet counted (they count with the next live write). */
  private skippedBytes = 0;
  private unacked = 0;
  private resizeTimer: ReturnType<typeof setTimeout> | undefined;
  private progressTimer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;

  constructor(
    private readonly client: OrreryClient,
    private readonly info: TerminalInfo,
    private readonly element: HTMLElement,
    private readonly options: SessionOptions,
  ) {
    this.term = new Terminal({
      fontFamily: terminalFontFamily,
      fontSize: options.fontSize,
      theme: terminalTheme(options.theme),
      cols: info.cols,
      rows: info.rows,
      scrollback: terminalScrollback,
      cursorBlink: true,
    });
    this.term.loadAddon(this.fit);
    this.term.attachCustomKeyEventHandler(clipboardKeys(this.term, options.mac, navigator.clipboard));
    this.term.open(element);
    element.dataset.terminalId = info.id;
    element.dataset.bytesWritten = '0';
    this.pump = this.newPump();
    const input = this.term.onData((data) => this.send(data));
    const resize = this.term.onResize(() => this.scheduleResize());
    this.stops.push(() => input.dispose(), () => resize.dispose());
    this.connect();
    this.watchConnection();
  }

  /** Fits the terminal to its container (skipped while hidden) and tells main the new size. */
  fitToContainer(): void {
    if (this.disposed || this.element.clientWidth === 0 || this.element.clientHeight === 0) return;
    this.fit.fit();
  }

  focus(): void {
    this.term.focus();
  }

  setTheme(theme: 'dark' | 'light'): void {
    this.term.options.theme = terminalTheme(theme);
  }

  setFontSize(size: number): void {
    this.term.options.fontSize = size;
    this.fitToContainer();
  }

  /** Leaves the main-side terminal running (closing it is `terminal.kill`); releases the page's side. */
  dispose(): void {
    this.disposed = true;
    clearTimeout(this.resizeTimer);
    clearTimeout(this.progressTimer);
    for (const stop of this.stops.splice(0)) stop();
    this.pump.dispose();
    this.term.dispose();
  }

  private newPump(): OutputPump {
    return new OutputPump(this.term, (chunk, kind) => this.onWritten(chunk, kind), {
      ...defaultPumpOptions,
      keepLines: () => this.keepLines(),
    });
  }

  /** Lines this terminal can still show (its scrollback and screen, with a margin): output beyond can be left out. */
  private keepLines(): number {
    return keepLinesFor(this.term.rows, this.term.options.scrollback ?? 0);
  }

  /** xterm.js processed a write: count its bytes, acknowledge live output (flow control in main). */
  private onWritten(chunk: string, kind: OutputKind): void {
    if (kind === 'notice') return;
    this.bytesWritten += utf8Length(chunk);
    if (kind === 'live') {
      this.bytesWritten += this.skippedBytes;
      this.skippedBytes = 0;
    }
    this.scheduleProgress();
    if (kind !== 'live') return;
    this.unacked += chunk.length;
    if (this.unacked >= ackStepChars || this.pump.backlog === 0) {
      const chars = this.unacked;
      this.unacked = 0;
      this.client.call('terminal.ack', { id: this.info.id, chars, keepLines: this.keepLines() }).catch(() => undefined);
    }
  }

  /** Subscribes, replays, then lets live output through: events that arrive during the replay wait for it. */
  private connect(): void {
    let held: (() => void)[] | null = [];
    const deliver = (write: () => void) => (held ? held.push(write) : write());
    const stopData = this.client.on('terminal.data', this.info.id, ({ data, skipped }) =>
      deliver(() => {
        // Lines main left out (they would have scrolled out unseen) count as processed with the output after them.
        this.skippedBytes += skipped ?? 0;
        this.pump.push(data);
      }),
    );
    const stopExit = this.client.on('terminal.exit', this.info.id, ({ exitCode }) => deliver(() => this.showExit(exitCode)));
    this.stops.push(stopData, stopExit);
    this.client
      .call('terminal.replay', { id: this.info.id })
      .then(({ data }) => {
        if (!this.disposed) this.pump.push(data, 'replay');
      })
      .catch(() => undefined)
      .finally(() => {
        const waiting = held ?? [];
        held = null;
        for (const write of waiting) write();
        if (this.info.exitCode !== null) this.showExit(this.info.exitCode);
      });
  }

  /** After the connection to main came back, output may have been missed: redraw from the replay. */
  private watchConnection(): void {
    let lost = false;
    this.stops.push(
      this.client.connection.subscribe((state) => {
        if (state === 'disconnected') lost = true;
        if (state !== 'connected' || !lost || this.disposed) return;
        lost = false;
        this.pump.dispose();
        this.term.reset();
        this.pump = this.newPump();
        this.unacked = 0;
        this.exitShown = false;
        void this.client
          .call('terminal.list', undefined)
          .then((list) => list.find((t) => t.id === this.info.id))
          .then((current) => {
            if (!current || this.disposed) return;
            return this.client.call('terminal.replay', { id: this.info.id }).then(({ data }) => {
              this.pump.push(data, 'replay');
              if (current.exitCode !== null) this.showExit(current.exitCode);
            });
          })
          .catch(() => undefined);
      }),
    );
  }

  private showExit(exitCode: number): void {
    if (this.exitShown || this.disposed) return;
    this.exitShown = true;
    this.pump.push(exitLine(exitCode), 'notice');
    this.options.onExit(exitCode);
  }

  /**
   * Input, in pieces within the contract's limit; both transports keep calls in order, so keystrokes are not
   * made to wait for each other's answers. Input to a closed terminal is dropped quietly.
   */
  private send(data: string): void {
    if (this.exitShown) return;
    for (let start = 0; start < data.length; start += maxWriteChars) {
      this.client.call('terminal.write', { id: this.info.id, data: data.slice(start, start + maxWriteChars) }).catch(() => undefined);
    }
  }

  private scheduleResize(): void {
    clearTimeout(this.resizeTimer);
    this.resizeTimer = setTimeout(() => {
      if (this.disposed || this.exitShown) return;
      const { cols, rows } = this.term;
      this.client.call('terminal.resize', { id: this.info.id, cols, rows }).catch(() => undefined);
    }, resizeDebounceMs);
  }

  private scheduleProgress(): void {
    if (this.progressTimer !== undefined) return;
    this.progressTimer = setTimeout(() => {
      this.progressTimer = undefined;
      if (!this.disposed) this.element.dataset.bytesWritten = String(this.bytesWritten);
    }, progressIntervalMs);
  }
}
